"""Per-staff-member channel state: the pinned date (/today) and the debug flag (/debug).

Kept in the assistant's Store under `telegram-prefs:<user>` (not in process memory), so it is
shared by several workers when the Store is Redis and survives /reset, which only clears the
conversation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.stores import Store

PREFS_TTL_SECONDS = 30 * 24 * 3600  # refreshed on every change


@dataclass(frozen=True)
class Prefs:
    today: dt.date | None = None
    debug: bool = False


def prefs_key(user: str) -> str:
    return f"telegram-prefs:{user}"


class PrefsStore:
    def __init__(self, store: Store, ttl_seconds: int = PREFS_TTL_SECONDS):
        self._store = store
        self._ttl = ttl_seconds

    async def get(self, user: str) -> Prefs:
        raw = await self._store.get_session(prefs_key(user)) or {}
        today = None
        if raw.get("today"):
            try:
                today = dt.date.fromisoformat(raw["today"])
            except (TypeError, ValueError):
                today = None
        return Prefs(today=today, debug=bool(raw.get("debug", False)))

    async def save(self, user: str, prefs: Prefs) -> None:
        if prefs == Prefs():
            await self._store.delete_session(prefs_key(user))
            return
        data = {"today": prefs.today.isoformat() if prefs.today else None, "debug": prefs.debug}
        await self._store.save_session(prefs_key(user), data, self._ttl)
