"""Speed of the whole assistant: batch msg/s through `python -m bot ask`, in-process p50/p99,
cold start, peak RSS — each printed beside its target.

    python benchmarks/speed_bench.py [--messages 5000] [--latency 2000] [--cold-runs 5]

* batch: one `python -m bot ask` process reads N mixed JSON Lines messages (questions from
  tests/data/eval_questions.yaml across the four counties, 10 messages per user so sessions are
  exercised). The clock starts after a first warm-up line has been answered, so process start
  and imports are excluded; it stops when the N-th answer line has been read.
* peak RSS of that batch process (VmHWM from /proc, else ru_maxrss of the child).
* in process: `Assistant.handle` timed per message (after a warm-up pass), p50/p99.
* cold start: wall time of `python -m bot ask "你好"`, median of --cold-runs runs.
Runtime is bounded (well under a minute on a shared 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL_SET = ROOT / "tests" / "data" / "eval_questions.yaml"
COUNTIES = ["金寨县", "屯留区", "遂平县", "尤溪县"]
TODAYS = ["2023-10-15", "2024-01-20", "2024-07-05", "2024-10-08", "2026-11-25"]
# the unanswered-questions log is still written (it is part of the cost) but to a throwaway file
_TMP = tempfile.TemporaryDirectory()
ENV = {**os.environ, "BOT_UNANSWERED_DB": str(Path(_TMP.name) / "unanswered.sqlite3")}
TARGETS = {"rate": 2000.0, "p99_ms": 5.0, "cold_s": 1.0, "rss_mb": 150.0}


def texts() -> list[str]:
    import yaml

    cases = yaml.safe_load(EVAL_SET.read_text("utf-8"))["cases"]
    out = [t for c in cases for t in c["turns"]]
    out += ["我想问一下就是我们家老人七十多了也不会弄那个手机那个医保到底去哪里交呀" * 3,
            "😀🙏醫寶啥時候截止啊啊啊!!!", "341522199001011234交上了吗"]
    return out


def batch_lines(n: int) -> list[str]:
    pool = texts()
    lines = []
    for i in range(n):
        user = f"u{i // 10}"
        lines.append(json.dumps({"user": user, "text": pool[i % len(pool)],
                                 "county": COUNTIES[(i // 10) % 4],
                                 "today": TODAYS[(i // 10) % len(TODAYS)]}, ensure_ascii=False))
    return lines


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    except OSError:
        return None
    return None


def batch(n: int) -> tuple[float, float, float, int]:
    """(messages/s, seconds, peak RSS MB, error lines) for n messages, process start excluded."""
    lines = batch_lines(n)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "ask"], cwd=ROOT, text=True, env=ENV,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, bufsize=1)
    assert proc.stdin and proc.stdout
    warm = json.dumps({"user": "warm", "text": "你好", "county": "金寨县", "today": "2024-01-20"},
                      ensure_ascii=False)
    proc.stdin.write(warm + "\n")
    proc.stdin.flush()
    proc.stdout.readline()

    def feed() -> None:
        assert proc.stdin
        proc.stdin.write("\n".join(lines) + "\n")
        proc.stdin.flush()

    t0 = time.perf_counter()
    writer = threading.Thread(target=feed)
    writer.start()
    errors = 0
    for _ in range(n):
        row = proc.stdout.readline()
        if not row:
            break
        errors += '"error"' in row[:200] and '"reply"' not in row
    elapsed = time.perf_counter() - t0
    writer.join()
    rss = _vm_hwm_mb(proc.pid)
    proc.stdin.close()
    proc.wait(timeout=30)
    if rss is None:
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return n / elapsed, elapsed, rss, errors


def in_process(n: int) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, max ms) of Assistant.handle over n messages after a warm-up pass."""
    sys.path.insert(0, str(ROOT))
    from bot.assistant import Assistant
    from bot.messages import Inbound

    pool = texts()
    assistant = Assistant()
    lat: list[float] = []

    async def run() -> None:
        for i, text in enumerate(pool):  # warm-up: every text once
            await assistant.handle(Inbound("bench", f"w{i // 10}", text, COUNTIES[i % 4],
                                           dt.date(2024, 1, 20)))
        for i in range(n):
            inbound = Inbound("bench", f"u{i // 10}", pool[i % len(pool)],
                              COUNTIES[(i // 10) % 4],
                              dt.date.fromisoformat(TODAYS[(i // 10) % len(TODAYS)]))
            t0 = time.perf_counter()
            await assistant.handle(inbound)
            lat.append(time.perf_counter() - t0)

    asyncio.run(run())
    lat.sort()
    return (lat[len(lat) // 2] * 1e3, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3,
            lat[-1] * 1e3)


def cold_start(runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ask", "你好"], cwd=ROOT, env=ENV,
                       capture_output=True, check=False, timeout=30)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _mark(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=5000, help="batch size for `bot ask`")
    ap.add_argument("--latency", type=int, default=2000, help="messages timed in process")
    ap.add_argument("--cold-runs", type=int, default=5)
    args = ap.parse_args()

    rate, secs, rss, errors = batch(args.messages)
    p50, p99, worst = in_process(args.latency)
    cold = cold_start(args.cold_runs)
    t = TARGETS
    print("speed of the assistant (python -m bot ask / Assistant.handle)")
    print(f"  {_mark(rate >= t['rate'])} batch: {args.messages} messages in {secs:.2f} s -> "
          f"{rate:,.0f} msg/s (target >= {t['rate']:,.0f} msg/s on one core)"
          + (f"; {errors} error lines" if errors else ""))
    print(f"  {_mark(p99 <= t['p99_ms'])} in process: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
          f"(target p99 <= {t['p99_ms']:.0f} ms), max {worst:.2f} ms over {args.latency} messages")
    print(f"  {_mark(cold <= t['cold_s'])} cold start `python -m bot ask \"你好\"`: {cold:.3f} s "
          f"median of {args.cold_runs} (target <= {t['cold_s']:.0f} s)")
    print(f"  {_mark(rss <= t['rss_mb'])} peak RSS of the batch process: {rss:.0f} MB "
          f"(target <= {t['rss_mb']:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
