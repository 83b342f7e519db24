"""A service's app served in this process: the lifespan runs (database, migrations, Kafka
clients, jobs) and an ASGI client talks to it, without a server process."""

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from tests.credentials import ADMIN


@contextlib.asynccontextmanager
async def serving(app: FastAPI, name: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{name}", headers=ADMIN
        ) as client:
            yield client
