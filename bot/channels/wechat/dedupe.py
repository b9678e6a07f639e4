"""Handle each WeChat message once although WeChat retries it.

WeChat re-sends a message it got no reply for within 5 seconds, up to three times, and a
retry may arrive while the first request is still being answered. The first request `claim`s
the key in the `Store` and produces the reply; every retry gets that same reply: from the
store when it is already there, else by waiting for it — on an in-process future when the
first request runs in this process, by polling the store otherwise (several workers sharing a
Redis store).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.stores import Store

log = logging.getLogger("bot.wechat")


class Deduper:
    def __init__(self, store: Store, ttl: int = 300, wait_timeout: float = 4.5,
                 poll_interval: float = 0.05):
        self.store = store
        self.ttl = ttl
        self.wait_timeout = wait_timeout
        self.poll_interval = poll_interval
        self._running: dict[str, asyncio.Future[str]] = {}

    async def run(self, key: str, produce: Callable[[], Awaitable[str]],
                  fallback: str = "") -> str:
        """The reply for `key`: produced once by `produce()`, shared with every retry.
        `fallback` is what a retry gets when the first request's reply never appears."""
        if not await self.store.claim(key, self.ttl):
            return await self._wait(key, fallback)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        result = fallback
        try:
            result = await produce()
        except Exception:  # noqa: BLE001 - the channel must answer whatever happens
            log.exception("wechat: handler failed")
        finally:
            try:
                await self.store.put_result(key, result, self.ttl)
            except Exception:  # noqa: BLE001
                log.exception("wechat: cannot store the reply for retries")
            if not future.done():
                future.set_result(result)
            self._running.pop(key, None)
        return result

    async def _wait(self, key: str, fallback: str) -> str:
        future = self._running.get(key)
        if future is not None:
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.wait_timeout)
            except TimeoutError:
                return fallback
        deadline = time.monotonic() + self.wait_timeout
        while True:
            result = await self.store.get_result(key)
            if result is not None:
                return result
            if time.monotonic() >= deadline:
                return fallback
            await asyncio.sleep(self.poll_interval)
