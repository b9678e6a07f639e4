"""The conversation core every channel calls: `await Assistant.handle(inbound) -> Outbound`.

It loads the session for (channel, user), runs one dialogue turn, saves the session and reports
unanswered questions. The real date is read here and nowhere deeper: a message may pin `today`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from bot.dialogue import respond
from bot.messages import Inbound, Outbound
from bot.privacy import user_tag
from bot.stores import MemoryStore, Store
from bot.stores.ratelimit import RateLimiter
from intents import mask_ids_in_text
from policy_faq import Registry, default_registry
from policy_faq.render import render

DEFAULT_SESSION_TTL = 30 * 60
MAX_TEXT = 2000  # characters of one message that are read; the rest is ignored

log = logging.getLogger("bot.assistant")


class UnansweredSink(Protocol):
    def record(self, channel: str, user: str, county: str | None, text: str, intent: str,
               confidence: float, at: dt.datetime) -> None: ...


class Assistant:
    def __init__(self, store: Store | None = None, session_ttl: int = DEFAULT_SESSION_TTL,
                 registry: Registry | None = None, unanswered: UnansweredSink | None = None,
                 clock: Callable[[], dt.datetime] = dt.datetime.now,
                 rate_limiter: RateLimiter | None = None):
        self.store: Store = store or MemoryStore()
        self.session_ttl = session_ttl
        self.registry = registry or default_registry()
        self.unanswered = unanswered
        self._clock = clock
        self.rate_limiter = rate_limiter

    @staticmethod
    def session_key(channel: str, user: str) -> str:
        return f"{channel}:{user}"

    async def handle(self, inbound: Inbound) -> Outbound:
        key = self.session_key(inbound.channel, inbound.user)
        now = self._clock()
        today = inbound.today or now.date()
        text = inbound.text if isinstance(inbound.text, str) else ""
        text = text[:MAX_TEXT]
        if self.rate_limiter and not await self.rate_limiter.allow(inbound.channel, inbound.user):
            return Outbound(render("dialogue/rate_limited.j2"), intent="rate_limited")
        session = await self.store.get_session(key) or {}
        try:
            turn = respond(text, session, today, self.registry, inbound.county,
                           inbound.intent_hint)
        except Exception:  # a message must never break the conversation; details go to the log
            log.exception("turn failed (channel=%s)", inbound.channel)
            return Outbound(render("dialogue/error.j2"), intent="error", answered=False)
        await self.store.save_session(key, session, self.session_ttl)
        out = Outbound(text=turn.reply, intent=turn.intent, confidence=round(turn.confidence, 3),
                       slots=turn.slots, citations=turn.citations, debug=turn.debug,
                       answered=turn.answered)
        if not out.answered and self.unanswered is not None:
            self._record(inbound, out, mask_ids_in_text(text), now)
        return out

    def _record(self, inbound: Inbound, out: Outbound, masked_text: str, now: dt.datetime) -> None:
        try:
            self.unanswered.record(inbound.channel, user_tag(inbound.channel, inbound.user),  # type: ignore[union-attr]
                                   out.slots.get("county"), masked_text, out.intent, out.confidence,
                                   now)
        except Exception:  # recording is best effort; the resident still gets the reply
            log.warning("could not record an unanswered question", exc_info=True)

    async def set_county(self, channel: str, user: str, county: str) -> None:
        """Remember `county` (any accepted spelling) as this user's county."""
        policy = self.registry.find(county)
        if policy is None:
            raise ValueError(f"unknown county {county!r}; valid: {', '.join(self.registry.names())}")
        key = self.session_key(channel, user)
        session = await self.store.get_session(key) or {}
        session["county"] = policy.county.slug
        await self.store.save_session(key, session, self.session_ttl)

    async def reset(self, channel: str, user: str) -> None:
        await self.store.delete_session(self.session_key(channel, user))

    @staticmethod
    def county_names() -> list[str]:
        """Display names of the configured counties, for menus and keyboards."""
        return default_registry().names()
