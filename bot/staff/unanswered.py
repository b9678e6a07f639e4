"""The unanswered-questions log: every message answered with low confidence or by the fallback,
stored (ID numbers masked) in an embedded SQLite database so staff can review what residents ask
that the assistant cannot yet answer (`python -m bot review`).

Path: the `path` argument, else the BOT_UNANSWERED_DB environment variable, else
`unanswered.sqlite3` in the working directory. WAL journal: many readers and one writer at a
time across threads and processes; a writer waits up to BUSY_TIMEOUT_MS for the lock. One
connection per UnansweredLog, shared by threads under a lock (open one log per process; do not
carry it across fork)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from intents.ids import mask_ids_in_text

ENV_VAR = "BOT_UNANSWERED_DB"
DEFAULT_PATH = "unanswered.sqlite3"
BUSY_TIMEOUT_MS = 5000
MAX_TEXT = 1000  # characters kept of one message

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,            -- ISO 8601, as given (local time unless it carries an offset)
    channel TEXT NOT NULL,
    user_hash TEXT,
    county TEXT,
    text TEXT NOT NULL,          -- ID numbers masked
    intent TEXT,
    confidence REAL
);
CREATE INDEX IF NOT EXISTS unanswered_at ON unanswered (at);
"""


def default_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


@dataclass(frozen=True)
class Entry:
    at: str
    channel: str
    user_hash: str | None
    county: str | None
    text: str
    intent: str | None
    confidence: float | None


class UnansweredLog:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                     isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, fast
        self._conn.executescript(_SCHEMA)

    def record(self, channel: str, user_hash: str | None, county: str | None, text: str,
               intent: str | None, confidence: float | None, at: dt.datetime) -> bool:
        """Store one unanswered message (ID numbers masked). Never raises on a database
        problem (the resident's answer matters more than the log): logs it and returns False."""
        masked = mask_ids_in_text(text or "")[:MAX_TEXT]
        row = (at.isoformat(sep=" ", timespec="seconds"), channel, user_hash, county, masked,
               intent, None if confidence is None else float(confidence))
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT INTO unanswered (at, channel, user_hash, county, text, intent,"
                    " confidence) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        except sqlite3.Error as e:
            log.warning("unanswered log %s: cannot record: %s", self.path, e)
            return False
        return True

    def entries(self, county: str | None = None, since: dt.date | None = None,
                counties: list[str] | None = None) -> Iterator[Entry]:
        """Stored messages, oldest first; `counties` (any of these names) or `county`."""
        sql, args = "SELECT at, channel, user_hash, county, text, intent, confidence" \
                    " FROM unanswered WHERE 1=1", []
        names = counties if counties is not None else ([county] if county else None)
        if names:
            sql += f" AND county IN ({', '.join('?' * len(names))})"
            args += names
        if since is not None:
            sql += " AND at >= ?"
            args.append(since.isoformat())
        sql += " ORDER BY at, id"
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return (Entry(*r) for r in rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> UnansweredLog:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
