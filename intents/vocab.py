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
        # Residents insert 的 inside longer phrases (事实无人抚养的儿童, 重度的残疾人): phrases of 4+
        # characters also match with one optional 的 between characters.
        self.loose = {k.replace("的", ""): v for k, v in index.items()}
        keys = sorted(index, key=len, reverse=True)
        self.pattern = re.compile("|".join(_loose(k) for k in keys)) if keys else None

    def find(self, text: str, negation: bool = True) -> list[tuple[str, int, int]]:
        """(concept, start, end) per mention, in order; repeated concepts are kept once."""
        out: list[tuple[str, int, int]] = []
        if self.pattern is None:
            return out
        seen: set[str] = set()
        pos = 0
        while (m := self.pattern.search(text, pos)) is not None:
            pos = m.end()
            g = m.group()
            if negation and _NEGATION.search(text[max(0, m.start() - 5):m.start()]):
                if "的" in g and g not in self.index:
                    # 不是重度的残疾人: the negation covers the part before 的 only.
                    pos = m.start() + g.index("的") + 1
                continue
            concept = self.index.get(g) or self.loose[g.replace("的", "")]
            if concept not in seen:
                seen.add(concept)
                out.append((concept, m.start(), m.end()))
        return out


def _loose(phrase: str) -> str:
    if len(phrase) < 4 or "的" in phrase or not all("\u4e00" <= c <= "\u9fff" for c in phrase):
        return re.escape(phrase)
    return "的?".join(re.escape(c) for c in phrase)


@lru_cache(maxsize=1)
def categories() -> PhraseMatcher:
    return PhraseMatcher(vocabulary().get("categories") or {})


@lru_cache(maxsize=1)
def channels() -> PhraseMatcher:
    return PhraseMatcher(vocabulary().get("channels") or {})
