"""Where alerts go and how people get in, checked with the official tools (Debian's
prometheus-alertmanager and caddy, which .ci/run installs): Alertmanager's configuration is
valid and routes by severity and site; the proxy's Caddyfile is valid."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.prometheus_server import debian_binary

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [debian_binary("amtool", "prometheus-alertmanager"), *args], capture_output=True, text=True
    )


def test_the_alertmanager_configuration_is_valid() -> None:
    checked = amtool("check-config", str(CONFIG))
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ("severity=critical site=HQ", "on-call-webhook,hq-facilities-email,operations-email"),
        ("severity=critical site=NORTH", "on-call-webhook,operations-email"),
        ("severity=warning site=HQ", "hq-facilities-email,operations-email"),
        ("severity=warning site=NORTH", "operations-email"),
        ("alertname=ServiceDown severity=critical", "on-call-webhook,operations-email"),
    ],
)
def test_alerts_are_routed_by_severity_and_site(labels: str, receivers: str) -> None:
    routed = amtool("config", "routes", "test", f"--config.file={CONFIG}", *labels.split())
    assert routed.returncode == 0, routed.stderr
    assert routed.stdout.strip() == receivers


def test_the_proxys_caddyfile_is_valid() -> None:
    checked = subprocess.run(
        [debian_binary("caddy", "caddy"), "validate", "--adapter", "caddyfile",
         "--config", str(DEPLOY / "caddy" / "Caddyfile")],
        capture_output=True, text=True, env={**os.environ, "DESK_DOMAIN": "desk.example.org"},
        timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
