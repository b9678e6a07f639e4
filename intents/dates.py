"""Dates and ages in normalised text (numerals already Arabic), all relative to `today`.

Year inference for dates written without a year (1月20号, 正月20, 8月份): take the candidate in
last, this or next year nearest to `today`, with a bias to the future (the resident usually asks
about paying or coming back): the future candidate wins unless the past one is more than
FUTURE_BIAS_DAYS closer. Words that mark the past (交了/已经/上次...) flip the bias to the past;
birth dates always take the latest candidate not after `today`.
Lunar dates (正月/腊月/农历N月初N/过年/春节/元宵/除夕) are converted with `lunardate`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from lunardate import LunarDate

FUTURE_BIAS_DAYS = 90
AFTER_NEW_YEAR_DAYS = 1  # 年后/过完年 = the day after the lunar new year (precision "approx")
# 过完年/年后/年前 said within this many days after this year's lunar new year mean that (past)
# new year; before it, or long after it, they mean the next one.
RECENT_NEW_YEAR_DAYS = 75
_PAST_WORDS = re.compile(r"交了|缴了|已经|已交|上次|之前交|交过|付了|扣了|交的|缴的|办了")
_FUTURE_WORDS = re.compile(r"再交|还能|还可以|打算|准备|回来|到家|要是|如果|想|能不能|可以吗|来得及|会不会")
# A date right before 交的/交了/缴过 (or after 已经/早就) is when the resident paid: the latest
# occurrence not after `today`, whatever future words (打工回来) the message holds.
_PAID_AFTER = re.compile(r"^(的时候|那天|那会儿?|就|才|已经|都|我就|我)?(交|缴|付|扣|办)(了|的|过|完)(?!话)")
_PAID_BEFORE = re.compile(r"(已经|早就|早在|(?<![要若])是在)$")
_BIRTH_AFTER = re.compile(r"^.{0,2}(出生|生的|生了|出世|落地|生下|降生)")
_BIRTH_BEFORE = re.compile(r"(出生于|出生在|出生日期是?|生日是?|生于)$")


@dataclass(frozen=True)
class DateHit:
    iso: str
    precision: str  # "day", "month" or "approx"
    text: str
    start: int
    end: int
    birth: bool = False


def _lunar(y: int, m: int, d: int) -> dt.date | None:
    for day in (d, d - 1):  # 腊月30 in a year whose 腊月 has 29 days -> 腊月29 (除夕)
        try:
            return LunarDate(y, m, day).to_solar_date()
        except (ValueError, IndexError, KeyError):
            continue
    return None


def new_year(year: int) -> dt.date:
    return LunarDate(year, 1, 1).to_solar_date()


def _choose(cands: list[dt.date | None], today: dt.date, past: bool, birth: bool,
            prefer_future: bool = False) -> dt.date | None:
    cands = [c for c in cands if c is not None]
    if not cands:
        return None
    if birth:
        older = [c for c in cands if c <= today]
        return max(older) if older else min(cands)
    after = [c for c in cands if c >= today]
    before = [c for c in cands if c < today]
    f = min(after) if after else None
    p = max(before) if before else None
    if f is None or p is None:
        return f or p
    df, dp = (f - today).days, (today - p).days
    if prefer_future:
        return f
    if past:
        return p if dp <= df + FUTURE_BIAS_DAYS else f
    return f if df <= dp + FUTURE_BIAS_DAYS else p


def _safe(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _years(today: dt.date) -> tuple[int, int, int]:
    return today.year - 1, today.year, today.year + 1


_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12}
_P_ISO = re.compile(r"(?<!\d)((?:19|20)\d{2})\s?[-/.年]\s?(\d{1,2})\s?[-/.月]\s?(\d{1,2})(?:日|号)?(?!\d)")
_P_YM = re.compile(r"(?<!\d)((?:19|20)\d{2})年(\d{1,2})月(份|底|初)?(?![\d个])")
_P_REL_YEAR = re.compile(r"(今年|去年|明年|前年|后年)(\d{1,2})月"
                         r"(?:(\d{1,2})(?:日|号)?(?![\d个天])|(份|底|初)?(?![\d个]))")
_YEAR_OFFSET = {"今年": 0, "去年": -1, "明年": 1, "前年": -2, "后年": 2}
_P_LUNAR = re.compile(
    r"(农历|阴历|老历)?(正|冬|腊|\d{1,2})月(初\d{1,2}|\d{1,2}(?:日|号)?)(?!\d)")
_P_DANIAN = re.compile(r"(?<![月\d])(?:大年)?初(\d{1,2})(?!\d)")
_P_MD = re.compile(r"(?<![\d.年])(\d{1,2})月(\d{1,2})(?:日|号)?(?![\d个天])")
_P_DOT = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?![\d.]|元|块|万|%|倍|岁|级|个|天|年)")
_P_MONTH = re.compile(r"(?<![\d年])(\d{1,2})月(份|底|初|中旬|上旬|下旬)?(?![\d个])")
_P_DAY = re.compile(r"(?<![\d月.])(\d{1,2})(?:号|日)(?!\d)")
_P_REL_DAYS = re.compile(r"(?<!出生)(?<!\d)(\d{1,3})天(后|以后|之后|前|以前|之前)")
_FIXED = [
    (re.compile(r"大后天"), 3), (re.compile(r"(?<!大)后天"), 2), (re.compile(r"明天|明日"), 1),
    (re.compile(r"今天|今日"), 0), (re.compile(r"(?<!大)前天"), -2), (re.compile(r"昨天|昨日"), -1),
    (re.compile(r"下周|下星期|下个星期|下礼拜|下个礼拜"), 7),
    (re.compile(r"上周|上星期|上个星期|上礼拜|上个礼拜"), -7),
]
_REL_MONTH = [(re.compile(r"下个月|下月"), 1), (re.compile(r"上个月|上月"), -1),
              (re.compile(r"这个月|本月"), 0)]
# 这个月27号, 下个月5号: that day of that month.
_P_REL_MONTH_DAY = re.compile(r"(这个月|本月|下个月|下月|上个月|上月)(\d{1,2})(?:日|号)(?!\d)")
_REL_MONTH_OFFSET = {"这个月": 0, "本月": 0, "下个月": 1, "下月": 1, "上个月": -1, "上月": -1}
# Festivals residents date things by: (regex, ("solar"|"lunar", month, day)). 腊八 is rewritten
# to 腊月初8 by normalisation; 春节/过年/除夕/元宵 are handled with the new year words below.
_FESTIVALS: list[tuple[re.Pattern[str], tuple[str, int, int]]] = [
    (re.compile(r"元旦节?"), ("solar", 1, 1)),
    (re.compile(r"清明节?"), ("solar", 4, 4)),  # Apr 4 or 5; Apr 4 is close enough here
    (re.compile(r"(?<!\d)(?:五一|51)(?:劳动节|假期|节)?(?![\d个])|劳动节"), ("solar", 5, 1)),
    (re.compile(r"国庆节?"), ("solar", 10, 1)),
    # 十一 (normalised to 11) is National Day only as a holiday: 十一长假, 十一交了, 十一前.
    (re.compile(r"(?<![\d.月年号第/\-])11(?:长假|假期|黄金周|期间|那天)?(?=长假|假期|黄金周|期间|那天|前|后|以后|之后|以前|之前|交|缴)"
                r"(?!\d)"), ("solar", 10, 1)),
    (re.compile(r"端午节?"), ("lunar", 5, 5)),
    (re.compile(r"中秋节?"), ("lunar", 8, 15)),
    (re.compile(r"(?<![大过])小年(?!纪|龄|轻)"), ("lunar", 12, 23)),
    (re.compile(r"圣诞(?:节)?"), ("solar", 12, 25)),
    (re.compile(r"平安夜"), ("solar", 12, 24)),
    (re.compile(r"情人节"), ("solar", 2, 14)),
    (re.compile(r"妇女节|(?:三八|38)节"), ("solar", 3, 8)),
    (re.compile(r"儿童节|(?<!\d)(?:六一|61)(?:节)?(?=节|儿童|那天|前|后|之前|之后|以前|以后|过后|能|还|交|缴)"),
     ("solar", 6, 1)),
    (re.compile(r"重阳(?:节)?"), ("lunar", 9, 9)),
    (re.compile(r"七夕(?:节)?"), ("lunar", 7, 7)),
    (re.compile(r"冬至"), ("solar", 12, 22)),  # Dec 21 or 22; 22 unless computed
]
# "过了圣诞还能交": the festival just passed is the reference, not next year's.
_PASSED_BEFORE = re.compile(r"(过了|过完|过去了?)$")
_FESTIVAL_MOD = re.compile(r"^(以后|之后|过后|后|以前|之前|前)")
_NEW_YEAR_WORDS = re.compile(
    r"(过年|春节|大年初1|年初1|新年|大年)(后|以后|之后|过后|完)?|(过完年|过了年|年后|节后|开年)|"
    r"(除夕|大年30|年30|大年夜|年三十)|(元宵节?|正月15)|(年前|年底|年末)")


def find_dates(text: str, today: dt.date) -> list[DateHit]:
    """All dates in `text`, in order of appearance, overlapping matches removed."""
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []
    future_words = bool(_FUTURE_WORDS.search(text))
    past = bool(_PAST_WORDS.search(text)) and not future_words

    def pick(cands: list[dt.date | None], birth: bool, ref: dt.date = today,
             m: re.Match[str] | None = None) -> dt.date | None:
        if not birth and m is not None and is_paid(m):
            # the year rule with the past bias, whatever future words (打工回来) are around
            return _choose(cands, ref, True, False)
        return _choose(cands, ref, past, birth, future_words and not birth)

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(m: re.Match[str], d: dt.date | None, precision: str = "day",
            span: tuple[int, int] | None = None) -> None:
        s, e = span or m.span()
        if d is None or not free(s, e):
            return
        after, before = text[e:e + 6], text[max(0, s - 6):s]
        birth = bool(_BIRTH_AFTER.search(after) or _BIRTH_BEFORE.search(before))
        taken.append((s, e))
        hits.append(DateHit(d.isoformat(), precision, text[s:e], s, e, birth))

    def is_birth(m: re.Match[str]) -> bool:
        return bool(_BIRTH_AFTER.search(text[m.end():m.end() + 6])
                    or _BIRTH_BEFORE.search(text[max(0, m.start() - 6):m.start()]))

    def is_paid(m: re.Match[str]) -> bool:
        # "腊月28交的", "国庆交了", "已经1月5号交了": a payment made, so not in the future.
        after = text[m.end():m.end() + 8]
        mod = _FESTIVAL_MOD.match(after)
        if mod:
            after = after[mod.end():]
        return bool(_PAID_AFTER.search(after) or (_PAID_BEFORE.search(text[max(0, m.start() - 3):m.start()])
                                                  and re.match(r"^.{0,3}(交|缴)", after)))

    for m in _P_ISO.finditer(text):
        add(m, _safe(int(m[1]), int(m[2]), int(m[3])))
    for m in _P_REL_MONTH_DAY.finditer(text):  # 这个月27号
        idx = today.year * 12 + today.month - 1 + _REL_MONTH_OFFSET[m[1]]
        add(m, _safe(idx // 12, idx % 12 + 1, int(m[2])))
    for pat, (cal, fm, fd) in _FESTIVALS:
        for m in pat.finditer(text):
            if cal == "solar":
                cands = [_safe(y, fm, fd) for y in _years(today)]
            else:
                cands = [_lunar(y, fm, fd) for y in _years(today)]
            mod = _FESTIVAL_MOD.match(text[m.end():m.end() + 2])
            span = (m.start(), m.end() + (len(mod.group()) if mod else 0))
            if _PASSED_BEFORE.search(text[max(0, m.start() - 3):m.start()]):
                chosen = _choose(cands, today, past, False)  # nearest, no future preference
            else:
                chosen = pick(cands, is_birth(m), m=m)
            add(m, chosen, "approx" if mod else "day", span)
    for m in _P_YM.finditer(text):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            last = calendar.monthrange(y, mo)[1]
            add(m, _safe(y, mo, last if m[3] == "底" else 1), "day" if m[3] == "底" else "month")
    for m in _P_REL_YEAR.finditer(text):  # 今年8月份, 去年12月3号
        y, mo = today.year + _YEAR_OFFSET[m[1]], int(m[2])
        if not 1 <= mo <= 12:
            continue
        if m[3]:
            add(m, _safe(y, mo, int(m[3])))
        elif m[4] == "底":
            add(m, _safe(y, mo, calendar.monthrange(y, mo)[1]))
        else:
            add(m, _safe(y, mo, 1), "month")
    for m in _P_LUNAR.finditer(text):
        prefix, mon, day = m[1], m[2], m[3]
        lunar = bool(prefix) or mon in _LUNAR_MONTHS or day.startswith("初")
        if not lunar:
            continue
        mo = _LUNAR_MONTHS.get(mon) or int(mon)
        dd = int(re.sub(r"\D", "", day))
        if not (1 <= mo <= 12 and 1 <= dd <= 30):
            continue
        cands = [_lunar(y, mo, dd) for y in _years(today)]
        add(m, pick(cands, is_birth(m), m=m))
    for m in _P_DANIAN.finditer(text):
        dd = int(m[1])
        if 1 <= dd <= 30:
            cands = [_lunar(y, 1, dd) for y in _years(today)]
            add(m, pick(cands, is_birth(m), m=m))
    for m in _NEW_YEAR_WORDS.finditer(text):
        if m[1] or m[3]:
            offset = AFTER_NEW_YEAR_DAYS if (m[2] or m[3]) else 0
            precision = "approx" if offset else "day"
        elif m[4]:
            offset, precision = -1, "day"
        elif m[5]:
            offset, precision = 14, "day"
        else:  # 年前/年底: the days before the lunar new year (年底 also means 12月31, see below)
            if m[6] in ("年底", "年末"):
                add(m, dt.date(today.year, 12, 31), "approx")
                continue
            offset, precision = -1, "approx"
        cands = [new_year(y) + dt.timedelta(days=offset) for y in _years(today)]
        if precision == "day":  # 过年/春节/除夕/元宵 (以后/之前 keep the date, fuzzy)
            mod = _FESTIVAL_MOD.match(text[m.end():m.end() + 2])
            span = (m.start(), m.end() + len(mod.group())) if mod else None
            add(m, pick(cands, False, m=m), "approx" if mod else "day", span)
            continue
        this_ny = new_year(today.year)
        if 0 <= (today - this_ny).days <= RECENT_NEW_YEAR_DAYS:
            # 过完年/年后/年前 shortly after this year's new year: the one just past.
            add(m, this_ny + dt.timedelta(days=offset), precision)
            continue
        # before the new year, or long after it: the next one (unless told in the past)
        if is_paid(m):  # 年前交的: the one just past
            add(m, _choose(cands, today, True, False), precision)
            continue
        add(m, _choose(cands, today, past, False, prefer_future=not past), precision)
    for pat in (_P_MD, _P_DOT):
        for m in pat.finditer(text):
            mo, dd = int(m[1]), int(m[2])
            if 1 <= mo <= 12 and 1 <= dd <= 31:
                cands = [_safe(y, mo, dd) for y in _years(today)]
                add(m, pick(cands, is_birth(m), m=m))
    for m in _P_MONTH.finditer(text):
        mo = int(m[1])
        if not 1 <= mo <= 12:
            continue
        if m[2] == "底":
            cands = [_safe(y, mo, calendar.monthrange(y, mo)[1]) for y in _years(today)]
            add(m, pick(cands, is_birth(m), m=m))
        else:
            cands = [_safe(y, mo, 1) for y in _years(today)]
            # compare by month: a month that has started counts as "now", not the past
            birth = is_birth(m)
            if _PASSED_BEFORE.search(text[max(0, m.start() - 3):m.start()]):
                continue  # "过了2月才想起来交": said after that month — the date meant is now
            chosen = pick(cands, birth, today.replace(day=1), m=m)
            if chosen == today.replace(day=1) and not birth and m[2] in (None, "份"):
                chosen = today  # the current month ("8月份" said in August) means now
            add(m, chosen, "month")
    for m in _P_DAY.finditer(text):
        dd = int(m[1])
        if 1 <= dd <= 31:
            this = _safe(today.year, today.month, dd)
            nxt_m = today.month % 12 + 1
            nxt = _safe(today.year + (today.month == 12), nxt_m, dd)
            prev_m = (today.month - 2) % 12 + 1
            prev = _safe(today.year - (today.month == 1), prev_m, dd)
            add(m, pick([prev, this, nxt], is_birth(m), m=m))
    for m in _P_REL_DAYS.finditer(text):
        n = int(m[1])
        sign = -1 if "前" in m[2] else 1
        add(m, today + dt.timedelta(days=sign * n), "day")
    for pat, days in _FIXED:
        for m in pat.finditer(text):
            add(m, today + dt.timedelta(days=days), "day")
    for pat, months in _REL_MONTH:
        for m in pat.finditer(text):
            idx = today.year * 12 + today.month - 1 + months
            add(m, today if months == 0 else dt.date(idx // 12, idx % 12 + 1, 1), "month")
    m = re.search(r"月底", text)
    if m:
        add(m, today.replace(day=calendar.monthrange(today.year, today.month)[1]), "day")
    hits.sort(key=lambda h: h.start)
    return hits


# ---- ages -----------------------------------------------------------------------------------

_CHILD = re.compile(r"孩子|宝宝|婴儿|新生儿|儿子|女儿|闺女|小孩|孙子|孙女|外孙|娃|出生|刚生|满月|百天")
# 最后1天, 第1天, 头1天, 前3天, 这几天: not an age.
_NOT_ORDINAL = r"(?<!最后)(?<!第)(?<!头)(?<!前)(?<!后)(?<!这)(?<!每)(?<!哪)(?<!当)(?<!末)"
_IF_FOLLOWUP = re.compile(r"(那么|那|要是|如果|假如|万一|那要是|那如果)[^，。]{0,3}(过了|超过|超了|过)\d")
_IF_FOLLOWUP_AGE = re.compile(r"(那么|那|要是|如果|假如|万一|那要是|那如果)[^，。]{0,3}\d")
_AGE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(刚出生|刚生|才出生|刚刚出生|新出生|刚生下|刚落地|刚满月?前)"), "zero"),
    (re.compile(r"满月"), "month1"),
    (re.compile(r"(?<![\d一二三四五六七八九十])(?:百天|百日|过百天)"), "hundred"),  # the 100-day celebration
    (re.compile(r"(?:出生|生下来?|满|刚满|才)(\d{1,4})天"), "days"),
    # "N天了 / N个月了" is an age only with a child context (最后1天了 is a deadline).
    (re.compile(_NOT_ORDINAL + r"(?<![\d.])(\d{1,4})天(?:了|大|的宝宝|的孩子|的婴儿|的新生儿)"), "days_ctx"),
    (re.compile(_NOT_ORDINAL + r"(?<![\d.])(\d{1,2})个(?:多)?月(?:了|大|的|左右)(?!内|以内|之内)"),
     "months_ctx"),
    (re.compile(r"(?:出生|满|刚满|才)(\d{1,2})个(?:多)?月(?!内|以内|之内)"), "months"),
    (re.compile(r"(?:孩子|宝宝|婴儿|新生儿|儿子|女儿|孙子|孙女|闺女)(?:才|刚|刚满|已经|都|现在|今天|快)?"
                r"(\d{1,4})天(?!内|以内|之内)"), "days"),
    (re.compile(r"(?:孩子|宝宝|婴儿|新生儿|儿子|女儿|孙子|孙女|闺女)(?:才|刚|刚满|已经|都|现在|今天|快)?"
                r"(\d{1,2})个(?:多)?月(?!内|以内|之内)"), "months"),
    # 过了90天 / 过了3个月: just past that age (a follow-up to a newborn question).
    (re.compile(r"(?:已经)?(?:过了|超过了?|超了|过)(\d{1,3})天(?!内|以内|之内|后|以后|之后)"), "over_days"),
    (re.compile(r"(?:已经)?(?:过了|超过了?|超了)(\d{1,2})个(?:多)?月(?!内|以内|之内|后|以后|之后)"),
     "over_months"),
    (re.compile(r"半岁"), "half"),
    (re.compile(r"(?<![\d.])(\d{1,3})(?:周岁|岁)(半)?"), "years"),
]


@dataclass(frozen=True)
class AgeHit:
    days: int
    child: bool
    text: str
    start: int
    end: int


def find_age(text: str) -> AgeHit | None:
    """The first age mentioned (出生100天, 满月, 3个月大, 刚出生, 1岁), in days."""
    best: AgeHit | None = None
    for pat, kind in _AGE_PATTERNS:
        m = pat.search(text)
        if not m or (best and best.start <= m.start()):
            continue
        if kind.endswith("_ctx"):
            explicit = m.group().endswith(("大", "宝宝", "孩子", "婴儿", "新生儿"))
            if not (explicit or _CHILD.search(text) or _IF_FOLLOWUP_AGE.match(text)):
                continue
            kind = kind[:-4]
        if kind == "zero":
            days = 0
        elif kind == "month1":
            days = 30
        elif kind == "hundred":
            days = 100
        elif kind == "days":
            days = int(m[1])
        elif kind == "months":
            days = int(m[1]) * 30
        elif kind == "over_days":
            days = int(m[1]) + 1
        elif kind == "over_months":
            days = int(m[1]) * 30 + 1
        elif kind == "half":
            days = 182
        else:
            days = int(m[1]) * 365 + (182 if m[2] else 0)
            if int(m[1]) > 120:
                continue
        if kind.startswith("over"):
            # "要是过了90天呢" follows a newborn question; "缴费过了60天" is no child's age.
            child = bool(_CHILD.search(text) or _IF_FOLLOWUP.match(text))
        else:
            child = kind != "years" or (days < 18 * 365 and bool(_CHILD.search(text)))
        best = AgeHit(days, child, m.group(), m.start(), m.end())
    return best
