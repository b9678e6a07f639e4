"""`python -m bot tasks`: a county's township task table (金寨 附件1, 遂平/尤溪 附件2) and, with
--paid, each township's completion rate ranked, marking the townships the notice commends.

Exit codes: 0 done (unknown townships or bad rows in --paid are listed); 1 --paid could not be
used (unreadable file, or the county has no task table); 2 usage error."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", required=True, help="金寨县, 遂平, youxi ... (any spelling)")
    parser.add_argument("--paid", type=Path, metavar="FILE",
                        help="CSV/XLSX of enrolled counts per township (columns 乡镇 and 已参保)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from bot.staff.progress import funding, read_enrolled
    from policy_faq import UnknownCounty, default_registry
    from policy_faq.tasks import task_rows, total_task

    try:
        policy = default_registry().require(args.county)
    except UnknownCounty as e:
        print(f"error: unknown county {e.name!r}; valid counties: {', '.join(e.valid)}",
              file=sys.stderr)
        return 2
    table = policy.tasks
    if table is None:
        message = f"{policy.county.name}的通知（{policy.document.cite_as}）没有乡镇参保任务表。"
        if args.json:
            print(json.dumps({"county": policy.county.name, "tasks": None, "message": message},
                             ensure_ascii=False))
        else:
            print(message)
        if args.paid:
            print("error: --paid needs a task table to compare with", file=sys.stderr)
            return 1
        return 0

    rows = task_rows(policy)
    ranking = read_enrolled(policy, args.paid) if args.paid else None
    funds = funding(policy, ranking.rows) if ranking else {}
    wf = policy.work_funding

    if args.json:
        out: dict = {
            "county": policy.county.name, "title": table.title, "source": table.source.clause,
            "columns": table.columns,
            "rows": [{"seq": i, "township": r.township, **r.values, "task": r.task}
                     for i, r in enumerate(rows, start=1)],
            "total": {**table.total, "task": total_task(policy)},
        }
        if ranking is not None:
            enrolled, task = ranking.totals()
            out["progress"] = [
                {"rank": p.rank, "township": p.township, "task": p.task,
                 "enrolled": p.enrolled, "rate": round(float(p.rate), 6),
                 "rate_percent": p.percent, "commended": p.commended,
                 **({"funding": vars(funds[p.township])} if p.township in funds else {})}
                for p in ranking.rows]
            out["progress_total"] = {"enrolled": enrolled, "task": task}
            out["commend_top"] = wf.commend_top if wf.stated else None
            out["missing"] = ranking.missing
            out["rejected"] = [p.as_dict() for p in ranking.rejected]
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(_text(policy, rows, ranking, funds))
    return 1 if ranking is not None and ranking.failed else 0


def _text(policy, rows, ranking, funds) -> str:
    from bot.staff.text import render_table
    from policy_faq.tasks import total_task

    table = policy.tasks
    keys = list(table.columns)
    out = [f"{table.title}（{policy.document.cite_as}{table.source.clause}）", ""]
    body = [[i, r.township, *(r.values[k] for k in keys if k != "task"), r.task]
            for i, r in enumerate(rows, start=1)]
    body.append([None, "合计", *(table.total[k] for k in keys if k != "task"),
                 total_task(policy)])
    out.append(render_table(["序号", "乡镇", *(table.columns[k] for k in keys)], body))
    if table.rule.text:
        out.append(f"备注：{table.rule.text}")
    if ranking is None:
        return "\n".join(out)

    wf = policy.work_funding
    out += ["", "完成情况（已参保 ÷ 任务数，从高到低）"]
    headers = ["名次", "乡镇", "任务数", "已参保", "完成率"]
    if wf.stated and wf.commend_top:
        headers.append(f"通报表彰（前{wf.commend_top}名）")
    if funds:
        headers += ["工作经费（元）", "追加（元）", "扣减（元）"]
    body = []
    for p in ranking.rows:
        line = [p.rank, p.township, p.task, p.enrolled, p.percent]
        if wf.stated and wf.commend_top:
            line.append("★" if p.commended else "")
        if funds:
            f = funds[p.township]
            line += [f.base, f.bonus or None, f.deduction or None]
        body.append(line)
    enrolled, task = ranking.totals()
    if task:
        body.append([None, "合计", task, enrolled, f"{enrolled / task * 100:.2f}%"])
    out.append(render_table(headers, body))
    if wf.stated and wf.text:
        clause = wf.source.clause if wf.source else ""
        out.append(f"通知{clause}：{wf.text}")
    if funds:
        out.append("追加、扣减按完成率名次估算，供参考；以县里认定为准。")
    if ranking.missing:
        out += ["", f"文件中没有这些乡镇的数字（未参加排名）：{'、'.join(ranking.missing)}"]
    if ranking.rejected:
        out += ["", f"未计入的行：{len(ranking.rejected)}"]
        for p in ranking.rejected:
            where = f"第{p.row}行" if p.row is not None else "整个文件"
            out.append(f"  {p.file} {where}：{p.reason}")
    return "\n".join(out)
