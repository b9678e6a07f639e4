"""`python -m bot quote`: the calculator on the command line, for staff and for checks."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

PERIOD_TEXT = {"not_started": "尚未开始", "concentrated": "集中缴费期", "extended": "延长缴费期",
               "late": "补缴期", "closed": "已结束"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", required=True, help="金寨县, 屯留, youxi ... (any spelling)")
    parser.add_argument("--category", action="append", default=[],
                        help="a subsidy category as residents or the notice name it; repeatable")
    parser.add_argument("--pay-date", help="YYYY-MM-DD (default: a date in the concentrated period)")
    parser.add_argument("--birth-date", help="a newborn's birth date, YYYY-MM-DD")
    parser.add_argument("--migrant", action="store_true",
                        help="a migrant worker returning for Spring Festival")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _date(text: str | None, flag: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SystemExit(_fail(f"{flag}: {text!r} is not a date; write it as YYYY-MM-DD")) from None


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from policy_faq import UnknownCounty, default_registry
    from policy_faq.calculator import QuoteError, quote
    from policy_faq.concepts import match
    from policy_faq.render import render

    pay_date = _date(args.pay_date, "--pay-date")
    birth_date = _date(args.birth_date, "--birth-date")
    try:
        policy = default_registry().require(args.county, pay_date)
    except UnknownCounty as e:
        return _fail(f"unknown county {e.name!r}; valid counties: {', '.join(e.valid)}")

    categories = []
    valid = "、".join(c.name for c in policy.categories)
    for word in args.category:
        m = match(policy, word)
        if m.exact:
            categories.append(m.categories[0])
        elif m.categories:
            options = "、".join(c.name for c in m.categories)
            return _fail(f"category {word!r} is ambiguous in {policy.county.name}: say which of "
                         f"{options}")
        else:
            return _fail(f"category {word!r} is not in {policy.county.name}'s notice; valid "
                         f"categories: {valid}")
    try:
        q = quote(policy, pay_date, categories, birth_date, args.migrant)
    except QuoteError as e:
        return _fail(str(e))
    if args.json:
        print(json.dumps(q.as_dict(), ensure_ascii=False))
    else:
        print(render("quote.txt.j2", q=q, period_text=PERIOD_TEXT[q.period]))
    return 0
