import random
from datetime import timedelta
from uuid import uuid4

import pytest

from services.notify.callbacks import BadToken, make_token, read_token
from services.notify.channels import PermanentFailure
from services.notify.channels.targets import check_url
from services.notify.domain import (
    DEFAULT_BACKOFF,
    Kind,
    StaffAlert,
    next_delay,
    spans,
    staff_alerts,
)
from services.notify.templates import render, sms_text
from shared.events import EventEnvelope, Metadata, utcnow
from shared.events.complaints import SafetyEscalated, TaskAssigned
from shared.events.sla import SlaBreached, SlaWarningReached


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
    assert subject == "【時效逾期】HQ-1"
    assert "響應時效" in body and "breached its response target" in body
    subject_en, body_en = render(Kind.CALLBACK, {"number": "HQ-1", "link": "http://x/cb"}, "en")
    assert subject_en.startswith("Your complaint") and body_en.index("http://x/cb") < body_en.index(
        "您好"
    )
    assert sms_text(Kind.CALLBACK, {"number": "HQ-1", "link": "L"}) == (
        "您好，您反映的問題（HQ-1）已處理完成。請點選連結告訴我們您是否滿意：L"
    )


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
