"""A real Prometheus server (Debian's prometheus package, which .ci/run installs) scraping a
running system every second and evaluating the deployment's alert rules."""

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from complaint_desk.tools.devstack.postgres import free_port

RULES = Path(__file__).resolve().parent.parent / "deploy" / "prometheus" / "alerts.yml"


def debian_binary(name: str, package: str = "prometheus") -> str:
    """A program from a Debian package .ci/run installs: a failure in CI, a skip elsewhere."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs Debian's {package} package")
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return found


class PrometheusServer:
    def __init__(self, targets: dict[str, str], root: Path) -> None:
        """``targets``: job name → base URL of a service exposing /metrics."""
        self.targets, self.root = targets, root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> "PrometheusServer":
        self.root.mkdir(parents=True, exist_ok=True)
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES)],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": [urlsplit(url).netloc]}]}
                for job, url in self.targets.items()
            ],
        }
        (self.root / "prometheus.yml").write_text(yaml.safe_dump(config))
        log = (self.root / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                debian_binary("prometheus"),
                f"--config.file={self.root / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.root / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # waiting for the server itself, not for a result
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited; see {self.root / 'prometheus.log'}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("prometheus did not become ready")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    async def query(self, client: httpx.AsyncClient, expr: str) -> list[dict[str, Any]]:
        r = await client.get(f"{self.url}/api/v1/query", params={"query": expr})
        r.raise_for_status()
        result: list[dict[str, Any]] = r.json()["data"]["result"]
        return result

    async def firing(self, client: httpx.AsyncClient, alert: str) -> list[dict[str, Any]]:
        r = await client.get(f"{self.url}/api/v1/alerts")
        r.raise_for_status()
        return [
            a
            for a in r.json()["data"]["alerts"]
            if a["labels"]["alertname"] == alert and a["state"] == "firing"
        ]
