"""Every route's handler and dependencies run on the event loop: FastAPI runs a plain
``def`` handler or dependency in a worker thread, a hand-off per call per request."""

import importlib
import inspect
from typing import Any

import pytest

from complaint_desk.shared.auth.http import api_routes

SERVICES = ("intake", "sla", "notify", "projections")


def _is_async(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - a class instance with an async __call__
    )


def _threaded(dependant: Any, where: str) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        if dep.call is not None and not _is_async(dep.call):
            found.append(f"{where}: {getattr(dep.call, '__qualname__', dep.call)}")
        found += _threaded(dep, where)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_runs_in_a_worker_thread(service: str) -> None:
    app = importlib.import_module(f"complaint_desk.services.{service}.app").build_app()
    threaded = []
    for route in api_routes(app):
        where = f"{','.join(sorted(route.methods or ()))} {route.path}"
        if not _is_async(route.endpoint):
            threaded.append(f"{where}: the handler")
        threaded += _threaded(route.dependant, where)
    assert threaded == []
