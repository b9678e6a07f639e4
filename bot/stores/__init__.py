"""Session, dedupe and rate-limit storage behind one interface (`Store`).

    store = make_store(settings.redis_url)   # MemoryStore when None, else Redis with fallback

`MemoryStore` is the default (one process, no services). With a Redis URL, several workers
share one `RedisStore`, wrapped in a `FallbackStore` so that a Redis outage falls back to
per-process memory instead of failing requests.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.stores.base import Store
from bot.stores.memory import MemoryStore

__all__ = ["MemoryStore", "Store", "make_store"]


def make_store(redis_url: str | None, *, retry_after: float = 2.0, op_timeout: float = 0.6,
               socket_timeout: float = 0.25, prefix: str = "yibao:",
               on_fallback: Callable[[str], None] | None = None,
               on_state: Callable[[bool], None] | None = None) -> Store:
    """The store for this process: memory without a URL, else Redis behind a FallbackStore.

    Creating the Redis store does not connect (the first operation does), so a Redis that is
    down at start-up only means the process starts on memory. `on_fallback(op)` is called for
    every operation served from memory, `on_state(up)` when Redis goes away / comes back
    (see `bot.observability.Metrics.store_listeners`)."""
    if not redis_url:
        return MemoryStore()
    from bot.stores.fallback import FallbackStore
    from bot.stores.redis_store import RedisStore

    primary = RedisStore(redis_url, prefix=prefix, socket_timeout=socket_timeout)
    return FallbackStore(primary, MemoryStore(), retry_after=retry_after, op_timeout=op_timeout,
                         on_fallback=on_fallback, on_state=on_state)
