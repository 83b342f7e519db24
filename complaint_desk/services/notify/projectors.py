"""The notification rules: each complaint and SLA event may queue deliveries — to the staff
the process names, to integrators' subscriptions, to the complainant's callback — in the
consumer's transaction, so an event is queued, and sent, once.

Over 300 lines: the rules for each audience (staff, subscribers, the complainant) share one
event's facts and the batch's reads; the messages' words live in templates and facts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prometheus_client import Counter

from complaint_desk.contract import cloudevents
from complaint_desk.contract.events import DomainEvent, EventEnvelope, utcnow
from complaint_desk.contract.events.complaints import ComplaintReceived
from complaint_desk.contract.events.notifications import (
    CallbackRequested,
    NotificationUnrouted,
)
from complaint_desk.shared import eventstore
from complaint_desk.shared.consumer import applying
from complaint_desk.shared.db import Connection
from complaint_desk.shared.metrics import at_zero
from complaint_desk.shared.privacy import without_personal_data

from . import co_complainants, repository, service
from .batch_reads import BatchReads
from .co_complainants import status_link, thread_of
from .domain import (
    CO_COMPLAINANT_KINDS,
    ChannelKind,
    Kind,
    Outgoing,
    complainant_updates,
    preferred_channel,
    routing_chain,
    staff_alerts,
)
from .facts import case_facts, learning_words, local_time
from .repository import queue
from .service import complainant_outgoing
from .settings import NotifySettings
from .templates import render, sms_text

log = logging.getLogger(__name__)
UNROUTED = Counter("desk_notify_unrouted_total", "Alerts for a role nobody holds", ["kind"])
at_zero(UNROUTED, [(k.value,) for k in Kind])
ACTOR = "system:notify"


def cloudevent_json(event: EventEnvelope) -> dict[str, Any]:
    """The event in CloudEvents structured JSON, as webhook bodies carry it: without the
    complainant's personal data (not even sealed)."""
    _, headers, _ = cloudevents.to_kafka(event)
    attributes = {k.removeprefix("ce_"): v.decode() for k, v in headers if k.startswith("ce_")}
    data = without_personal_data(event.data)
    return {**attributes, "datacontenttype": "application/json", "data": data}


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _values(
    event: EventEnvelope, contact: dict[str, Any] | None, settings: NotifySettings
) -> dict[str, Any]:
    data = without_personal_data(event.data)
    measures = ", ".join(data.get("temporary_measures") or []) or "—"
    case = contact or {}
    facts = case_facts(
        data, case, link=_link(event, settings.console_base_url), zone=settings.timezone,
        now=utcnow(),
    )  # fmt: skip
    return {
        **data,
        **facts,
        **learning_words(data),
        "description_task": data.get("description") or "—",
        "number": case.get("number") or data.get("number") or str(event.stream_id)[:8],
        "site": event.site_id,
        "event_type": event.event_type,
        "percent": round(float(data.get("fraction", 1.0)) * 100),
        "measures": measures,
    }


def _link(event: EventEnvelope, base: str) -> str:
    """Where the console shows what the message is about."""
    page = {
        "problem": f"problems/{event.stream_id}", "inspection": "inspections",
        "report": "reports",
    }.get(event.stream_type, f"complaints/{event.stream_id}")  # fmt: skip
    return f"{base.rstrip('/')}/console/{page}"


