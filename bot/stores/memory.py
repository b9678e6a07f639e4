"""In-process store: the default. Expiry is checked on read; a heap of expiry times lets each
write drop what has expired since, in time proportional to that, so the dict never grows
without bound and no write scans it whole."""

from __future__ import annotations

import copy
import heapq
import time
from collections.abc import Callable
from typing import Any


class MemoryStore:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._data: dict[str, tuple[float, Any]] = {}  # key -> (expires_at, value)
        self._expiries: list[tuple[float, str]] = []  # heap; stale entries are skipped

    # -- internals -------------------------------------------------------------------------
    def _get(self, key: str) -> Any | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires_at, value = item
        if expires_at <= self._clock():
            self._data.pop(key, None)
            return None
        return value

    def _set(self, key: str, value: Any, ttl_seconds: float) -> None:
        now = self._clock()
        self._sweep(now)
        expires_at = now + ttl_seconds
        self._data[key] = (expires_at, value)
        heapq.heappush(self._expiries, (expires_at, key))
        if len(self._expiries) > 2 * len(self._data) + 1024:
            # Rewritten keys (a session saved every message) leave stale entries: rebuild.
            self._expiries = [(exp, k) for k, (exp, _) in self._data.items()]
            heapq.heapify(self._expiries)

    def _sweep(self, now: float) -> None:
        heap = self._expiries
        while heap and heap[0][0] <= now:
            expires_at, key = heapq.heappop(heap)
            item = self._data.get(key)
            if item is not None and item[0] == expires_at:  # not rewritten since
                del self._data[key]

    # -- Store interface -------------------------------------------------------------------
    async def get_session(self, key: str) -> dict[str, Any] | None:
        value = self._get("s:" + key)
        return copy.deepcopy(value) if value is not None else None

    async def save_session(self, key: str, session: dict[str, Any], ttl_seconds: int) -> None:
        self._set("s:" + key, copy.deepcopy(session), ttl_seconds)

    async def delete_session(self, key: str) -> None:
        self._data.pop("s:" + key, None)

    async def claim(self, key: str, ttl_seconds: int) -> bool:
        if self._get("c:" + key) is not None:
            return False
        self._set("c:" + key, True, ttl_seconds)
        return True

    async def put_result(self, key: str, value: str, ttl_seconds: int) -> None:
        self._set("r:" + key, value, ttl_seconds)

    async def get_result(self, key: str) -> str | None:
        return self._get("r:" + key)

    async def hit(self, key: str, window_seconds: int) -> int:
        window = int(self._clock() // window_seconds)
        full_key = f"h:{key}:{window}"
        count = (self._get(full_key) or 0) + 1
        self._set(full_key, count, window_seconds)
        return count

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._data.clear()
        self._expiries.clear()
