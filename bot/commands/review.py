"""`python -m bot review`: unanswered questions (low confidence or fallback), grouped by
similarity with counts, most frequent first, so staff can add examples or data.

Exit codes: 0 done; 1 the log cannot be opened; 2 usage error."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
from pathlib import Path

SHOWN_VARIANTS = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="the SQLite log (default: $BOT_UNANSWERED_DB, "
                                                "else ./unanswered.sqlite3)")
    parser.add_argument("--county", help="only this county (any spelling)")
    parser.add_argument("--since", help="only messages on or after this day, YYYY-MM-DD")
    parser.add_argument("--limit", type=int, default=50, help="groups to print (default 50)")
    parser.add_argument("--threshold", type=int, default=None,
                        help="similarity 0-100 to join a group (default 80)")
    parser.add_argument("--csv", metavar="FILE",
                        help="write every group as CSV (UTF-8 with BOM, opens in Excel); - = stdout")


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _county_names(name: str) -> list[str]:
    """Every spelling of the county, so entries recorded under any of them match."""
    from policy_faq import default_registry

    policy = default_registry().find(name)
    if policy is None:
        return [name]
    c = policy.county
    return sorted({name, c.name, c.short, c.full, c.slug, *c.aliases})


def _counter_text(counter) -> str:
    return "、".join(f"{k} {v}" for k, v in counter.most_common())


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from bot.staff.review import THRESHOLD, group_entries
    from bot.staff.unanswered import UnansweredLog, default_path

    since = None
    if args.since:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.since):
                raise ValueError
            since = dt.date.fromisoformat(args.since)
        except ValueError:
            return _fail(f"--since {args.since!r} is not a date; write it as YYYY-MM-DD")
    threshold = THRESHOLD if args.threshold is None else args.threshold
    if not 0 <= threshold <= 100:
        return _fail("--threshold must be between 0 and 100")
    path = args.db or default_path()
    if not path.is_file():
        return _fail(f"no unanswered-questions log at {path} (set BOT_UNANSWERED_DB or --db)", 1)
    try:
        with UnansweredLog(path) as store:
            counties = _county_names(args.county) if args.county else None
            entries = list(store.entries(since=since, counties=counties))
    except sqlite3.Error as e:
        return _fail(f"{path}: not a readable unanswered-questions log ({e})", 1)

    groups = group_entries(entries, threshold)
    if args.csv:
        return _write_csv(args.csv, groups)

    scope = "".join([f"，{args.county}" if args.county else "",
                     f"，{since.isoformat()} 起" if since else ""])
    print(f"未答问题 {len(entries)} 条，{len(groups)} 组（相似度阈值 {threshold}{scope}）")
    for k, g in enumerate(groups[: args.limit], start=1):
        print(f"\n{k:3d}. {g.count} 次  {g.example}")
        others = [f"{t}（{n}）" for t, n in g.variants()[1: 1 + SHOWN_VARIANTS]]
        if others:
            more = len(g.texts) - 1 - len(others)
            print("     其他说法：" + "、".join(others) + (f" 等另 {more} 种" if more > 0 else ""))
        details = [f"县：{_counter_text(g.counties)}" if g.counties else "",
                   f"意图：{_counter_text(g.intents)}" if g.intents else "",
                   f"最近：{g.last}"]
        print("     " + "  ".join(d for d in details if d))
    if len(groups) > args.limit:
        print(f"\n… 另有 {len(groups) - args.limit} 组；--limit 或 --csv 查看全部")
    return 0


def _write_csv(target: str, groups) -> int:
    header = ["序号", "次数", "代表问题", "其他说法", "县", "意图", "首次", "最近"]
    rows = [[k, g.count, g.example,
             " | ".join(f"{t}（{n}）" for t, n in g.variants()[1:]),
             _counter_text(g.counties), _counter_text(g.intents), g.first, g.last]
            for k, g in enumerate(groups, start=1)]
    if target == "-":
        csv.writer(sys.stdout).writerows([header, *rows])
        return 0
    try:
        with open(target, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([header, *rows])
    except OSError as e:
        return _fail(f"cannot write {target}: {e.strerror or e}", 1)
    print(f"{len(groups)} 组写入 {target}")
    return 0
