"""An example value of a JSON schema, for the API documents: a field's own example first,
else the first of a choice, else a plausible value of its type (an object's required fields
only). Deterministic: the same schema gives the same example."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

EXAMPLE_ID = UUID("9f1c2b7e-3f0a-4a55-9a57-1f2e3d4c5b6a")
EXAMPLE_TIME = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
FORMATS = {
    "uuid": str(EXAMPLE_ID), "date-time": EXAMPLE_TIME.isoformat(),
    "date": EXAMPLE_TIME.date().isoformat(), "email": "someone@example.org",
    "uri": "https://desk.example.org/", "time": "08:30:00",
}  # fmt: skip
# Values tried, in order, for a string whose pattern the placeholder does not match.
PATTERNED = ("HQ", "2026-11", "0" * 64, "v1=" + "0" * 64, "WD-3F-01", "08:30-17:30", "a")


def _string(schema: dict[str, Any]) -> str:
    if schema.get("format") in FORMATS:
        return FORMATS[schema["format"]]
    minimum = int(schema.get("minLength", 0))
    text = "示例 example"
    text = text if len(text) >= minimum else text + "x" * (minimum - len(text))
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, text):
        text = next((c for c in PATTERNED if re.search(pattern, c)), text)
    maximum = schema.get("maxLength")
    return text[: int(maximum)] if maximum else text


def example(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """``defs``: the named schemas ``$ref`` points into (by the last part of the reference)."""
    if depth > 12:
        return None
    if "$ref" in schema:
        return example(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, depth + 1)
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example(options[0], defs, depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {n: example(s, defs, depth + 1) for n, s in schema.get("properties", {}).items()
                if n in required}  # fmt: skip
    if kind == "array":
        count = max(int(schema.get("minItems", 0)), 1 if depth == 0 else 0)
        return [example(schema.get("items", {}), defs, depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), int(schema.get("exclusiveMinimum", 0)) + 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(schema)
    return None
