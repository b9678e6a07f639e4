"""The ASGI app `python -m bot serve` runs (Starlette on uvicorn).

    app = create_app(settings, assistant, extra_routes=[Route("/healthz", ...), ...])

Mounts the WeChat webhook of every configured account (/wechat, /wechat/<slug>) and whatever
`extra_routes` the caller adds (the Telegram webhook, /healthz, /metrics). Unknown paths 404.
`app.state.wechat` is the WeChatChannel (None when no account is configured).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.config import Settings


def create_app(settings: Settings, assistant: Any, extra_routes: Sequence[BaseRoute] = (), *,
               store: Any = None, http_client: httpx.AsyncClient | None = None,
               extra_lifespans: Sequence[Callable[[Starlette], Any]] = ()) -> Starlette:
    """`store` defaults to the assistant's store (dedupe and "回复 1" state live beside the
    sessions, so several workers on one Redis behave as one); `http_client` is used for the
    WeChat APIs (default: one httpx client per account, made on first use).
    `extra_lifespans`: functions `app -> async context manager` entered at start-up, in order
    (e.g. the Telegram webhook's `lifespan`), and left at shutdown before the WeChat channel
    closes."""
    routes: list[BaseRoute] = []
    channel = None
    if settings.wechat.accounts:
        from bot.channels.wechat import WeChatChannel

        channel = WeChatChannel(settings.wechat, assistant,
                                store if store is not None else assistant.store,
                                default_county=settings.county, http_client=http_client)
        routes.extend(channel.routes())
    routes.extend(extra_routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with contextlib.AsyncExitStack() as stack:
                for make in extra_lifespans:
                    await stack.enter_async_context(make(app))
                yield
        finally:
            if channel is not None:
                await channel.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.wechat = channel
    app.state.settings = settings
    app.state.assistant = assistant
    return app
