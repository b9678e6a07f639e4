"""What may go into a log line: user text with ID-card and phone numbers masked, and a short
description of a body instead of the body."""

from __future__ import annotations

import hashlib
import re

# 18-digit resident ID (last may be X) or the old 15-digit one, not part of a longer number
_ID_RE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_PHONE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def _mask_id(m: re.Match[str]) -> str:
    whole = m.group(0)  # the project's format: 3415**********123X
    return whole[:4] + "*" * (len(whole) - 8) + whole[-4:]


def mask(text: str, limit: int = 200) -> str:
    """`text` for a log: ID numbers and mobile numbers masked, cut to `limit` characters."""
    text = _ID_RE.sub(_mask_id, text or "")
    text = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.replace("\n", "⏎")


def describe_body(body: bytes) -> str:
    """Length and a short hash: enough to match log lines, nothing of the content."""
    return f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()[:12]}"
