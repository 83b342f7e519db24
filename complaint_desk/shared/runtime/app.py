"""A service's HTTP app: its routes, the operations routes every service has (health,
metrics, AsyncAPI, dead letters, refusals), and the guard that refuses to build an app with an
unauthenticated route."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel

from complaint_desk.shared import http, tracing
from complaint_desk.shared import logging as desk_logging
from complaint_desk.shared.auth import Permission, store
from complaint_desk.shared.auth.http import assert_every_route_guarded, principal_id, require
from complaint_desk.shared.consumer import Q as consumer_q
from complaint_desk.shared.openapi_document import declare_errors
from complaint_desk.shared.runtime import asyncapi_contract
from complaint_desk.shared.runtime import asyncapi_page as asyncapi_document
from complaint_desk.shared.runtime.deps import PoolDep
from complaint_desk.shared.runtime.runtime import ServiceRuntime
from complaint_desk.shared.runtime.spec import ServiceSpec

# Operational records span every site: for organisation-wide operators and auditors.
OPERATIONS = require(Permission.OPERATE, Permission.AUDIT, organisation_wide=True)


class Refusal(BaseModel):
    id: int
    at: datetime
    channel: str
    reason: str
    principal: str | None
    detail: dict[str, Any]


class DeadLetter(BaseModel):
    id: int
    consumer: str
    event_id: UUID | None
    event_type: str | None
    stream_type: str | None
    stream_id: UUID | None
    version: int | None
    topic: str | None
    kafka_partition: int | None
    kafka_offset: int | None
    error: str
    attempts: int
    parked_at: datetime


def create_app(spec: ServiceSpec) -> FastAPI:
    s = spec.settings
    desk_logging.configure(spec.name, s.log_level, s.log_json)
    tracing.configure(spec.name)
    runtime = ServiceRuntime(spec)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    # The documents' pages load Swagger UI and ReDoc from the service itself: they work on
    # an offline or restricted network (fastapi-offline ships both).
    app = FastAPIOffline(
        title=spec.title, description=spec.description, version="0.1.0", lifespan=lifespan,
        static_url="/docs-assets",
    )  # fmt: skip
    app.state.runtime = runtime
    http.install(app, s.rate_limit_per_second, s.rate_limit_burst, identify=principal_id)
    app.include_router(http.ops_router(runtime.health))

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_json() -> JSONResponse:
        return JSONResponse(asyncapi_contract.document(spec))

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(asyncapi_document.render(asyncapi_contract.document(spec)))

    @app.get(
        "/dead-letters",
        tags=["operations"],
        summary="Parked messages / 無法處理的訊息",
        response_model=list[DeadLetter],
        dependencies=[Depends(OPERATIONS)],
    )
    async def dead_letters(
        pool: PoolDep,
        consumer: Annotated[str | None, Query(max_length=120)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[DeadLetter]:
        """Messages a consumer could not handle, with why (newest first)."""
        rows = await pool.fetch(consumer_q.dead_letters, consumer, limit, offset)
        return [DeadLetter(**dict(r)) for r in rows]

    @app.get(
        "/refusals",
        tags=["operations"],
        summary="Refused requests and messages / 被拒絕的請求與訊息",
        response_model=list[Refusal],
        dependencies=[Depends(OPERATIONS)],
    )
    async def refusals(
        pool: PoolDep,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[Refusal]:
        """Inbound messages refused for want of a valid signature or right (newest first)."""
        return [Refusal(**r) for r in await store.refusals(pool, limit, offset)]

    for router in spec.routers:
        app.include_router(router)
    assert_every_route_guarded(app)
    declare_errors(app)
    return app
