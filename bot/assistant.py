"""The conversation core every channel calls: `await Assistant.handle(inbound) -> Outbound`.

(Skeleton: the dialogue is being built in issue 3; the public surface below is stable.)
"""

from __future__ import annotations

from bot.messages import Inbound, Outbound
from bot.stores import MemoryStore, Store

DEFAULT_SESSION_TTL = 30 * 60


class Assistant:
    def __init__(self, store: Store | None = None, session_ttl: int = DEFAULT_SESSION_TTL):
        self.store: Store = store or MemoryStore()
        self.session_ttl = session_ttl

    async def handle(self, inbound: Inbound) -> Outbound:
        return Outbound(text="（建设中）" + inbound.text[:50], intent="fallback", confidence=0.0,
                        answered=False)

    async def set_county(self, channel: str, user: str, county: str) -> None:
        """Remember `county` (any accepted spelling) as this user's county."""

    async def reset(self, channel: str, user: str) -> None:
        await self.store.delete_session(f"{channel}:{user}")

    @staticmethod
    def county_names() -> list[str]:
        """Display names of the configured counties, for menus and keyboards."""
        return ["金寨县", "屯留区", "遂平县", "尤溪县"]
