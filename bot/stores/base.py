"""The storage interface every store implements. Values are JSON-serialisable dicts."""

from __future__ import annotations

from typing import Any, Protocol


class Store(Protocol):
    async def get_session(self, key: str) -> dict[str, Any] | None:
        """The session saved under `key`, or None when there is none or it has expired."""

    async def save_session(self, key: str, session: dict[str, Any], ttl_seconds: int) -> None:
        """Save (replace) a session; it expires `ttl_seconds` after this save."""

    async def delete_session(self, key: str) -> None: ...

    async def claim(self, key: str, ttl_seconds: int) -> bool:
        """Atomically mark `key` as taken. True for the first caller, False for later ones
        (used to handle a WeChat message once although WeChat retries it)."""

    async def put_result(self, key: str, value: str, ttl_seconds: int) -> None:
        """Remember the reply produced for a claimed key, so retries can be answered with it."""

    async def get_result(self, key: str) -> str | None: ...

    async def hit(self, key: str, window_seconds: int) -> int:
        """Count one event under `key` in a fixed window; returns the count so far (rate limits)."""

    async def ping(self) -> bool:
        """Is the backing service reachable? Never raises (memory: always True)."""

    async def close(self) -> None: ...
