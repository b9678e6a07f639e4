"""身份证号 (GB 11643-1999, 18 characters): validation and masking.

A full ID number must never be logged or echoed: everything that leaves this package carries
the masked form (first 4 + 10 '*' + last 4, e.g. 3415**********123X).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SEPARATORS = re.compile(r"[\s\-_]+")
# 15-18 digits (last may be X), optionally split by single spaces or dashes, not inside a longer
# digit run. 15-17 digit runs are masked too: a mistyped ID is still personal data.
_ID_LIKE = re.compile(
    r"(?<![0-9A-Za-z*])(?:\d[ \-]?){14,17}[\dXx](?![0-9A-Za-z])"
)


def _check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id(raw: str, today: _dt.date | None = None) -> tuple[str | None, str | None]:
    """Return (normalised 18-char ID, None) when valid, else (None, reason in Chinese).

    Accepts lower-case x, full-width digits and spaces/dashes between groups. Checks the
    length, the birth date (a real date, not in the future, year >= 1900) and the check digit.
    The region code is not checked (counties change codes)."""
    if not isinstance(raw, str):
        return None, "身份证号应为文字"
    s = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if len(s) != 18:
        return None, f"身份证号应为18位，现在是{len(s)}位"
    if not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return None, "身份证号前17位应为数字，最后一位为数字或X"
    try:
        birth = _dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None, "身份证号中的出生日期不存在"
    if birth.year < 1900 or birth > (today or _dt.date.today()):
        return None, "身份证号中的出生日期不合理"
    if _check_digit(s[:17]) != s[17]:
        return None, "身份证号校验位不对，请核对后重新输入"
    return s, None


def mask_id(s: str) -> str:
    """Mask an ID number: first 4 + 10 '*' + last 4 (3415**********123X)."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", s)).upper()
    if len(compact) < 8:
        return "*" * len(compact)
    return compact[:4] + "*" * 10 + compact[-4:]


def find_ids(text: str) -> list[tuple[int, int, str]]:
    """(start, end, compact) of every ID-like run in `text` (already NFKC-normalised)."""
    out = []
    for m in _ID_LIKE.finditer(text):
        compact = _SEPARATORS.sub("", m.group()).upper()
        if 15 <= len(compact) <= 18:
            out.append((m.start(), m.end(), compact))
    return out


# Full-width digits, X and spaces -> ASCII, one character for one, so spans found in the
# translated text are the spans of the original.
_WIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)}, 0xFF38: 0x58, 0xFF58: 0x78, 0x3000: 0x20,
          0xFF0D: 0x2D}


def mask_ids_in_text(text: str) -> str:
    """Mask every ID-like run (15-18 digits, last may be X; full-width, spaced or dashed) in free
    text; everything else is returned unchanged."""
    if not isinstance(text, str):
        return text
    probe = text.translate(_WIDTH)
    spans = [(m.start(), m.end()) for m in _ID_LIKE.finditer(probe)]
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], mask_id(probe[start:end])]
        last = end
    return "".join(parts + [text[last:]])
