"""Runs one service as its own process: ``python -m services.<name>``."""

from collections.abc import Callable
from typing import Any

import uvicorn

from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.slowclients import HeaderDeadlineProtocol


def server_config(app: Any, settings: ServiceSettings) -> uvicorn.Config:
    """How uvicorn serves a service: no access log of its own (ours is structured), a bounded
    keep-alive, a deadline and a size limit for each request's headers, and X-Forwarded-For
    believed only from the proxies in TRUSTED_PROXIES."""
    trusted = settings.trusted_proxies.strip()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=5,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        http=HeaderDeadlineProtocol,
    )
    config.header_timeout = settings.http_header_timeout_seconds  # type: ignore[attr-defined]
    config.max_header_bytes = settings.http_max_header_bytes  # type: ignore[attr-defined]
    return config


def serve(build_app: Callable[[Any], Any], settings: ServiceSettings) -> None:
    settings.refuse_insecure_secrets()  # before anything starts: fail closed
    uvicorn.Server(server_config(build_app(settings), settings)).run()
