"""`python -m bot serve [--host 127.0.0.1] [--port 8080]`: the HTTP server (uvicorn) with the
WeChat webhook of every configured account; the Telegram webhook, /healthz and /metrics are
added to `extra_routes` below when those parts exist."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

from bot.config import Settings, load_settings_or_exit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    parser.add_argument("--access-log", action="store_true",
                        help="log every request (query strings include users' openids)")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                  + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "msg": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_json else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # httpx logs each request URL at INFO, and WeChat's access_token is in the query string
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def build_store(settings: Settings) -> Any:
    """MemoryStore without BOT_REDIS_URL, else Redis (with the per-process memory fallback)."""
    from bot.stores import make_store

    return make_store(settings.redis_url)


def run(args: argparse.Namespace) -> int:
    settings = load_settings_or_exit()
    if not 0 < args.port < 65536:
        print(f"configuration error: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    store = build_store(settings)
    configure_logging(settings)

    import uvicorn

    from bot.assistant import Assistant
    from bot.web import create_app

    assistant = Assistant(store=store, session_ttl=settings.session_ttl)
    extra_routes: list[Any] = []  # Telegram webhook, /healthz, /metrics: added by their issues
    app = create_app(settings, assistant, extra_routes)
    log = logging.getLogger("bot.serve")
    for acc in settings.wechat.accounts:
        log.info("WeChat account %s (%s, %s mode) at http://%s:%d%s", acc.name,
                 acc.county or "no county", "safe" if acc.safe_mode else "plaintext",
                 args.host, args.port, acc.path)
    if not settings.wechat.accounts:
        log.warning("no WeChat account configured (WECHAT_TOKEN or BOT_CONFIG)")
    uvicorn.run(app, host=args.host, port=args.port, access_log=args.access_log,
                log_config=None, server_header=False, proxy_headers=False)
    return 0
