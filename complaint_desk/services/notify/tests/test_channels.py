"""Each channel against a real server the test starts."""

import json
from collections.abc import AsyncIterator
from uuid import uuid4

import aiohttp
import pytest

from complaint_desk.services.notify.api import new_secret
from complaint_desk.services.notify.channels import (
    Gone,
    Message,
    PermanentFailure,
    TemporaryFailure,
)
from complaint_desk.services.notify.channels.email import EmailChannel
from complaint_desk.services.notify.channels.sms import SmsChannel
from complaint_desk.services.notify.channels.webhook import WebhookChannel
from tests.receivers import HttpSink, SmtpSink

EVENT = {"specversion": "1.0", "id": "e1", "type": "tw.facilities.complaints.ComplaintClosed",
         "source": "/facilities/complaint", "data": {"note": "歸檔"}}  # fmt: skip


def _message(destination: str, *secrets: str) -> Message:
    return Message(uuid4(), destination, "主旨 subject", "內容 body", EVENT, tuple(secrets))


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.0)) as c:
        yield c


async def test_webhooks_are_signed_and_verify_with_either_secret_during_rotation(
    http_sink: HttpSink, client: aiohttp.ClientSession
) -> None:
    old, new = new_secret(), new_secret()
    http_sink.secrets["rotating"] = [old, new]
    channel = WebhookChannel(client, allow_loopback=True)
    message = _message(http_sink.url("rotating"), new, old)
    await channel.send(message)
    [received] = http_sink.for_hook("rotating")
    assert set(received["verified_with"]) == {old, new}
    assert received["headers"]["webhook-id"] == str(message.delivery_id)
    assert received["headers"]["content-type"] == "application/cloudevents+json"
    assert json.loads(received["body"]) == EVENT
    http_sink.secrets["stranger"] = [new_secret()]
    await channel.send(_message(http_sink.url("stranger"), new))
    assert http_sink.for_hook("stranger")[0]["verified_with"] == [], "a wrong secret fails"


@pytest.mark.parametrize(
    ("behavior", "failure"),
    [
        ("gone", Gone),
        ("redirect", PermanentFailure),
        ("fail", TemporaryFailure),
        ("slow", TemporaryFailure),
    ],
)
async def test_webhook_failures_are_classified(
    http_sink: HttpSink, client: aiohttp.ClientSession, behavior: str, failure: type[Exception]
) -> None:
    http_sink.behaviors[behavior] = behavior
    with pytest.raises(failure):
        await WebhookChannel(client, allow_loopback=True).send(
            _message(http_sink.url(behavior), new_secret())
        )
    assert http_sink.for_hook("elsewhere") == [], "the redirect was not followed"


async def test_webhooks_to_loopback_are_refused_unless_allowed(
    http_sink: HttpSink, client: aiohttp.ClientSession
) -> None:
    with pytest.raises(PermanentFailure, match="inside the network"):
        await WebhookChannel(client).send(_message(http_sink.url("refused"), new_secret()))
    assert http_sink.for_hook("refused") == []


async def test_email_over_smtp(smtp_sink: SmtpSink) -> None:
    channel = EmailChannel("127.0.0.1", smtp_sink.port, "desk@example.org")
    await channel.send(
        Message(uuid4(), "chen@example.org", "【時效逾期】HQ-1", "請立即處理。\n\nAct now.", {})
    )
    [mail] = smtp_sink.to("chen@example.org")
    assert mail["Subject"] == "【時效逾期】HQ-1" and mail["From"] == "desk@example.org"
    assert "請立即處理" in mail.get_content()  # type: ignore[attr-defined]
    with pytest.raises(TemporaryFailure):
        await EmailChannel("127.0.0.1", 9, "desk@example.org", timeout=1).send(
            _message("x@example.org")
        )


async def test_sms_through_the_gateway_contract(
    http_sink: HttpSink, client: aiohttp.ClientSession
) -> None:
    channel = SmsChannel(client, http_sink.sms_url, "token")
    message = _message("+886912345678")
    await channel.send(message)
    assert http_sink.sms[-1] == {
        "to": "+886912345678",
        "text": "內容 body",
        "reference": str(message.delivery_id),
    }
    http_sink.sms_behavior = "fail"
    with pytest.raises(TemporaryFailure):
        await channel.send(_message("+886912345678"))
    http_sink.sms_behavior = "refuse"
    with pytest.raises(PermanentFailure):
        await channel.send(_message("+886912345678"))
    http_sink.sms_behavior = "ok"
