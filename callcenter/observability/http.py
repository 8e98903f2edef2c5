"""The process's own small HTTP listener: ``/metrics`` (Prometheus text; a bearer token when one is
set), ``/healthz`` (the process answers) and ``/readyz`` (database reachable, AMI logged in, the
spool draining; 503 naming what is not)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from callcenter.observability.metrics import REGISTRY


def _authorised(request: Request, token: str | None) -> bool:
    if token is None:
        return True  # loopback only (config refuses another host without a token)
    given = request.headers.get("authorization", "")
    return secrets.compare_digest(given.encode(), f"Bearer {token}".encode())


def readiness(ctx: Any) -> dict[str, str]:
    """What keeps this process from serving, by part (empty: ready)."""
    problems: dict[str, str] = {}
    try:
        with ctx.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        problems["database"] = f"unreachable ({type(exc).__name__})"
    listener = ctx.extras.get("ami_listener")
    if listener is not None and not listener.connected.is_set():
        problems["ami"] = "not logged in"
    health = ctx.extras.get("store_health")
    if health is not None:
        view = health.view()
        if view.spool_problem:
            problems["spool"] = "full or not writable"
        elif view.waiting and not view.database_ok:
            problems["spool"] = f"{view.waiting} calls waiting, not draining"
    return problems


def create_app(ctx: Any, local: CollectorRegistry) -> Starlette:
    """``local`` holds this service's gauges; the counters live in the process's REGISTRY."""
    token = ctx.settings.metrics_token.reveal() if ctx.settings.metrics_token else None

    async def metrics(request: Request) -> Response:
        if not _authorised(request, token):
            return PlainTextResponse("bearer token required (CALLCENTER_METRICS_TOKEN)\n", status_code=401,
                                     headers={"WWW-Authenticate": "Bearer"})
        body = await asyncio.to_thread(lambda: generate_latest(REGISTRY) + generate_latest(local))
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(_request: Request) -> Response:
        problems = await asyncio.to_thread(readiness, ctx)
        return JSONResponse({"ready": not problems, "problems": problems},
                            status_code=503 if problems else 200)

    return Starlette(routes=[Route("/metrics", metrics), Route("/healthz", healthz),
                             Route("/readyz", readyz)])