class NotificationRules:
    """Tells the supervisor of a safety escalation at once, the escalation ladder of SLA
    warnings and breaches, responsible parties of their tasks, subscribers of what they
    subscribed to, and the complainant, after resolution, through the callback (回訪)."""

    name = "notify.rules"
    stream_types = ("complaint", "sla", "problem", "inspection", "report")

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    async def apply(self, conn: Connection, event: EventEnvelope) -> None:
        await self._apply(conn, event, BatchReads())

    async def apply_all(self, conn: Connection, events: Sequence[EventEnvelope]) -> None:
        """Each event as :meth:`apply` would, in turn, their reads shared (``BatchReads``)."""
        reads = BatchReads()
        for event in events:
            with applying(self.name, event):
                await self._apply(conn, event, reads)

    async def _apply(self, conn: Connection, event: EventEnvelope, reads: BatchReads) -> None:
        written = await self._record_facts(conn, event, reads)
        contact_dict = await reads.contact(conn, event.stream_id, written=written)
        outgoing, unrouted = await self._staff(conn, event, contact_dict)
        outgoing += await self._subscribers(conn, event, contact_dict, reads)
        kinds = complainant_updates(event)
        if event.event_type == ComplaintReceived.__name__:
            kinds.append(Kind.RECEIPT)  # if the response clock was heard of first
        for kind in kinds:
            outgoing += await self._complainant(conn, event, contact_dict, kind)
        produced: list[DomainEvent] = [*unrouted]
        if event.event_type == "ComplaintResolved" and contact_dict:
            outgoing += await co_complainants.copies(
                conn, self.settings, event, contact_dict, Kind.CALLBACK
            )
            callback = await service.open_callback(conn, self.settings, event, contact_dict)
            if callback is not None:
                outgoing.append(callback.outgoing)
                produced.append(
                    CallbackRequested(
                        cycle=callback.cycle, channel=callback.outgoing.channel,
                        expires_at=callback.expires_at,
                    )
                )  # fmt: skip
        produced += await queue(
            conn, event.stream_id, event.site_id, outgoing, cause=event.event_type
        )
        if produced:
            await eventstore.append(
                conn,
                event.stream_id,
                produced,
                event.caused().model_copy(update={"actor": ACTOR}),
                expected_version=None,
            )

    async def _record_facts(
        self, conn: Connection, event: EventEnvelope, reads: BatchReads
    ) -> bool:
        """What the messages of later events will need; whether the contact row was
        written (or anything else: the reads of it are then made again). A new contact row
        is kept as its insert returned it."""
        if event.event_type == ComplaintReceived.__name__:
            reads.wrote_contact(event.stream_id, await self._remember_contact(conn, event))
            return False
        elif event.event_type == "ComplaintReopened":
            await repository.set_cycle(conn, event.stream_id, event.data["cycle"])
        elif event.event_type in ("CallbackRecorded", "ComplaintClosed"):
            # The desk has its answer, or the case is archived: a pending link is withdrawn.
            why = "recorded" if event.event_type == "CallbackRecorded" else "closed"
            await repository.withdraw_callbacks(conn, event.stream_id, why)
        elif event.event_type == "CoComplainantAdded":
            await co_complainants.remember(conn, event)
        elif event.event_type == "CoComplainantRemoved":
            await co_complainants.forget(conn, event)
        elif event.event_type == "OwnerAssigned":
            await repository.set_owner(conn, event.stream_id, event.data["owner"])
        elif event.event_type == "ResolutionProposed":
            d = event.data
            deadline, arrival = _moment(d.get("deadline")), _moment(d.get("expected_arrival"))
            await repository.set_plan(conn, event.stream_id, d["summary"], deadline, arrival)
        elif event.event_type == "ComplaintResolved":
            summary, improvement = event.data["summary"], event.data.get("improvement")
            await repository.set_handling_summary(conn, event.stream_id, summary, improvement)
        elif event.event_type == "SlaClockStarted" and event.data["clock"] == "response":
            due_at = _moment(event.data["due_at"])
            await repository.expect_response(conn, event.stream_id, due_at)
        else:
            return False
        return True

    async def _remember_contact(self, conn: Connection, event: EventEnvelope) -> dict[str, Any]:
        c = ComplaintReceived.model_validate(event.data)
        return await repository.insert_contact(
            conn,
            complaint_id=event.stream_id,
            number=c.number,
            site=c.site,
            preferred_channel=preferred_channel(c.channel, c.phone, c.email),
            phone=c.phone,
            email=c.email,
            receiving_officer=c.receiving_officer,
            received_at=c.received_at,
            location=c.location,
            category=c.category.value,
            description=c.description,
        )

    async def _staff(
        self, conn: Connection, event: EventEnvelope, contact: dict[str, Any] | None
    ) -> tuple[list[Outgoing], list[DomainEvent]]:
        """Messages to the staff the escalation rules name, each along its routing chain;
        an alert nobody along the chain can receive is recorded (NotificationUnrouted)."""
        found: list[Outgoing] = []
        unrouted: list[DomainEvent] = []
        for alert in staff_alerts(event):
            role = alert.role
            if role == "assigned_officer" and contact and contact.get("owner"):
                role = f"officer:{contact['owner']}"  # the complaint's owner, by name
            chain = routing_chain(role)
            reached = None
            for candidate in chain:
                entry = await repository.staff_entry(conn, event.site_id, candidate)
                if entry is not None:
                    reached = candidate
                    break
            if entry is None or reached is None:
                UNROUTED.labels(alert.kind.value).inc()
                log.warning(
                    "nobody to tell", extra={"reason": alert.role[:60], "site": event.site_id}
                )
                unrouted.append(
                    NotificationUnrouted(
                        role=role, kind=alert.kind.value, site=event.site_id, tried=chain
                    )
                )
                continue
            values = _values(event, contact, self.settings)
            subject, body = render(alert.kind, values, entry["locale"])
            if entry["channel"] == ChannelKind.SMS:
                body = sms_text(alert.kind, values, entry["locale"])
            found.append(
                Outgoing(
                    dedupe_key=f"{event.event_id}:{entry['channel']}:{entry['destination']}",
                    channel=entry["channel"], destination=entry["destination"],
                    recipient=reached, kind=alert.kind, subject=subject, body=body,
                    payload=cloudevent_json(event), not_before=utcnow(),
                    instead_of=None if reached == role else role,
                )
            )  # fmt: skip
        return found, unrouted

    async def _complainant(
        self, conn: Connection, event: EventEnvelope, contact: dict[str, Any] | None, kind: Kind
    ) -> list[Outgoing]:
        """The complainant's update of ``kind``, in both languages, their channel's way."""
        if contact is None:
            return []  # the receipt waits for the complaint; nothing else comes before it
        d, zone = event.data, self.settings.timezone
        extra: dict[str, Any] = {}
        dedupe = f"{kind.value}:{event.event_id}"
        if kind is Kind.RECEIPT:
            due = await repository.expected_response(conn, event.stream_id)
            if due is None:
                return []  # the response clock's start sends it
            extra = {
                "due_local": local_time(due, zone),
                "status_link": status_link(self.settings, event.stream_id),
            }
            dedupe = f"receipt:{event.stream_id}"
        elif kind is Kind.MERGED:
            extra = {
                "into_number": d["into_number"],
                "status_link": status_link(self.settings, event.stream_id),
            }
        elif kind is Kind.PLAN_AGREED:
            arrival = contact.get("plan_arrival")
            extra = {
                "plan_summary": contact.get("plan_summary") or "—",
                "plan_deadline_local": local_time(contact.get("plan_deadline"), zone),
                "arrival_zh": f"預計到貨：{local_time(arrival, zone)}。" if arrival else "",
                "arrival_en": f"Expected delivery: {local_time(arrival, zone)}." if arrival else "",
            }
        elif kind is Kind.WORK_DONE:
            note = d.get("note")
            extra = {
                "note_zh": f"說明：{note}。" if note else "",
                "note_en": f"Note: {note}. " if note else "",
            }
        elif kind is Kind.REFERRED:
            extra = {
                "referred_to": d["referred_to"],
                "referral_contact": d.get("contact") or "—",
                "reason": d["reason"],
            }
        mine = complainant_outgoing(
            contact,
            kind,
            "",
            dedupe,
            utcnow(),
            extra,
            thread=thread_of(self.settings, event.stream_id),
        )
        if kind not in CO_COMPLAINANT_KINDS:
            return [mine]
        copies = await co_complainants.copies(conn, self.settings, event, contact, kind, extra)
        return [mine, *copies]

    async def _subscribers(
        self,
        conn: Connection,
        event: EventEnvelope,
        contact: dict[str, Any] | None,
        reads: BatchReads,
    ) -> list[Outgoing]:
        found = []
        for sub in await reads.subscriptions(conn, event.site_id, event.event_type):
            subject, body = render(Kind.EVENT, _values(event, contact, self.settings))
            found.append(
                Outgoing(
                    dedupe_key=f"{event.event_id}:sub:{sub['id']}",
                    channel=sub["channel"], destination=sub["destination"],
                    recipient=f"subscription:{sub['id']}", kind=Kind.EVENT, subject=subject,
                    body=body, payload=cloudevent_json(event), not_before=utcnow(),
                    subscription_id=sub["id"],
                )
            )  # fmt: skip
        return found
