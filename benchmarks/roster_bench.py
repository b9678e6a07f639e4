"""Roster de-duplication speed: N rows (default 100,000) across 金寨's eight lists, in the
proportions and overlaps of 附件2, read from CSV and from XLSX, then de-duplicated and estimated.

    python benchmarks/roster_bench.py [--rows 100000] [--format csv|xlsx|both]

Prints seconds, rows/s and peak RSS for each format (file generation is not timed)."""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from staff_fixtures import people_from_matrix, rows_for, write_csv, write_xlsx  # noqa: E402

NAMES = ["特困", "孤儿", "优抚", "破产企业职工", "低保", "监测户", "重度残疾", "计生对象"]
# 附件2's 多重身份分类 block (seed 001), scaled to the requested number of rows.
CELLS = [
    [6447, 0, 101, 0, 0, 27, 2048, 195],
    [0, 213, 1, 0, 0, 15, 11, 0],
    [0, 0, 4555, 0, 287, 10, 318, 268],
    [0, 0, 0, 126, 2, 0, 3, 0],
    [0, 0, 0, 0, 21731, 994, 5149, 3056],
    [0, 0, 0, 0, 0, 683, 15, 49],
    [0, 0, 0, 0, 0, 0, 9676, 834],
    [0, 0, 0, 0, 0, 0, 0, 64150],
]
ORIGINAL_ROWS = 120964


def _files(directory: Path, rows: int, fmt: str) -> list[str]:
    scale = rows / ORIGINAL_ROWS
    cells = [[round(v * scale) for v in row] for row in CELLS]
    argv = []
    for name, ids in zip(NAMES, people_from_matrix(cells), strict=True):
        table = rows_for(ids, "身份证号码")
        if fmt == "xlsx":
            path = write_xlsx(directory / f"{name}.xlsx", {"名单": table}, title=["名单"])
        else:
            path = write_csv(directory / f"{name}.csv", table, encoding="gbk", title=["名单"])
        argv += ["--list", f"{name}={path}"]
    return argv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="both")
    args = parser.parse_args()

    from bot.commands import roster

    formats = ["csv", "xlsx"] if args.format == "both" else [args.format]
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            directory = Path(tmp) / fmt
            directory.mkdir()
            argv = _files(directory, args.rows, fmt)
            parser_ = argparse.ArgumentParser()
            roster.add_arguments(parser_)
            out = Path(tmp) / f"{fmt}.json"
            ns = parser_.parse_args(["--county", "金寨县", *argv, "--json"])
            start = time.perf_counter()
            with out.open("w") as f:
                stdout, sys.stdout = sys.stdout, f
                try:
                    code = roster.run(ns)
                finally:
                    sys.stdout = stdout
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{fmt:4s}: {args.rows} rows in {seconds:.2f} s = {args.rows / seconds:,.0f} "
                  f"rows/s (exit {code}); peak RSS so far {peak:.0f} MiB")


if __name__ == "__main__":
    main()
