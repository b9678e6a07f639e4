"""The default in-process store: expiry, and bounded growth under rewrites."""

from __future__ import annotations

from bot.stores import MemoryStore


async def test_expired_keys_leave_the_store() -> None:
    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    for i in range(100):
        await store.save_session(f"u{i}", {"n": i}, ttl_seconds=10)
    now[0] = 11
    await store.save_session("late", {"n": -1}, ttl_seconds=10)  # a write sweeps what expired
    assert len(store._data) == 1
    assert await store.get_session("u1") is None
    assert await store.get_session("late") == {"n": -1}


async def test_rewriting_one_key_keeps_the_heap_bounded() -> None:
    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    for i in range(10_000):
        now[0] = i * 0.001
        await store.save_session("same-user", {"turn": i}, ttl_seconds=1800)
    assert len(store._data) == 1
    assert len(store._expiries) <= 2 * len(store._data) + 1024
    assert await store.get_session("same-user") == {"turn": 9999}


async def test_a_rewritten_key_is_not_dropped_by_its_old_expiry() -> None:
    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    await store.save_session("k", {"v": 1}, ttl_seconds=10)
    now[0] = 5
    await store.save_session("k", {"v": 2}, ttl_seconds=10)  # now expires at 15
    now[0] = 12
    await store.save_session("other", {}, ttl_seconds=10)  # sweeps the stale expiry at 10
    assert await store.get_session("k") == {"v": 2}
