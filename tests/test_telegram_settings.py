"""TELEGRAM_* settings from the environment."""

from __future__ import annotations

import pytest

from bot.channels.telegram.settings import (
    TelegramSettings,
    TelegramSettingsError,
    derive_webhook_secret,
    normalize_base_url,
    parse_staff_ids,
)

BASE = {"TELEGRAM_TOKEN": "123456:ABC-def_1", "TELEGRAM_STAFF_IDS": "11, 22,"}


def test_minimal():
    s = TelegramSettings.from_env(BASE)
    assert s.token == "123456:ABC-def_1"
    assert s.staff_ids == frozenset({11, 22})
    assert s.base_url is None and s.webhook_url is None
    assert s.webhook_secret == derive_webhook_secret(s.token)
    assert "ABC" not in repr(s)  # the token is never printed with the settings


def test_everything():
    s = TelegramSettings.from_env({**BASE, "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/",
                                   "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram",
                                   "TELEGRAM_SECRET_TOKEN": "s3cret_-X"})
    assert s.base_url == "http://127.0.0.1:8081/bot"
    assert s.webhook_url == "https://bot.example.org/telegram"
    assert s.webhook_secret == "s3cret_-X"


@pytest.mark.parametrize("raw, expected", [
    ("http://h:8081", "http://h:8081/bot"),
    ("http://h:8081/bot", "http://h:8081/bot"),
    ("https://h/api/bot/", "https://h/api/bot"),
    ("http://h/x/{token}/y", "http://h/x/{token}/y"),
])
def test_base_url_forms(raw, expected):
    assert normalize_base_url(raw) == expected


@pytest.mark.parametrize("env, words", [
    ({}, "TELEGRAM_TOKEN is not set"),
    ({"TELEGRAM_TOKEN": "  "}, "TELEGRAM_TOKEN is not set"),
    ({"TELEGRAM_TOKEN": "12 34"}, "does not look like a bot token"),
    ({"TELEGRAM_TOKEN": "1:a"}, "TELEGRAM_STAFF_IDS is not set"),
    ({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_STAFF_IDS": ""}, "TELEGRAM_STAFF_IDS is empty"),
    ({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_STAFF_IDS": "12,abc"}, "'abc' is not a Telegram"),
    ({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_STAFF_IDS": "-5"}, "'-5' is not a Telegram"),
    ({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_STAFF_IDS": "0"}, "'0' is not a Telegram"),
    ({"TELEGRAM_TOKEN": "1:a", "TELEGRAM_STAFF_IDS": "１２"}, "is not a Telegram"),
    ({**BASE, "TELEGRAM_BASE_URL": "localhost:8081"}, "TELEGRAM_BASE_URL"),
    ({**BASE, "TELEGRAM_WEBHOOK_URL": "bot.example.org"}, "TELEGRAM_WEBHOOK_URL"),
    ({**BASE, "TELEGRAM_SECRET_TOKEN": "has space"}, "TELEGRAM_SECRET_TOKEN"),
])
def test_invalid(env, words):
    with pytest.raises(TelegramSettingsError, match=words):
        TelegramSettings.from_env(env)


def test_parse_staff_ids():
    assert parse_staff_ids(" 7 ,8,,9 ") == frozenset({7, 8, 9})
    assert parse_staff_ids("7 8\t9") == frozenset({7, 8, 9})
    assert parse_staff_ids([7, "8"]) == frozenset({7, 8})
    with pytest.raises(TelegramSettingsError):
        parse_staff_ids([True])


def test_from_config_uses_bot_config_values():
    ConfigTelegram = pytest.importorskip("bot.config").TelegramSettings

    cfg = ConfigTelegram(token="1:a", staff_ids=(5, 6), base_url="http://h:1",
                         webhook_url="https://x/telegram", secret_token="abc")
    s = TelegramSettings.from_config(cfg)
    assert (s.token, s.staff_ids, s.base_url, s.webhook_url, s.webhook_secret) == (
        "1:a", frozenset({5, 6}), "http://h:1/bot", "https://x/telegram", "abc")
    with pytest.raises(TelegramSettingsError, match="TELEGRAM_TOKEN"):
        TelegramSettings.from_config(ConfigTelegram())


def test_derived_secret_is_stable_and_valid():
    secret = derive_webhook_secret("1:a")
    assert secret == derive_webhook_secret("1:a") != derive_webhook_secret("1:b")
    assert len(secret) == 64 and secret.isalnum()
