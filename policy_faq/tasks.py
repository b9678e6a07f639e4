"""Township task numbers (参保任务数) from a county's task table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from policy_faq.schema import CountyPolicy


def compute_task(base: int, rate_percent: int) -> int:
    """base × rate, rounded half up to a whole person (as 附件1 rounds 14502 × 95% to 13777)."""
    return int((Decimal(base) * rate_percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TaskRow:
    township: str
    values: dict[str, int]  # the table's columns, as printed
    task: int  # computed where the table gives a rule, else as printed


def task_rows(policy: CountyPolicy) -> list[TaskRow]:
    table = policy.tasks
    if table is None:
        return []
    rows = []
    for row in table.rows:
        values = {c: int(row[c]) for c in table.columns}
        if table.rule.kind == "base_times_rate":
            base = values["population"] - values["excluded"]
            task = compute_task(base, table.rule.rate_percent or 100)
        else:
            task = values["task"]
        rows.append(TaskRow(str(row["township"]), values, task))
    return rows


def total_task(policy: CountyPolicy) -> int:
    table = policy.tasks
    if table is None:
        return 0
    if table.rule.kind == "base_times_rate" and table.rule.total_from == "total_base":
        base = table.total["population"] - table.total["excluded"]
        return compute_task(base, table.rule.rate_percent or 100)
    return sum(r.task for r in task_rows(policy))


def find_township(policy: CountyPolicy, name: str) -> TaskRow | None:
    for row in task_rows(policy):
        if row.township == name or row.township.rstrip("乡镇街道") == name.rstrip("乡镇街道"):
            return row
    return None
