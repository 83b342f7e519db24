"""The four services as separate processes, the way ``make run`` and the end-to-end tests
start them."""

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from complaint_desk import services

from .lifeline import die_with_parent

# Each service by name, with the port it listens on unless told otherwise.
SERVICES: dict[str, int] = {
    name: importlib.import_module(f"{services.__name__}.{name}").DEFAULT_PORT
    for name in services.NAMES
}


class ServiceProcess:
    def __init__(self, name: str, port: int, env: dict[str, str], log_dir: Path) -> None:
        self.name, self.port, self.env, self.log_dir = name, port, env, log_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{self.name}.log", "ab")  # noqa: SIM115
        env = {**os.environ, **self.env, f"{self.name.upper()}_PORT": str(self.port)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"{services.__name__}.{self.name}"],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=die_with_parent,  # one libc call: safe between fork and exec
        )

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_dir / (self.name + '.log')}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} was not healthy within {timeout}s")

    def send_signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        self.send_signal(sig)
        self.wait_stopped(timeout)

    def wait_stopped(self, timeout: float = 15) -> None:
        """Wait for a process told to stop; kill it past ``timeout``."""
        if self.process is not None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


class Stack:
    def __init__(
        self,
        database_url: str,
        bootstrap_servers: str,
        log_dir: Path,
        ports: dict[str, int] | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = {
            "DESK_PROFILE": "development",  # a stack on one machine: development secrets do
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            **(extra_env or {}),
        }
        ports = ports or {
            name: int(os.environ.get(f"{name.upper()}_PORT", default))
            for name, default in SERVICES.items()
        }
        if "intake" in ports:  # the console sends its commands to this stack's intake
            intake = f"http://127.0.0.1:{ports['intake']}"
            env.setdefault("PROJECTIONS_INTAKE_URL", intake)
            # and the complainant's links (status page, QR codes) point at its public pages
            env.setdefault("INTAKE_PUBLIC_BASE_URL", intake)
            env.setdefault("NOTIFY_STATUS_PAGE_BASE_URL", intake)
        if "notify" in ports:  # and keeps the staff directory in this stack's notify
            env.setdefault("PROJECTIONS_NOTIFY_URL", f"http://127.0.0.1:{ports['notify']}")
        if "sla" in ports:  # and the policies and calendars in this stack's sla
            env.setdefault("PROJECTIONS_SLA_URL", f"http://127.0.0.1:{ports['sla']}")
        if "projections" in ports:  # staff messages link to this stack's console
            console = f"http://127.0.0.1:{ports['projections']}"
            env.setdefault("NOTIFY_CONSOLE_BASE_URL", console)
            env.setdefault("INTAKE_CONSOLE_BASE_URL", console)
            env.setdefault("PROJECTIONS_CONSOLE_BASE_URL", console)
        self.services = {
            name: ServiceProcess(name, port, env, log_dir) for name, port in ports.items()
        }

    def start(self, timeout: float = 60) -> None:
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_healthy(timeout)

    def stop(self, timeout: float = 15) -> None:
        """Every service at once: each is told to stop, then waited for (killed past the
        timeout), so stopping takes as long as the slowest, not the sum of them all."""
        for service in self.services.values():
            service.send_signal(signal.SIGTERM)
        for service in self.services.values():
            service.wait_stopped(timeout)

    def url(self, name: str) -> str:
        return self.services[name].url
