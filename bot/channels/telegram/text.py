"""Splitting long texts at Telegram's message limit, escaping, and the /debug report.

Answers are sent as plain text (no parse mode), so nothing a resident or the assistant writes
can be mistaken for markup. The /debug report is sent as HTML: every value goes through
`escape_html`, and each chunk is one `<pre>` block.

Telegram's limit (4096) counts characters *after* entity parsing, measured like its entity
offsets in UTF-16 code units; `utf16_len` measures the same way, so an emoji outside the BMP
counts as 2.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterator
from typing import Any

from telegram.constants import MessageLimit
from telegram.helpers import escape_markdown

from bot.messages import Outbound

MAX_TEXT_LENGTH: int = MessageLimit.MAX_TEXT_LENGTH  # 4096

# Where a split looks best, in order of preference. A boundary is used only if it keeps the
# chunk at least half full, so a stray early newline does not produce a tiny message.
_BREAKS: tuple[str, ...] = ("\n\n", "\n", "。", "！", "？", "；", ". ", "! ", "? ", "; ", "，",
                            ", ", " ")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _prefix_fitting(text: str, limit: int) -> int:
    """The largest n such that text[:n] is at most `limit` UTF-16 units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Split `text` into pieces of at most `limit` UTF-16 units, losslessly
    (`"".join(split_text(t)) == t`), preferring paragraph, line, sentence, then word breaks."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _prefix_fitting(rest, limit)
        window = rest[:cut]
        best = 0
        for sep in _BREAKS:
            pos = window.rfind(sep)
            if pos >= 0 and pos + len(sep) >= cut // 2:
                best = pos + len(sep)
                break
        if best == 0:
            best = cut
        pieces.append(rest[:best])
        rest = rest[best:]
    if rest:
        pieces.append(rest)
    return pieces


def message_chunks(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """The messages to send for `text`: `split_text` without whitespace-only pieces (Telegram
    rejects an empty message)."""
    return [piece for piece in split_text(text, limit) if piece.strip()]


def escape_html(text: str) -> str:
    """Escape user text for parse_mode=HTML (Telegram needs &, < and > escaped)."""
    return html.escape(text, quote=False)


def escape_markdown_v2(text: str) -> str:
    """Escape user text for parse_mode=MarkdownV2 (python-telegram-bot's helper)."""
    return escape_markdown(text, version=2)


def html_pre_chunks(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """`text` as HTML messages, each one `<pre>` block whose visible text fits `limit`."""
    return [f"<pre>{escape_html(piece)}</pre>" for piece in message_chunks(text, limit)]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _debug_lines(out: Outbound, today: dt.date | None) -> Iterator[str]:
    yield "— 调试 debug —"
    yield f"intent 意图: {out.intent}"
    yield f"confidence 置信度: {out.confidence:.2f}"
    yield f"answered 已回答: {'yes' if out.answered else 'no'}"
    yield f"today 日期: {today.isoformat() + '（已固定）' if today else '真实日期'}"
    yield f"slots 槽位: {_json(out.slots) if out.slots else '—'}"
    if out.debug:
        yield "details 详情（计算器输入等）:"
        for key in sorted(out.debug, key=str):
            yield f"  {key}: {_json(out.debug[key])}"
    else:
        yield "details 详情（计算器输入等）: —"
    if out.citations:
        yield "citations 引用:"
        for i, citation in enumerate(out.citations, 1):
            yield f"  {i}. {citation}"
    else:
        yield "citations 引用: —"


def format_debug(out: Outbound, today: dt.date | None = None) -> str:
    """The /debug report for one answer, as plain text (escape it before sending as HTML)."""
    return "\n".join(_debug_lines(out, today))
