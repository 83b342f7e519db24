import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from complaint_desk.contract.events import EventEnvelope, Metadata, utcnow
from complaint_desk.contract.events.complaints import (
    ResolutionProposed,
    ReviewOpened,
    SafetyEscalated,
    TaskAssigned,
)
from complaint_desk.contract.events.sla import SlaBreached, SlaWarningReached
from complaint_desk.services.notify.channels import PermanentFailure
from complaint_desk.services.notify.channels.targets import check_url
from complaint_desk.services.notify.domain import (
    DEFAULT_BACKOFF,
    Kind,
    StaffAlert,
    next_delay,
    routing_chain,
    spans,
    staff_alerts,
)
from complaint_desk.services.notify.facts import case_facts
from complaint_desk.services.notify.service import BadToken, make_token, read_token
from complaint_desk.services.notify.templates import render, sms_text


def _wrap(payload) -> EventEnvelope:  # type: ignore[no-untyped-def]
    return EventEnvelope.wrap(
        payload, stream_id=uuid4(), version=1, metadata=Metadata(site_id="HQ", actor="o")
    )


def test_who_is_told_what() -> None:
    now = utcnow()
    assert staff_alerts(_wrap(SafetyEscalated(reason="smoke"))) == [
        StaffAlert("supervisor", Kind.SAFETY)
    ]
    warning = SlaWarningReached(clock="response", cycle=1, fraction=0.75, notify="supervisor",  # type: ignore[arg-type]
                                due_at=now, reached_at=now)  # fmt: skip
    assert staff_alerts(_wrap(warning)) == [StaffAlert("supervisor", Kind.SLA_WARNING)]
    breach = SlaBreached(
        clock="resolution", cycle=1, notify="duty_manager", due_at=now, reached_at=now
    )  # type: ignore[arg-type]
    assert staff_alerts(_wrap(breach)) == [StaffAlert("duty_manager", Kind.SLA_BREACH)]
    task = TaskAssigned(task_id=uuid4(), assignee_kind="maintenance", assignee="team A",  # type: ignore[arg-type]
                        description="fix", due_at=now)  # fmt: skip
    assert staff_alerts(_wrap(task)) == [StaffAlert("maintenance:team A", Kind.TASK)]


def test_a_new_plan_awaiting_approval_and_a_review_go_to_the_supervisor() -> None:
    proposed = ResolutionProposed(resolution_id=uuid4(), kind="repair", summary="s",  # type: ignore[arg-type]
                                  needs_approval=True)  # fmt: skip
    assert staff_alerts(_wrap(proposed)) == [StaffAlert("supervisor", Kind.APPROVAL)]
    plain = proposed.model_copy(update={"needs_approval": False})
    assert staff_alerts(_wrap(plain)) == []
    assert staff_alerts(_wrap(ReviewOpened(reason="r"))) == [StaffAlert("supervisor", Kind.REVIEW)]


def test_the_default_backoff_spans_three_days_then_gives_up() -> None:
    assert spans(DEFAULT_BACKOFF) >= timedelta(days=3)
    rng = random.Random(7)
    delays = [next_delay(n, DEFAULT_BACKOFF, rng) for n in range(1, len(DEFAULT_BACKOFF) + 2)]
    assert delays[-1] is None, "the cap: dead-lettered after the last retry"
    for delay, base in zip(delays, DEFAULT_BACKOFF, strict=False):
        assert delay is not None and 0.8 * base <= delay <= 1.2 * base  # jitter
    assert len({next_delay(1, DEFAULT_BACKOFF) for _ in range(20)}) > 1, "jitter spreads retries"


def test_templates_in_both_languages() -> None:
    subject, body = render(
        Kind.SLA_BREACH, {"number": "HQ-1", "site": "HQ", "clock": "response", "due_at": "10:00"}
    )
    assert subject == "【時效逾期】HQ-1 響應時效"
    assert "響應時效" in body and "breached its response target" in body
    subject_en, body_en = render(Kind.CALLBACK, {"number": "HQ-1", "link": "http://x/cb"}, "en")
    assert subject_en.startswith("Your complaint") and body_en.index("http://x/cb") < body_en.index(
        "您好"
    )
    sms = sms_text(Kind.CALLBACK, {"number": "HQ-1", "link": "L", "handling_summary": "已更換"})
    assert sms.startswith("您好，您反映的問題（HQ-1）已處理完成。\n處理情況：已更換")
    assert sms.endswith("：L") and "Complaint" not in sms, "one language in an SMS"


