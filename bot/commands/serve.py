"""`python -m bot serve [--host 127.0.0.1] [--port 8080]`: the HTTP server (uvicorn) with the
WeChat webhook of every configured account, the Telegram webhook (when TELEGRAM_WEBHOOK_URL is
set), /healthz and /metrics; sessions in memory or, with BOT_REDIS_URL, in Redis."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from bot.config import load_settings_or_exit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    parser.add_argument("--access-log", action="store_true",
                        help="log every request (query strings include users' openids)")


def run(args: argparse.Namespace) -> int:
    settings = load_settings_or_exit()
    if not 0 < args.port < 65536:
        print(f"configuration error: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    from bot.observability import (
        Metrics,
        ObservedAssistant,
        RequestIdMiddleware,
        configure_logging,
        healthz_route,
        metrics_route,
    )

    metrics = Metrics()
    on_fallback, on_state = metrics.store_listeners()
    configure_logging(json_logs=settings.log_json, level=settings.log_level)

    import uvicorn

    from bot.runtime import build_assistant
    from bot.web import create_app

    core = build_assistant(settings, on_fallback=on_fallback, on_state=on_state)
    store = core.store
    assistant = ObservedAssistant(core, metrics)
    extra_routes: list[Any] = [healthz_route(store), metrics_route(metrics)]
    lifespans: list[Any] = []
    if settings.telegram.webhook_url:
        from bot.channels.telegram import TelegramSettings, TelegramSettingsError, webhook_route

        try:
            telegram = TelegramSettings.from_config(settings.telegram)
        except TelegramSettingsError as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        route = webhook_route(telegram, assistant)
        extra_routes.append(route)
        lifespans.append(route.telegram_webhook.lifespan)  # type: ignore[attr-defined]
    app = create_app(settings, assistant, extra_routes, extra_lifespans=lifespans)
    app.add_middleware(RequestIdMiddleware)
    log = logging.getLogger("bot.serve")
    for acc in settings.wechat.accounts:
        log.info("WeChat account %s (%s, %s mode) at http://%s:%d%s", acc.name,
                 acc.county or "no county", "safe" if acc.safe_mode else "plaintext",
                 args.host, args.port, acc.path)
    if not settings.wechat.accounts:
        log.warning("no WeChat account configured (WECHAT_TOKEN or BOT_CONFIG)")
    if settings.telegram.webhook_url:
        log.info("Telegram webhook at http://%s:%d/telegram", args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, access_log=args.access_log,
                log_config=None, server_header=False, proxy_headers=False)
    return 0
