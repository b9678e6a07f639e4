"""Answer-quality benchmark: resident questions scored against facts read off the notices.

    python benchmarks/eval_bench.py                      # tests/data/eval_questions.yaml
    python benchmarks/eval_bench.py --file other.yaml    # another set in the same format
    python benchmarks/eval_bench.py --verbose            # also print the full reply of each failure
    python benchmarks/eval_bench.py --only jz-           # cases whose id starts with a prefix

The whole set goes through ONE `python -m bot ask` process as JSON Lines. Each case gets its own
user id; its turns are consecutive lines carrying the case's `county` (omitted when null) and
`today`; only the last turn's output is scored:
  * `intent` (optional) must equal the reply's intent;
  * every item of `must` must occur in the reply (an item that is a list = any of its strings);
  * no string of `must_not` may occur in the reply.
Matching is plain substring search after removing whitespace from both sides.

Prints the pass rate overall, per county and per intent, then each failing case id with a
one-line reason. Always exits 0: it is a report, not a gate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "tests" / "data" / "eval_questions.yaml"
COUNTIES = {"金寨": "金寨县", "屯留": "屯留区", "遂平": "遂平县", "尤溪": "尤溪县"}


def load_cases(path: Path) -> list[dict[str, Any]]:
    import yaml

    data = yaml.safe_load(path.read_text("utf-8"))
    if isinstance(data, dict):
        data = data.get("cases", [])
    if not isinstance(data, list):
        raise SystemExit(f"{path}: expected a list of cases (or a mapping with `cases`)")
    return data


def _squash(text: str) -> str:
    return "".join(str(text).split())


def county_group(case: dict[str, Any]) -> str:
    """The case's county, or the county named in its turns when the channel has none."""
    county = case.get("county")
    if county:
        for short, full in COUNTIES.items():
            if short in str(county):
                return full
        return str(county)
    for turn in case.get("turns") or []:
        for short, full in COUNTIES.items():
            if short in str(turn):
                return full
    return "(无县)"


def build_lines(cases: list[dict[str, Any]]) -> tuple[list[str], list[int]]:
    """JSON Lines for the whole set and, per case, the index of its scored (last) line."""
    lines: list[str] = []
    last: list[int] = []
    for n, case in enumerate(cases):
        user = f"eval{n}-{case.get('id', n)}"
        today = case.get("today")
        if isinstance(today, (dt.date, dt.datetime)):
            today = today.isoformat()[:10]
        turns = case.get("turns") or []
        if isinstance(turns, str):
            turns = [turns]
        for text in turns:
            msg: dict[str, Any] = {"user": user, "text": str(text)}
            if case.get("county"):
                msg["county"] = case["county"]
            if today:
                msg["today"] = str(today)
            lines.append(json.dumps(msg, ensure_ascii=False))
        last.append(len(lines) - 1 if turns else -1)
    return lines, last


def run_bot(lines: list[str], timeout: float) -> tuple[list[dict[str, Any] | None], str]:
    """Feed every line to one `python -m bot ask` and return one parsed output per input line."""
    # the unanswered-questions log goes to a throwaway file, not the staff's review database
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BOT_UNANSWERED_DB": str(Path(tmp) / "unanswered.sqlite3")}
        proc = subprocess.run([sys.executable, "-m", "bot", "ask"],
                              input="\n".join(lines) + "\n", capture_output=True, text=True,
                              cwd=ROOT, timeout=timeout, env=env)
    outs: list[dict[str, Any] | None] = []
    for raw in proc.stdout.splitlines():
        try:
            outs.append(json.loads(raw))
        except json.JSONDecodeError:
            outs.append({"error": f"unparseable output line: {raw[:80]}"})
    problem = ""
    if len(outs) != len(lines):
        problem = (f"bot printed {len(outs)} lines for {len(lines)} inputs (exit {proc.returncode});"
                   f" stderr tail: {proc.stderr.strip()[-300:]}")
    outs += [None] * (len(lines) - len(outs))
    return outs, problem


def score(case: dict[str, Any], out: dict[str, Any] | None) -> list[str]:
    """Reasons the case fails (empty list = pass)."""
    if out is None:
        return ["no output line"]
    if "error" in out:
        return [f"error: {out['error']}"]
    reply = _squash(out.get("reply") or "")
    reasons: list[str] = []
    want = case.get("intent")
    if want and out.get("intent") != want:
        reasons.append(f"intent {out.get('intent')} != {want}")
    for item in case.get("must") or []:
        options = item if isinstance(item, list) else [item]
        if not any(_squash(o) in reply for o in options):
            shown = options[0] if len(options) == 1 else "any of " + "/".join(map(str, options))
            reasons.append(f"missing {shown}")
    for bad in case.get("must_not") or []:
        if _squash(bad) in reply:
            reasons.append(f"forbidden {bad}")
    return reasons


def _rate(ok: int, total: int) -> str:
    return f"{ok:4d}/{total:<4d} {100.0 * ok / total:5.1f}%" if total else "   0/0"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE, help="eval set (YAML)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print full replies of failures")
    ap.add_argument("--only", default="", help="only cases whose id starts with this prefix")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds for the bot process")
    args = ap.parse_args(argv)

    try:
        cases = [c for c in load_cases(args.file) if str(c.get("id", "")).startswith(args.only)]
    except (OSError, ValueError) as e:
        print(f"cannot read the eval set {args.file}: {e}")
        return 0
    lines, last = build_lines(cases)
    t0 = time.perf_counter()
    try:
        outs, problem = run_bot(lines, args.timeout)
    except subprocess.TimeoutExpired:
        print(f"`python -m bot ask` did not finish within {args.timeout:.0f}s")
        return 0
    elapsed = time.perf_counter() - t0

    by_county: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures: list[tuple[dict[str, Any], list[str], dict[str, Any] | None]] = []
    passed = 0
    for case, idx in zip(cases, last, strict=True):
        out = outs[idx] if idx >= 0 else None
        reasons = score(case, out)
        ok = not reasons
        passed += ok
        for table, key in ((by_county, county_group(case)), (by_intent, case.get("intent") or "-")):
            table[key][0] += ok
            table[key][1] += 1
        if not ok:
            failures.append((case, reasons, out))

    print(f"eval set: {args.file} — {len(cases)} cases, {len(lines)} messages, "
          f"one bot process {elapsed:.1f}s")
    if problem:
        print(f"WARNING: {problem}")
    print(f"\nOVERALL  {_rate(passed, len(cases))}")
    print("\nper county")
    for key in sorted(by_county):
        print(f"  {key:<10} {_rate(*by_county[key])}")
    print("\nper intent")
    for key in sorted(by_intent):
        print(f"  {key:<18} {_rate(*by_intent[key])}")
    print(f"\nfailures ({len(failures)})")
    for case, reasons, out in failures:
        got = f" [got {out.get('intent')}]" if out and "intent" in out else ""
        print(f"  {case.get('id')}: {'; '.join(reasons)}{got}")
        if args.verbose:
            print(f"      county={case.get('county')} today={case.get('today')} "
                  f"turns={case.get('turns')}")
            print(f"      source: {case.get('source')}")
            reply = (out or {}).get("reply") or (out or {}).get("error") or "(none)"
            for row in str(reply).splitlines():
                print(f"      | {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
