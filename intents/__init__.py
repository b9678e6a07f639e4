"""Understanding residents' questions: text -> intent, confidence, slots.

    from intents import understand
    u = understand("俺是金寨的低報戶，要掏多钱？", today=datetime.date(2024, 1, 20))
    u.intent == "subsidy"; u.slots == {"county": "jinzhai", "categories": ["dibao"]}

Everything heavy (data files, regexes, example index) is built once, on first use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from intents.ids import find_ids, mask_id, mask_ids_in_text, validate_id
from intents.lexicon import CountyNames, Lexicon
from intents.normalize import MAX_CHARS, clean, fix_words, normalize

__all__ = [
    "CONFIDENCE_THRESHOLD", "INTENTS", "CountyNames", "Lexicon", "Understanding", "mask_id",
    "mask_ids_in_text", "normalize", "understand", "validate_id",
]

INTENTS = (
    "fee", "subsidy", "deadline", "migrant_extension", "late_payment", "newborn", "benefit_start",
    "eligibility", "registration", "channel", "refund", "department", "tasks", "greeting",
    "thanks", "help", "human", "reset", "out_of_scope",
)


# Below this the dialogue shows the short menu of what the assistant can answer.
CONFIDENCE_THRESHOLD = 0.35  # must equal `threshold` in data/intents.yaml (tested)


_MASKED = re.compile(r"\d{4}\*{10}[\dX]{4}")


@dataclass(frozen=True)
class Understanding:
    text: str                      # normalised text (ID numbers masked)
    intent: str | None             # one of INTENTS, or None when the message holds only slots
    confidence: float              # 0..1
    slots: dict = field(default_factory=dict)
    followup: bool = False
    scores: dict = field(default_factory=dict)  # top intent scores, for debugging/logs
    # Other intents asked in the same message, in order, when it holds two distinct question
    # parts ("今年交多少钱还有就是在哪交"); empty otherwise. `intent` is the first part's.
    also: tuple[str, ...] = ()


# Where a run-on message starts its next question.
_PART_BREAK = re.compile(
    r"还有就是|还有个问题|还有一个问题|还有一个|还有一件事|还有(?=(在哪|去哪|哪里|怎么|如何|什么时候|几号|多少|能不能|可不可以))"
    r"|另外|顺便问?一?下?|再问一?下|再一个|再就是|然后就是|然后(?=(在哪|去哪|哪里|怎么|什么时候|多少))|以及")
_PART_MIN_SCORE = 3.0
_NO_SECOND = ("greeting", "thanks", "help", "human", "reset", "out_of_scope")


def understand(text: str, today: dt.date, lexicon: Lexicon | None = None) -> Understanding:
    """Normalise `text` and extract intent and slots. Never raises; never returns a full ID."""
    try:
        return _understand(text, today, lexicon or Lexicon.default())
    except Exception:  # noqa: BLE001 - a message must never crash the dialogue
        safe = mask_ids_in_text(text if isinstance(text, str) else "")[:MAX_CHARS]
        return Understanding(text=safe, intent="out_of_scope", confidence=0.0)


def _understand(text: str, today: dt.date, lexicon: Lexicon) -> Understanding:
    from intents.classify import model, rank
    from intents.slots import _blank, extract

    if not isinstance(text, str):
        text = "" if text is None else str(text)
    norm = fix_words(clean(text))
    # ID numbers: validate, then mask before anything else sees the text.
    id_slots: dict = {}
    ids = find_ids(norm)
    if ids:
        first = ids[0][2]
        valid, _reason = validate_id(first, today)
        id_slots = {"id_number": mask_id(first), "id_valid": valid is not None}
        parts, last = [], 0
        for s, e, compact in ids:
            parts += [norm[last:s], mask_id(compact)]
            last = e
        norm = "".join(parts + [norm[last:]])
    if not norm:
        return Understanding(text="", intent="out_of_scope", confidence=0.0, slots=id_slots)

    masked_spans = [(m.start(), m.end()) for m in _MASKED.finditer(norm)]
    work = _blank(norm, masked_spans) if masked_spans else norm
    slots, spans = extract(work, today, lexicon)
    slots.update(id_slots)
    ranking = rank(work, slots)
    m = model()

    prefixed = bool(m.followup_prefix.search(norm))
    residual = m.filler.sub("", _blank(work, spans + masked_spans)).replace(" ", "")
    only_slots = bool(slots) and not residual
    weak_followup = prefixed and bool(slots) and ranking.top_score < 3.0
    if only_slots or weak_followup or ranking.best is None:
        if slots:
            conf = 0.9 if only_slots else 0.6
            return Understanding(norm, None, conf, slots, True, ranking.scores)
        return Understanding(norm, "out_of_scope", 0.2 if residual else 0.0, slots, False,
                             ranking.scores)
    followup = prefixed or bool(m.followup_suffix.search(norm) and len(norm) <= 12)
    best, conf, also = ranking.best, ranking.confidence, _parts(work, slots, ranking.best)
    if also:
        best, also = also[0], tuple(i for i in (*also[1:], ranking.best) if i != also[0])
        also = tuple(dict.fromkeys(also))
    return Understanding(norm, best, conf, slots, followup, ranking.scores, also)


def _parts(work: str, slots: dict, whole: str | None) -> tuple[str, ...]:
    """Intents of the distinct question parts of a run-on message, in order (empty unless at
    least two parts each score clearly for different content intents). Every part is ranked
    with the whole message's slots, so "我是低保户还有就是交多少钱" stays one subsidy question."""
    from intents.classify import rank

    cuts = [m.start() for m in _PART_BREAK.finditer(work) if m.start() > 0]
    if not cuts or whole is None or whole in _NO_SECOND:
        return ()
    found: list[str] = []
    for s, e in zip([0, *cuts], [*cuts, len(work)], strict=True):
        part = _PART_BREAK.sub("", work[s:e], count=1) if s else work[s:e]
        if len(part.strip()) < 3:
            continue
        r = rank(part, slots)
        if r.best and r.best not in _NO_SECOND and r.top_score >= _PART_MIN_SCORE and r.best not in found:
            found.append(r.best)
    return tuple(found) if len(found) >= 2 else ()

