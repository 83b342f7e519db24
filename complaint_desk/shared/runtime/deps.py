"""Typed dependencies for route handlers: the running service, its pool, its unit of work, its
keyring and its settings, as parameters (``pool: PoolDep``) instead of reaching into
``request.app.state`` as ``Any``."""

from __future__ import annotations

from collections.abc import Callable
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


def _pool(request: Request) -> asyncpg.Pool:
    return running(request).pool


def _uow(request: Request) -> UnitOfWork:
    return running(request).uow


def _keyring(request: Request) -> KeyRing:
    return running(request).keyring


RuntimeDep = Annotated["ServiceRuntime", Depends(running)]
PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_uow)]
KeyRingDep = Annotated[KeyRing, Depends(_keyring)]

S = TypeVar("S", bound=ServiceSettings)


def settings_of(kind: type[S]) -> Callable[[Request], S]:
    """A dependency that gives the service's own settings, as ``kind``:
    ``Annotated[NotifySettings, Depends(settings_of(NotifySettings))]``."""

    def settings(request: Request) -> S:
        value: Any = running(request).settings
        if not isinstance(value, kind):
            raise TypeError(f"this service's settings are not {kind.__name__}")
        return value

    return settings
