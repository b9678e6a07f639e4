"""The one place that builds the python-telegram-bot Application and wires every handler.

    app = build_application(settings, assistant)

Both modes use it: long polling (`python -m bot telegram`, see bot/commands/telegram.py) and
the webhook route mounted in `python -m bot serve` (see webhook.py). Tests pass a fake
`request` (a `telegram.request.BaseRequest`) and feed Updates to `app.process_update`.
"""

from __future__ import annotations

import logging

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.assistant import Assistant
from bot.channels.telegram.access import StaffGate
from bot.channels.telegram.handlers import (
    COUNTY_DATA,
    COUNTY_INDEX_DATA,
    TelegramHandlers,
)
from bot.channels.telegram.prefs import PrefsStore
from bot.channels.telegram.retry import RetryingRateLimiter
from bot.channels.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)

# What the bot asks Telegram for; everything else is never delivered.
ALLOWED_UPDATES = ["message", "callback_query"]

# The "/" menu shown by Telegram clients (set at start-up by set_bot_commands).
BOT_COMMANDS = [
    BotCommand("county", "选择县区"),
    BotCommand("today", "固定“今天”的日期：/today 2025-12-20；只发 /today 恢复"),
    BotCommand("debug", "回答后附调试信息：/debug on 或 /debug off"),
    BotCommand("reset", "清空当前对话"),
    BotCommand("help", "使用说明"),
]


def build_application(
    settings: TelegramSettings,
    assistant: Assistant,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    polling: bool = True,
) -> Application:
    """An Application for `settings`, answering through `assistant`.

    `request` / `get_updates_request` replace the HTTP layer (tests); `polling=False` builds
    it without an Updater (webhook mode).
    """
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(
            RetryingRateLimiter(
                rate_limit_retries=settings.rate_limit_retries,
                network_retries=settings.network_retries,
                network_backoff=settings.network_backoff,
            )
        )
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if not polling:
        builder = builder.updater(None)
    app = builder.build()

    gate = StaffGate(settings.staff_ids, assistant.store)
    h = TelegramHandlers(assistant, PrefsStore(assistant.store), gate)
    new_messages = filters.UpdateType.MESSAGE  # not edits: an edited message is not re-answered

    # Group -1: access control, before anything else; it stops non-staff updates there.
    app.add_handler(TypeHandler(object, gate), group=-1)
    # Group 0: the first matching handler wins.
    app.add_handlers([
        CommandHandler("start", h.start, filters=new_messages),
        CommandHandler("help", h.help, filters=new_messages),
        CommandHandler("county", h.county, filters=new_messages),
        CommandHandler("today", h.today, filters=new_messages),
        CommandHandler("debug", h.debug, filters=new_messages),
        CommandHandler("reset", h.reset, filters=new_messages),
        CallbackQueryHandler(
            h.county_chosen, pattern=f"^({COUNTY_DATA}|{COUNTY_INDEX_DATA})"
        ),
        CallbackQueryHandler(h.stale_button),
        MessageHandler(new_messages & filters.COMMAND, h.unknown_command),
        MessageHandler(new_messages & filters.TEXT, h.text),
        MessageHandler(new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL, h.unsupported),
    ])
    app.add_error_handler(h.on_error)
    return app


async def set_bot_commands(app: Application) -> None:
    """Publish the "/" menu. Best effort: a failure is logged, not fatal."""
    try:
        await app.bot.set_my_commands(BOT_COMMANDS)
    except TelegramError as exc:
        log.warning("telegram: could not set the command menu: %s", exc)
