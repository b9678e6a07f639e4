"""The two values every channel exchanges with the assistant.

A channel turns a platform message into an `Inbound` and the `Outbound` back into the
platform's reply; nothing else. The same `Assistant.handle(inbound)` serves every channel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Inbound:
    channel: str  # "wechat", "telegram", "cli", "chat" ...
    user: str  # platform user id; sessions are keyed by (channel, user)
    text: str
    county: str | None = None  # the channel's default county (a county named in the text wins)
    today: dt.date | None = None  # pinned date; None means the real date, read once per message
    intent_hint: str | None = None  # e.g. a WeChat menu CLICK key naming an intent directly


@dataclass
class Outbound:
    text: str
    intent: str = "fallback"
    confidence: float = 0.0
    slots: dict[str, Any] = field(default_factory=dict)
    citations: list[str] = field(default_factory=list)
    # Extra detail the channel may show on request (e.g. staff /debug): calculator inputs etc.
    debug: dict[str, Any] = field(default_factory=dict)
    answered: bool = True  # False for fallbacks / low confidence (recorded for staff review)
