"""Resident words for subsidy categories and payment channels (policy_faq/vocabulary.yaml).

The file is read directly (not through `policy_faq`, whose import loads pydantic schemas) and
compiled once into one longest-first regex per section.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

import yaml

from intents.normalize import normalize

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# "不是低保" / "也不属于特困": a category right after a negation is not the resident's own.
_NEGATION = re.compile(r"(不是|并非|非|没有|没|不属于|不算|不再是|取消了?)(什么)?$")


def _policy_faq_dir() -> Path:
    spec = importlib.util.find_spec("policy_faq")
    if spec and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "policy_faq"


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, list[str]]]:
    try:
        with (_policy_faq_dir() / "vocabulary.yaml").open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_Loader)
    except (OSError, yaml.YAMLError):
        data = None
    return data if isinstance(data, dict) else {"categories": {}, "channels": {}}


class PhraseMatcher:
    """Longest-phrase-wins matcher from normalised phrases to concept ids."""

    def __init__(self, table: dict[str, list[str]]):
        index: dict[str, str] = {}
        for concept, phrases in (table or {}).items():
            for phrase in [concept, *(phrases or [])]:
                n = normalize(str(phrase))
                if n and not (n.isascii() and n == concept and "_" in n):
                    index.setdefault(n, concept)
        self.index = index
        keys = sorted(index, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    def find(self, text: str, negation: bool = True) -> list[tuple[str, int, int]]:
        """(concept, start, end) per mention, in order; repeated concepts are kept once."""
        out: list[tuple[str, int, int]] = []
        if self.pattern is None:
            return out
        seen: set[str] = set()
        for m in self.pattern.finditer(text):
            if negation and _NEGATION.search(text[max(0, m.start() - 5):m.start()]):
                continue
            concept = self.index[m.group()]
            if concept not in seen:
                seen.add(concept)
                out.append((concept, m.start(), m.end()))
        return out


@lru_cache(maxsize=1)
def categories() -> PhraseMatcher:
    return PhraseMatcher(vocabulary().get("categories") or {})


@lru_cache(maxsize=1)
def channels() -> PhraseMatcher:
    return PhraseMatcher(vocabulary().get("channels") or {})
