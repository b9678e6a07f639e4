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
_AMOUNT_VERB = re.compile(
    r"(交了|缴了|交|缴|付了|付|花了|扣了|扣|退了?|收了?|要|是|共)(\d{2,6})(?![\d.年月日号天岁个级%期次人口])")


def _blank(text: str, spans: list[Span]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(chars))):
            chars[i] = " "
    return "".join(chars)


def extract(text: str, today: dt.date, lexicon: Lexicon) -> tuple[dict, list[Span]]:
    """Slots found in `text` and the character spans they used."""
    slots: dict = {}
    spans: list[Span] = []

    places = lexicon.find(text)
    county = next((p for p in places if p.county), None)
    if county:
        slots["county"] = county.county
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
    m = _AMOUNT_UNIT.search(rest) or _AMOUNT_VERB.search(rest)
    if m:
        value = int(m.group(1) if m.re is _AMOUNT_UNIT else m.group(2))
        if value > 0:
            slots["amount"] = value
            spans.append(m.span())

    # Audience flags ignore words inside a category phrase: 困难职工医保 is not 职工医保.
    flag_text = _blank(text, [(s, e) for _, s, e in cats]) if cats else text
    for flag, phrases in model().flags.items():
        if any(p in flag_text for p in phrases):
            slots[flag] = True
    return slots, spans
