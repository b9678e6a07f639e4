"""Plain-text tables that line up in a terminal with Chinese text (wide characters count 2)."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, size: int, right: bool) -> str:
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def render_table(headers: list[str], rows: list[list[object]]) -> str:
    """Numbers right-aligned, text left-aligned; None prints as empty; short rows are padded."""
    rows = [list(row) + [None] * (len(headers) - len(row)) for row in rows]
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows)
               for i in range(len(headers))]
    sizes = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, sizes[i], numeric[i]) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * s for s in sizes))
    for row in cells:
        lines.append("  ".join(_pad(v, sizes[i], numeric[i]) for i, v in enumerate(row)).rstrip())
    return "\n".join(lines)
