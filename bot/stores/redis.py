"""Import path kept for `bot.commands.serve.build_store`, which looks for
`bot.stores.redis.RedisStore.from_url(url)`: that gives the store a worker should use, i.e.
Redis behind the per-process memory fallback. New code: `bot.stores.make_store(url)`."""

from __future__ import annotations

from bot.stores import make_store
from bot.stores.base import Store
from bot.stores.redis_store import RedisStore as _RedisStore


class RedisStore(_RedisStore):
    @classmethod
    def from_url(cls, url: str) -> Store:
        return make_store(url)
