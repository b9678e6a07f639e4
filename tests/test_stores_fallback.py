"""FallbackStore with a scripted primary and a fake clock (no Redis needed)."""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import ConnectionError as RedisConnectionError

from bot.stores import MemoryStore
from bot.stores.fallback import FallbackStore


class FlakyPrimary(MemoryStore):
    """A MemoryStore that can be switched off (raises like a dead Redis) and counts calls."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.calls = 0
        self.hang = False

    def __getattribute__(self, name: str):
        attr = super().__getattribute__(name)
        if name in ("get_session", "save_session", "delete_session", "claim", "put_result",
                    "get_result", "hit", "ping"):
            async def wrapped(*args, **kwargs):
                self.calls += 1
                if self.hang:
                    await asyncio.sleep(3600)
                if self.down:
                    raise RedisConnectionError("Connection refused")
                return await attr(*args, **kwargs)
            return wrapped
        return attr


def make(retry_after: float = 5.0):
    now = [0.0]
    primary = FlakyPrimary()
    events: list[str] = []
    store = FallbackStore(primary, retry_after=retry_after, op_timeout=0.05,
                          on_fallback=events.append,
                          on_state=lambda up: events.append("UP" if up else "DOWN"),
                          clock=lambda: now[0])
    return store, primary, now, events


async def test_healthy_uses_primary_only():
    store, primary, _, events = make()
    await store.save_session("u", {"a": 1}, 60)
    assert await primary.get_session("u") == {"a": 1}
    assert await store.get_session("u") == {"a": 1}
    assert events == [] and store.primary_up


async def test_outage_backoff_single_probe_and_recovery(caplog):
    caplog.set_level(logging.WARNING, logger="bot.stores")
    store, primary, now, events = make(retry_after=5.0)
    primary.down = True
    await store.save_session("u", {"a": 1}, 60)
    calls_after_first = primary.calls
    assert events == ["DOWN", "save_session"]
    # within the backoff the primary is not even tried
    for _ in range(10):
        assert await store.get_session("u") == {"a": 1}
    assert primary.calls == calls_after_first
    now[0] = 5.1  # backoff over, still down: one probe, then backoff again
    assert await store.claim("m", 60) is True
    assert primary.calls == calls_after_first + 1
    assert await store.claim("m", 60) is False
    assert primary.calls == calls_after_first + 1
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1
    primary.down = False
    now[0] = 10.3
    assert await store.get_session("u") == {"a": 1}  # moved from memory to the primary
    assert await primary.get_session("u") == {"a": 1}
    assert await store.fallback.get_session("u") is None
    assert events[-1] == "UP" and events.count("DOWN") == 1
    assert len([r for r in caplog.records if "is back" in r.getMessage()]) == 1


async def test_outage_writes_win_over_stale_primary_data():
    store, primary, now, _ = make(retry_after=1.0)
    await store.save_session("u", {"county": "金寨县"}, 60)  # in the primary
    primary.down = True
    await store.save_session("u", {"county": "尤溪县"}, 60)  # during the outage
    primary.down = False
    now[0] = 2.0
    assert await store.get_session("u") == {"county": "尤溪县"}
    assert await primary.get_session("u") == {"county": "尤溪县"}


async def test_delete_during_and_after_outage():
    store, primary, now, _ = make(retry_after=1.0)
    primary.down = True
    await store.save_session("u", {"a": 1}, 60)
    primary.down = False
    now[0] = 2.0
    await store.delete_session("u")
    assert await store.get_session("u") is None


async def test_claims_and_results_from_the_outage_still_count():
    store, primary, now, _ = make(retry_after=1.0)
    primary.down = True
    assert await store.claim("m", 60) is True
    await store.put_result("m", "reply", 60)
    primary.down = False
    now[0] = 2.0
    assert await store.claim("m", 60) is False  # a retry after recovery is still a retry
    assert await store.get_result("m") == "reply"
    assert await store.claim("n", 60) is True and await store.claim("n", 60) is False


async def test_hanging_primary_is_bounded_by_op_timeout():
    store, primary, _, events = make()
    primary.hang = True
    await store.save_session("u", {"a": 1}, 60)  # would hang an hour without op_timeout
    assert await store.get_session("u") == {"a": 1}
    assert events[:2] == ["DOWN", "save_session"]


async def test_unexpected_primary_error_is_served_from_memory(caplog):
    class Broken(MemoryStore):
        async def get_result(self, key: str) -> str | None:
            raise ValueError("bug")

    store = FallbackStore(Broken(), fallback=MemoryStore())
    assert await store.get_result("k") is None
    assert store.primary_up  # not an outage: the next call tries the primary again
    assert any("failed during get_result" in r.getMessage() for r in caplog.records)


async def test_ping_reports_without_raising():
    store, primary, _, events = make()
    assert await store.ping() is True
    primary.down = True
    assert await store.ping() is False
    await store.get_session("x")
    assert not store.primary_up
    primary.down = False
    assert await store.ping() is True and store.primary_up  # ends the outage early
    assert events[-1] == "UP"


async def test_listener_errors_do_not_fail_requests():
    def boom(op: str) -> None:
        raise RuntimeError("metrics broken")

    primary = FlakyPrimary()
    primary.down = True
    store = FallbackStore(primary, on_fallback=boom)
    await store.save_session("u", {"a": 1}, 60)
    assert await store.get_session("u") == {"a": 1}


async def test_rate_limiter_on_memory_and_broken_store():
    from bot.stores.ratelimit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(MemoryStore(clock=lambda: now[0]), limit=2, window_seconds=10)
    assert [await limiter.allow("wechat", "u") for _ in range(3)] == [True, True, False]
    now[0] = 10.0  # the next window
    assert await limiter.allow("wechat", "u") is True

    class Broken(MemoryStore):
        async def hit(self, key: str, window_seconds: int) -> int:
            raise RuntimeError("store broken")

    assert await RateLimiter(Broken(), limit=1).allow("wechat", "u") is True
