"""`FallbackStore`: a primary store (Redis) that never fails a request.

When the primary raises a connection error or does not answer within `op_timeout`, the
operation is served by per-process memory instead; the outage is logged once, every operation
served from memory is reported to `on_fallback(op)` (a metrics counter), and for `retry_after`
seconds the primary is not tried at all (no request waits on a dead Redis). After that, one
request probes the primary while the others keep using memory; when the probe succeeds the
store is back on Redis.

Worst case added to one request by a dead Redis: `op_timeout` (default 0.6 s), once per
`retry_after` (default 2 s) per process; every other request in the outage costs nothing extra.

Writes made in memory during an outage are not lost when Redis returns: a session saved in
memory is moved to Redis the next time it is read, a claim or reply made in memory still
counts for WeChat retries.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

from bot.stores.memory import MemoryStore

log = logging.getLogger("bot.stores")
T = TypeVar("T")

# errors that mean "the primary is unreachable" rather than "this call was wrong"
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


class FallbackStore:
    def __init__(self, primary: Any, fallback: Any | None = None, *, retry_after: float = 2.0,
                 op_timeout: float = 0.6, on_fallback: Callable[[str], None] | None = None,
                 on_state: Callable[[bool], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, name: str = "redis"):
        self.primary = primary
        self.fallback = fallback if fallback is not None else MemoryStore()
        self.retry_after = retry_after
        self.op_timeout = op_timeout
        self.name = name
        self._on_fallback = on_fallback
        self._on_state = on_state
        self._clock = clock
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._probing = False
        self._served_from_memory = 0
        # "<kind>:<key>" -> expiry (clock) of what was written to memory during an outage
        self._outage_keys: dict[str, float] = {}

    # -- state -----------------------------------------------------------------------------
    @property
    def primary_up(self) -> bool:
        return self._down_since is None

    def _mark_down(self, op: str, exc: BaseException) -> None:
        now = self._clock()
        self._retry_at = now + self.retry_after
        if self._down_since is None:
            self._down_since = now
            self._served_from_memory = 0
            log.warning("store: %s unreachable (%s during %s: %s); answering from per-process "
                        "memory, retrying every %.1f s", self.name, type(exc).__name__, op,
                        str(exc)[:200], self.retry_after)
            if self._on_state:
                self._on_state(False)

    def _mark_up(self) -> None:
        if self._down_since is None:
            return
        log.warning("store: %s is back after %.1f s (%d operations used memory meanwhile)",
                    self.name, self._clock() - self._down_since, self._served_from_memory)
        self._down_since = None
        if self._on_state:
            self._on_state(True)

    async def _call(self, op: str, on_primary: Callable[[], Awaitable[T]],
                    on_memory: Callable[[], Awaitable[T]]) -> T:
        if self._down_since is not None and (self._probing or self._clock() < self._retry_at):
            return await self._memory(op, on_memory)
        probing = self._down_since is not None
        self._probing = self._probing or probing
        try:
            async with asyncio.timeout(self.op_timeout):
                result = await on_primary()
        except OUTAGE_ERRORS as exc:
            self._mark_down(op, exc)
            return await self._memory(op, on_memory)
        except Exception:
            log.exception("store: %s failed during %s; served from memory", self.name, op)
            return await self._memory(op, on_memory)
        finally:
            if probing:
                self._probing = False
        self._mark_up()
        return result

    async def _memory(self, op: str, on_memory: Callable[[], Awaitable[T]]) -> T:
        self._served_from_memory += 1
        if self._on_fallback:
            try:
                self._on_fallback(op)
            except Exception:
                log.exception("store: fallback listener failed")
        return await on_memory()

    def _remember(self, kind: str, key: str, ttl: float) -> None:
        now = self._clock()
        self._outage_keys[f"{kind}:{key}"] = now + ttl
        if len(self._outage_keys) % 1024 == 0:
            for k in [k for k, exp in self._outage_keys.items() if exp <= now]:
                del self._outage_keys[k]

    def _written_in_outage(self, kind: str, key: str) -> bool:
        exp = self._outage_keys.get(f"{kind}:{key}")
        if exp is None:
            return False
        if exp <= self._clock():
            del self._outage_keys[f"{kind}:{key}"]
            return False
        return True

    # -- Store interface -------------------------------------------------------------------
    async def get_session(self, key: str) -> dict[str, Any] | None:
        async def primary() -> dict[str, Any] | None:
            if self._written_in_outage("s", key):  # newer than anything Redis may hold
                local = await self.fallback.get_session(key)
                ttl = max(1, int(self._outage_keys.get(f"s:{key}", 0) - self._clock()))
                if local is not None:
                    await self.primary.save_session(key, local, ttl)
                self._outage_keys.pop(f"s:{key}", None)
                await self.fallback.delete_session(key)
                return local
            return await self.primary.get_session(key)

        return await self._call("get_session", primary, lambda: self.fallback.get_session(key))

    async def save_session(self, key: str, session: dict[str, Any], ttl_seconds: int) -> None:
        async def memory() -> None:
            self._remember("s", key, ttl_seconds)
            await self.fallback.save_session(key, session, ttl_seconds)

        async def primary() -> None:
            await self.primary.save_session(key, session, ttl_seconds)
            if self._outage_keys.pop(f"s:{key}", None) is not None:
                await self.fallback.delete_session(key)

        await self._call("save_session", primary, memory)

    async def delete_session(self, key: str) -> None:
        self._outage_keys.pop(f"s:{key}", None)
        await self.fallback.delete_session(key)
        await self._call("delete_session", lambda: self.primary.delete_session(key),
                         _noop)

    async def claim(self, key: str, ttl_seconds: int) -> bool:
        async def memory() -> bool:
            self._remember("c", key, ttl_seconds)
            return await self.fallback.claim(key, ttl_seconds)

        async def primary() -> bool:
            first = await self.primary.claim(key, ttl_seconds)
            return first and not self._written_in_outage("c", key)

        return await self._call("claim", primary, memory)

    async def put_result(self, key: str, value: str, ttl_seconds: int) -> None:
        async def memory() -> None:
            self._remember("r", key, ttl_seconds)
            await self.fallback.put_result(key, value, ttl_seconds)

        await self._call("put_result", lambda: self.primary.put_result(key, value, ttl_seconds),
                         memory)

    async def get_result(self, key: str) -> str | None:
        async def primary() -> str | None:
            value = await self.primary.get_result(key)
            if value is None and self._written_in_outage("r", key):
                value = await self.fallback.get_result(key)
            return value

        return await self._call("get_result", primary, lambda: self.fallback.get_result(key))

    async def hit(self, key: str, window_seconds: int) -> int:
        return await self._call("hit", lambda: self.primary.hit(key, window_seconds),
                                lambda: self.fallback.hit(key, window_seconds))

    async def ping(self) -> bool:
        """Is the primary reachable now? Never raises; a success ends an outage early."""
        try:
            async with asyncio.timeout(self.op_timeout):
                ok = bool(await self.primary.ping())
        except Exception:  # noqa: BLE001 - health checks report, they do not fail
            return False
        if ok:
            self._mark_up()
        return ok

    async def close(self) -> None:
        try:
            async with asyncio.timeout(self.op_timeout):
                await self.primary.close()
        except Exception as exc:  # noqa: BLE001 - closing a dead connection is not an error
            log.debug("store: closing %s: %s", self.name, exc)
        await self.fallback.close()


async def _noop() -> None:
    return None
