"""A service's AsyncAPI 3 document, from the wire contract itself: every topic it writes or
reads, every message each carries (one per event type, from the streams the topic carries and
the integration events published on it), the CloudEvents headers of our records and the
signature headers of other systems' messages, an example of each message, and the brokers it
is configured for as servers. Validated with the official parser in the tests."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from complaint_desk.contract import topics
from complaint_desk.contract.cloudevents import SPEC_VERSION, TYPE_PREFIX, source_for
from complaint_desk.contract.events import registered_event_types
from complaint_desk.contract.words import EVENT_NAMES
from complaint_desk.shared.auth.signatures import KEY_ID, SIGNATURE
from complaint_desk.shared.runtime.spec import ServiceSpec
from complaint_desk.shared.schema_examples import EXAMPLE_ID, EXAMPLE_TIME, example

REF = "#/components/schemas/{model}"

CLOUDEVENTS_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0, Kafka binary mode: each attribute is a ce_ header.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"],
    "properties": {
        "ce_specversion": {"type": "string", "const": SPEC_VERSION},
        "ce_id": {"type": "string", "format": "uuid", "description": "the event's id: dedupe"},
        "ce_source": {"type": "string", "description": "the stream type's source URI"},
        "ce_type": {"type": "string", "description": f"{TYPE_PREFIX}<event type>"},
        "ce_subject": {"type": "string", "format": "uuid", "description": "the stream id"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_datacontenttype": {"type": "string", "const": "application/json"},
        "ce_streamtype": {"type": "string", "description": "complaint, sla, problem, …"},
        "ce_streamversion": {"type": "string", "description": "its version in its stream"},
        "ce_siteid": {"type": "string", "description": "the site, e.g. HQ"},
        "ce_actor": {"type": "string", "description": "who acted"},
        "ce_relayedby": {"type": "string", "description": "the system that relayed it"},
        "ce_correlationid": {"type": "string", "description": "one request's conversation"},
        "ce_causationid": {"type": "string", "description": "the event that caused it"},
        "ce_schemaversion": {"type": "string", "description": "the payload's schema version"},
        "ce_position": {"type": "string", "description": "its position in the event log"},
    },
}
SIGNED_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The sending integration's signature: HMAC-SHA256 over the topic, the key "
    "id and the SHA-256 of the value, with the integration's signing key.",
    "required": [KEY_ID, SIGNATURE],
    "properties": {
        KEY_ID: {"type": "string", "description": "the integration's key id (desk users add)"},
        SIGNATURE: {"type": "string", "pattern": "^v1=[0-9a-f]{64}$"},
    },
}


def _event_types(topic: str) -> list[type[BaseModel]]:
    """The event classes whose records a topic carries."""
    streams = {stream for stream, carried in topics.STREAM_TOPICS.items() if carried == topic}
    extra = {name for name, carried in topics.INTEGRATION_TOPICS.items() if carried == topic}
    return [
        cls for name, cls in sorted(registered_event_types().items())
        if cls.stream_type in streams or name in extra
    ]  # fmt: skip


def _message(model: type[BaseModel], defs: dict[str, Any], cloudevents: bool) -> dict[str, Any]:
    name = model.__name__
    zh, en = EVENT_NAMES.get(name, (name, name))
    summary = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    payload = example({"$ref": REF.format(model=name)}, defs)
    if cloudevents:
        headers: dict[str, Any] = {
            "ce_specversion": SPEC_VERSION, "ce_id": str(EXAMPLE_ID),
            "ce_source": source_for(getattr(model, "stream_type", "complaint")),
            "ce_type": TYPE_PREFIX + name, "ce_subject": str(EXAMPLE_ID),
            "ce_time": EXAMPLE_TIME.isoformat().replace("+00:00", "Z"),
            "ce_siteid": "HQ", "ce_correlationid": str(EXAMPLE_ID),
        }  # fmt: skip
    else:
        headers = {KEY_ID: str(EXAMPLE_ID), SIGNATURE: "v1=" + "0" * 64}
    message: dict[str, Any] = {
        "name": name, "title": f"{zh} / {en}", "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders" if cloudevents
                    else "#/components/schemas/SignedHeaders"},
        "payload": {"$ref": REF.format(model=name)},
        "examples": [{"name": f"{name}Example", "headers": headers, "payload": payload}],
    }  # fmt: skip
    if cloudevents:
        message["correlationId"] = {"location": "$message.header#/ce_correlationid"}
    if summary:
        message["summary"] = summary
    return message


def _servers(spec: ServiceSpec) -> dict[str, Any]:
    s = spec.settings
    secure = s.kafka_security_protocol.upper() == "SSL"
    return {
        f"broker-{n}": {
            "host": host.strip(), "protocol": "kafka-secure" if secure else "kafka",
            "description": "a broker this deployment is configured with "
            "(KAFKA_BOOTSTRAP_SERVERS)" + ("; mutual TLS" if secure else ""),
        }
        for n, host in enumerate(s.kafka_bootstrap_list, start=1)
        if host.strip()
    }  # fmt: skip


def document(spec: ServiceSpec) -> dict[str, Any]:
    """The service's AsyncAPI document: the topics it publishes (through the outbox), those
    its projectors read, and other systems' topics it reads (``spec.inbound``)."""
    sent = {p.topic: p.description for p in spec.publications}
    read = {topics.topic_for(stream) for projector in spec.projectors
            for stream in projector.stream_types}  # fmt: skip
    own = {t: _event_types(t) for t in {*sent, *read}}
    others = {i.topic: (i.description, list(i.payloads)) for i in spec.inbound}
    models = {m for ms in own.values() for m in ms} | {m for _, ms in others.values() for m in ms}
    _, schemas = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF
    )
    defs: dict[str, Any] = schemas.get("$defs", {})
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in sorted({*own, *others}):
        signed = topic in others
        carried = others[topic][1] if signed else own[topic]
        description = others[topic][0] if signed else sent.get(topic) or (
            f"Records of {', '.join(sorted({getattr(m, 'stream_type', '') for m in carried}))} "
            "streams, read "
            "by this service's projectors (CloudEvents; catch-up from the event store too)."
        )  # fmt: skip
        refs = {}
        for model in carried:
            key = f"{topic}.{model.__name__}"
            messages[key] = _message(model, defs, cloudevents=not signed)
            refs[model.__name__] = {"$ref": f"#/components/messages/{key}"}
        channel_id = topic.replace(".", "-")
        channels[channel_id] = {
            "address": topic, "description": description, "messages": refs,
            "bindings": {"kafka": {"topic": topic, "bindingVersion": "0.5.0"}},
        }  # fmt: skip
        actions = ([("send", "publishes")] if topic in sent else []) + (
            [("receive", "consumes")] if topic in read or signed else []
        )
        for action, verb in actions:
            operations[f"{channel_id}-{action}"] = {
                "action": action, "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{spec.name} {verb} {topic}",
                "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}
                             for name in refs],
            }  # fmt: skip
    return {
        "asyncapi": "3.0.0",
        "info": {"title": spec.title, "version": "0.1.0", "description": spec.description},
        "defaultContentType": "application/json",
        "servers": _servers(spec),
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {
                **defs,
                "CloudEventHeaders": CLOUDEVENTS_HEADERS,
                "SignedHeaders": SIGNED_HEADERS,
            },
        },
    }
