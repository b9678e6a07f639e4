"""`python -m bot roster`: de-duplicate department rosters and estimate what the government pays
(金寨县 附件2 政府代缴保费测算表), for any county in the policy data.

Exit codes: 0 done (rejected rows, if any, are listed); 1 a whole file could not be read (the
totals cover the other files); 2 usage error (unknown county or category, bad --list)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TEXT_PROBLEMS = 50  # rows listed in the text report; --json and --xlsx carry all of them


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", required=True, help="金寨县, 屯留, youxi ... (any spelling)")
    parser.add_argument("--list", dest="lists", action="append", default=[], metavar="NAME=FILE",
                        help="a department roster: category name (特困, 低保, 重度残疾, 计生 …) = "
                             "CSV/XLSX file; repeatable, several files per category allowed")
    parser.add_argument("--id-column", help="the ID column's header, if it has an unusual name")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--xlsx", type=Path, metavar="OUT",
                        help="also write the table in 附件2's shape to this XLSX file")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _resolve(policy, word: str):
    """(category, None) or (None, error message) for a --list name."""
    from bot.staff.estimate import display_name
    from policy_faq.concepts import match

    m = match(policy, word.strip())
    if m.exact:
        return m.categories[0], None
    valid = "、".join(display_name(c) for c in policy.categories)
    if m.categories:
        options = "、".join(display_name(c) for c in m.categories)
        return None, (f"「{word}」在{policy.county.name}不明确，可能是：{options}；"
                      f"请写明是哪一类。{policy.county.name}的类别：{valid}")
    return None, f"{policy.county.name}没有「{word}」这一类。可用的类别：{valid}"


def _rule_text(policy) -> str:
    rule = policy.multiple_identities
    if rule.rule == "order":
        clause = rule.source.clause if rule.source else "通知"
        return f"多重身份只计一次，按{clause}的顺序归类"
    if rule.stated:
        return "多重身份只计一次，按最有利的一类归类"
    return "多重身份只计一次，按最有利的一类归类（通知未写明多重身份的顺序）"


def run(args: argparse.Namespace) -> int:
    from bot.staff.estimate import display_name, estimate
    from bot.staff.roster import RosterList
    from policy_faq import UnknownCounty, default_registry

    try:
        policy = default_registry().require(args.county)
    except UnknownCounty as e:
        return _fail(f"unknown county {e.name!r}; valid counties: {', '.join(e.valid)}")
    if not args.lists:
        return _fail("give at least one --list NAME=FILE (e.g. --list 特困=tekun.csv)")

    rosters: dict = {}  # category id -> RosterList, in the order given
    categories = {c.id: c for c in policy.categories}
    for item in args.lists:
        name, sep, file = item.partition("=")
        if not sep or not name.strip() or not file.strip():
            return _fail(f"--list {item!r}: write it as NAME=FILE, e.g. 低保=dibao.xlsx")
        category, error = _resolve(policy, name)
        if error:
            return _fail(f"--list {item!r}: {error}")
        rosters.setdefault(category.id, RosterList(args.id_column)).add_file(Path(file.strip()))

    est = estimate(policy, {cid: r.ids.keys() for cid, r in rosters.items()})
    rejected = [p for r in rosters.values() for p in r.rejected]
    repeated = [p for r in rosters.values() for p in r.repeated]
    failed = sum(r.failed_files for r in rosters.values())
    files = [{"file": f.file, "category": display_name(categories[cid]), "rows": f.rows,
              "counted": f.counted} for cid, r in rosters.items() for f in r.files]

    if args.xlsx:
        from bot.staff.xlsx import write_estimate

        title = (f"{policy.county.name}{policy.benefit_year}年度"
                 "城乡居民基本医疗保险政府代缴保费测算表")
        try:
            write_estimate(args.xlsx, title, est, rejected, repeated)
        except OSError as e:
            print(f"error: cannot write {args.xlsx}: {e.strerror or e}", file=sys.stderr)
            failed += 1

    if args.json:
        out = {
            "county": policy.county.name,
            "benefit_year": policy.benefit_year,
            "rule": _rule_text(policy),
            "categories": [{"category": r.name, "original": r.original,
                            "duplicates": r.duplicates, "net": r.net,
                            "per_person": r.per_person, "amount": r.amount} for r in est.rows],
            "total": est.total(),
            "overlaps": est.matrix(),
            "rejected": [p.as_dict() for p in rejected],
            "repeated": [p.as_dict() for p in repeated],
            "files": files,
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(_text_report(policy, est, rejected, repeated, files))
    return 1 if failed else 0


def _text_report(policy, est, rejected, repeated, files) -> str:
    from bot.staff.text import render_table

    total = est.total()
    out = [f"{policy.county.name} {policy.benefit_year}年度 政府代缴保费测算"
           f"（{_rule_text(policy)}）", ""]
    rows = [[r.name, r.original, r.duplicates, r.net, r.per_person, r.amount] for r in est.rows]
    rows.append(["合计", total["original"], total["duplicates"], total["net"], None,
                 total["amount"]])
    out.append(render_table(["类型", "原始人数", "重复人数", "去重复后人数", "补贴标准（元）",
                             "补贴金额测算（元）"], rows))
    out += ["", "多重身份分类（行：按该类代缴的人；列：其中也在该名单上的人数；"
                "对角线为去重复后人数）"]
    matrix = [[r.name, *r.overlaps] for r in est.rows]
    matrix.append(["合计", *(r.original for r in est.rows)])
    out.append(render_table(["类型", *est.names], matrix))
    out += ["", "说明："] + [f"{k}. {line}" for k, line in enumerate(est.explanation(), 1)]
    out += ["", "读取的文件："]
    out += [f"  {f['file']}（{f['category']}）：{f['rows']} 行，计入 {f['counted']} 人"
            for f in files]
    if repeated:
        out += ["", f"同一名单中重复出现、只计一次的行：{len(repeated)}"]
        out += [f"  {p.file} 第{p.row}行：{p.reason}" for p in repeated[:TEXT_PROBLEMS]]
        if len(repeated) > TEXT_PROBLEMS:
            out.append(f"  … 另有 {len(repeated) - TEXT_PROBLEMS} 行，完整清单见 --json 或 --xlsx")
    if rejected:
        out += ["", f"未计入（需要核对）的行：{len(rejected)}"]
        for p in rejected[:TEXT_PROBLEMS]:
            where = (f"第{p.row}行" if p.row is not None
                     else "整个工作表" if p.file.endswith("]") else "整个文件")
            out.append(f"  {p.file} {where}：{p.reason}")
        if len(rejected) > TEXT_PROBLEMS:
            out.append(f"  … 另有 {len(rejected) - TEXT_PROBLEMS} 行，完整清单见 --json 或 --xlsx")
    return "\n".join(out)
