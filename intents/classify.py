"""Intent scoring: weighted keywords and regex patterns from data/intents.yaml, plus rapidfuzz
similarity to the example questions, plus slot boosts. Built once (lazy singleton)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from intents.normalize import normalize

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
STACK = 0.5
DATA_FILE = Path(__file__).with_name("data") / "intents.yaml"


@dataclass
class IntentSpec:
    name: str
    keywords: list[tuple[str, float]]
    patterns: list[tuple[re.Pattern[str], float]]
    boosts: dict[str, float]
    social: bool


@dataclass(frozen=True)
class Redirect:
    sources: tuple[str, ...]
    slots: tuple[str, ...]
    text: re.Pattern[str] | None
    target: str
    unless: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()                  # one of these slots must be present (AND)
    unless_text: re.Pattern[str] | None = None

    def applies(self, best: str, text: str, slots: dict) -> bool:
        if best not in self.sources or any(slots.get(k) for k in self.unless):
            return False
        if self.needs and not any(slots.get(k) for k in self.needs):
            return False
        if self.unless_text and self.unless_text.search(text):
            return False
        if not (self.slots or self.text):  # only `needs_slots`: that is the condition
            return True
        if self.slots and any(slots.get(k) for k in self.slots):
            return True
        return bool(self.text and self.text.search(text))


@dataclass
class Model:
    intents: list[IntentSpec]
    examples: list[str]
    example_owner: list[int]
    threshold: float
    fuzzy_weight: float
    fuzzy_floor: float
    content_floor: float
    flags: dict[str, list[str]]
    followup_prefix: re.Pattern[str]
    followup_suffix: re.Pattern[str]
    filler: re.Pattern[str]
    names: list[str] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@lru_cache(maxsize=1)
def model() -> Model:
    with DATA_FILE.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)
    specs: list[IntentSpec] = []
    examples: list[str] = []
    owner: list[int] = []
    for i, (name, spec) in enumerate(data["intents"].items()):
        kws: dict[str, float] = {}
        for kw, w in (spec.get("keywords") or {}).items():
            n = normalize(str(kw))
            if n:
                kws[n] = max(kws.get(n, 0.0), float(w))
        pats = [(re.compile(p), float(w)) for p, w in (spec.get("patterns") or {}).items()]
        specs.append(IntentSpec(name, list(kws.items()), pats,
                                {k: float(v) for k, v in (spec.get("boosts") or {}).items()},
                                bool(spec.get("social"))))
        for ex in spec.get("examples") or []:
            n = normalize(str(ex))
            if n:
                examples.append(n)
                owner.append(i)
    flags = {k: [normalize(p) for p in v] for k, v in (data.get("flags") or {}).items()}
    return Model(
        intents=specs, examples=examples, example_owner=owner,
        threshold=float(data["threshold"]), fuzzy_weight=float(data["fuzzy_weight"]),
        fuzzy_floor=float(data["fuzzy_floor"]), content_floor=float(data["content_floor"]),
        flags=flags, followup_prefix=re.compile(data["followup_prefix"]),
        followup_suffix=re.compile(data["followup_suffix"]), filler=re.compile(data["filler"]),
        names=[s.name for s in specs],
        redirects=[_redirect(r) for r in data.get("redirects") or []],
    )


def _redirect(r: dict) -> Redirect:
    sources = r["from"] if isinstance(r["from"], list) else [r["from"]]
    text = re.compile(r["if_text"]) if r.get("if_text") else None
    unless_text = re.compile(r["unless_text"]) if r.get("unless_text") else None
    return Redirect(tuple(sources), tuple(r.get("if_slots") or ()), text, r["to"],
                    tuple(r.get("unless_slots") or ()), tuple(r.get("needs_slots") or ()),
                    unless_text)


@lru_cache(maxsize=1)
def _keyword_index() -> tuple[dict[str, list[tuple[int, float]]], int]:
    """keyword -> [(intent index, weight)], and the longest keyword's length: looking up each
    substring of a short message is cheaper than testing every keyword of every intent."""
    index: dict[str, list[tuple[int, float]]] = {}
    for i, spec in enumerate(model().intents):
        for kw, w in spec.keywords:
            index.setdefault(kw, []).append((i, w))
    return index, max((len(k) for k in index), default=0)


def _keyword_hits(text: str) -> list[list[float]]:
    index, longest = _keyword_index()
    found: set[str] = set()
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + longest) + 1):
            piece = text[start:end]
            if piece in index:
                found.add(piece)
    hits: list[list[float]] = [[] for _ in model().intents]
    for kw in found:  # each keyword counts once, wherever and however often it occurs
        for i, w in index[kw]:
            hits[i].append(w)
    return hits


def keyword_scores(text: str, slots: dict) -> list[float]:
    m = model()
    scores = []
    keyword_hits = _keyword_hits(text)
    for i, spec in enumerate(m.intents):
        hits = keyword_hits[i]
        hits += [w for pat, w in spec.patterns if pat.search(text)]
        # The strongest cue counts fully, further cues of the same intent count at STACK each:
        # several weak words ("交", "多少", "钱") must not outweigh one strong topical word (补缴).
        s = max(hits) + STACK * (sum(hits) - max(hits)) if hits else 0.0
        if s > 0 or spec.boosts:
            for slot, w in spec.boosts.items():
                if slots.get(slot):
                    s += w
        scores.append(s)
    return scores


def fuzzy_scores(text: str) -> list[float]:
    """Best example similarity per intent, scaled to 0..fuzzy_weight above fuzzy_floor."""
    m = model()
    out = [0.0] * len(m.intents)
    if not text:
        return out
    for _, score, idx in process.extract(text, m.examples, scorer=fuzz.ratio, limit=8,
                                         score_cutoff=m.fuzzy_floor):
        i = m.example_owner[idx]
        val = m.fuzzy_weight * (score - m.fuzzy_floor) / (100 - m.fuzzy_floor)
        out[i] = max(out[i], val)
    return out


@dataclass(frozen=True)
class Ranking:
    best: str | None
    confidence: float
    top_score: float
    scores: dict[str, float]


def rank(text: str, slots: dict) -> Ranking:
    m = model()
    kw = keyword_scores(text, slots)
    fz = fuzzy_scores(text)
    total = [a + b for a, b in zip(kw, fz, strict=True)]
    content_best = max((t for t, s in zip(total, m.intents, strict=True) if not s.social), default=0.0)
    if content_best >= m.content_floor:
        total = [0.0 if s.social else t for t, s in zip(total, m.intents, strict=True)]
    order = sorted(range(len(total)), key=lambda i: total[i], reverse=True)
    s1 = total[order[0]]
    s2 = total[order[1]] if len(order) > 1 else 0.0
    if s1 <= 0:
        return Ranking(None, 0.0, 0.0, {})
    conf = _confidence(s1, s2)
    scores = {m.names[i]: round(total[i], 2) for i in order[:4] if total[i] > 0}
    best = m.names[order[0]]
    for r in m.redirects:
        if r.applies(best, text, slots):
            # The redirect's condition backs the target: the runner-up is now the best intent
            # that is neither the source nor the target.
            others = [total[i] for i in order if m.names[i] not in (best, r.target)]
            conf = _confidence(s1, others[0] if others else 0.0)
            best = r.target
            break
    return Ranking(best, round(conf, 3), s1, scores)


def _confidence(s1: float, s2: float) -> float:
    """Saturating in the absolute score, discounted when the runner-up is close."""
    return (1 - math.exp(-s1 / 2.5)) * (0.5 + 0.5 * (s1 - s2) / s1)
