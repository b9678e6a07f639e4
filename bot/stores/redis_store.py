"""`RedisStore`: the `Store` interface over redis-py's asyncio client, so several workers (on one
or more machines) share sessions, WeChat dedupe claims/replies and rate-limit counters.

Keys (all under `prefix`, default "yibao:"):
    s:<key>         session, JSON, EX ttl (re-set on every save)
    c:<key>         dedupe claim, SET NX EX
    r:<key>         reply for a claimed key, SET EX
    h:<key>:<n>     rate-limit counter of fixed window n, INCR + EXPIRE in one MULTI

Errors are NOT swallowed here: a dead Redis raises `redis.exceptions.ConnectionError` /
`TimeoutError` quickly (short socket timeouts, one immediate retry on a fresh connection so a
restarted Redis costs no error). `FallbackStore` turns those errors into per-process memory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

DEFAULT_PREFIX = "yibao:"
DEFAULT_SOCKET_TIMEOUT = 0.25  # seconds per connect and per reply; a healthy Redis answers in <1 ms


class RedisStore:
    def __init__(self, url: str | None = None, *, client: aioredis.Redis | None = None,
                 prefix: str = DEFAULT_PREFIX, socket_timeout: float = DEFAULT_SOCKET_TIMEOUT,
                 max_connections: int = 64, clock: Callable[[], float] = time.time):
        if client is None:
            if not url:
                raise ValueError("RedisStore needs a url (redis://host:port/db) or a client")
            client = aioredis.Redis.from_url(
                url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout,
                retry=Retry(NoBackoff(), 1), max_connections=max_connections,
                decode_responses=True, health_check_interval=0)
        self.client = client
        self.url = url
        self.prefix = prefix
        self._clock = clock  # wall clock: windows must agree across machines

    def _k(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}:{key}"

    # -- Store interface -------------------------------------------------------------------
    async def get_session(self, key: str) -> dict[str, Any] | None:
        raw = await self.client.get(self._k("s", key))
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:  # not ours / corrupted: behave as "no session"
            return None
        return value if isinstance(value, dict) else None

    async def save_session(self, key: str, session: dict[str, Any], ttl_seconds: int) -> None:
        await self.client.set(self._k("s", key), json.dumps(session, ensure_ascii=False),
                              ex=max(1, int(ttl_seconds)))

    async def delete_session(self, key: str) -> None:
        await self.client.delete(self._k("s", key))

    async def claim(self, key: str, ttl_seconds: int) -> bool:
        return bool(await self.client.set(self._k("c", key), "1", nx=True,
                                          ex=max(1, int(ttl_seconds))))

    async def put_result(self, key: str, value: str, ttl_seconds: int) -> None:
        await self.client.set(self._k("r", key), value, ex=max(1, int(ttl_seconds)))

    async def get_result(self, key: str) -> str | None:
        return await self.client.get(self._k("r", key))

    async def hit(self, key: str, window_seconds: int) -> int:
        window = max(1, int(window_seconds))
        full = self._k("h", f"{key}:{int(self._clock() // window)}")
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(full)
            pipe.expire(full, window)
            count, _ = await pipe.execute()
        return int(count)

    async def ping(self) -> bool:
        """True when Redis answers; raises on connection errors (like every other method)."""
        return bool(await self.client.ping())

    async def close(self) -> None:
        await self.client.aclose()
