"""Who is told what, and when to try again: pure rules, no I/O."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from complaint_desk.contract.events import EventEnvelope
from complaint_desk.contract.events.complaints import Channel as IntakeChannel


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"
    SMS = "sms"


class Kind(StrEnum):
    """What a message is about; each has its templates."""

    SAFETY = "safety_escalated"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    TASK = "task_assigned"
    DISPUTE = "resolution_disputed"
    APPROVAL = "approval_requested"
    STAFF_NAMED = "staff_named"
    REVIEW = "review_opened"
    RECEIPT = "receipt"  # to the complainant: received, what next, when
    PLAN_AGREED = "plan_agreed"
    WORK_DONE = "work_done"
    REFERRED = "referred"
    CALLBACK = "callback"
    CALLBACK_REMINDER = "callback_reminder"
    CALLBACK_PHONE = "callback_phone"
    MERGED = "merged"  # to the complainant: the same problem is handled in another complaint
    ESCALATION_REQUESTED = "escalation_requested"  # to the supervisor: a deadline passed
    COMPLAINANT_MESSAGE = "complainant_message"  # to the owner: the complainant added something
    INSPECTION_MISSED = "inspection_missed"  # to the supervisor: a visit not reported done
    PROBLEM_VERIFIED = "problem_verified"  # to the supervisor: confirm or reopen
    PERIODIC_REPORT = "periodic_report"  # to supervisors and managers: the week's or month's
    EVENT = "event"  # a subscriber's copy of any event
    TEST = "test"  # a site admin checks that a directory entry reaches its person


@dataclass(frozen=True)
class StaffAlert:
    """Tell whoever holds ``role`` at the complaint's site."""

    role: str
    kind: Kind


def staff_alerts(event: EventEnvelope) -> list[StaffAlert]:
    """The duty desk's escalation rules."""
    data = event.data
    match event.event_type:
        case "ComplaintReceived" if data.get("about_staff"):  # objectivity: ISO 10002
            return [StaffAlert("supervisor", Kind.STAFF_NAMED)]
        case "SafetyEscalated":
            return [StaffAlert("supervisor", Kind.SAFETY)]
        case "ResolutionDisputed":  # 上報上級協調: the supervisor coordinates
            return [StaffAlert("supervisor", Kind.DISPUTE)]
        case "ResolutionProposed" if data.get("needs_approval"):
            return [StaffAlert("supervisor", Kind.APPROVAL)]
        case "ReviewOpened":  # 復核程序: the supervisor reviews
            return [StaffAlert("supervisor", Kind.REVIEW)]
        case "EscalationRequested":  # past a deadline, the complainant asked for them
            return [StaffAlert("supervisor", Kind.ESCALATION_REQUESTED)]
        case "ComplainantMessageAdded":
            return [StaffAlert("assigned_officer", Kind.COMPLAINANT_MESSAGE)]
        case "SlaWarningReached":
            return [StaffAlert(str(data["notify"]), Kind.SLA_WARNING)]
        case "SlaBreached":
            return [StaffAlert(str(data["notify"]), Kind.SLA_BREACH)]
        case "TaskAssigned":
            return [StaffAlert(f"{data['assignee_kind']}:{data['assignee']}", Kind.TASK)]
        case "InspectionMissed":
            return [StaffAlert("supervisor", Kind.INSPECTION_MISSED)]
        case "ProblemVerified":  # the supervisor confirms the outcome or reopens
            return [StaffAlert("supervisor", Kind.PROBLEM_VERIFIED)]
        case "PeriodicReportIssued" if data["site"] == "*":
            return [StaffAlert("manager", Kind.PERIODIC_REPORT)]
        case "PeriodicReportIssued":  # the site's supervisor, and the organisation's managers
            return [StaffAlert("supervisor", Kind.PERIODIC_REPORT),
                    StaffAlert("manager", Kind.PERIODIC_REPORT)]  # fmt: skip
    return []


def complainant_updates(event: EventEnvelope) -> list[Kind]:
    """What the complainant is told as their complaint moves (ISO 10002 asks for each):
    its receipt with the expected response time (once the response clock is known), the
    agreed plan, the work done, and a referral; the handling summary comes with the
    callback (see service.py)."""
    data = event.data
    match event.event_type:
        case "SlaClockStarted" if data["clock"] == "response" and data["cycle"] == 1:
            return [Kind.RECEIPT]
        case "ResolutionAccepted":
            return [Kind.PLAN_AGREED]
        case "TaskCompleted":
            return [Kind.WORK_DONE]
        case "ComplaintReferred":
            return [Kind.REFERRED]
        case "ComplaintMerged":
            return [Kind.MERGED]
    return []


# What co-complainants (merged in) are told besides: the same updates, but not the receipt
# (they had their own) nor the notice of a merge (theirs came when they were merged).
CO_COMPLAINANT_KINDS = frozenset({Kind.PLAN_AGREED, Kind.WORK_DONE, Kind.REFERRED})


# The directory's roles that alerts go to (besides named parties and officers): a site
# without anyone in one of them, here or for every site, is warned of it.
ALERT_ROLES = ("supervisor", "duty_manager", "assigned_officer", "maintenance", "procurement")


# Who is told instead when nobody holds a role (each tried at the complaint's site, then in
# the directory's entry for every site, ``*``): the chain ends at the duty manager.
ESCALATION = ("supervisor", "duty_manager")


def routing_chain(role: str) -> list[str]:
    """The roles to try for an alert to ``role``, in order: a named party (``maintenance:A``)
    falls back to its kind's desk, an officer (``officer:wang``) to the assigned officers'
    desk, and every chain continues to the supervisor and then the duty manager (a missing
    duty manager falls back to the supervisor: someone is always told, or it is an alarm)."""
    chain = [role]
    if ":" in role:
        kind = role.split(":", 1)[0]
        chain.append("assigned_officer" if kind == "officer" else kind)
    return list(dict.fromkeys([*chain, *ESCALATION]))


def preferred_channel(channel: IntakeChannel, phone: str | None, email: str | None) -> str:
    """Call back the way the complainant came in when that is possible."""
    if channel is IntakeChannel.EMAIL and email:
        return ChannelKind.EMAIL
    if phone:
        return ChannelKind.SMS
    return ChannelKind.EMAIL


# Seconds between attempts; the default spans more than three days.
DEFAULT_BACKOFF: tuple[float, ...] = (
    5,
    30,
    120,
    600,
    1800,
    3600,
    7200,
    14400,
    28800,
    43200,
    86400,
    86400,
    86400,
)


def next_delay(
    attempts: int, schedule: tuple[float, ...], rng: random.Random | None = None
) -> float | None:
    """The wait before the next try after ``attempts`` failed ones; None once the schedule is
    spent (the delivery is then dead-lettered). ±20% jitter spreads retries out."""
    if attempts > len(schedule):
        return None
    base = schedule[attempts - 1]
    return base * (0.8 + 0.4 * (rng or random).random())


def spans(schedule: tuple[float, ...]) -> timedelta:
    return timedelta(seconds=sum(schedule))


@dataclass(frozen=True)
class Outgoing:
    dedupe_key: str
    channel: str
    destination: str
    recipient: str
    kind: Kind
    subject: str
    body: str
    payload: dict[str, Any]
    not_before: datetime
    subscription_id: UUID | None = None
    instead_of: str | None = None  # the role the alert was for, when nobody held it
