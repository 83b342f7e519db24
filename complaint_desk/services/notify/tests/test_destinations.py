import pytest

from complaint_desk.services.notify.destinations import problem, redact, url_problem


@pytest.mark.parametrize(
    ("channel", "destination", "strict", "ok"),
    [
        ("email", "lin@example.org", True, True),
        ("email", "lin@example.org\r\nBcc: x@example.org", True, False),
        ("email", "lin", True, False),
        ("sms", "+886912345678", True, True),
        ("sms", "0912-345-678", True, False),  # a directory entry is E.164
        ("sms", "0912-345-678", False, True),  # a complainant's number as typed
        ("sms", "call me", False, False),
        ("webhook", "https://x.example/hook", True, True),
    ],
)  # fmt: skip
def test_destinations_are_checked_per_channel(
    channel: str, destination: str, strict: bool, ok: bool
) -> None:
    assert (problem(channel, destination, strict=strict) is None) is ok


def test_webhooks_need_https_except_in_development() -> None:
    assert url_problem("http://x.example/", allow_http=False)
    assert url_problem("http://127.0.0.1:9/", allow_http=True) is None
    assert url_problem("https://x.example/", allow_http=False) is None


def test_errors_lose_every_address() -> None:
    text = "SMTPRecipientRefused(550, '<chen.xm@example.org>: user unknown'), +886 912 345 678"
    cleaned = redact(text, "sealed-form")
    assert "chen.xm" not in cleaned and "912" not in cleaned
    assert cleaned.startswith("SMTPRecipientRefused(550, '<<email>>: user unknown')")
    assert redact("sent to sealed-form failed", "sealed-form") == "sent to <destination> failed"
