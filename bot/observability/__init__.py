"""Metrics, health and logs for the workers (see docs/deploy.md).

Wiring in `python -m bot serve`:

    metrics = Metrics()
    on_fallback, on_state = metrics.store_listeners()
    store = make_store(settings.redis_url, on_fallback=on_fallback, on_state=on_state)
    configure_logging(json_logs=settings.log_json, level=settings.log_level)
    assistant = ObservedAssistant(Assistant(store=store, session_ttl=...), metrics)
    app = create_app(settings, assistant, [healthz_route(store), metrics_route(metrics)])
    app.add_middleware(RequestIdMiddleware)
"""

from bot.observability.http import RequestIdMiddleware, healthz_route, metrics_route
from bot.observability.logs import (
                                    JsonFormatter,
                                    MaskingFormatter,
                                    configure_logging,
                                    current_request_id,
                                    mask_ids,
                                    request_context,
)
from bot.observability.metrics import Metrics
from bot.observability.observed import ObservedAssistant, observed_handle

__all__ = [
    "JsonFormatter",
    "MaskingFormatter",
    "Metrics",
    "ObservedAssistant",
    "RequestIdMiddleware",
    "configure_logging",
    "current_request_id",
    "healthz_route",
    "mask_ids",
    "metrics_route",
    "observed_handle",
    "request_context",
]
