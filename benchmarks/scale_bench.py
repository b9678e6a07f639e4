"""Two workers behind one port: memory store vs Redis store, side by side.

    python benchmarks/scale_bench.py [--duration 3] [--conns 32] [--workers 2]

For each store, one listening socket on 127.0.0.1 is shared by `--workers` worker processes
(the kernel spreads connections over them, as with `uvicorn --workers`). Each worker is built
the way a deployment wires it: settings from the environment, `make_store(BOT_REDIS_URL)`,
the real `Assistant` wrapped in `ObservedAssistant` (metrics), the WeChat webhook, /healthz,
/metrics and the request-id middleware. A load generator in its own process keeps `--conns`
keep-alive HTTP/1.1 connections busy with signed plaintext WeChat text messages (each its own
MsgId; 200 users cycling through a short conversation, so sessions are read and written) for
`--duration` seconds after a warm-up, then prints req/s and p50/p99 latency.

With the memory store each worker has its own sessions (a conversation that changes worker
loses its county) — the Redis row is the one that behaves as one assistant. Redis mode starts
its own redis-server on a free loopback port (needs the binary). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "scalebench123"
TEXTS = ["低保户交多少钱", "金寨", "那残疾人呢", "什么时候截止", "在哪里交"]


# -- worker ------------------------------------------------------------------------------------
def run_worker(fd: int) -> None:
    import logging

    import uvicorn

    from bot.assistant import Assistant
    from bot.config import load_settings
    from bot.observability import (
        Metrics,
        ObservedAssistant,
        RequestIdMiddleware,
        healthz_route,
        metrics_route,
    )
    from bot.stores import make_store
    from bot.web import create_app

    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    metrics = Metrics()
    on_fallback, on_state = metrics.store_listeners()
    store = make_store(settings.redis_url, on_fallback=on_fallback, on_state=on_state)
    assistant = ObservedAssistant(Assistant(store=store, session_ttl=settings.session_ttl),
                                  metrics)
    app = create_app(settings, assistant, [healthz_route(store), metrics_route(metrics)])
    app.add_middleware(RequestIdMiddleware)
    sock = socket.socket(fileno=fd)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False,
                                           lifespan="on"))
    asyncio.run(server.serve(sockets=[sock]))


# -- load generator ----------------------------------------------------------------------------
def signed_path() -> str:
    timestamp, nonce = str(int(time.time())), "benchnonce"
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return f"/wechat?signature={signature}&timestamp={timestamp}&nonce={nonce}"


def request_bytes(path: str, user: str, text: str, msg_id: int) -> bytes:
    body = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{user}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]>"
            f"</MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
            ).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def load(port: int, duration: float, conns: int, warmup: float) -> dict:
    path = signed_path()
    counter = [int(time.time() * 1000) * 1000]
    latencies: list[float] = []
    errors = [0]
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration

    async def connection(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        turn = 0
        try:
            while True:
                counter[0] += 1
                user = f"oBench{(i * 7919 + turn) % 200}"
                req = request_bytes(path, user, TEXTS[turn % len(TEXTS)], counter[0])
                turn += 1
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
                writer.write(req)
                status = await read_response(reader)
                t1 = time.perf_counter()
                if t0 >= measure_from:
                    latencies.append(t1 - t0)
                    if status != 200:
                        errors[0] += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(i) for i in range(conns)))
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {"requests": len(latencies), "rps": len(latencies) / duration,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "errors": errors[0]}


# -- orchestration -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("workers did not start")


def start_redis() -> tuple[subprocess.Popen, str, str]:
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server not found (apt-get install -y redis-server)")
    port, workdir = free_port(), tempfile.mkdtemp(prefix="scale-bench-redis-")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0", workdir
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def redis_dbsize(url: str) -> int:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"DBSIZE\r\n")
        return int(s.recv(64).strip().lstrip(b":"))


def scenario(redis_url: str | None, args: argparse.Namespace) -> dict:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WECHAT_", "BOT_", "TELEGRAM_"))}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_REPLAY_WINDOW="0", BOT_LOG_LEVEL="WARNING",
               PYTHONPATH=str(ROOT))
    if redis_url:
        env["BOT_REDIS_URL"] = redis_url
    workers = [subprocess.Popen([sys.executable, __file__, "--worker-fd",
                                 str(listener.fileno())], pass_fds=[listener.fileno()],
                                env=env, cwd=ROOT)
               for _ in range(args.workers)]
    try:
        wait_http(port)
        out = subprocess.run([sys.executable, __file__, "--load-port", str(port), "--duration",
                              str(args.duration), "--conns", str(args.conns)],
                             capture_output=True, text=True, timeout=args.duration + 60,
                             check=True)
        result = json.loads(out.stdout)
        if redis_url:  # proof the run used Redis (not the memory fallback)
            result["redis_keys"] = redis_dbsize(redis_url)
        return result
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(10)
            except subprocess.TimeoutExpired:
                w.kill()
        listener.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds measured per run")
    parser.add_argument("--conns", type=int, default=32, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--load-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_fd is not None:
        run_worker(args.worker_fd)
        return 0
    if args.load_port is not None:
        print(json.dumps(asyncio.run(load(args.load_port, args.duration, args.conns, 1.0))))
        return 0

    rows = [("memory", scenario(None, args))]
    redis_proc, url, workdir = start_redis()
    try:
        rows.append(("redis", scenario(url, args)))
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{args.workers} workers on one port, {args.conns} connections, "
          f"{args.duration:g} s measured per store (WeChat plaintext text messages, real "
          f"Assistant)")
    print(f"{'store':<8}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, r in rows:
        print(f"{name:<8}{r['requests']:>10}{r['rps']:>10.0f}{r['p50_ms']:>10.1f}"
              f"{r['p99_ms']:>10.1f}{r['errors']:>8}")
    print(f"keys in Redis after its run (sessions, claims, replies): {rows[1][1]['redis_keys']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
