"""Speed of intents.understand(): cold start, messages/s on one core, p50/p99, RSS.

    python benchmarks/intents_bench.py [--seconds 3]

The mix: every resident question in tests/data/intents_cases.yaml, plus long run-ons, a 10k
character paste and emoji noise, cycled in a fixed order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cold_start() -> float:
    code = ("import time,datetime;t=time.perf_counter();from intents import understand;"
            "understand('低保户交多少钱', datetime.date(2024,1,20));print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    return float(out.stdout.strip())


def messages() -> list[str]:
    import yaml

    data = yaml.safe_load((ROOT / "tests" / "data" / "intents_cases.yaml").read_text("utf-8"))
    texts = [c["text"] for c in data["cases"]]
    texts += ["我想问一下就是我们家老人七十多了也不会弄那个手机那个医保到底去哪里交呀" * 3,
              "医保" * 5000, "😀🙏[微笑]醫寶啥時候截止啊啊啊啊啊!!!", "341522199001011234交上了吗"]
    return texts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()

    cold = min(cold_start() for _ in range(3))
    sys.path.insert(0, str(ROOT))
    from intents import understand

    texts = messages()
    today = dt.date(2024, 1, 20)
    for t in texts:  # warm up (first use builds the lexicon, vocabulary and example index)
        understand(t, today)
    lat: list[float] = []
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < args.seconds:
        t = texts[i % len(texts)]
        t0 = time.perf_counter()
        understand(t, today)
        lat.append(time.perf_counter() - t0)
        i += 1
    total = time.perf_counter() - start
    lat.sort()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"cold start (import + first message): {cold * 1000:.0f} ms")
    print(f"messages: {len(lat)} in {total:.2f} s -> {len(lat) / total:,.0f} msg/s (one core)")
    print(f"latency p50 {lat[len(lat) // 2] * 1e3:.3f} ms, p99 {lat[int(len(lat) * 0.99)] * 1e3:.3f} ms,"
          f" max {lat[-1] * 1e3:.3f} ms")
    print(f"peak RSS: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
