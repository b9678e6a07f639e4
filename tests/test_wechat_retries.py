"""WeChat's 5-second rule: retries get the same reply and the message is handled once —
sequential retries, concurrent retries, retries while the first is still being answered, and
the slow-assistant paths (holding reply, answer later)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from wechat_helpers import (
    AES_KEY,
    APPID,
    TOKEN,
    FakeAssistant,
    FakeWeChatAPI,
    ServerThread,
    WeChatServer,
    event_msg,
    post,
    text_msg,
)

from bot.config import load_settings
from bot.stores import MemoryStore
from bot.web import create_app


def make(mode="plain", assistant=None, api: FakeWeChatAPI | None = None, store=None, **env):
    base = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "BOT_COUNTY": "遂平县", **env}
    if mode != "plain":
        base["WECHAT_AES_KEY"] = AES_KEY
    if api is not None:
        base["WECHAT_SECRET"] = api.secret
        base["WECHAT_API_BASE"] = api.base_url
    assistant = assistant or FakeAssistant()
    app = create_app(load_settings(base), assistant, store=store)
    wx = WeChatServer(aes_key=AES_KEY if mode != "plain" else None, mode=mode)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://wx.test",
                               timeout=30)
    return app, wx, client, assistant


@pytest.fixture
def wechat_api():
    api = FakeWeChatAPI()
    with ServerThread(api.app()) as server:
        api.base_url = server.url
        yield api


@pytest.mark.parametrize("mode", ["plain", "safe", "compat"])
async def test_sequential_retries_get_the_same_reply(mode):
    counter = iter(range(100))
    _, wx, client, assistant = make(mode, FakeAssistant(
        answer_fn=lambda i: f"第{next(counter)}次回答"))
    fields = text_msg("缴费截止时间")
    async with client:
        replies = []
        for _ in range(4):  # the first request and WeChat's three retries
            req = wx.build(fields)  # a retry: same message, new timestamp/nonce/signature
            replies.append(wx.read_reply(await post(client, "/wechat", req), req))
    assert len(assistant.calls) == 1
    assert {r["Content"] for r in replies} == {"第0次回答"}
    assert len({r["CreateTime"] for r in replies}) == 1  # byte-for-byte the same reply


@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_concurrent_retries_while_the_first_is_answered(mode):
    assistant = FakeAssistant(answer="慢慢的回答")
    assistant.release = asyncio.Event()
    _, wx, client, _ = make(mode, assistant)
    fields = text_msg("今年交多少")
    async with client:
        reqs = [wx.build(fields) for _ in range(4)]
        tasks = [asyncio.create_task(post(client, "/wechat", r)) for r in reqs]
        await asyncio.sleep(0.2)  # all four are in, the first still waits for the assistant
        assert len(assistant.calls) == 1
        assistant.release.set()
        resps = await asyncio.gather(*tasks)
    contents = [wx.read_reply(r, q)["Content"] for r, q in zip(resps, reqs, strict=True)]
    assert contents == ["慢慢的回答"] * 4
    assert len(assistant.calls) == 1


async def test_retries_through_the_store_when_the_first_runs_elsewhere():
    """Two workers sharing one store: a retry reaching the other worker waits for the
    first worker's reply in the store."""
    store = MemoryStore()
    slow = FakeAssistant(answer="来自一号进程")
    slow.release = asyncio.Event()
    other = FakeAssistant(answer="不应出现")
    _, wx, c1, _ = make("safe", slow, store=store)
    _, _, c2, _ = make("safe", other, store=store)
    fields = text_msg("在哪里交")
    async with c1, c2:
        first_req = wx.build(fields)
        first = asyncio.create_task(post(c1, "/wechat", first_req))
        await asyncio.sleep(0.1)
        retry_req = wx.build(fields)
        retry = asyncio.create_task(post(c2, "/wechat", retry_req))
        await asyncio.sleep(0.2)
        slow.release.set()
        r1, r2 = await first, await retry
    assert wx.read_reply(r1, first_req)["Content"] == "来自一号进程"
    assert wx.read_reply(r2, retry_req)["Content"] == "来自一号进程"
    assert other.calls == [] and len(slow.calls) == 1


async def test_events_deduplicated_by_user_and_create_time():
    _, wx, client, assistant = make("plain")
    async with client:
        click = event_msg("CLICK", key="fee", user="oA", create_time=1_700_000_000)
        for _ in range(3):
            req = wx.build(click)
            assert wx.read_reply(await post(client, "/wechat", req), req)["Content"] == "答：缴费标准"
        # the same second, another user / another second: new events
        for fields in (event_msg("CLICK", key="fee", user="oB", create_time=1_700_000_000),
                       event_msg("CLICK", key="fee", user="oA", create_time=1_700_000_001)):
            req = wx.build(fields)
            await post(client, "/wechat", req)
    assert [c.user for c in assistant.calls] == ["oA", "oB", "oA"]


async def test_distinct_messages_are_not_deduplicated():
    _, wx, client, assistant = make("plain")
    async with client:
        for i in range(3):
            req = wx.build(text_msg("同一句话", msg_id=9000 + i))
            await post(client, "/wechat", req)
    assert len(assistant.calls) == 3


async def test_assistant_failure_gets_apology_and_retries_get_it_too():
    _, wx, client, assistant = make("plain", FakeAssistant(fail=True))
    fields = text_msg("会出错的问题")
    async with client:
        contents = []
        for _ in range(2):
            req = wx.build(fields)
            resp = await post(client, "/wechat", req)
            contents.append(wx.read_reply(resp, req)["Content"])
        req = wx.build(text_msg("下一个问题"))
        assert (await post(client, "/wechat", req)).status_code == 200
    assert contents[0] == contents[1] and "抱歉" in contents[0]
    assert len(assistant.calls) == 2


# -- the assistant is slower than the passive reply allows -------------------------------------
async def test_slow_answer_goes_through_customer_service(wechat_api):
    app, wx, client, _ = make("safe", FakeAssistant(answer="迟到的完整答案", delay=0.6),
                              api=wechat_api, WECHAT_REPLY_TIMEOUT="0.2")
    fields = text_msg("慢问题", user="oSlow")
    async with client:
        req = wx.build(fields)
        reply = wx.read_reply(await post(client, "/wechat", req), req)
        assert "正在为您查询" in reply["Content"]
        retry = wx.build(fields)  # a retry gets the same holding reply
        assert wx.read_reply(await post(client, "/wechat", retry), retry) == reply
        await app.state.wechat.drain()
    assert wechat_api.sent == [{"touser": "oSlow", "msgtype": "text",
                                "text": {"content": "迟到的完整答案"}}]


async def test_slow_answer_without_customer_service_waits_for_1():
    app, wx, client, assistant = make("plain", FakeAssistant(answer="迟到的答案", delay=0.5),
                                      WECHAT_REPLY_TIMEOUT="0.1")
    async with client:
        req = wx.build(text_msg("慢问题", user="oNoCS"))
        reply = wx.read_reply(await post(client, "/wechat", req), req)
        assert "回复 1" in reply["Content"]
        req = wx.build(text_msg("1", user="oNoCS"))  # too early
        assert "还在查询" in wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        await app.state.wechat.drain()
        req = wx.build(text_msg("1", user="oNoCS"))
        assert wx.read_reply(await post(client, "/wechat", req), req)["Content"] == "迟到的答案"
        req = wx.build(text_msg("1", user="oNoCS"))  # nothing more kept: "1" is a question
        await post(client, "/wechat", req)
    assert [c.text for c in assistant.calls] == ["慢问题", "1"]