def test_the_supervisors_safety_message_says_where_and_what_in_words() -> None:
    data = {"reason": "exposed wiring", "temporary_measures": ["area_cordoned", "supply_isolated"],
            "measures_note": "電工已到場"}  # fmt: skip
    case = {"number": "HQ-7", "location": "B1 配電室", "category": "safety",
            "description": "配電箱冒煙 — smoke from the switchboard"}  # fmt: skip
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    values = {**data, **case_facts(data, case, link="http://desk/c/1", zone="Asia/Taipei", now=now),
              "number": "HQ-7", "site": "HQ"}  # fmt: skip
    subject, body = render(Kind.SAFETY, values, "zh-Hant")
    assert subject == "【安全上報】HQ-7｜HQ B1 配電室"
    zh, en = body.split("\n\n")
    for part in (
        "B1 配電室",
        "配電箱冒煙",
        "封鎖現場、切斷水電氣",
        "電工已到場",
        "http://desk/c/1",
    ):
        assert part in zh
    assert "area cordoned off, supply isolated" in en and "Site: HQ" in en
    assert "area_cordoned" not in body, "measures in words, never codes"


def test_sla_messages_say_which_clock_when_and_how_late() -> None:
    due = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Taipei
    breach = {"clock": "response", "level": "L1", "due_at": due.isoformat()}
    case = {"location": "3F", "description": "漏水", "category": "repair_delay"}
    later = due + timedelta(minutes=75)
    values = case_facts(breach, case, link="L", zone="Asia/Taipei", now=later)
    _, body = render(Kind.SLA_BREACH, {**breach, **values, "number": "HQ-1", "site": "HQ"})
    assert "2026-12-01 09:00" in body and "1 小時 15 分鐘" in body and "1 h 15 min ago" in body
    assert "L1 緊急" in body and "響應時效" in body
    deadline = (due + timedelta(hours=2)).isoformat()
    warning = {"clock": "resolution", "level": "L2", "fraction": 0.5,
               "due_at": due.isoformat(), "deadline": deadline}  # fmt: skip
    values = case_facts(warning, case, link="L", zone="Asia/Taipei", now=due)
    _, body = render(Kind.SLA_WARNING, {**warning, **values, "number": "HQ-1", "percent": 50})
    assert "2026-12-01 11:00" in body and "尚餘 2 小時 0 分鐘" in body


def test_every_alert_falls_back_along_its_chain_to_the_duty_manager() -> None:
    assert routing_chain("supervisor") == ["supervisor", "duty_manager"]
    assert routing_chain("maintenance:team A") == [
        "maintenance:team A", "maintenance", "supervisor", "duty_manager",
    ]  # fmt: skip
    assert routing_chain("officer:wang") == [
        "officer:wang", "assigned_officer", "supervisor", "duty_manager",
    ]  # fmt: skip
    assert routing_chain("duty_manager") == ["duty_manager", "supervisor"]


def test_callback_tokens_are_signed_and_tamper_proof() -> None:
    complaint = uuid4()
    token = make_token("secret", complaint, 2, "0011223344556677")
    assert read_token("secret", token) == (complaint, 2, "0011223344556677")
    with pytest.raises(BadToken):
        read_token("another secret", token)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(BadToken):
        read_token("secret", forged)
    with pytest.raises(BadToken):
        read_token("secret", "not-a-token")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.5/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "ftp://example.org/",
        "http:///nohost",
    ],
)
async def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(PermanentFailure):
        await check_url(url, allow_loopback=False, allowed_hosts=frozenset())


async def test_loopback_can_be_allowed_for_development_but_not_private_ranges() -> None:
    await check_url("http://127.0.0.1:9/hook", allow_loopback=True, allowed_hosts=frozenset())
    with pytest.raises(PermanentFailure):
        await check_url("http://10.0.0.1/", allow_loopback=True, allowed_hosts=frozenset())
    await check_url("http://10.0.0.1/", allow_loopback=False, allowed_hosts=frozenset({"10.0.0.1"}))
