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
        # Reached through the proxy only: no service publishes its HTTP port.
        assert not any(p.endswith(f":{port}") for p in services[name].get("ports", []))
        assert re.search(
            rf"127\.0\.0\.1:{port}/health", " ".join(services[name]["healthcheck"]["test"])
        )


def _only_on_one_machine(value: object) -> bool:
    return "127.0.0.1" in str(value) or "localhost" in str(value)


def test_each_service_is_given_every_setting_a_deployment_needs() -> None:
    """What the code reads and would get wrong in a container: its secrets, the database and
    the brokers, where it listens, and every address whose default is this machine's."""
    services = _compose()["services"]
    for name, settings_cls in SETTINGS.items():
        defaults = settings_cls()
        prefix = settings_cls.model_config.get("env_prefix", "")
        needed = set(defaults.insecure_secrets()) | {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}
        for field, info in settings_cls.model_fields.items():
            alias = info.validation_alias
            variable = alias if isinstance(alias, str) else f"{prefix}{field}".upper()
            if field == "host" or (
                _only_on_one_machine(getattr(defaults, field)) and field != "port"
            ):
                needed.add(variable)
        given = set(services[name]["environment"])
        assert needed - given == set(), f"{name} is not given {sorted(needed - given)}"


def test_the_required_variables_have_no_defaults_and_the_example_names_them() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    example = (ROOT / ".env.example").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert {
        "POSTGRES_PASSWORD",
        "GRAFANA_ADMIN_PASSWORD",
        "NOTIFY_CALLBACK_SECRET",
        "NOTIFY_PUBLIC_BASE_URL",
        "SMTP_HOST",
        "SMS_GATEWAY_URL",
        "DESK_DOMAIN",
    } <= required
    for variable in required:
        assert re.search(rf"^{variable}=", example, re.M), f".env.example lacks {variable}"
    services = _compose()["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    assert "desk:desk@" not in text and "admin/admin" not in text
    grafana = services["grafana"]["environment"]
    assert grafana["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")


def test_the_proxy_is_the_one_way_in_and_the_only_proxy_trusted() -> None:
    compose = _compose()
    services = compose["services"]
    proxy = services["proxy"]
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert "443:443" in proxy["ports"]
    address = proxy["networks"]["desk"]["ipv4_address"]
    for name in SETTINGS:
        assert services[name]["environment"]["TRUSTED_PROXIES"] == address
    caddyfile = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()
    for name, settings_cls in SETTINGS.items():
        assert f"dynamic a {name} {settings_cls().port}" in caddyfile


def test_backups_alerts_and_metrics_are_kept() -> None:
    services = _compose()["services"]
    assert "promdata:/prometheus" in services["prometheus"]["volumes"]
    assert "./deploy/alertmanager:/etc/alertmanager:ro" in services["alertmanager"]["volumes"]
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    [manager] = scrape["alerting"]["alertmanagers"]
    assert manager["static_configs"][0]["targets"] == ["alertmanager:9093"]
    backup = services["backup"]
    assert "backups:/backups" in backup["volumes"]
    assert backup["environment"]["PGPASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_the_ha_profile_runs_three_replicated_brokers() -> None:
    services = _compose()["services"]
    brokers = [services[f"kafka-{n}"] for n in (1, 2, 3)]
    assert all(b["profiles"] == ["ha"] for b in brokers)
    assert services["kafka"]["profiles"] == ["single"], "ha runs the three, not the single one"
    for name in SETTINGS:
        waits = services[name]["depends_on"]
        assert all(waits[f"kafka-{n}"] == {"condition": "service_healthy", "required": False}
                   for n in (1, 2, 3))  # fmt: skip
        assert waits["kafka"]["required"] is False
    assert all(b["healthcheck"]["start_period"] for b in [*brokers, services["kafka"]])
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


def test_every_kafka_client_signs_in_as_its_own_principal_over_tls() -> None:
    services = _compose()["services"]
    setup = services["kafka-setup"]["environment"]
    assert setup["KAFKA_SASL_USERNAME"] == "admin"
    for name in SETTINGS:
        env = services[name]["environment"]
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["KAFKA_SSL_CAFILE"] == "/run/secrets/kafka_ca_pem"
        assert env["KAFKA_SASL_USERNAME"] == name
        variable = f"KAFKA_PASSWORD_{name.upper()}"
        assert f"${{{variable}:?" in env["KAFKA_SASL_PASSWORD"]
        assert f"${{{variable}:?" in setup[variable], "kafka-setup creates its credential"
        assert services[name]["depends_on"]["kafka-setup"] == {
            "condition": "service_completed_successfully"
        }
    for broker in ("kafka", "kafka-1", "kafka-2", "kafka-3"):
        env = services[broker]["environment"]
        assert (
            env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] == "CONTROLLER:PLAINTEXT,CLIENTS:SASL_SSL"
        )
        assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
        assert services[broker]["entrypoint"][-1] == "/opt/desk/kafka-start.sh"
        assert env["KAFKA_ADVERTISED_LISTENERS"].startswith("CLIENTS://")
