"""Webhook mode: a Starlette route for `/telegram`, mounted by `python -m bot serve`.

    from bot.channels.telegram import webhook_route
    routes = [webhook_route(telegram_settings, assistant)]   # when TELEGRAM_WEBHOOK_URL is set
    app = create_app(settings, assistant, extra_routes=routes)

The route is self-contained: it builds its own Application (without an Updater), initializes
it on the first update, checks Telegram's `X-Telegram-Bot-Api-Secret-Token` header (403 when
it is missing or wrong), and hands each update to `Application.process_update`, which runs the
same handlers as long polling. It answers 200 once the update is processed (errors inside
handlers are handled and logged there, so Telegram does not redeliver), 400 for a body that is
not an Update, and 503 when the Bot API cannot be reached to initialize (Telegram retries).

Telegram only sends updates after `setWebhook`. Either run once
`python -m bot telegram --set-webhook` (uses TELEGRAM_WEBHOOK_URL and the secret), or use
`TelegramWebhook(...).lifespan` in the server so it registers on start-up and shuts the
Application down on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.assistant import Assistant
from bot.channels.telegram.app import ALLOWED_UPDATES, build_application, set_bot_commands
from bot.channels.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1 << 20  # updates are a few KB; refuse anything absurd


class TelegramWebhook:
    def __init__(self, settings: TelegramSettings, assistant: Assistant, *,
                 path: str = "/telegram", request: BaseRequest | None = None):
        self.settings = settings
        self.application = build_application(settings, assistant, request=request,
                                             polling=False)
        self.path = path
        self._init_lock: asyncio.Lock | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def ensure_initialized(self) -> None:
        if self.application._initialized:  # PTB has no public flag for this
            return
        if self._init_lock is None:
            self._init_lock = asyncio.Lock()
        async with self._init_lock:
            if not self.application._initialized:
                await self.application.initialize()

    async def register(self) -> None:
        """setWebhook to TELEGRAM_WEBHOOK_URL with the secret token, and the command menu."""
        if not self.settings.webhook_url:
            raise RuntimeError("TELEGRAM_WEBHOOK_URL is not set")
        await self.ensure_initialized()
        await self.application.bot.set_webhook(
            url=self.settings.webhook_url,
            secret_token=self.settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        await set_bot_commands(self.application)

    async def shutdown(self) -> None:
        if self.application._initialized:
            await self.application.shutdown()

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any = None, *, register: bool = True) -> AsyncIterator[None]:
        """Starlette lifespan: register the webhook on start-up (best effort), shut down on
        exit."""
        if register:
            try:
                await self.register()
            except TelegramError as exc:
                log.error("telegram: setWebhook failed: %s", exc)
        try:
            yield
        finally:
            await self.shutdown()

    # -- the endpoint -------------------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.settings.webhook_secret.encode()):
            log.warning("telegram webhook: wrong or missing secret token from %s",
                        request.client.host if request.client else "?")
            return JSONResponse({"error": "forbidden"}, status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or "update_id" not in data:
                raise ValueError("not an Update")
        except ValueError:
            return JSONResponse({"error": "expected a Telegram Update as JSON"}, status_code=400)
        try:
            await self.ensure_initialized()
        except TelegramError as exc:
            log.error("telegram webhook: cannot initialize the bot: %s", exc)
            return JSONResponse({"error": "bot unavailable"}, status_code=503)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:  # noqa: BLE001 - a malformed update must not become a 500
            log.warning("telegram webhook: could not parse update %s", data.get("update_id"))
            return JSONResponse({"error": "malformed Update"}, status_code=400)
        await self.application.process_update(update)
        return Response(status_code=200)

    @property
    def route(self) -> Route:
        return Route(self.path, self.endpoint, methods=["POST"], name="telegram")


def webhook_route(settings: TelegramSettings, assistant: Assistant, **kwargs: Any) -> Route:
    """The `/telegram` route, ready to mount. The route object carries its `TelegramWebhook`
    as `route.telegram_webhook` (for `.lifespan` / `.register()` / `.shutdown()`)."""
    hook = TelegramWebhook(settings, assistant, **kwargs)
    route = hook.route
    route.telegram_webhook = hook  # type: ignore[attr-defined]
    return route
