"""The four services' AsyncAPI documents, built from the wire contract and parsed with the
official parser (@asyncapi/parser from npm, on the machine's Node.js): every message each topic
carries, in both directions, with the CloudEvents or signature headers, a valid example of
each, and the configured brokers as servers."""

import importlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from complaint_desk.contract import topics
from complaint_desk.contract.events import event_class, registered_event_types
from complaint_desk.contract.integration import ComplaintCommand, PurchaseUpdate, WorkOrderUpdate
from complaint_desk.shared.runtime import asyncapi_contract

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("intake", "sla", "notify", "projections")
INBOUND = {"WorkOrderUpdate": WorkOrderUpdate, "PurchaseUpdate": PurchaseUpdate,
           "ComplaintCommand": ComplaintCommand}  # fmt: skip


def document(service: str, **env: str) -> dict[str, Any]:
    app = importlib.import_module(f"complaint_desk.services.{service}.app").build_app()
    spec = app.state.runtime.spec
    if env:
        spec.settings = spec.settings.model_copy(update=env)
    return asyncapi_contract.document(spec)


def test_the_official_parser_finds_no_error(tmp_path: Path) -> None:
    node = shutil.which("node")
    parser = ROOT / "node_modules" / "@asyncapi" / "parser"
    assert node and parser.exists(), "make test installs @asyncapi/parser with npm ci"
    files = []
    for service in SERVICES:
        path = tmp_path / f"{service}.json"
        path.write_text(json.dumps(document(service)), encoding="utf-8")
        files.append(str(path))
    parsed = subprocess.run(
        [node, str(ROOT / "tests" / "asyncapi_parse.mjs"), *files], cwd=ROOT,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    assert parsed.stdout.count("parsed errors 0") == len(SERVICES), parsed.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_every_message_of_every_topic_is_documented_with_its_headers(service: str) -> None:
    doc = document(service)
    for channel_id, channel in doc["channels"].items():
        assert ":" not in channel_id, "channel ids name the topic, not a consumer"
        topic = channel["address"]
        names = set(channel["messages"])
        if topic in (topics.WORK_ORDER_UPDATES, topics.PURCHASE_UPDATES, topics.COMPLAINT_COMMANDS):
            assert names <= set(INBOUND)
            continue
        streams = {s for s, t in topics.STREAM_TOPICS.items() if t == topic}
        expected = {n for n, c in registered_event_types().items() if c.stream_type in streams}
        expected |= {n for n, t in topics.INTEGRATION_TOPICS.items() if t == topic}
        assert names == expected, f"{topic}: {sorted(expected ^ names)}"
    for message in doc["components"]["messages"].values():
        signed = message["name"] in INBOUND
        headers = message["headers"]["$ref"].rsplit("/", 1)[-1]
        assert headers == ("SignedHeaders" if signed else "CloudEventHeaders")
        if not signed:
            assert message["correlationId"]["location"] == "$message.header#/ce_correlationid"
        [example] = message["examples"]
        model = INBOUND.get(message["name"]) or event_class(message["name"])
        model.model_validate(example["payload"])  # a valid example of its payload
    operations = {(o["action"], doc["channels"][o["channel"]["$ref"].rsplit("/", 1)[-1]]["address"])
                  for o in doc["operations"].values()}  # fmt: skip
    if service == "intake":
        assert ("send", topics.COMPLAINT_EVENTS) in operations
        assert ("receive", topics.WORK_ORDER_UPDATES) in operations
        assert ("send", topics.WORK_ORDERS) in operations
    if service == "notify":
        assert ("receive", topics.SLA_EVENTS) in operations and (
            "send",
            topics.NOTIFY_EVENTS,
        ) in operations


def test_the_servers_are_the_configured_brokers() -> None:
    doc = document("sla", kafka_bootstrap_servers="kafka-1:9092,kafka-2:9092",
                   kafka_security_protocol="SSL")  # fmt: skip
    assert [(s["host"], s["protocol"]) for s in doc["servers"].values()] == [
        ("kafka-1:9092", "kafka-secure"), ("kafka-2:9092", "kafka-secure"),
    ]  # fmt: skip
