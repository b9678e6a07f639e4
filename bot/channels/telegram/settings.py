"""TELEGRAM_* settings, read from the environment.

Kept apart from `bot/config.py` on purpose: the Telegram channel only needs these few values,
and reading them here keeps the channel usable on its own. Invalid values raise
`TelegramSettingsError` with a message meant for the person running the command (the CLI
prints it and exits with code 2, without a traceback).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TOKEN_VAR = "TELEGRAM_TOKEN"
STAFF_VAR = "TELEGRAM_STAFF_IDS"
BASE_URL_VAR = "TELEGRAM_BASE_URL"
WEBHOOK_URL_VAR = "TELEGRAM_WEBHOOK_URL"
WEBHOOK_SECRET_VAR = "TELEGRAM_SECRET_TOKEN"  # same name as bot/config.py

# Telegram's rule for setWebhook's secret_token: 1-256 characters, A-Z a-z 0-9 _ -
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# BotFather tokens look like 123456789:AA...; a self-hosted test server may use anything
# URL-safe, so only reject what would break the request URL.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9:_-]+$")


class TelegramSettingsError(ValueError):
    """A TELEGRAM_* variable is missing or malformed; the message says which and how to fix."""


def parse_staff_ids(raw: str | Iterable[int | str]) -> frozenset[int]:
    """'123, 456,' (commas and/or spaces) or [123, 456] -> {123, 456}. Raises
    TelegramSettingsError for anything that is not a positive integer, and for an empty list
    (nobody could use the bot)."""
    parts = re.split(r"[,\s]+", raw) if isinstance(raw, str) else list(raw)
    ids: set[int] = set()
    for item in parts:
        if isinstance(item, bool):
            item = str(item)
        part = str(item).strip()
        if not part:
            continue
        if not part.isascii() or not part.isdigit() or int(part) <= 0:
            raise TelegramSettingsError(
                f"{STAFF_VAR}: {part!r} is not a Telegram user id; expected comma-separated "
                "positive integers, e.g. 12345678,87654321"
            )
        ids.add(int(part))
    if not ids:
        raise TelegramSettingsError(
            f"{STAFF_VAR} is empty: list the numeric Telegram user ids of the staff allowed to "
            "use the bot, e.g. 12345678,87654321 (anyone else who writes to the bot is told "
            "their id)"
        )
    return frozenset(ids)


def normalize_base_url(raw: str) -> str:
    """The Bot API base URL in python-telegram-bot's form (the token is appended to it).

    Accepts `http://host:8081`, `http://host:8081/bot` or a URL containing `{token}`.
    """
    url = raw.strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise TelegramSettingsError(
            f"{BASE_URL_VAR}: {raw!r} is not an http(s) URL; expected the address of a Bot API "
            "server, e.g. http://127.0.0.1:8081"
        )
    if "{token}" in url:
        return url
    url = url.rstrip("/")
    return url if url.endswith("/bot") else url + "/bot"


def derive_webhook_secret(token: str) -> str:
    """A stable secret for the X-Telegram-Bot-Api-Secret-Token header when none is configured:
    the webhook server and `--set-webhook` compute the same value from the bot token."""
    return hashlib.sha256(b"yibao-telegram-webhook\0" + token.encode()).hexdigest()


@dataclass(frozen=True)
class TelegramSettings:
    token: str = field(repr=False)
    staff_ids: frozenset[int]
    base_url: str | None = None  # normalized (see normalize_base_url); None = api.telegram.org
    webhook_url: str | None = None
    webhook_secret: str = field(default="", repr=False)
    # AIORateLimiter's retries after a 429 (RetryAfter).
    rate_limit_retries: int = 3
    # Our own bounded retries after NetworkError / TimedOut / 5xx, with exponential backoff.
    network_retries: int = 2
    network_backoff: float = 0.5

    def __post_init__(self) -> None:
        if not self.webhook_secret:
            object.__setattr__(self, "webhook_secret", derive_webhook_secret(self.token))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TelegramSettings:
        """From TELEGRAM_TOKEN, TELEGRAM_STAFF_IDS, TELEGRAM_BASE_URL, TELEGRAM_WEBHOOK_URL and
        TELEGRAM_SECRET_TOKEN."""
        return cls.from_values(
            token=environ.get(TOKEN_VAR),
            staff_ids=environ.get(STAFF_VAR),
            base_url=environ.get(BASE_URL_VAR),
            webhook_url=environ.get(WEBHOOK_URL_VAR),
            secret_token=environ.get(WEBHOOK_SECRET_VAR),
        )

    @classmethod
    def from_config(cls, telegram: Any) -> TelegramSettings:
        """From the `telegram` part of bot.config's Settings (token, staff_ids, base_url,
        webhook_url, secret_token), so `serve` can use the TOML file too."""
        return cls.from_values(
            token=telegram.token,
            staff_ids=telegram.staff_ids if telegram.staff_ids else None,
            base_url=telegram.base_url,
            webhook_url=telegram.webhook_url,
            secret_token=telegram.secret_token,
        )

    @classmethod
    def from_values(cls, *, token: str | None, staff_ids: str | Iterable[int | str] | None,
                    base_url: str | None = None, webhook_url: str | None = None,
                    secret_token: str | None = None) -> TelegramSettings:
        token = (token or "").strip()
        if not token:
            raise TelegramSettingsError(
                f"{TOKEN_VAR} is not set: create a bot with @BotFather in Telegram (/newbot) "
                f"and set {TOKEN_VAR} to the token it gives you"
            )
        if not _TOKEN_RE.match(token):
            raise TelegramSettingsError(
                f"{TOKEN_VAR} does not look like a bot token (expected something like "
                "123456789:AAE...)"
            )
        if staff_ids is None:
            raise TelegramSettingsError(
                f"{STAFF_VAR} is not set: list the numeric Telegram user ids of the staff "
                "allowed to use the bot, e.g. 12345678,87654321"
            )
        ids = parse_staff_ids(staff_ids)

        raw_base = (base_url or "").strip()
        normalized_base = normalize_base_url(raw_base) if raw_base else None

        webhook = (webhook_url or "").strip() or None
        if webhook and not re.match(r"^https?://[^/\s]+", webhook):
            raise TelegramSettingsError(
                f"{WEBHOOK_URL_VAR}: {webhook!r} is not a URL; expected the public address "
                "of this server's /telegram route, e.g. https://bot.example.org/telegram"
            )
        secret = (secret_token or "").strip()
        if secret and not _SECRET_RE.match(secret):
            raise TelegramSettingsError(
                f"{WEBHOOK_SECRET_VAR} must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram's rule for the webhook secret token)"
            )
        return cls(
            token=token,
            staff_ids=ids,
            base_url=normalized_base,
            webhook_url=webhook,
            webhook_secret=secret,
        )
