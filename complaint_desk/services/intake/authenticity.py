"""Who sent an inbound message: its signature names an integration, whose grant says which
event types and commands it may send. A message that fails is refused, recorded (auth
refusals, the dead-letter store, a metric) and never applied."""

from __future__ import annotations

import json
import logging
from uuid import UUID

from faststream.kafka.annotations import KafkaMessage

from complaint_desk.shared import metrics
from complaint_desk.shared.auth import Principal, Role, store
from complaint_desk.shared.auth.secrets import signing_key
from complaint_desk.shared.auth.signatures import claimed_key_id, verify
from complaint_desk.shared.dead_letters import park_message
from complaint_desk.shared.runtime import ServiceRuntime

from .service import COMMANDS
from .settings import IntakeSettings

log = logging.getLogger(__name__)
INBOUND_EVENT_TYPES = frozenset({"WorkOrderUpdate", "PurchaseUpdate"})
# Why an inbound message is refused: the metric's reason label.
REFUSAL_REASONS = ("unsigned", "unknown signing key", "bad signature", "not granted")


class Refused(Exception):
    pass


async def _principal(runtime: ServiceRuntime, key_id: str | None) -> Principal | None:
    try:
        pid = UUID(key_id or "")
    except ValueError:
        return None
    found = await store.principal(runtime.pool, pid)
    return found if found is not None and found.role is Role.INTEGRATION else None


async def sender(runtime: ServiceRuntime, msg: KafkaMessage) -> Principal:
    """The integration that signed ``msg``; raises :class:`Refused` (after recording why)."""
    record = msg.raw_message
    assert not isinstance(record, tuple)
    headers = list(record.headers or ())
    value = record.value or b""
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    if not settings.inbound_signatures_required:
        # The broker authenticates clients (mTLS) and its ACLs decide who writes here.
        return Principal(
            UUID(int=0),
            f"mtls:{record.topic}",
            Role.INTEGRATION,
            commands=frozenset(COMMANDS),
            event_types=INBOUND_EVENT_TYPES,
        )
    key_id = claimed_key_id(headers)
    principal = await _principal(runtime, key_id)
    if key_id is None:
        reason = "unsigned"
    elif principal is None:
        reason = "unknown signing key"
    elif not verify(
        signing_key(runtime.settings.integration_signing_secret, str(principal.id)),
        record.topic,
        headers,
        value,
    ):
        reason = "bad signature"
    else:
        return principal
    await refuse(runtime, msg, reason, principal.name if principal else None)
    raise Refused(reason)


# Fields of a refused message that say which message it was and what it was about.
_NAMED = ("complaint_id", "task_id", "command_id", "message_id")


def message_names(
    key: bytes | None, headers: list[tuple[str, bytes]], value: bytes | None
) -> dict[str, str]:
    """What names a refused message, as far as it can be read: its key, its CloudEvents id,
    and the complaint, task, command or message ids its body gives (each at most 100
    characters: a refused body is untrusted)."""
    found: dict[str, str] = {}
    if key:
        found["key"] = key.decode("utf-8", "replace")[:100]
    ce_id = dict(headers).get("ce_id")
    if ce_id:
        found["cloudevents_id"] = ce_id.decode("utf-8", "replace")[:100]
    try:
        body = json.loads(value or b"")
    except ValueError:
        return found
    if isinstance(body, dict):
        for name in _NAMED:
            if isinstance(body.get(name), str):
                found[name] = body[name][:100]
    return found


async def refuse(
    runtime: ServiceRuntime, msg: KafkaMessage, reason: str, principal: str | None
) -> None:
    record = msg.raw_message
    assert not isinstance(record, tuple)
    metrics.AUTH_REFUSED.labels(record.topic, reason.split(":")[0]).inc()
    log.warning("inbound message refused", extra={"topic": record.topic, "reason": reason})
    await store.record_refusal(
        runtime.pool,
        record.topic,
        reason,
        principal,
        partition=record.partition,
        offset=record.offset,
        **message_names(record.key, list(record.headers or ()), record.value),
    )
    await park_message(runtime.pool, f"inbound:{record.topic}", record, f"refused: {reason}")
