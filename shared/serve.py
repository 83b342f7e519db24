"""Runs one service as its own process: ``python -m services.<name>``."""

from collections.abc import Callable
from typing import Any

import uvicorn

from .settings import ServiceSettings


def serve(build_app: Callable[[Any], Any], settings: ServiceSettings) -> None:
    uvicorn.run(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
