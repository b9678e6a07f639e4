"""The HTTP side of observability: /healthz, /metrics and a request id per request.

    extra_routes = [healthz_route(store), metrics_route(metrics)]
    app = create_app(settings, assistant, extra_routes)
    app.add_middleware(RequestIdMiddleware)
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.observability.logs import clean_request_id, request_context
from bot.observability.metrics import Metrics


def healthz_route(store: Any, path: str = "/healthz") -> Route:
    """Liveness: 200 whenever the process serves requests — also while Redis is down, since
    the assistant keeps answering from memory then. The body says whether Redis answers:

        {"status": "ok", "store": "memory"}
        {"status": "ok", "store": "redis", "redis": "up"}      ("down" during an outage)

    `?require=redis` answers 503 while Redis is down (for a readiness check that wants it)."""

    async def healthz(request: Request) -> Response:
        body: dict[str, Any] = {"status": "ok"}
        status = 200
        if hasattr(store, "primary"):  # FallbackStore: a Redis behind per-process memory
            up = await store.ping()
            body.update(store="redis", redis="up" if up else "down")
            if not up and request.query_params.get("require") == "redis":
                body["status"], status = "degraded", 503
        else:
            body["store"] = "memory"
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    return Route(path, healthz, methods=["GET", "HEAD"], name="healthz")


def metrics_route(source: Metrics | CollectorRegistry, path: str = "/metrics") -> Route:
    """Prometheus text exposition of `source` (a Metrics or a CollectorRegistry)."""
    registry = source.registry if isinstance(source, Metrics) else source

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                        headers={"Cache-Control": "no-store"})

    return Route(path, metrics, methods=["GET"], name="metrics")


class RequestIdMiddleware:
    """Give every HTTP request a request id (the proxy's X-Request-ID when it is plain, else
    a new one): it is on every log record written while the request runs, and echoed in the
    response's X-Request-ID header."""

    def __init__(self, app: ASGIApp, header: str = "x-request-id"):
        self.app = app
        self.header = header.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == self.header:
                incoming = clean_request_id(value.decode("latin-1"))
                break
        with request_context(incoming) as rid:
            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [h for h in message.get("headers", []) if h[0] != self.header]
                    headers.append((self.header, rid.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_id)
