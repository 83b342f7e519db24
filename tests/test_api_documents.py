"""The four services' OpenAPI documents, checked with the official validator
(openapi-spec-validator): valid, every operation summarised and described, every 4xx
declaring the bilingual error body the services really send."""

import importlib
import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from complaint_desk.shared.http import error_body
from complaint_desk.shared.invalid import validation_error_body

SERVICES = ("intake", "sla", "notify", "projections")


def document(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"complaint_desk.services.{service}.app").build_app()
    return app.openapi()


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, item in doc["paths"].items() for m, op in item.items()]


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_is_valid_and_every_operation_is_described(service: str) -> None:
    doc = document(service)
    validate(doc)  # raises with the first invalid part
    bare = [f"{m} {p}" for m, p, op in operations(doc)
            if not op.get("summary") or not op.get("description")]  # fmt: skip
    assert bare == [], f"operations without a summary or a description: {bare}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_4xx_declares_the_error_body(service: str) -> None:
    doc = document(service)
    undeclared = []
    for method, path, op in operations(doc):
        for code, response in op["responses"].items():
            if code.startswith("4") and "ErrorBody" not in json.dumps(response):
                undeclared.append(f"{method} {path} {code}")
        if op.get("security"):
            assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"
    assert undeclared == []
    assert "HTTPValidationError" not in json.dumps(doc), "FastAPI's unused 422 shape is gone"


def test_the_error_body_schema_fits_what_the_services_send() -> None:
    doc = document("intake")
    schema = {"$ref": "#/components/schemas/ErrorBody", "components": doc["components"]}
    validator = Draft202012Validator(schema)
    sent = [
        error_body("not_found", "No complaint x", "查無此投訴"),
        error_body("merge_refused", "no", "不可", reason="closed", field="into"),
        validation_error_body(
            [{"type": "missing", "loc": ("body", "site"), "msg": "Field required", "input": {}}]
        ),
    ]
    for body in sent:
        assert list(validator.iter_errors(body)) == [], body
    assert list(validator.iter_errors({"detail": "Not Found"})), "FastAPI's own shape is not it"


@pytest.mark.parametrize("service", SERVICES)
def test_every_json_body_and_answer_has_an_example_that_fits_its_schema(service: str) -> None:
    doc = document(service)
    lacking = []
    for method, path, op in operations(doc):
        media = [("request", op.get("requestBody", {}).get("content", {}).get("application/json"))]
        media += [(code, r.get("content", {}).get("application/json"))
                  for code, r in op["responses"].items() if code[0] in "24"]  # fmt: skip
        for where, m in media:
            if m is None:
                continue
            examples = (
                [m["example"]]
                if "example" in m
                else [e.get("value", e) for e in (m.get("examples") or {}).values()]
            )
            if not examples and "examples" in m.get("schema", {}):
                examples = m["schema"]["examples"]
            if not examples:
                lacking.append(f"{method} {path} {where}")
                continue
            checker = Draft202012Validator({**m["schema"], "components": doc["components"]})
            for value in examples:
                assert list(checker.iter_errors(value)) == [], f"{method} {path} {where}: {value}"
    assert lacking == [], f"without an example: {lacking}"


QUANTITY = re.compile(
    r"(_seconds|_p50|_p90|_days|_hours|_minutes|_bytes|rate|^seconds|^minutes|^hours|"
    r"^business_days|^days|^satisfaction|^rating)$"
)


@pytest.mark.parametrize("service", SERVICES)
def test_every_quantity_says_its_unit(service: str) -> None:
    schemas = document(service)["components"]["schemas"]
    silent = [f"{name}.{prop}" for name, schema in schemas.items()
              for prop, spec in (schema.get("properties") or {}).items()
              if QUANTITY.search(prop) and not spec.get("description")]  # fmt: skip
    assert silent == [], f"say the unit (seconds, business days, 0 to 1, …) of {silent}"
