"""RedisStore and FallbackStore against a real redis-server (started on a free loopback port)."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from redis_fixtures import running_redis

from bot.channels.wechat.dedupe import Deduper
from bot.stores import MemoryStore, make_store
from bot.stores.fallback import FallbackStore
from bot.stores.redis_store import RedisStore


@pytest.fixture
def redis_server():
    with running_redis() as server:
        yield server


@pytest.fixture
async def stores(redis_server):
    """Two stores on one Redis: two workers."""
    a, b = RedisStore(redis_server.url), RedisStore(redis_server.url)
    yield a, b
    await a.close()
    await b.close()


async def test_session_round_trip_between_workers(stores):
    a, b = stores
    session = {"county": "金寨县", "pending": ["category"], "n": 2}
    await a.save_session("wechat:o1", session, 60)
    assert await b.get_session("wechat:o1") == session
    assert await b.get_session("wechat:o2") is None
    raw = await a.client.get("yibao:s:wechat:o1")
    assert json.loads(raw) == session and "金寨县" in raw  # JSON, readable Chinese
    await b.delete_session("wechat:o1")
    assert await a.get_session("wechat:o1") is None


async def test_session_expires_and_save_renews_ttl(stores):
    a, b = stores
    await a.save_session("k", {"v": 1}, 100)
    assert 90 <= await a.client.ttl("yibao:s:k") <= 100
    await a.save_session("k", {"v": 2}, 1)
    assert await a.client.ttl("yibao:s:k") == 1
    await asyncio.sleep(1.3)
    assert await b.get_session("k") is None


async def test_corrupted_session_reads_as_none(stores):
    a, _ = stores
    await a.client.set("yibao:s:bad", "{not json")
    await a.client.set("yibao:s:list", "[1, 2]")
    assert await a.get_session("bad") is None
    assert await a.get_session("list") is None


async def test_claim_is_first_caller_only_across_workers(stores):
    a, b = stores
    results = await asyncio.gather(*[(a if i % 2 else b).claim("wx:msg1", 60)
                                     for i in range(40)])
    assert results.count(True) == 1
    assert await a.claim("wx:msg2", 60) is True


async def test_claim_expires(stores):
    a, b = stores
    assert await a.claim("c", 1) is True
    assert await b.claim("c", 1) is False
    await asyncio.sleep(1.3)
    assert await b.claim("c", 1) is True


async def test_result_is_shared(stores):
    a, b = stores
    assert await b.get_result("r") is None
    await a.put_result("r", "<xml>答复</xml>", 60)
    assert await b.get_result("r") == "<xml>答复</xml>"


async def test_hit_counts_across_workers_in_fixed_windows(redis_server):
    now = [1000.0]
    a = RedisStore(redis_server.url, clock=lambda: now[0])
    b = RedisStore(redis_server.url, clock=lambda: now[0])
    try:
        assert [await a.hit("u1", 60), await b.hit("u1", 60), await a.hit("u1", 60)] == [1, 2, 3]
        assert await b.hit("u2", 60) == 1
        keys = await a.client.keys("yibao:h:u1:*")
        assert len(keys) == 1 and 0 < await a.client.ttl(keys[0]) <= 60
        now[0] += 60  # next window starts from zero
        assert await b.hit("u1", 60) == 1
    finally:
        await a.close()
        await b.close()


async def test_prefix_separates_deployments(redis_server):
    a = RedisStore(redis_server.url, prefix="county-a:")
    b = RedisStore(redis_server.url, prefix="county-b:")
    try:
        await a.save_session("k", {"x": 1}, 60)
        assert await b.get_session("k") is None
        assert await a.claim("m", 60) and await b.claim("m", 60)
    finally:
        await a.close()
        await b.close()


async def test_make_store():
    assert isinstance(make_store(None), MemoryStore)
    assert isinstance(make_store(""), MemoryStore)
    store = make_store("redis://127.0.0.1:6390/0")
    assert isinstance(store, FallbackStore) and isinstance(store.primary, RedisStore)
    await store.close()


# -- outage and recovery ---------------------------------------------------------------------
async def test_redis_killed_mid_conversation_then_back(redis_server, caplog):
    fallbacks: list[str] = []
    states: list[bool] = []
    a = FallbackStore(RedisStore(redis_server.url), retry_after=0.2,
                      on_fallback=fallbacks.append, on_state=states.append)
    b = FallbackStore(RedisStore(redis_server.url), retry_after=0.2)
    try:
        await a.save_session("u", {"county": "屯留区"}, 60)
        assert await b.get_session("u") == {"county": "屯留区"}
        assert fallbacks == [] and await a.ping() is True

        redis_server.kill()
        caplog.set_level(logging.WARNING, logger="bot.stores")
        # every call still answers; this worker's memory carries the conversation on
        assert await a.get_session("u") is None
        await a.save_session("u", {"county": "遂平县"}, 60)
        assert await a.get_session("u") == {"county": "遂平县"}
        assert await a.claim("wx:1", 60) is True
        assert await a.claim("wx:1", 60) is False
        await a.put_result("wx:1", "reply-1", 60)
        assert await a.get_result("wx:1") == "reply-1"
        assert [await a.hit("rate", 60) for _ in range(3)] == [1, 2, 3]
        for _ in range(20):
            assert await a.get_session("u") == {"county": "遂平县"}
        assert await a.ping() is False
        assert a.primary_up is False and states == [False]
        assert len(fallbacks) >= 29 and "get_session" in fallbacks and "claim" in fallbacks
        outage_logs = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(outage_logs) == 1  # logged once per outage, not once per request

        redis_server.start()  # back, empty
        await asyncio.sleep(0.25)  # past retry_after: the next call probes Redis
        assert await a.get_session("u") == {"county": "遂平县"}  # outage session moved to Redis
        assert a.primary_up is True and states == [False, True]
        assert await b.get_session("u") == {"county": "遂平县"}  # shared again
        # the claim and reply made in memory during the outage still count for retries
        assert await a.claim("wx:1", 60) is False
        assert await a.get_result("wx:1") == "reply-1"
        await b.save_session("v", {"county": "尤溪县"}, 60)
        assert await a.get_session("v") == {"county": "尤溪县"}
    finally:
        await a.close()
        await b.close()


async def test_redis_never_up_at_start(redis_server):
    redis_server.kill()
    store = make_store(redis_server.url, retry_after=0.2)
    try:
        await store.save_session("u", {"a": 1}, 60)
        assert await store.get_session("u") == {"a": 1}
        assert await store.ping() is False
        redis_server.start()
        await asyncio.sleep(0.25)
        await store.save_session("w", {"b": 2}, 60)
        other = RedisStore(redis_server.url)
        assert await other.get_session("w") == {"b": 2}
        await other.close()
    finally:
        await store.close()


async def test_unresponsive_redis_falls_back():
    """A Redis that accepts connections but never answers (hung host): calls still return."""
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)  # never reply
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    fallbacks: list[str] = []
    store = make_store(f"redis://127.0.0.1:{port}/0", on_fallback=fallbacks.append)
    try:
        await store.save_session("u", {"a": 1}, 60)
        assert await store.get_session("u") == {"a": 1}
        assert fallbacks == ["save_session", "get_session"]
    finally:
        await store.close()
        server.close()


async def test_wechat_retry_on_second_worker_gets_first_workers_reply(stores):
    """Deduper (the WeChat channel's) on two workers sharing Redis: the retry arrives at
    worker B while worker A is still producing the reply; B answers with A's reply."""
    a, b = stores
    started, release = asyncio.Event(), asyncio.Event()
    produced: list[str] = []

    async def slow_reply() -> str:
        produced.append("A")
        started.set()
        await release.wait()
        return "<xml>reply from A</xml>"

    async def other_reply() -> str:
        produced.append("B")
        return "<xml>reply from B</xml>"

    first = asyncio.create_task(Deduper(a, ttl=60).run("wx:default:m42", slow_reply))
    await started.wait()
    retry = asyncio.create_task(Deduper(b, ttl=60, poll_interval=0.01).run("wx:default:m42",
                                                                             other_reply))
    await asyncio.sleep(0.1)
    release.set()
    assert await first == "<xml>reply from A</xml>"
    assert await retry == "<xml>reply from A</xml>"
    assert produced == ["A"]


async def test_rate_limit_is_shared_by_workers(stores):
    from bot.stores.ratelimit import RateLimiter

    a, b = RateLimiter(stores[0], limit=3, window_seconds=60), RateLimiter(stores[1], 3, 60)
    assert [await a.allow("wechat", "u1"), await b.allow("wechat", "u1"),
            await a.allow("wechat", "u1"), await b.allow("wechat", "u1")] == [True] * 3 + [False]
    assert await b.allow("wechat", "u2") is True
    assert await a.allow("telegram", "u1") is True


def test_missing_redis_server_skips_locally_but_fails_on_ci(monkeypatch):
    import redis_fixtures

    monkeypatch.setattr(redis_fixtures.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y redis-server"):
        redis_fixtures.redis_binary()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the Redis tests"):
        redis_fixtures.redis_binary()
