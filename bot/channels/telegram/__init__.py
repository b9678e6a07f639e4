"""Telegram channel for staff trying the assistant's answers (python-telegram-bot v22).

- `build_application(settings, assistant)` — the Application with every handler (app.py)
- `TelegramSettings.from_env(os.environ)` — TELEGRAM_* variables (settings.py)
- `webhook_route(settings, assistant)` — Starlette Route for POST /telegram (webhook.py)
- `python -m bot telegram` — long polling (bot/commands/telegram.py)

See docs/telegram.md.
"""

from bot.channels.telegram.app import build_application
from bot.channels.telegram.settings import TelegramSettings, TelegramSettingsError
from bot.channels.telegram.webhook import TelegramWebhook, webhook_route

__all__ = [
    "TelegramSettings",
    "TelegramSettingsError",
    "TelegramWebhook",
    "build_application",
    "webhook_route",
]
