"""What FastAPI leaves out of the OpenAPI documents, added: an example of every JSON request
body and answer (from its schema, where it gives none, and only if it validates), and the
error body every service answers a 4xx with:
``{"error": {code, message, message_zh, fields?, …}}`` on every 4xx of every JSON operation
(including the 422 FastAPI would otherwise describe with its own, unused, shape), except
where a route declared a body of its own (a page's refusal in HTML)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ConfigDict, Field

from complaint_desk.shared.schema_examples import example

DESCRIPTIONS = {
    "400": "Bad request / 請求有誤",
    "401": "No valid token or session / 未登入或權杖無效",
    "403": "Not allowed for your role or site / 角色或院區無此權限",
    "404": "Not found, or not at a site of yours / 查無資料",
    "409": "Not allowed in the current state, or a stale version / 狀態不允許或版本過期",
    "413": "Too large / 內容過大",
    "415": "Not a type accepted / 不支援的內容類型",
    "422": "A field is invalid: the fields are named / 欄位有誤",
    "429": "Too many requests: wait Retry-After seconds / 請求過多",
}


class FieldError(BaseModel):
    model_config = ConfigDict(extra="allow")

    field: str = Field(description="欄位 / the field, dotted for nested ones")
    reason: str
    reason_zh: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="穩定的錯誤代碼 / a stable code, e.g. not_found")
    message: str = Field(description="English")
    message_zh: str = Field(description="繁體中文")
    fields: list[FieldError] | None = Field(None, description="有誤的欄位 / each bad field")


class ErrorBody(BaseModel):
    """What every 4xx says, in both languages."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {
            "code": "not_found", "message": "No complaint 9f1c…",
            "message_zh": "查無此投訴",
        }}]},
    )  # fmt: skip

    error: ErrorDetail


REF = {"$ref": "#/components/schemas/ErrorBody"}


def _own(response: dict[str, Any]) -> bool:
    """Whether a route declared this response's body itself (an HTML page's refusal)."""
    content = response.get("content")
    return bool(content) and "HTTPValidationError" not in json.dumps(content)


def _with_examples(document: dict[str, Any]) -> None:
    defs = document.get("components", {}).get("schemas", {})
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            answers = operation.get("responses", {})
            media = [operation.get("requestBody", {}).get("content", {}).get("application/json")]
            media += [answers[code].get("content", {}).get("application/json")
                      for code in answers if code[0] in "24"]  # fmt: skip
            for m in media:
                if not m or "example" in m or "examples" in m or "schema" not in m:
                    continue
                value = example(m["schema"], defs)
                checker = Draft202012Validator(
                    {**m["schema"], "components": document["components"]}
                )
                if value is not None and not list(checker.iter_errors(value)):
                    m["example"] = value


def declare_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the error body on each operation's 4xx, with 401
    and 403 on guarded ones and 429 everywhere (the rate limit)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (FieldError, ErrorDetail, ErrorBody):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schema.pop("$defs", None)
            schemas[model.__name__] = schema
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if not isinstance(operation, dict):
                    continue
                responses = operation.setdefault("responses", {})
                guarded = bool(operation.get("security"))
                wanted = {c for c in responses if c.startswith("4")} | {"429"}
                if guarded:
                    wanted |= {"401", "403"}
                for code in sorted(wanted):
                    response = responses.setdefault(code, {})
                    response.setdefault("description", DESCRIPTIONS.get(code, "Client error"))
                    if not _own(response):
                        response["content"] = {"application/json": {"schema": REF}}
        _with_examples(document)
        if "HTTPValidationError" not in json.dumps(document.get("paths", {})):
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
