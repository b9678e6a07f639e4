"""Township completion: enrolled counts per township (a CSV/XLSX staff collect) against the
county's task table, ranked by completion rate; the county's commendation rule marks the top N."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from bot.staff.roster import Problem
from bot.staff.tables import Cell, TableError, find_header, is_blank, open_table
from intents.ids import mask_ids_in_text
from policy_faq.schema import CountyPolicy
from policy_faq.tasks import TaskRow, find_township, task_rows

TOWNSHIP_HEADERS = ("乡镇", "乡镇名称", "乡镇(街道)", "乡镇街道", "乡镇(街道、管委会)", "乡(镇)",
                    "单位", "单位名称", "township", "town")
ENROLLED_HEADERS = ("已参保", "已参保人数", "参保人数", "已缴费人数", "缴费人数", "完成人数",
                    "已完成", "enrolled", "paid")
_TOTAL_WORDS = ("合计", "总计", "小计", "全县")
_NUMBER = re.compile(r"^\d+(\.0+)?$")


def _column(keys: list[str], names: tuple[str, ...]) -> int | None:
    for i, key in enumerate(keys):
        if key in names:
            return i
    return None


@dataclass
class Progress:
    township: str
    task: int
    enrolled: int
    rank: int = 0
    commended: bool = False

    @property
    def rate(self) -> Fraction:
        return Fraction(self.enrolled, self.task) if self.task else Fraction(0)

    @property
    def percent(self) -> str:
        return f"{float(self.rate) * 100:.2f}%"


@dataclass
class Ranking:
    rows: list[Progress] = field(default_factory=list)  # best first
    missing: list[str] = field(default_factory=list)  # townships the file does not mention
    rejected: list[Problem] = field(default_factory=list)
    failed: bool = False  # the file could not be read at all

    def totals(self) -> tuple[int, int]:
        return sum(r.enrolled for r in self.rows), sum(r.task for r in self.rows)


def _count(raw: Cell) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and raw >= 0 else None
    text = "".join(unicodedata.normalize("NFKC", str(raw or "")).split()).replace(",", "")
    return int(float(text)) if _NUMBER.match(text) else None


def read_enrolled(policy: CountyPolicy, path: Path) -> Ranking:
    """Rank the townships of `policy`'s task table by enrolled / task from the file at `path`."""
    out = Ranking()
    label = str(path)
    found: dict[str, tuple[int, int]] = {}  # township -> (enrolled, row number)
    try:
        with open_table(path) as table:
            sheet = table.sheets[0]
            label = sheet.label
            header = find_header(sheet.rows, lambda k: _column(k, TOWNSHIP_HEADERS) is not None
                                 and _column(k, ENROLLED_HEADERS) is not None)
            if header is None:
                raise TableError("找不到表头：需要乡镇一列（乡镇、乡镇名称、township）和参保人数一列"
                                 "（已参保、参保人数、enrolled）")
            keys = header[1]
            t_col, e_col = _column(keys, TOWNSHIP_HEADERS), _column(keys, ENROLLED_HEADERS)
            for number, row in sheet.rows:
                if is_blank(row):
                    continue
                name = str(row[t_col] if t_col < len(row) and row[t_col] is not None else "")
                name = "".join(unicodedata.normalize("NFKC", name).split())
                raw = row[e_col] if e_col < len(row) else None
                if not name:
                    out.rejected.append(Problem(label, number, "没有乡镇名称"))
                    continue
                if name.startswith(_TOTAL_WORDS):
                    out.rejected.append(Problem(label, number, "合计行，不参加排名"))
                    continue
                task = find_township(policy, name)
                if task is None:
                    out.rejected.append(Problem(
                        label, number, f"任务表中没有「{mask_ids_in_text(name)}」这个乡镇，未计入"))
                    continue
                enrolled = _count(raw)
                if enrolled is None:
                    shown = mask_ids_in_text(repr(raw))  # whatever was typed, never a full ID
                    out.rejected.append(Problem(label, number,
                                                f"{task.township}的参保人数不是非负整数：{shown}"))
                    continue
                if task.township in found:
                    first = found[task.township][1]
                    out.rejected.append(Problem(
                        label, number, f"{task.township}重复（第{first}行已有），本行未计入"))
                    continue
                found[task.township] = (enrolled, number)
    except TableError as e:
        out.rejected.append(Problem(label, None, str(e)))
        out.failed = True
        return out
    out.rows, out.missing = rank(policy, {k: v[0] for k, v in found.items()})
    return out


def rank(policy: CountyPolicy, enrolled: dict[str, int]) -> tuple[list[Progress], list[str]]:
    """Townships with a figure, best completion first (equal rates share a rank), the top N
    commended where the county's notice says so; and the townships without a figure."""
    rows: list[TaskRow] = task_rows(policy)
    ranked = [Progress(r.township, r.task, enrolled[r.township]) for r in rows
              if r.township in enrolled]
    ranked.sort(key=lambda p: -p.rate)  # stable: the task table's order breaks ties
    top = policy.work_funding.commend_top if policy.work_funding.stated else None
    for i, p in enumerate(ranked):
        p.rank = ranked[i - 1].rank if i and p.rate == ranked[i - 1].rate else i + 1
        p.commended = top is not None and p.rank <= top
    return ranked, [r.township for r in rows if r.township not in enrolled]


@dataclass(frozen=True)
class Funding:
    base: int  # enrolled x the per-enrollee work funding
    bonus: int  # added for the best-placed townships, in rank order
    deduction: int  # taken from the worst townships that did not finish their task


def funding(policy: CountyPolicy, ranked: list[Progress]) -> dict[str, Funding]:
    """Work funding where the notice gives figures (遂平 五（三）): per enrollee; the bonuses to
    the best townships that finished their task, in rank order; the deductions to the worst that
    did not (the worst gets the first). A reading of the notice for planning; the county decides."""
    wf = policy.work_funding
    if not wf.stated or wf.per_enrollee is None:
        return {}
    done = [p for p in ranked if p.rate >= 1]  # "完成较好的": among those that finished
    bonus = {p.township: b for p, b in zip(done, wf.bonuses, strict=False)}
    behind = [p for p in reversed(ranked) if p.rate < 1]
    deduction = {p.township: d for p, d in zip(behind, wf.deductions, strict=False)}
    return {p.township: Funding(p.enrolled * wf.per_enrollee, bonus.get(p.township, 0),
                                deduction.get(p.township, 0)) for p in ranked}
