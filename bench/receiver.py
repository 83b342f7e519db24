"""A webhook receiver for the benchmarks, in its own process: /ok answers 204 at once,
/slow never answers in time."""

import asyncio
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def ok(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


async def slow(request: Request) -> Response:
    await asyncio.sleep(60)
    return Response(status_code=204)


app = Starlette(
    routes=[Route("/ok/{n}", ok, methods=["POST"]), Route("/slow", slow, methods=["POST"])]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
