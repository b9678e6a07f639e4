"""The assistant as the long-running commands build it (`serve`, `telegram`): the configured
store (memory, or Redis with the memory fallback), session TTL, rate limit and unanswered log."""

from __future__ import annotations

from collections.abc import Callable

from bot.assistant import Assistant
from bot.config import Settings
from bot.stores import make_store
from bot.stores.ratelimit import RateLimiter


def build_assistant(settings: Settings, *, on_fallback: Callable[[str], None] | None = None,
                    on_state: Callable[[bool], None] | None = None) -> Assistant:
    from bot.staff.unanswered import UnansweredLog

    store = make_store(settings.redis_url, on_fallback=on_fallback, on_state=on_state)
    limiter = RateLimiter(store, settings.rate_limit, settings.rate_window) if settings.rate_limit else None
    return Assistant(store=store, session_ttl=settings.session_ttl, unanswered=UnansweredLog(),
                     rate_limiter=limiter)
