"""Chinese numerals -> Arabic digits where they are quantities (三百八 -> 380, 二〇二四年 -> 2024年).

Rules (applied to a run of numeral characters):
- a run with a unit character (十百千万) is always a quantity: 三百八 -> 380, 腊月二十八 -> 腊月28;
- a run of bare digits (一二三, 〇) is converted digit by digit when it is long (>= 5, a dictated
  phone or ID number) or a year (followed by 年);
- a single bare digit is converted only before a measure word (个月天岁元块级号...) or after 初
  (正月初八 -> 正月初8); elsewhere it is part of a word (五保户, 一下, 二女户) and stays.
Protected words (十分, 万一, 一下, 五保 ...) are never touched.
"""

from __future__ import annotations

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万廿卅]+")
# Characters after which a single digit is a quantity.
_MEASURE = set("个月天日号岁年元块级周次人口倍万千百成%点名类户份")
_PROTECTED = re.compile(
    r"十分|万一|千万|一下|一起|一般|一直|一样|一些|一定|统一|唯一|一点儿|一会|一边|一旦|"
    r"五保|五老|三明|一女|二女|两女|一二级|一卡通|一站式|一码通|一次性|一律|一致|"
    r"一家|一头|一阵|三番|七八|一心|万能|一把手|十几|几十|几百|几千|独一|逐一|万事|"
    # 一块(儿)交/去/办 = together, not one yuan
    r"一块(?=儿|交|缴|去|办|参|买|来|报|弄|登记)|一同|一并"
)


def parse_run(run: str) -> int | None:
    """Value of a numeral run with units: 三百八十, 三百八, 一万二, 两百, 二十, 廿八. None if no unit."""
    run = run.replace("廿", "二十").replace("卅", "三十")
    if not any(c in UNITS or c == "万" for c in run):
        return None
    total = section = number = 0
    last_unit = 1
    for ch in run:
        if ch in DIGITS:
            number = DIGITS[ch]
        elif ch in UNITS:
            section += (number or 1) * UNITS[ch]
            number, last_unit = 0, UNITS[ch]
        else:  # 万
            total += ((section + number) or 1) * 10000
            section = number = 0
            last_unit = 10000
    # 三百八 / 一千二 / 一万二: a digit right after 百/千/万 counts in the next lower unit.
    if number and len(run) >= 2 and run[-2] in "百千万":
        number *= last_unit // 10
    return total + section + number


def _digit_string(run: str) -> str | None:
    if all(c in DIGITS for c in run):
        return "".join(str(DIGITS[c]) for c in run)
    return None


def convert_numerals(text: str) -> str:
    """Replace Chinese numeral runs that are quantities with Arabic digits."""
    if not _RUN.search(text):
        return text
    protected: list[tuple[int, int]] = [m.span() for m in _PROTECTED.finditer(text)]

    def repl(m: re.Match[str]) -> str:
        start, end = m.span()
        run = m.group()
        for ps, pe in protected:
            if ps < end and start < pe:
                return run
        after = text[end:end + 1]
        before = text[start - 1:start] if start else ""
        if any(c in "十百千万廿卅" for c in run):
            if run in ("万", "千", "百"):
                return run
            value = parse_run(run)
            return run if value is None else str(value)
        digits = _digit_string(run)
        if digits is None:
            return run
        if len(run) >= 5 or (len(run) >= 2 and after == "年"):
            return digits
        if len(run) == 1 and (after in _MEASURE or before == "初"):
            return digits
        return run

    return _RUN.sub(repl, text)
