"""Per-user rate limit over `Store.hit`, so every worker sharing a store shares the count.

    limiter = RateLimiter(store, limit=20, window_seconds=60)
    if not await limiter.allow("wechat", openid):
        return "您发送得太快了，请稍后再试。"

A fixed window: at most `limit` messages per user per `window_seconds`. A store error never
blocks a user (with the FallbackStore the count continues in memory during a Redis outage).
"""

from __future__ import annotations

import logging

from bot.stores.base import Store

log = logging.getLogger("bot.stores")


class RateLimiter:
    def __init__(self, store: Store, limit: int = 20, window_seconds: int = 60):
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be at least 1")
        self.store = store
        self.limit = limit
        self.window_seconds = window_seconds

    async def allow(self, channel: str, user: str) -> bool:
        try:
            count = await self.store.hit(f"rl:{channel}:{user}", self.window_seconds)
        except Exception:  # a broken store must not silence residents
            log.exception("rate limit: store failed; allowing the message")
            return True
        return count <= self.limit
