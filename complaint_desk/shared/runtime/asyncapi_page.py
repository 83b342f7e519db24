"""The AsyncAPI document as a page of its own: drawn on the server, so it needs no script
from a CDN and reads the same on an offline network. Each channel, who sends or receives on
it, and each message with its payload's fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (``#/components/…``) to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node


def _type(document: dict[str, Any], schema: dict[str, Any]) -> str:
    schema = _resolve(document, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(_type(document, s) for s in schema[key])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"{_type(document, schema.get('items', {}))}[]"
    kind = str(schema.get("type") or schema.get("title") or "object")
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _payloads(document: dict[str, Any], payload: Any) -> list[dict[str, Any]]:
    """The event types a payload may be (a union names each), with their fields."""
    payload = _resolve(document, payload)
    variants = payload.get("oneOf") or payload.get("anyOf") or [payload]
    found = []
    for variant in variants:
        schema = _resolve(document, variant)
        required = set(schema.get("required", []))
        fields = [
            {
                "name": name, "type": _type(document, spec), "required": name in required,
                "description": _resolve(document, spec).get("description")
                or spec.get("description") or "",
            }
            for name, spec in (schema.get("properties") or {}).items()
        ]  # fmt: skip
        found.append({"title": schema.get("title", "payload"),
                      "description": schema.get("description", ""), "fields": fields})  # fmt: skip
    return found


def render(document: dict[str, Any]) -> str:
    operations = document.get("operations", {})
    channels = []
    for key, channel in document.get("channels", {}).items():
        actions = sorted({op["action"] for op in operations.values()
                          if op.get("channel", {}).get("$ref") == f"#/channels/{key}"})  # fmt: skip
        messages = []
        for message in (channel.get("messages") or {}).values():
            message = _resolve(document, message)
            messages.append({
                "title": message.get("title", ""), "summary": message.get("summary", ""),
                "headers": _payloads(document, message["headers"])[0]["fields"]
                if message.get("headers") else [],
                "payloads": _payloads(document, message.get("payload", {})),
            })  # fmt: skip
        channels.append({"id": key, "address": channel.get("address", key),
                         "description": channel.get("description", ""), "actions": actions,
                         "messages": messages})  # fmt: skip
    return _ENV.get_template("asyncapi.html").render(
        info=document.get("info", {}), servers=document.get("servers", {}), channels=channels,
        version=document.get("asyncapi", ""),
    )  # fmt: skip
