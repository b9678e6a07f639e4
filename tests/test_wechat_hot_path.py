"""The pieces the webhook's per-message path was made cheaper with: the expat-based XML parser
(same dicts as before, DTDs refused) and the eager start of the assistant's coroutine."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from bot.channels.wechat.channel import _start_eagerly
from bot.channels.wechat.xmlsafe import BadXML, parse_xml


@pytest.mark.parametrize("body, expected", [
    (b"<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A><B>1</B><B>2</B></xml>",
     {"A": "a]]>b", "B": ["1", "2"]}),
    (b"<xml><C><item><x>1</x></item><item><x>2</x></item></C></xml>",
     {"C": {"item": [{"x": "1"}, {"x": "2"}]}}),
    (b"<xml><A>&amp;&lt;&#20320;</A> text <B/></xml>", {"A": "&<\u4f60", "B": ""}),
    (b"<xml><A>a<B>b</B>c</A></xml>", {"A": {"B": "b"}}),  # text beside children is ignored
    (b'<xml><n:A xmlns:n="urn:y">1</n:A></xml>', {"{urn:y}A": "1"}),
    (b"\xef\xbb\xbf<xml><A>1\r\n2</A></xml>", {"A": "1\n2"}),
    (b"<xml>hi</xml>", {}),
    (b'<?xml version="1.0" encoding="GBK"?><xml><A>\xe5\x8c\xbb</A></xml>', {"A": "\u533b"}),
])
def test_parse_shapes(body, expected):
    assert parse_xml(body) == expected


@pytest.mark.parametrize("body, reason", [
    (b'<!DOCTYPE xml [<!ENTITY a "b">]><xml><A>&a;</A></xml>', "forbidden XML construct"),
    (b'<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>', "forbidden XML construct"),
    (b"<xml><A>&a;</A></xml>", "undefined entity"),
    (b'<xml xmlns="urn:x"><A>1</A></xml>', "root element"),
    (b"<xml>" + b"<A>1</A>" * 201 + b"</xml>", "too many fields"),
    (b"<xml><a><b><c><d><e>x</e></d></c></b></a></xml>", "nested too deeply"),
    (b"<xml><A>1</A></xml><junk/>", "junk after document element"),
])
def test_parse_refusals(body, reason):
    with pytest.raises(BadXML) as info:
        parse_xml(body)
    assert reason in info.value.reason


async def test_eager_start_without_suspension_needs_no_task():
    async def answer():
        return 42

    future = _start_eagerly(answer())
    assert future.done() and future.result() == 42
    assert not isinstance(future, asyncio.Task)


async def test_eager_start_delivers_an_immediate_error():
    async def fail():
        raise ValueError("boom")

    future = _start_eagerly(fail())
    assert future.done()
    with pytest.raises(ValueError):
        future.result()


async def test_eager_start_finishes_a_suspended_coroutine_in_a_task():
    steps = []

    async def slow():
        steps.append("first")
        await asyncio.sleep(0.01)
        steps.append("second")
        await asyncio.sleep(0)
        return "late"

    future = _start_eagerly(slow())
    assert steps == ["first"] and not future.done()
    assert await future == "late"
    assert steps == ["first", "second"]


async def test_eager_start_passes_cancellation_on():
    cleaned = asyncio.Event()

    async def forever():
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.set()

    future = _start_eagerly(forever())
    await asyncio.sleep(0)
    future.cancel()
    with pytest.raises(asyncio.CancelledError):
        await future
    assert cleaned.is_set()


async def test_eager_start_keeps_one_context_across_the_suspension():
    # A context-variable token made before the first suspension must still be resettable after
    # it (the request-id context of bot.observability does exactly this around a Redis await).
    var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request", default=None)

    async def handle() -> str | None:
        token = var.set("req-1")
        await asyncio.sleep(0)
        seen = var.get()
        var.reset(token)
        return seen

    future = _start_eagerly(handle())
    assert await future == "req-1"
    assert var.get() is None  # the caller's context is untouched
