"""Open311's two formats: JSON, and XML with the spec's element names (``services/service``,
``service_requests/request``, ``errors/error``)."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from fastapi.responses import Response

# The XML element of a list, and of each of its items.
ROOTS = {
    "services": "service", "service_requests": "request", "errors": "error",
    "attributes": "attribute", "values": "value",
}  # fmt: skip


def _xml(name: str, value: Any) -> str:
    if isinstance(value, list):
        item = ROOTS.get(name, "item")
        return f"<{name}>" + "".join(_xml(item, v) for v in value) + f"</{name}>"
    if isinstance(value, dict):
        inner = "".join(_xml(k, v) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    if value is None:
        return f"<{name}/>"
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """``value`` in ``fmt`` (json or xml); ``root``: the XML document's element."""
    if fmt == "xml":
        body = '<?xml version="1.0" encoding="utf-8"?>' + _xml(root, value)
        return Response(body, status, media_type="text/xml; charset=utf-8")
    return Response(json.dumps(value, ensure_ascii=False), status, media_type="application/json")


def error(fmt: str, status: int, description: str) -> Response:
    return answer(fmt, "errors", [{"code": status, "description": description}], status)
