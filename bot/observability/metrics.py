"""Prometheus metrics for one worker process, in a registry of its own (no global state).

    metrics = Metrics()
    metrics.observe("wechat", outbound, seconds)        # after each assistant.handle
    on_fallback, on_state = metrics.store_listeners()   # pass to make_store(...)
    body = metrics.render()                             # what /metrics serves

Each worker has its own counters: scrape every worker (container / port) directly, as
Prometheus does with one target per instance; the reverse proxy does not serve /metrics.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
_LABEL_RE = re.compile(r"[^A-Za-z0-9_.:-]")


def _label(value: Any, default: str = "unknown") -> str:
    """Bounded label values: whatever a channel sends, the label stays a short identifier."""
    text = _LABEL_RE.sub("_", str(value or ""))[:40]
    return text or default


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None, prefix: str = "yibao"):
        self.registry = registry if registry is not None else CollectorRegistry()
        r, p = self.registry, prefix
        self.messages = Counter(f"{p}_messages_total", "Messages answered, by channel and intent",
                                ["channel", "intent"], registry=r)
        self.fallbacks = Counter(f"{p}_fallback_replies_total",
                                 "Replies that fell back to 'what I can help with' "
                                 "(intent not understood)", ["channel"], registry=r)
        self.unanswered = Counter(f"{p}_unanswered_total",
                                  "Messages not answered (fallback or low confidence; kept "
                                  "for staff review)", ["channel", "intent"], registry=r)
        self.errors = Counter(f"{p}_errors_total", "Messages whose handling raised",
                              ["channel"], registry=r)
        self.latency = Histogram(f"{p}_reply_seconds", "Time to produce a reply",
                                 ["channel"], buckets=LATENCY_BUCKETS, registry=r)
        self.store_fallbacks = Counter(f"{p}_store_fallbacks_total",
                                       "Store operations served from per-process memory "
                                       "because Redis was unreachable", ["op"], registry=r)
        self.store_up = Gauge(f"{p}_store_redis_up",
                              "1 while Redis answers, 0 during an outage (absent: memory store)",
                              registry=r)

    def observe(self, channel: str, outbound: Any, seconds: float) -> None:
        """Record one handled message (`outbound`: bot.messages.Outbound)."""
        ch = _label(channel)
        intent = _label(getattr(outbound, "intent", None))
        self.messages.labels(ch, intent).inc()
        if intent == "fallback":
            self.fallbacks.labels(ch).inc()
        if not getattr(outbound, "answered", True):
            self.unanswered.labels(ch, intent).inc()
        self.latency.labels(ch).observe(max(0.0, seconds))

    def observe_error(self, channel: str, seconds: float) -> None:
        ch = _label(channel)
        self.errors.labels(ch).inc()
        self.latency.labels(ch).observe(max(0.0, seconds))

    def store_listeners(self) -> tuple[Callable[[str], None], Callable[[bool], None]]:
        """(on_fallback, on_state) for `bot.stores.make_store`."""
        self.store_up.set(1)

        def on_fallback(op: str) -> None:
            self.store_fallbacks.labels(_label(op)).inc()

        def on_state(up: bool) -> None:
            self.store_up.set(1 if up else 0)

        return on_fallback, on_state

    def render(self) -> bytes:
        return generate_latest(self.registry)
