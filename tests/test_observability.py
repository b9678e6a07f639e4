"""Metrics, /healthz, /metrics, masked JSON logs and request ids."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.messages import Inbound, Outbound
from bot.observability import (
    JsonFormatter,
    MaskingFormatter,
    Metrics,
    ObservedAssistant,
    RequestIdMiddleware,
    configure_logging,
    current_request_id,
    healthz_route,
    mask_ids,
    metrics_route,
    request_context,
)
from bot.stores import MemoryStore
from bot.stores.fallback import FallbackStore

ID = "341522199001011234"  # 18 digits
ID_X = "34152219900101123X"


def samples(metrics: Metrics) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


class FakeAssistant:
    def __init__(self, outbound: Outbound | None = None, fail: bool = False):
        self.outbound = outbound or Outbound(text="答复", intent="premium", confidence=0.9)
        self.fail = fail
        self.store = MemoryStore()
        self.request_ids: list[str | None] = []

    async def handle(self, inbound: Inbound) -> Outbound:
        self.request_ids.append(current_request_id())
        if self.fail:
            raise RuntimeError(f"boom {ID}")
        return self.outbound

    async def reset(self, channel: str, user: str) -> str:
        return f"reset {channel}:{user}"


# -- metrics -----------------------------------------------------------------------------------
def test_observe_counts_messages_fallbacks_unanswered_latency():
    m = Metrics()
    m.observe("wechat", Outbound(text="a", intent="premium"), 0.03)
    m.observe("wechat", Outbound(text="b", intent="premium"), 0.2)
    m.observe("telegram", Outbound(text="c", intent="fallback", answered=False), 0.001)
    m.observe("wechat", Outbound(text="d", intent="deadline", answered=False), 0.001)
    s = samples(m)
    assert s[("yibao_messages_total", (("channel", "wechat"), ("intent", "premium")))] == 2
    assert s[("yibao_messages_total", (("channel", "telegram"), ("intent", "fallback")))] == 1
    assert s[("yibao_fallback_replies_total", (("channel", "telegram"),))] == 1
    assert ("yibao_fallback_replies_total", (("channel", "wechat"),)) not in s
    assert s[("yibao_unanswered_total", (("channel", "wechat"), ("intent", "deadline")))] == 1
    assert s[("yibao_reply_seconds_count", (("channel", "wechat"),))] == 3
    assert s[("yibao_reply_seconds_bucket", (("channel", "wechat"), ("le", "0.05")))] == 2
    assert s[("yibao_reply_seconds_bucket", (("channel", "wechat"), ("le", "0.25")))] == 3


def test_registries_are_separate_and_labels_bounded():
    a, b = Metrics(), Metrics()
    a.observe("wechat", Outbound(text="x", intent="a b\n{evil}" * 10), 0.1)
    assert not any(name == "yibao_messages_total" for name, _ in samples(b))
    (labels,) = [dict(lbl) for name, lbl in samples(a) if name == "yibao_messages_total"]
    assert len(labels["intent"]) == 40 and all(c not in labels["intent"] for c in " \n{}")


async def test_store_fallbacks_are_counted():
    class Dead(MemoryStore):
        async def get_session(self, key):
            raise RedisConnectionError("refused")

    m = Metrics()
    on_fallback, on_state = m.store_listeners()
    store = FallbackStore(Dead(), on_fallback=on_fallback, on_state=on_state)
    assert samples(m)[("yibao_store_redis_up", ())] == 1
    await store.get_session("u")
    await store.save_session("u", {"a": 1}, 60)  # within the backoff: memory too
    s = samples(m)
    assert s[("yibao_store_fallbacks_total", (("op", "get_session"),))] == 1
    assert s[("yibao_store_fallbacks_total", (("op", "save_session"),))] == 1
    assert s[("yibao_store_redis_up", ())] == 0


# -- routes ------------------------------------------------------------------------------------
def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_healthz_memory_and_redis_states():
    mem_app = Starlette(routes=[healthz_route(MemoryStore())])
    async with client(mem_app) as c:
        r = await c.get("/healthz")
        assert r.status_code == 200 and r.json() == {"status": "ok", "store": "memory"}

    class Switchable(MemoryStore):
        up = True

        async def ping(self) -> bool:
            if not self.up:
                raise RedisConnectionError("refused")
            return True

    primary = Switchable()
    app = Starlette(routes=[healthz_route(FallbackStore(primary))])
    async with client(app) as c:
        r = await c.get("/healthz")
        assert r.json() == {"status": "ok", "store": "redis", "redis": "up"}
        primary.up = False
        r = await c.get("/healthz")
        assert r.status_code == 200  # alive: answers come from memory meanwhile
        assert r.json() == {"status": "ok", "store": "redis", "redis": "down"}
        r = await c.get("/healthz?require=redis")
        assert r.status_code == 503 and r.json()["status"] == "degraded"


async def test_metrics_route_serves_prometheus_text():
    m = Metrics()
    m.observe("wechat", Outbound(text="x", intent="premium"), 0.01)
    async with client(Starlette(routes=[metrics_route(m)])) as c:
        r = await c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert 'yibao_messages_total{channel="wechat",intent="premium"} 1.0' in r.text


# -- logs --------------------------------------------------------------------------------------
def test_mask_ids():
    assert mask_ids(f"身份证{ID_X}，电话13800138000") == "身份证3415**********123X，电话13800138000"
    assert mask_ids(f"a {ID} b {ID_X.lower()}") == "a 3415**********1234 b 3415**********123x"
    assert mask_ids("订单号12345678901234567890") == "订单号12345678901234567890"  # 20 digits


def _record(msg: str, *args, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"bad id {ID}")
        except ValueError:
            import sys
            exc_info = sys.exc_info()
    return logging.LogRecord("bot.x", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_json_formatter_masks_and_carries_request_id():
    with request_context("req-1"):
        line = JsonFormatter().format(_record("asked %s", f"我的身份证是{ID_X}", exc=True))
    data = json.loads(line)
    assert data["msg"] == "asked 我的身份证是3415**********123X"
    assert data["request_id"] == "req-1" and data["level"] == "WARNING"
    assert "3415**********1234" in data["exc"] and ID not in line and ID_X not in line


def test_text_formatter_masks():
    line = MaskingFormatter().format(_record("id=%s", ID))
    assert "id=3415**********1234" in line and ID not in line and "[-]" in line


async def test_request_id_per_http_request_and_on_log_lines():
    stream = io.StringIO()
    handler = configure_logging(json_logs=True, level="INFO", stream=stream)

    async def endpoint(request: Request):
        logging.getLogger("bot.test").info("in endpoint %s", ID)
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/x", endpoint)])
    app.add_middleware(RequestIdMiddleware)
    try:
        async with client(app) as c:
            r1 = await c.get("/x")
            r2 = await c.get("/x", headers={"X-Request-ID": "proxy-abc.1"})
            r3 = await c.get("/x", headers={"X-Request-ID": "bad id\"<script>"})
    finally:
        logging.getLogger().removeHandler(handler)
    rid1, rid3 = r1.headers["x-request-id"], r3.headers["x-request-id"]
    assert r2.headers["x-request-id"] == "proxy-abc.1"
    assert len({rid1, rid3, "proxy-abc.1"}) == 3 and "<" not in rid3
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    ours = [x for x in lines if x["logger"] == "bot.test"]
    assert [x["request_id"] for x in ours] == [rid1, "proxy-abc.1", rid3]
    assert all(x["msg"] == "in endpoint 3415**********1234" for x in ours)


# -- observed assistant ------------------------------------------------------------------------
async def test_observed_assistant_records_and_passes_through(caplog):
    caplog.set_level(logging.INFO)
    m = Metrics()
    inner = FakeAssistant()
    assistant = ObservedAssistant(inner, m)
    out = await assistant.handle(Inbound(channel="wechat", user="oU1", text=f"我的{ID}"))
    assert out.text == "答复"
    with request_context("http-req-7"):  # inside an HTTP request: that request's id
        await assistant.handle(Inbound(channel="wechat", user="oU1", text="再问"))
    await assistant.handle(Inbound(channel="wechat", user="oU1", text="三问"))
    first, second, third = inner.request_ids
    assert first and third and first != third and second == "http-req-7"
    assert await assistant.reset("wechat", "oU1") == "reset wechat:oU1"
    assert isinstance(assistant.store, MemoryStore)
    s = samples(m)
    assert s[("yibao_messages_total", (("channel", "wechat"), ("intent", "premium")))] == 3
    line = next(r for r in caplog.records if r.name == "bot.messages")
    assert "intent=premium" in line.getMessage() and "oU1" not in line.getMessage()


async def test_observed_assistant_counts_errors_and_reraises():
    m = Metrics()
    assistant = ObservedAssistant(FakeAssistant(fail=True), m)
    with pytest.raises(RuntimeError):
        await assistant.handle(Inbound(channel="telegram", user="1", text="hi"))
    assert samples(m)[("yibao_errors_total", (("channel", "telegram"),))] == 1
