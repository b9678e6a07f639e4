"""`python -m bot ask`: one message, or a JSON Lines conversation stream on stdin.

Contract (DESIGN.md): input lines `{"user", "text", "county"?, "today"?}`; exactly one output line
per input line, in order: `{"user", "reply", "intent", "confidence", "slots", "citations"}`, or
`{"user", "error"}` for a line that cannot be answered. Lines of one `user` are one conversation.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from typing import Any, TextIO

CHANNEL = "ask"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="?", help="the message; omit to read JSON Lines on stdin")
    parser.add_argument("--county", help="default county (a county named in the text wins)")
    parser.add_argument("--today", help="pin the date, YYYY-MM-DD")
    parser.add_argument("--json", action="store_true", help="one-shot: print the JSON result line")


def _parse_today(value: object) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("`today` must be a string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"`today` {value!r} is not a date; write it as YYYY-MM-DD") from None


class Answerer:
    """Validates one request and runs it through the assistant."""

    def __init__(self) -> None:
        from bot.assistant import Assistant
        from bot.messages import Inbound

        self.assistant = Assistant(unanswered=_unanswered_log())
        self._inbound = Inbound

    def check_county(self, county: object) -> str | None:
        if county is None or county == "":
            return None
        if not isinstance(county, str):
            raise ValueError("`county` must be a string")
        if self.assistant.registry.find(county) is None:
            valid = ", ".join(self.assistant.registry.names())
            raise ValueError(f"unknown county {county!r}; valid: {valid}")
        return county

    async def answer(self, user: str, text: str, county: str | None,
                     today: dt.date | None) -> dict[str, Any]:
        out = await self.assistant.handle(self._inbound(CHANNEL, user, text, county, today))
        return {"user": user, "reply": out.text, "intent": out.intent,
                "confidence": out.confidence, "slots": out.slots, "citations": out.citations}


def _unanswered_log() -> Any:
    """The staff review log when it is available (bot.staff); answering never depends on it."""
    try:
        from bot.staff.unanswered import UnansweredLog
    except ImportError:
        return None
    try:
        return UnansweredLog()
    except Exception:  # noqa: BLE001 - an unwritable log must not stop answering
        return None


def _parse(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    return data


def _text(data: dict[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing `text` (a non-empty string)")
    return text


async def stream(source: TextIO, sink: TextIO) -> int:
    answerer = Answerer()
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        user: Any = None
        try:
            data = _parse(line)
            user = data.get("user")
            if user is None:
                user = "anonymous"
            elif not isinstance(user, (str, int)) or isinstance(user, bool):
                raise ValueError("`user` must be a string")
            result = await answerer.answer(str(user), _text(data),
                                           answerer.check_county(data.get("county")),
                                           _parse_today(data.get("today")))
        except ValueError as e:
            result = {"user": user, "error": f"line {number}: {e}"}
        sink.write(json.dumps(result, ensure_ascii=False) + "\n")
    sink.flush()
    return 0


async def one_shot(args: argparse.Namespace) -> int:
    answerer = Answerer()
    try:
        county = answerer.check_county(args.county)
        today = _parse_today(args.today)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    result = await answerer.answer("cli", args.text, county, today)
    print(json.dumps(result, ensure_ascii=False) if args.json else result["reply"])
    return 0


def run(args: argparse.Namespace) -> int:
    if args.text is not None:
        if not args.text.strip():
            print("error: the message is empty", file=sys.stderr)
            return 2
        return asyncio.run(one_shot(args))
    if args.county or args.today:
        print("error: --county/--today apply to one message; in JSON Lines put them on each line",
              file=sys.stderr)
        return 2
    sys.stdin.reconfigure(errors="replace")  # type: ignore[attr-defined]
    return asyncio.run(stream(sys.stdin, sys.stdout))
