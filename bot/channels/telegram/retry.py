"""Rate limiting and retries for every Bot API call except getUpdates.

`AIORateLimiter` keeps the bot under Telegram's flood limits and, after a 429, waits
`retry_after` and retries (up to `rate_limit_retries`). On top of that, `RetryingRateLimiter`
retries a bounded number of times, with exponential backoff, when a call fails with
`NetworkError` — which python-telegram-bot raises for 5xx responses, connection failures and
`TimedOut` — but never for `BadRequest` (a subclass of NetworkError that retrying cannot fix).

getUpdates bypasses the rate limiter; the polling loop of python-telegram-bot retries it by
itself.

Note: a sendMessage that timed out may have reached Telegram, so a retry can, rarely, show a
staff member the same message twice. That is preferred over a lost answer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    def __init__(self, *, rate_limit_retries: int = 3, network_retries: int = 2,
                 network_backoff: float = 0.5, **kwargs: Any):
        super().__init__(max_retries=rate_limit_retries, **kwargs)
        if network_retries < 0:
            raise ValueError("network_retries must be >= 0")
        self.network_retries = network_retries
        self.network_backoff = network_backoff

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt >= self.network_retries:
                    raise
                delay = self.network_backoff * (2**attempt)
                attempt += 1
                log.warning("telegram %s failed (%s: %s); retry %d/%d in %.1fs", endpoint,
                            type(exc).__name__, exc, attempt, self.network_retries, delay)
                await asyncio.sleep(delay)
