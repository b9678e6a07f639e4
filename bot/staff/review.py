"""Grouping unanswered questions by similarity, most frequent first.

Texts are normalised as the intent matcher does (width, traditional -> simplified, typos,
numerals). Two normalised texts are similar when either rapidfuzz's `ratio` of the texts (the
characters in order) or the `ratio` of their sorted characters (the same words in another order,
"残疾人怎么交医保" / "残疾人医保怎么交") reaches THRESHOLD. Grouping is greedy: distinct texts,
most frequent first, join the first group whose representative is similar enough."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.staff.unanswered import Entry

THRESHOLD = 80  # 0-100; "低保交多少钱" / "特困交多少钱" (73) stay apart, "低保户交多少钱" /
#                 "低保交多少钱啊" (86) join


@dataclass
class Group:
    key: str  # the normalised text of the group's most frequent question
    texts: Counter = field(default_factory=Counter)  # as residents wrote them (masked)
    counties: Counter = field(default_factory=Counter)
    intents: Counter = field(default_factory=Counter)
    first: str = ""
    last: str = ""

    @property
    def count(self) -> int:
        return sum(self.texts.values())

    def variants(self) -> list[tuple[str, int]]:
        """(text, times) most frequent first; ties in text order, so output is stable."""
        return sorted(self.texts.items(), key=lambda item: (-item[1], item[0]))

    @property
    def example(self) -> str:
        return self.variants()[0][0]

    def add(self, entry: Entry) -> None:
        self.texts[entry.text] += 1
        if entry.county:
            self.counties[entry.county] += 1
        if entry.intent:
            self.intents[entry.intent] += 1
        self.first = min(self.first or entry.at, entry.at)
        self.last = max(self.last, entry.at)


def group_entries(entries: Iterable[Entry], threshold: int = THRESHOLD) -> list[Group]:
    from rapidfuzz import fuzz, process

    from intents.normalize import normalize

    by_key: dict[str, list[Entry]] = {}
    for e in entries:
        by_key.setdefault(normalize(e.text) or e.text.strip(), []).append(e)

    groups: list[Group] = []
    reps: list[str] = []
    reps_sorted: list[str] = []
    for key in sorted(by_key, key=lambda k: (-len(by_key[k]), k)):
        key_sorted = "".join(sorted(key))
        best = process.extractOne(key, reps, scorer=fuzz.ratio, score_cutoff=threshold)
        other = process.extractOne(key_sorted, reps_sorted, scorer=fuzz.ratio,
                                   score_cutoff=threshold)
        if other is not None and (best is None or other[1] > best[1]):
            best = other
        if best is None:
            group = Group(key)
            groups.append(group)
            reps.append(key)
            reps_sorted.append(key_sorted)
        else:
            group = groups[best[2]]
        for e in by_key[key]:
            group.add(e)
    groups.sort(key=lambda g: (-g.count, g.first))
    return groups
