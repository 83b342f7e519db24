"""The compose file cannot be run here (no Docker engine), so it is checked instead: valid
against the official Compose schema, and naming only services and settings that exist."""

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from complaint_desk.services.intake.settings import IntakeSettings
from complaint_desk.services.notify.settings import NotifySettings
from complaint_desk.services.projections.settings import ProjectionsSettings
from complaint_desk.services.sla.settings import SlaSettings
from conftest import shared_reference

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = shared_reference() / "schemas" / "compose-spec.json"
SETTINGS = {
    "intake": IntakeSettings,
    "sla": SlaSettings,
    "notify": NotifySettings,
    "projections": ProjectionsSettings,
}


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_is_valid_against_the_official_schema() -> None:
    if not SCHEMA.exists():
        pytest.skip(f"the Compose schema is not beside the repo ({SCHEMA})")
    errors = list(Draft7Validator(json.loads(SCHEMA.read_text())).iter_errors(_compose()))
    assert errors == [], [e.message for e in errors]


def _env_names(settings_cls: type) -> set[str]:
    names = set()
    prefix = settings_cls.model_config.get("env_prefix", "")
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def test_every_compose_service_exists_and_reads_the_variables_it_is_given() -> None:
    services = _compose()["services"]
    for name, settings_cls in SETTINGS.items():
        assert name in services, f"{name} is missing from docker-compose.yml"
        command = services[name]["command"]
        assert command[-1] == f"complaint_desk.services.{name}"
        assert (ROOT / "complaint_desk" / "services" / name / "__main__.py").exists()
        unknown = set(services[name]["environment"]) - _env_names(settings_cls)
        assert unknown == set(), f"{name} is given variables it does not read: {unknown}"
        port = settings_cls().port
        assert any(p.endswith(f":{port}") for p in services[name]["ports"]), "its port published"
        assert re.search(
            rf"127\.0\.0\.1:{port}/health", " ".join(services[name]["healthcheck"]["test"])
        )


def test_the_ha_profile_runs_three_replicated_brokers() -> None:
    services = _compose()["services"]
    brokers = [services[f"kafka-{n}"] for n in (1, 2, 3)]
    assert all(b["profiles"] == ["ha"] for b in brokers)
    assert {b["environment"]["KAFKA_MIN_INSYNC_REPLICAS"] for b in brokers} == {"2"}
    assert {b["environment"]["KAFKA_DEFAULT_REPLICATION_FACTOR"] for b in brokers} == {"3"}
    voters = brokers[0]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert voters.count("@kafka-") == 3


def test_prometheus_and_grafana_are_wired_to_the_repo_config() -> None:
    services = _compose()["services"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    jobs = {c["job_name"]: c["dns_sd_configs"][0] for c in scrape["scrape_configs"]}
    for name, settings_cls in SETTINGS.items():
        assert jobs[f"desk-{name}"] == {"names": [name], "type": "A", "port": settings_cls().port}
    for dashboard in (ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"):
        panels = json.loads(dashboard.read_text())["panels"]
        assert panels and all(p["targets"][0]["expr"] for p in panels)


def test_compose_requires_every_secret_and_the_example_lists_them() -> None:
    services = _compose()["services"]
    example = (ROOT / ".env.example").read_text()
    for name, settings_cls in SETTINGS.items():
        settings = settings_cls()
        for variable in settings.insecure_secrets():  # every secret, at its default
            value = str(services[name]["environment"].get(variable, ""))
            assert re.fullmatch(r"\$\{(\w+):\?[^}]+\}", value), f"{name}: {variable} = {value!r}"
            assert re.search(rf"^{re.escape(value[2:].split(':')[0])}=", example, re.M)
