"""De-duplication across rosters and the government-paid premium estimate (金寨 附件2's table).

Each person is counted once, under the category that decides a person with several identities
(`policy_faq.calculator.applicable_category`: the county's order, or the most favourable one).
For rows i and columns j in that order:
  original[j]  people on list j
  cell[i][j]   people decided by category i who are also on list j (the diagonal is net[i])
  net[i]       people decided by category i;  duplicates[j] = original[j] - net[j]
  amount[i]    net[i] x category i's government_pays (from the county data)
Every column of the cell matrix sums to that list's original count.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policy_faq.calculator import applicable_category
from policy_faq.schema import Category, CountyPolicy


def display_name(category: Category) -> str:
    """The name the county's own estimate table uses, else the category's name."""
    return category.roster_name or category.name


def decision_order(policy: CountyPolicy, categories: Iterable[Category]) -> list[Category]:
    """`categories` sorted so that a higher one decides over a lower one; ties keep the data
    file's order. Built from applicable_category itself, so both always agree."""
    position = {c.id: i for i, c in enumerate(policy.categories)}
    unique = {c.id: c for c in categories}
    cats = sorted(unique.values(), key=lambda c: position[c.id])

    def compare(a: Category, b: Category) -> int:
        ab = applicable_category(policy, [a, b])
        ba = applicable_category(policy, [b, a])
        if ab is ba:
            return -1 if ab is a else 1
        return 0  # a tie: the data file's order stands

    return sorted(cats, key=functools.cmp_to_key(compare))


@dataclass(frozen=True)
class Row:
    category: Category
    original: int
    duplicates: int
    net: int
    per_person: int
    amount: int
    overlaps: tuple[int, ...]  # cell[i][j] for every column j (same order as the rows)

    @property
    def name(self) -> str:
        return display_name(self.category)


@dataclass(frozen=True)
class Estimate:
    rows: tuple[Row, ...]

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.rows]

    def total(self) -> dict[str, int]:
        return {key: sum(getattr(r, key) for r in self.rows)
                for key in ("original", "duplicates", "net", "amount")}

    def matrix(self) -> dict[str, dict[str, int]]:
        """overlaps[row][column], every cell (the diagonal is the row's net count)."""
        names = self.names
        return {r.name: dict(zip(names, r.overlaps, strict=True)) for r in self.rows}

    def explanation(self) -> list[str]:
        """附件2's 说明, one line per list: how many on it were already under a higher category."""
        lines = []
        for j, col in enumerate(self.rows):
            parts = [f"{r.overlaps[j]} 人是{r.name}" for i, r in enumerate(self.rows)
                     if i != j and r.overlaps[j]]
            text = f"{col.name} {col.original} 人"
            if parts:
                text += "，其中 " + "、".join(parts)
            lines.append(text + f"，实际代缴 {col.net} 人")
        return lines


def estimate(policy: CountyPolicy, lists: Mapping[str, Iterable[str]]) -> Estimate:
    """The estimate for `lists` (category id -> the IDs on its list, each ID once per list)."""
    by_id = {c.id: c for c in policy.categories}
    cats = decision_order(policy, [by_id[cid] for cid in lists])
    index = {c.id: i for i, c in enumerate(cats)}
    memberships: dict[str, int] = {}
    get = memberships.get
    for cid, ids in lists.items():
        bit = 1 << index[cid]
        for pid in ids:
            memberships[pid] = get(pid, 0) | bit

    n = len(cats)
    cells = [[0] * n for _ in range(n)]
    for mask, count in Counter(memberships.values()).items():
        members = [k for k in range(n) if mask >> k & 1]
        decider = applicable_category(policy, [cats[k] for k in members])
        i = index[decider.id]
        for j in members:
            cells[i][j] += count

    rows = []
    for i, cat in enumerate(cats):
        original = sum(cells[k][i] for k in range(n))
        net = cells[i][i]
        rows.append(Row(cat, original, original - net, net, cat.government_pays,
                        net * cat.government_pays, tuple(cells[i])))
    return Estimate(tuple(rows))
