"""Slot extraction from normalised text: places, categories, channels, dates, ages, amounts,
audience flags. ID numbers are found and masked before this runs (see intents.understand)."""

from __future__ import annotations

import datetime as dt
import re

from intents import vocab
from intents.classify import model
from intents.dates import find_age, find_dates
from intents.lexicon import Lexicon

Span = tuple[int, int]

_AMOUNT_UNIT = re.compile(r"(?<![\d.*])(\d{1,6})(?:\.\d{1,2})?(元|块钱|块|圆)")
# A bare amount checked by the resident: "380?", "三百八", "400元对不对", "是不是400".
_AMOUNT_BARE = re.compile(
    r"^(?:那|那要是|要是|如果)?(?:今年|明年|现在|一个人|每人|每个人|医保|一年)?(?:是|交|缴|要交|要|就)?"
    r"(?!(?:19|20)\d\d(?!\d))(\d{2,4})(?:元|块钱|块)?"
    r"(?:吗|啊|呀|吧|嘛|么|对吗|对不对|是不是|是吗|对不|对吧|没错吧|没错吗|不|呢)?$")
# Where a county name is only the resident's origin (户口在遂平, 老家金寨, 遂平户口) ...
_ORIGIN_BEFORE = re.compile(r"(户口|户籍|老家|原籍|籍贯|娘家)(是|在|落在|还在|属于)?(本来)?$")
_ORIGIN_AFTER = re.compile(r"^(县|区)?(的)?(户口|户籍|人(?!在))")
# ... and where it is the place the question is about (能在金寨参保, 在尤溪交, 人在金寨).
_TARGET_BEFORE = re.compile(r"(能|可以|能不能|可不可以|想|要|就|去|到|人|住|我)在$|(在|到|去)$")
_TARGET_AFTER = re.compile(r"^(县|区)?(的)?(参保|交|缴|办|登记|参加|医保)")
_AMOUNT_VERB = re.compile(
    r"(交了|缴了|交|缴|付了|付|花了|扣了|扣|退了?|收了?|要|是|共|按|还是)(\d{2,6})(?![\d.年月日号天岁个级%期次人口])")


def _blank(text: str, spans: list[Span]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _is_origin(text: str, p) -> bool:
    return bool(_ORIGIN_BEFORE.search(text[max(0, p.start - 5):p.start])
                or _ORIGIN_AFTER.search(text[p.end:p.end + 4]))


def _target_county(text: str, places: list):
    """The county the question is about when several are named: not the one that is only the
    resident's origin (户口在遂平), preferably the one where they want to enrol or pay."""
    if len({p.county for p in places}) <= 1:
        return places[0] if places else None
    best, best_score = None, -9
    for i, p in enumerate(places):
        score = -3 if _is_origin(text, p) else 0
        if _TARGET_BEFORE.search(text[max(0, p.start - 4):p.start]):
            score += 1
        if _TARGET_AFTER.search(text[p.end:p.end + 4]):
            score += 2
        score -= 0.01 * i  # otherwise the first mention, as before
        if score > best_score:
            best, best_score = p, score
    return best


def extract(text: str, today: dt.date, lexicon: Lexicon) -> tuple[dict, list[Span]]:
    """Slots found in `text` and the character spans they used."""
    slots: dict = {}
    spans: list[Span] = []

    places = lexicon.find(text)
    county = _target_county(text, [p for p in places if p.county])
    if county:
        slots["county"] = county.county
        others = list(dict.fromkeys(p.county for p in places if p.county and p.county != county.county))
        if others:
            slots["other_counties"] = others
            # 户口在遂平 … 能在金寨参保: the resident is not registered in the county asked about.
            if any(_is_origin(text, p) for p in places if p.county in others):
                slots["non_local"] = True
    town = next((p for p in places if p.township), None)
    if town:
        slots["township"] = town.township
        slots.setdefault("county", town.county)
    spans += [(p.start, p.end) for p in places]

    cats = vocab.categories().find(text)
    if cats:
        slots["categories"] = [c for c, _, _ in cats]
        spans += [(s, e) for _, s, e in cats]
    chans = vocab.channels().find(text, negation=False)
    if chans:
        slots["channels"] = [c for c, _, _ in chans]

    dates = find_dates(text, today)
    plain = next((d for d in dates if not d.birth), None)
    birth = next((d for d in dates if d.birth), None)
    if plain:
        slots["date"] = plain.iso
        slots["date_text"] = plain.text
        slots["date_precision"] = plain.precision
    if birth:
        slots["birth_date"] = birth.iso
    spans += [(d.start, d.end) for d in dates]

    age = find_age(_blank(text, [(d.start, d.end) for d in dates]))
    if age:
        slots["age_days"] = age.days
        if age.child:
            slots["child_age_days"] = age.days
            slots.setdefault("birth_date", (today - dt.timedelta(days=age.days)).isoformat())
        spans.append((age.start, age.end))

    rest = _blank(text, spans)
    bare = _AMOUNT_BARE.match(text)
    m = None if bare else (_AMOUNT_UNIT.search(rest) or _AMOUNT_VERB.search(rest))
    if m:
        value = int(m.group(1) if m.re is _AMOUNT_UNIT else m.group(2))
        if value > 0:
            slots["amount"] = value
            spans.append(m.span())
    elif bare and int(bare.group(1)) > 0:
        # No span: the number is the question itself (a fee check), not a follow-up slot.
        slots["amount"] = int(bare.group(1))

    # Audience flags ignore words inside a category phrase: 困难职工医保 is not 职工医保.
    flag_text = _blank(text, [(s, e) for _, s, e in cats]) if cats else text
    for flag, phrases in model().flags.items():
        if any(p in flag_text for p in phrases):
            slots[flag] = True
    return slots, spans
