"""Answers over WeChat's 2048-byte passive-reply limit: split at sensible places; the rest
through the customer-service API, or kept for "回复 1" when the account cannot use it."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wechat_helpers import (
    APPID,
    TOKEN,
    FakeAssistant,
    FakeWeChatAPI,
    ServerThread,
    WeChatServer,
    post,
    text_msg,
)

from bot.channels.wechat.replies import clean_text, more_offer, split_text, utf8_len
from bot.config import load_settings
from bot.web import create_app

STEPS = "\n".join(f"{i}. 第{i}步：携带户口簿和身份证到村（社区）便民服务点，由工作人员核对信息后登记，"
                  "然后通过微信、支付宝或银行柜台缴纳个人缴费部分。" for i in range(1, 40))
LONG = "【缴费标准】\n2025年度城乡居民医保个人缴费标准为每人每年400元。\n\n【办理步骤】\n" + STEPS


def make(assistant, api: FakeWeChatAPI | None = None, customer_service: str | None = None):
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "BOT_COUNTY": "尤溪县"}
    if api is not None:
        env.update(WECHAT_SECRET=api.secret, WECHAT_API_BASE=api.base_url)
    if customer_service is not None:
        env["WECHAT_CUSTOMER_SERVICE"] = customer_service
    app = create_app(load_settings(env), assistant)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://wx.test",
                               timeout=30)
    return app, WeChatServer(), client


@pytest.fixture
def wechat_api():
    api = FakeWeChatAPI()
    with ServerThread(api.app()) as server:
        api.base_url = server.url
        yield api


# -- splitting -------------------------------------------------------------------------------
def test_split_prefers_paragraphs_then_lines_then_sentences():
    parts = split_text(LONG, 2048)
    assert all(utf8_len(p) <= 2048 for p in parts)
    assert len(parts) >= 2
    assert parts[0].startswith("【缴费标准】")
    for p in parts:  # every cut is at the end of a numbered line
        assert p.endswith(("缴纳个人缴费部分。", "400元。"))
    assert "".join(p.replace("\n", "") for p in parts) == LONG.replace("\n", "")


def test_split_text_without_any_break_cuts_between_characters():
    text = "医" * 3000
    parts = split_text(text, 2048)
    assert [utf8_len(p) for p in parts] == [2046, 2046, 2046, 2046, 3 * 3000 - 4 * 2046]
    assert "".join(parts) == text


def test_split_first_limit():
    parts = split_text("一句话。" * 400, 2048, first_limit=100)
    assert utf8_len(parts[0]) <= 100 and all(utf8_len(p) <= 2048 for p in parts[1:])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("医保缴费。，\n ab1！？；、😀")), max_size=3000),
       st.integers(min_value=8, max_value=600))
def test_split_keeps_every_character_and_the_limit(text, limit):
    parts = split_text(text, limit)
    assert all(0 < utf8_len(p) <= limit for p in parts)
    def squash(s: str) -> str:  # whitespace at the cuts may go
        return "".join(s.split())

    assert squash("".join(parts)) == squash(text)


def test_clean_text():
    assert clean_text("a]]>b") == "ab"
    assert clean_text("]]]>>") == "]>"
    assert "]]>" not in clean_text("]]]]>>>")
    assert clean_text("x\x00\x08y\tz\n") == "xy\tz\n"


def test_more_offer_names_the_next_section():
    assert more_offer("【办理步骤】\n1. ...") == "（内容较长，回复 1 查看办理步骤）"
    assert more_offer("办理步骤：\n1. ...") == "（内容较长，回复 1 查看办理步骤）"
    assert more_offer("其他内容很长很长很长的一句话。") == "（内容较长，回复 1 查看余下内容）"


# -- through the webhook ---------------------------------------------------------------------
async def test_long_answer_first_part_passive_rest_by_customer_service(wechat_api):
    app, wx, client = make(FakeAssistant(answer=LONG), wechat_api)
    fields = text_msg("怎么办理", user="oLong")
    async with client:
        req = wx.build(fields)
        first = wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        retry = wx.build(fields)
        assert wx.read_reply(await post(client, "/wechat", retry), retry)["Content"] == first
        await app.state.wechat.drain()
    assert utf8_len(first) <= 2048
    rest = [m["text"]["content"] for m in wechat_api.sent]
    assert rest and all(utf8_len(p) <= 2048 for p in rest)
    assert all(m["touser"] == "oLong" for m in wechat_api.sent)
    assert (first + "".join(rest)).replace("\n", "") == LONG.replace("\n", "")
    # sent once, although the message came twice; one token fetched
    assert wechat_api.tokens_issued == 1


async def test_long_answer_without_customer_service_offers_more():
    _, wx, client = make(FakeAssistant(answer=LONG))  # no secret: no customer-service API
    async with client:
        req = wx.build(text_msg("怎么办理", user="oMore"))
        first = wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        got = [first]
        for _ in range(10):
            req = wx.build(text_msg("1", user="oMore"))
            part = wx.read_reply(await post(client, "/wechat", req), req)["Content"]
            got.append(part)
            if "回复 1" not in part:
                break
    assert "回复 1 查看" in first
    assert all(utf8_len(p) <= 2048 for p in got)
    assert "回复 1" not in got[-1]
    body = "".join(p.split("\n\n（内容较长")[0] for p in got)
    assert body.replace("\n", "") == LONG.replace("\n", "")


async def test_customer_service_unauthorized_falls_back_to_offer(wechat_api):
    wechat_api.send_errcode = 48001
    app, wx, client = make(FakeAssistant(answer=LONG), wechat_api)
    async with client:
        req = wx.build(text_msg("怎么办理", user="oUnauth"))
        first = wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        await app.state.wechat.drain()
        # what could not be sent is kept for "1"
        req = wx.build(text_msg("1", user="oUnauth"))
        second = wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        assert second and second != first
        # and the account no longer tries the customer-service API
        req = wx.build(text_msg("再问一次", user="oOther"))
        again = wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        assert "回复 1 查看" in again
    assert first not in second


async def test_customer_service_can_be_turned_off(wechat_api):
    app, wx, client = make(FakeAssistant(answer=LONG), wechat_api, customer_service="0")
    async with client:
        req = wx.build(text_msg("怎么办理"))
        first = wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        await app.state.wechat.drain()
    assert "回复 1 查看" in first and wechat_api.calls == []


async def test_expired_access_token_is_refreshed_once(wechat_api):
    wechat_api.expire_first_token = True
    app, wx, client = make(FakeAssistant(answer=LONG), wechat_api)
    async with client:
        req = wx.build(text_msg("怎么办理"))
        await post(client, "/wechat", req)
        await app.state.wechat.drain()
    assert wechat_api.tokens_issued == 2
    assert wechat_api.sent
    refresh = [c for c in wechat_api.calls if c[0] == "stable_token"]
    assert [c[2]["force_refresh"] for c in refresh] == [False, True]


async def test_short_answer_uses_no_api(wechat_api):
    app, wx, client = make(FakeAssistant(answer="短答案"), wechat_api)
    async with client:
        req = wx.build(text_msg("问题"))
        assert wx.read_reply(await post(client, "/wechat", req), req)["Content"] == "短答案"
        await app.state.wechat.drain()
    assert wechat_api.calls == []


def test_render_matches_wechatpy():
    from wechatpy.replies import TextReply

    from bot.channels.wechat.replies import render_text
    ours = render_text("oUser", "gh_acc", "缴费标准：见通知。\n第二行", 1_700_000_000)
    theirs = TextReply(target="oUser", source="gh_acc", content="缴费标准：见通知。\n第二行",
                       time=1_700_000_000).render()
    assert ours == theirs
