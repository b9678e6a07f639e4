"""`python -m bot telegram` — the staff Telegram bot, by long polling.

Configured by TELEGRAM_TOKEN, TELEGRAM_STAFF_IDS and optional TELEGRAM_BASE_URL (see
docs/telegram.md). Stops cleanly on SIGTERM / SIGINT (exit code 0). Exit code 2 for missing
or invalid settings, 1 when Telegram rejects the token or cannot be reached at start-up.

`--set-webhook` / `--delete-webhook` register or remove the webhook used by
`python -m bot serve` instead of polling.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

EXIT_CONFIG = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--set-webhook", action="store_true",
                      help="register TELEGRAM_WEBHOOK_URL with Telegram (for `serve`) and exit")
    mode.add_argument("--delete-webhook", action="store_true",
                      help="remove the webhook and exit (polling then works again)")
    parser.add_argument("--poll-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="long-polling timeout of each getUpdates (default: 10)")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="default: INFO")


def _fail(message: str, code: int) -> int:
    print(f"python -m bot telegram: {message}", file=sys.stderr)
    return code


def _configure_logging(level: str) -> None:
    from bot.observability import configure_logging

    # Masks ID numbers and quiets httpx (its request log contains the bot token).
    configure_logging(level=level)


def _build_assistant():
    # The same conversation core as every other channel, with the same store and settings as
    # `serve` (BOT_REDIS_URL, BOT_SESSION_TTL, BOT_RATE_LIMIT, BOT_UNANSWERED_DB, BOT_CONFIG).
    from bot.config import load_settings_or_exit
    from bot.runtime import build_assistant

    return build_assistant(load_settings_or_exit())


async def poll(settings, assistant, *, poll_timeout: float = 10.0) -> int:
    """Run long polling until SIGTERM/SIGINT. Returns the exit code."""
    from telegram.error import InvalidToken, TelegramError

    from bot.channels.telegram.app import ALLOWED_UPDATES, build_application, set_bot_commands

    log = logging.getLogger("bot.telegram")
    app = build_application(settings, assistant)
    stop = asyncio.Event()
    started = asyncio.Event()

    async def run() -> None:
        async with app:  # initialize (getMe) ... shutdown
            await set_bot_commands(app)
            await app.updater.start_polling(timeout=poll_timeout,
                                            allowed_updates=ALLOWED_UPDATES)
            await app.start()
            started.set()
            log.info("telegram: polling as @%s for %d staff member(s)", app.bot.username,
                     len(settings.staff_ids))
            try:
                await stop.wait()
            finally:
                log.info("telegram: stopping")
                if app.updater.running:
                    await app.updater.stop()
                if app.running:
                    await app.stop()

    task = asyncio.create_task(run())
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        stop.set()
        if not started.is_set():
            task.cancel()  # still starting up (e.g. waiting on getMe): give up at once

    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, on_signal)
    try:
        await task
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
    except InvalidToken:
        return _fail("Telegram rejected TELEGRAM_TOKEN (check the token from @BotFather)", 1)
    except TelegramError as exc:
        return _fail(f"cannot reach the Telegram Bot API: {exc}", 1)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await assistant.store.close()
    return 0


async def _webhook_admin(settings, assistant, *, register: bool) -> int:
    from telegram.error import InvalidToken, TelegramError

    from bot.channels.telegram.webhook import TelegramWebhook

    hook = TelegramWebhook(settings, assistant)
    try:
        if register:
            await hook.register()
            print(f"webhook set: {settings.webhook_url}")
        else:
            await hook.ensure_initialized()
            await hook.application.bot.delete_webhook()
            print("webhook deleted")
    except InvalidToken:
        return _fail("Telegram rejected TELEGRAM_TOKEN (check the token from @BotFather)", 1)
    except TelegramError as exc:
        return _fail(f"Telegram refused: {exc}", 1)
    finally:
        await hook.shutdown()
    return 0


def run(args: argparse.Namespace) -> int:
    from bot.channels.telegram.settings import (
        WEBHOOK_URL_VAR,
        TelegramSettings,
        TelegramSettingsError,
    )

    try:
        settings = TelegramSettings.from_env(os.environ)
    except TelegramSettingsError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    if args.set_webhook and not settings.webhook_url:
        return _fail(f"--set-webhook needs {WEBHOOK_URL_VAR} (the public URL of /telegram)",
                     EXIT_CONFIG)
    if not (args.set_webhook or args.delete_webhook) and settings.webhook_url:
        return _fail(
            f"{WEBHOOK_URL_VAR} is set, so this bot gets its updates through `python -m bot "
            "serve`; long polling would delete that webhook. Unset it to poll, or run "
            "`python -m bot telegram --delete-webhook` first and unset it.",
            EXIT_CONFIG,
        )
    if args.poll_timeout < 0:
        return _fail("--poll-timeout must be >= 0", EXIT_CONFIG)
    _configure_logging(args.log_level)
    assistant = _build_assistant()
    if args.set_webhook or args.delete_webhook:
        return asyncio.run(_webhook_admin(settings, assistant, register=args.set_webhook))
    return asyncio.run(poll(settings, assistant, poll_timeout=args.poll_timeout))
