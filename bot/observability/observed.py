"""Record metrics and a log line for every message, whatever the channel.

    assistant = ObservedAssistant(Assistant(store=..., session_ttl=...), metrics)
    # ... pass it wherever an Assistant goes: handle() is timed and counted, the rest
    # (set_county, reset, store, county_names, ...) is the wrapped assistant's.

or, around a single call:  outbound = await observed_handle(assistant, inbound, metrics)
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bot.observability.logs import current_request_id, mask_ids, request_context
from bot.observability.metrics import Metrics
from bot.privacy import user_tag

log = logging.getLogger("bot.messages")


async def observed_handle(assistant: Any, inbound: Any, metrics: Metrics | None) -> Any:
    """`await assistant.handle(inbound)`, timed and counted; the exception (if any) is
    counted, logged and re-raised — the channel decides what the user sees then."""
    with request_context(current_request_id()):  # keeps the HTTP request's id, else a new one
        start = time.perf_counter()
        try:
            outbound = await assistant.handle(inbound)
        except Exception:
            seconds = time.perf_counter() - start
            if metrics is not None:
                metrics.observe_error(inbound.channel, seconds)
            log.exception("message failed channel=%s user=%s ms=%.0f", inbound.channel,
                          user_tag(inbound.channel, inbound.user), seconds * 1000)
            raise
        seconds = time.perf_counter() - start
        if metrics is not None:
            metrics.observe(inbound.channel, outbound, seconds)
        log.info("message channel=%s user=%s intent=%s confidence=%.2f answered=%s ms=%.1f",
                 inbound.channel, user_tag(inbound.channel, inbound.user), outbound.intent,
                 outbound.confidence, outbound.answered, seconds * 1000,
                 extra={"fields": {"channel": inbound.channel, "intent": outbound.intent,
                                   "answered": outbound.answered,
                                   "ms": round(seconds * 1000, 1)}})
        if log.isEnabledFor(logging.DEBUG):
            log.debug("message text=%s", mask_ids(inbound.text[:200]))
        return outbound


class ObservedAssistant:
    def __init__(self, assistant: Any, metrics: Metrics | None):
        self._assistant = assistant
        self.metrics = metrics

    async def handle(self, inbound: Any) -> Any:
        return await observed_handle(self._assistant, inbound, self.metrics)

    def __getattr__(self, name: str) -> Any:  # store, set_county, reset, county_names, ...
        return getattr(self._assistant, name)
