"""From what a person calls themselves (低保, 五保户, 一级残疾 …) to a county's category.

The words live in `vocabulary.yaml` (shared by every county); which concepts a county subsidises,
under what name and by how much, lives only in that county's data file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from policy_faq.schema import Category, CountyPolicy

VOCABULARY = Path(__file__).parent / "vocabulary.yaml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A broader word covers these narrower concepts: "残疾" may mean 重度残疾 (and the county may only
# subsidise that); "计生户" may mean any of the family-planning groups.
NARROWER: dict[str, tuple[str, ...]] = {
    "disabled": ("disabled_severe",),
    "family_planning": ("fp_one_child", "fp_two_daughters", "fp_surgery", "fp_special"),
    "poverty_relieved": ("stable_relieved", "unstable_relieved", "returned_poverty"),
}


@functools.lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, list[str]]]:
    with VOCABULARY.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)


@functools.lru_cache(maxsize=1)
def _phrase_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for concept, phrases in vocabulary()["categories"].items():
        index[concept] = concept
        for phrase in phrases:
            index.setdefault(str(phrase), concept)
    return index


def concept_of(word: str) -> str | None:
    """The concept id a single word names (a concept id, a vocabulary phrase), or None."""
    word = "".join(word.split())
    return _phrase_index().get(word)


@dataclass(frozen=True)
class Match:
    """How a word resolved in one county: `categories` holds one category when the match is exact,
    several (or narrower ones) when the resident must say which, none when the notice lists none."""

    word: str
    concept: str | None
    categories: tuple[Category, ...]
    exact: bool


def match(policy: CountyPolicy, word: str) -> Match:
    """Resolve a category id, a category's name, or a resident's word against one county."""
    for c in policy.categories:
        if word in (c.id, c.name, c.roster_name):
            return Match(word, c.concepts[0] if c.concepts else None, (c,), True)
    concept = concept_of(word)
    if concept is None:
        return Match(word, None, (), False)
    return match_concept(policy, concept, word)


def match_concept(policy: CountyPolicy, concept: str, word: str | None = None) -> Match:
    direct = tuple(c for c in policy.categories if concept in c.concepts)
    if len(direct) == 1:
        return Match(word or concept, concept, direct, True)
    if direct:
        return Match(word or concept, concept, direct, False)
    narrower = NARROWER.get(concept, ())
    related = tuple(c for c in policy.categories if any(n in c.concepts for n in narrower))
    return Match(word or concept, concept, related, False)
