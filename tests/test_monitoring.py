"""Prometheus config and alert rules, checked and unit-tested with promtool (Debian's
prometheus package, which .ci/run installs)."""

import importlib
import re
import subprocess
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from complaint_desk.shared import metrics
from complaint_desk.tools.devstack.stack import SERVICES
from tests.prometheus_server import debian_binary

PROMETHEUS = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"


def _promtool() -> str:
    return debian_binary("promtool")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_promtool(), *args], cwd=PROMETHEUS, capture_output=True, text=True)


def test_the_scrape_config_and_the_rules_are_valid() -> None:
    checked = _run("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_alert_rule_has_a_passing_unit_test() -> None:
    tested = _run("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"][0]["rules"]
    cases = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())["tests"]
    covered = {t["alertname"] for case in cases for t in case.get("alert_rule_test", [])}
    assert {r["alert"] for r in rules} == covered


def test_rules_only_use_metrics_the_services_export() -> None:
    for service in SERVICES:  # each service's own metrics are registered when it is imported
        importlib.import_module(f"complaint_desk.services.{service}.app")
    exported = {
        name.removesuffix("_total")
        for collector in list(REGISTRY._collector_to_names)
        for name in REGISTRY._collector_to_names[collector]
    } | {"up"}
    assert {m._name for m in vars(metrics).values() if hasattr(m, "_name")} <= exported
    text = (PROMETHEUS / "alerts.yml").read_text()
    used = {re.sub(r"_total$", "", name) for name in re.findall(r"\b(desk_\w+|up)\{", text)}
    used |= {re.sub(r"_total$", "", n) for n in re.findall(r"\b(desk_\w+)\b", text)}
    assert used <= exported, used - exported
