"""Personal data kept out of logs and stores."""

from __future__ import annotations

import hashlib


def user_tag(channel: str, user: str) -> str:
    """A short stable stand-in for a platform user id (openids are personal data)."""
    return hashlib.sha256(f"{channel}:{user}".encode()).hexdigest()[:10]
