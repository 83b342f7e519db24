"""Typed dependencies for route handlers: the running service, its pool, its unit of work, its
keyring and its settings, as parameters (``pool: PoolDep``) instead of reaching into
``request.app.state`` as ``Any``.

Every dependency here is an ``async def`` although none waits: FastAPI runs a plain ``def``
dependency in a worker thread, a thread hand-off per dependency per request (by py-spy, a
tenth of intake's CPU under load)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import asyncpg
from fastapi import Depends, Request

from complaint_desk.shared.privacy.keys import KeyRing
from complaint_desk.shared.settings import ServiceSettings
from complaint_desk.shared.uow import UnitOfWork

if TYPE_CHECKING:
    from complaint_desk.shared.runtime.runtime import ServiceRuntime


def running(request: Request) -> ServiceRuntime:
    """The service that serves this request."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


T = TypeVar("T")


def on_the_loop(read: Callable[[Request], T]) -> Callable[[Request], Awaitable[T]]:
    """``read`` as a dependency that runs on the event loop, not in a worker thread."""

    async def dependency(request: Request) -> T:
        return read(request)

    return dependency


def _pool(request: Request) -> asyncpg.Pool:
    return running(request).pool


def _uow(request: Request) -> UnitOfWork:
    return running(request).uow


def _keyring(request: Request) -> KeyRing:
    return running(request).keyring


RuntimeDep = Annotated["ServiceRuntime", Depends(on_the_loop(running))]
PoolDep = Annotated[asyncpg.Pool, Depends(on_the_loop(_pool))]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(on_the_loop(_uow))]
KeyRingDep = Annotated[KeyRing, Depends(on_the_loop(_keyring))]

S = TypeVar("S", bound=ServiceSettings)


def settings_of(kind: type[S]) -> Callable[[Request], S]:
    """The service's own settings, as ``kind``, from a request; in a route
    ``Annotated[NotifySettings, Depends(on_the_loop(settings_of(NotifySettings)))]``."""

    def settings(request: Request) -> S:
        value: Any = running(request).settings
        if not isinstance(value, kind):
            raise TypeError(f"this service's settings are not {kind.__name__}")
        return value

    return settings
