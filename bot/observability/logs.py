"""Logging for the workers: one line per record (text or JSON), a request id on every line,
ID numbers (身份证号) masked in everything written — message, arguments and tracebacks.

    configure_logging(json_logs=settings.log_json, level=settings.log_level)
    with request_context() as rid: ...     # every record inside carries request_id=rid
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from typing import IO, Any

try:
    from intents.ids import mask_ids_in_text as _mask_ids
except ImportError:  # pragma: no cover - intents is part of this distribution
    _mask_ids = None

_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                        default=None)
_ID_RUN = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def mask_ids(text: str) -> str:
    """Mask every ID number in `text` as first 4 + 10 '*' + last 4 (3415**********123X)."""
    text = _ID_RUN.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    if _mask_ids is not None:  # also full-width digits, spaced-out numbers, 15-digit IDs
        text = _mask_ids(text)
    return text


# -- request ids ---------------------------------------------------------------------------
def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def clean_request_id(value: str | None) -> str | None:
    """A request id taken from outside (X-Request-ID) only when it is short and plain."""
    return value if value and _SAFE_REQUEST_ID.match(value) else None


@contextlib.contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    rid = request_id or new_request_id()
    token = _REQUEST_ID.set(rid)
    try:
        yield rid
    finally:
        _REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _REQUEST_ID.get() or "-"
        return True


# -- formatters ----------------------------------------------------------------------------
class MaskingFormatter(logging.Formatter):
    """Plain text, ID numbers masked."""

    def __init__(self, fmt: str = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] "
                                  "%(message)s"):
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = _REQUEST_ID.get() or "-"
        return mask_ids(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, request_id, msg (+ exc, + extra fields
    passed as `extra={"fields": {...}}`), ID numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                  + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or _REQUEST_ID.get(),
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update({k: v for k, v in fields.items() if k not in out})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return mask_ids(json.dumps(out, ensure_ascii=False, default=str))


def configure_logging(json_logs: bool = False, level: str | int = "INFO",
                      stream: IO[str] | None = None) -> logging.Handler:
    """Route every logger through one masking handler on `stream` (default stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs else MaskingFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own loggers propagate to the root handler (no second, unmasked handler)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # httpx logs request URLs at INFO, and WeChat's access_token is in the query string
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return handler
