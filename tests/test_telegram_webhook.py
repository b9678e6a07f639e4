"""Webhook mode: the self-contained /telegram Starlette route."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from telegram_fakes import (
    STAFF,
    STRANGER,
    FakeRequest,
    SpyAssistant,
    error,
    make_settings,
    message_json,
)

from bot.channels.telegram import TelegramWebhook, webhook_route
from bot.channels.telegram.access import REFUSAL_TEXT
from bot.channels.telegram.webhook import SECRET_HEADER

WEBHOOK_URL = "https://bot.example.org/telegram"


@pytest.fixture
async def hook():
    fake = FakeRequest()
    assistant = SpyAssistant()
    hook = TelegramWebhook(make_settings(webhook_url=WEBHOOK_URL), assistant, request=fake)
    app = Starlette(routes=[hook.route])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        hook.client, hook.fake, hook.assistant = client, fake, assistant
        yield hook
    await hook.shutdown()


def headers(hook, secret=None):
    return {SECRET_HEADER: hook.settings.webhook_secret if secret is None else secret}


async def test_update_with_secret_is_answered(hook):
    r = await hook.client.post("/telegram", json=message_json(1, STAFF, "问题"),
                               headers=headers(hook))
    assert r.status_code == 200
    assert hook.assistant.inbounds[0].text == "问题"
    assert hook.fake.texts(STAFF) == ["答复"]
    r = await hook.client.post("/telegram", json=message_json(2, STAFF, "/help"),
                               headers=headers(hook))
    assert r.status_code == 200 and "/debug" in hook.fake.texts(STAFF)[-1]
    assert [c.method for c in hook.fake.calls].count("getMe") == 1  # initialized once


@pytest.mark.parametrize("secret", ["", "wrong", None])
async def test_missing_or_wrong_secret_is_403(hook, secret):
    hdrs = {} if secret is None else {SECRET_HEADER: secret}
    r = await hook.client.post("/telegram", json=message_json(1, STAFF, "问题"), headers=hdrs)
    assert r.status_code == 403
    assert hook.assistant.inbounds == [] and hook.fake.calls == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"no": "update_id"}'])
async def test_bad_body_is_400(hook, body):
    r = await hook.client.post("/telegram", content=body, headers=headers(hook))
    assert r.status_code == 400
    assert hook.assistant.inbounds == []


async def test_too_large_body_is_413(hook):
    r = await hook.client.post("/telegram", content=b"x" * (2 << 20), headers=headers(hook))
    assert r.status_code == 413


async def test_get_is_not_allowed(hook):
    assert (await hook.client.get("/telegram")).status_code == 405


async def test_stranger_via_webhook_gets_only_the_refusal(hook):
    for i in range(3):
        r = await hook.client.post("/telegram", json=message_json(i + 1, STRANGER, "hi"),
                                   headers=headers(hook))
        assert r.status_code == 200
    assert hook.fake.texts() == [REFUSAL_TEXT.format(user_id=STRANGER)]
    assert hook.assistant.inbounds == []


async def test_handler_error_still_answers_200(hook):
    hook.assistant.raise_error = RuntimeError("boom")
    r = await hook.client.post("/telegram", json=message_json(1, STAFF, "问题"),
                               headers=headers(hook))
    assert r.status_code == 200  # Telegram must not redeliver; staff got a notice instead
    assert len(hook.fake.texts(STAFF)) == 1 and "boom" not in hook.fake.texts(STAFF)[0]


async def test_bot_api_unreachable_is_503_then_recovers(hook):
    hook.fake.fail("getMe", *[error(502, "Bad Gateway")] * 3)
    r = await hook.client.post("/telegram", json=message_json(1, STAFF, "问题"),
                               headers=headers(hook))
    assert r.status_code == 503
    r = await hook.client.post("/telegram", json=message_json(1, STAFF, "问题"),
                               headers=headers(hook))
    assert r.status_code == 200 and hook.fake.texts(STAFF) == ["答复"]


async def test_register_sets_webhook_with_secret_and_commands(hook):
    await hook.register()
    (params,) = hook.fake.of("setWebhook")
    assert params["url"] == WEBHOOK_URL
    assert params["secret_token"] == hook.settings.webhook_secret
    assert params["allowed_updates"] == ["message", "callback_query"]
    (commands,) = hook.fake.of("setMyCommands")
    assert {c["command"] for c in commands["commands"]} == {"county", "today", "debug", "reset",
                                                            "help"}


async def test_lifespan_registers_and_shuts_down():
    fake = FakeRequest()
    hook = TelegramWebhook(make_settings(webhook_url=WEBHOOK_URL), SpyAssistant(), request=fake)
    async with hook.lifespan(None):
        assert hook.application._initialized
        assert fake.of("setWebhook")
    assert not hook.application._initialized


def test_webhook_route_is_mountable():
    route = webhook_route(make_settings(webhook_url=WEBHOOK_URL), SpyAssistant())
    assert route.path == "/telegram" and route.methods >= {"POST"}
    assert isinstance(route.telegram_webhook, TelegramWebhook)
    Starlette(routes=[route])  # mounts without error
