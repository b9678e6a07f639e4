"""WeChat webhook throughput and latency on loopback, beside a bare ASGI endpoint.

    python benchmarks/wechat_bench.py [--duration 3] [--conns 50] [--only bare,plain-fake,...]

Each scenario starts a server in its own process (uvicorn, one worker, 127.0.0.1) and a load
generator in another process: 50 keep-alive HTTP/1.1 connections over raw asyncio sockets,
each sending the next pre-built request as soon as the previous reply is read, for a fixed
duration after a short warm-up. Requests are built as WeChat builds them (signature; in safe
mode AES-encrypted with msg_signature), every one a new text message (its own MsgId) so the
dedupe never short-cuts the work. Prints req/s and p50/p99 latency per scenario:

    bare        a raw ASGI app answering "success" (the ceiling of this server stack)
    starlette   the same endpoint mounted in Starlette (what the framework alone costs)
    plain-fake  the webhook, plaintext mode, with a fast fake assistant (answers at once)
    safe-fake   the webhook, safe mode (decrypt + encrypt), fast fake assistant
    plain-real  the webhook, plaintext mode, the real `Assistant`
    safe-real   the webhook, safe mode, the real `Assistant`

Target (issue): the webhook at >= 50% of the bare endpoint's req/s, p99 <= 50 ms at 50
connections. Bounded: every run stops by itself; only 127.0.0.1 is contacted.

    python benchmarks/wechat_bench.py --inproc [--only plain-fake,safe-fake] [--profile]

In-process micro-benchmark (no sockets, no server): the same pre-built requests, turned into
ASGI scopes, are passed straight to each scenario's app one after another; prints the app's
own CPU µs per request (what the webhook adds on top of the server stack). `--profile` also
prints the top of a cProfile of that loop.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "benchtoken"
APPID = "wxbench0000000001"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SCENARIOS = ["bare", "starlette", "plain-fake", "safe-fake", "plain-real", "safe-real"]


# -- server side -----------------------------------------------------------------------------
async def bare_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    while True:  # drain the body like a real endpoint would
        msg = await receive()
        if not msg.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"7")]})
    await send({"type": "http.response.body", "body": b"success"})


class _BareEndpoint:  # a non-function endpoint: Starlette mounts it as a plain ASGI app
    async def __call__(self, scope, receive, send):
        await bare_app(scope, receive, send)


class FastAssistant:
    def __init__(self):
        from bot.stores import MemoryStore

        self.store = MemoryStore()

    async def handle(self, inbound):
        from bot.messages import Outbound

        return Outbound(text="2025年度城乡居民医保个人缴费标准为每人每年400元。", intent="fee")


def serve(scenario: str, port: int, http: str = "auto", loop: str = "auto") -> None:
    import logging

    import uvicorn

    logging.disable(logging.WARNING)  # the benchmark measures the webhook, not the log
    if scenario == "bare":
        app = bare_app
    elif scenario == "starlette":
        from starlette.applications import Starlette
        from starlette.routing import Route

        app = Starlette(routes=[Route("/bare", _BareEndpoint(), methods=["POST"])])
    else:
        from bot.assistant import Assistant
        from bot.config import load_settings
        from bot.web import create_app

        env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "BOT_COUNTY": "金寨县"}
        if scenario.startswith("safe"):
            env["WECHAT_AES_KEY"] = AES_KEY
        assistant = FastAssistant() if scenario.endswith("fake") else Assistant()
        app = create_app(load_settings(env), assistant)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False,
                http=http, loop=loop)


# -- load generator (WeChat's side, from the protocol) -----------------------------------------
def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _encrypt(xml: str) -> str:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(AES_KEY + "=")
    msg = xml.encode()
    plain = os.urandom(16) + struct.pack(">I", len(msg)) + msg + APPID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


QUESTIONS = ["今年交多少钱", "在哪里交", "缴费截止到什么时候", "新生儿怎么参保", "低保户有资助吗"]


def build_requests(scenario: str, count: int, port: int) -> list[bytes]:
    out = []
    ts = str(int(time.time()))
    base_id = int(time.time() * 1000) * 1000
    for i in range(count):
        nonce = str(100000 + i)
        user = f"oBenchUser{i % 500:04d}"
        xml = ("<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
               f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{ts}</CreateTime>"
               "<MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{QUESTIONS[i % len(QUESTIONS)]}]]></Content>"
               f"<MsgId>{base_id + i}</MsgId></xml>")
        query = f"signature={_sign(TOKEN, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid={user}"
        body = xml
        if scenario.startswith("safe"):
            encrypt = _encrypt(xml)
            query += f"&encrypt_type=aes&msg_signature={_sign(TOKEN, ts, nonce, encrypt)}"
            body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>" \
                   f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        raw = body.encode()
        path = "/bare" if scenario in ("bare", "starlette") else "/wechat"
        out.append((f"POST {path}?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    f"Content-Type: text/xml\r\nContent-Length: {len(raw)}\r\n\r\n").encode()
                   + raw)
    return out


async def _connection(port: int, requests: list[bytes], counter: list[int], stop_at: float,
                      record_from: float, latencies: list[float], errors: list[str],
                      cycle: bool) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            i = counter[0]
            counter[0] += 1
            if i >= len(requests):
                if not cycle:
                    errors.append("ran out of pre-built requests")
                    return
                i %= len(requests)
            t0 = time.perf_counter()
            writer.write(requests[i])
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            if status != 200:
                errors.append(f"HTTP {status}")
            if t0 >= record_from:
                latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()


async def load(scenario: str, port: int, conns: int, duration: float, warmup: float,
               requests: list[bytes]) -> dict:
    counter = [0]
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    record_from = start + warmup
    stop_at = record_from + duration
    cycle = scenario in ("bare", "starlette")  # the bare endpoints may see a request twice
    await asyncio.gather(*(_connection(port, requests, counter, stop_at, record_from, latencies,
                                       errors, cycle) for _ in range(conns)))
    elapsed = time.perf_counter() - record_from
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {"scenario": scenario, "requests": len(latencies), "requests_total": counter[0],
            "rps": len(latencies) / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99),
            "errors": len(errors), "first_error": errors[0] if errors else None}


def load_main(scenario: str, port: int, conns: int, duration: float, warmup: float) -> None:
    # every webhook request is a new message; the webhook does not exceed 12000 req/s here
    count = 5000 if scenario in ("bare", "starlette") else int(12000 * (duration + warmup))
    requests = build_requests(scenario, count, port)
    print(json.dumps(asyncio.run(load(scenario, port, conns, duration, warmup, requests))))


# -- in-process micro-benchmark ---------------------------------------------------------------
def _to_asgi(raw: bytes) -> tuple[dict, bytes]:
    """One pre-built HTTP request as (ASGI scope, body), as uvicorn would hand it over."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    method, target, _ = lines[0].split(b" ")
    path, _, query = target.partition(b"?")
    headers = [(k.strip().lower(), v.strip())
               for k, _, v in (line.partition(b":") for line in lines[1:])]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method.decode(), "scheme": "http", "path": path.decode(),
             "raw_path": path, "query_string": query, "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {}}
    return scope, body


def _build_app(scenario: str):
    if scenario == "bare":
        return bare_app
    from bot.assistant import Assistant
    from bot.config import load_settings
    from bot.web import create_app

    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "BOT_COUNTY": "金寨县"}
    if scenario.startswith("safe"):
        env["WECHAT_AES_KEY"] = AES_KEY
    assistant = FastAssistant() if scenario.endswith("fake") else Assistant()
    return create_app(load_settings(env), assistant)


async def _drive(app, requests: list[tuple[dict, bytes]]) -> list[int]:
    statuses: list[int] = []

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for scope, body in requests:
        async def receive(body: bytes = body) -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        await app(dict(scope), receive, send)
    return statuses


def inproc_main(scenarios: list[str], count: int, profile: bool) -> None:
    import logging

    logging.disable(logging.WARNING)
    for scenario in scenarios:
        app = _build_app(scenario)
        warm = [_to_asgi(r) for r in build_requests(scenario, 500, 8000)]
        asyncio.run(_drive(app, warm))  # first-call set-up (middleware stack, imports)
        # built after the warm-up: later MsgIds, so none of them is a dedupe hit
        reqs = [_to_asgi(r) for r in build_requests(scenario, count, 8000)]
        loop = asyncio.new_event_loop()
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        t0 = time.process_time()
        statuses = loop.run_until_complete(_drive(app, reqs))
        cpu = time.process_time() - t0
        if profiler is not None:
            profiler.disable()
        loop.close()
        bad = sum(1 for s in statuses if s != 200)
        print(f"{scenario:<12} {cpu / count * 1e6:8.1f} µs/request in-process "
              f"({count} requests, {bad} not 200)")
        if profiler is not None:
            import pstats

            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


# -- driver ----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_scenario(scenario: str, args: argparse.Namespace) -> dict:
    port = _free_port()
    me = [sys.executable, str(Path(__file__).resolve())]
    server = subprocess.Popen([*me, "--serve", scenario, "--port", str(port), "--http",
                               args.http, "--loop", args.loop], cwd=ROOT)
    try:
        _wait_ready(port, server)
        cpu0 = _cpu_seconds(server.pid)
        out = subprocess.run([*me, "--load", scenario, "--port", str(port), "--conns",
                              str(args.conns), "--duration", str(args.duration), "--warmup",
                              str(args.warmup)], cwd=ROOT, capture_output=True, text=True,
                             timeout=args.duration + args.warmup + 120, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        # server CPU per request (warm-up included): robust when other processes share the CPU
        total = result["requests_total"]
        result["cpu_us"] = (_cpu_seconds(server.pid) - cpu0) / total * 1e6 if total else 0.0
        return result
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.7)
    parser.add_argument("--conns", type=int, default=50)
    parser.add_argument("--only", help="comma-separated scenarios (default: all)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the scenarios N times, interleaved; report each one's best")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"],
                        help="uvicorn's HTTP parser (auto: httptools when installed)")
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"],
                        help="uvicorn's event loop (auto: uvloop when installed)")
    parser.add_argument("--inproc", action="store_true",
                        help="in-process micro-benchmark of the apps (no server, no sockets)")
    parser.add_argument("--profile", action="store_true", help="with --inproc: cProfile too")
    parser.add_argument("--requests", type=int, default=20000, help="with --inproc")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.http, args.loop)
        return 0
    if args.load:
        load_main(args.load, args.port, args.conns, args.duration, args.warmup)
        return 0
    scenarios = args.only.split(",") if args.only else SCENARIOS
    if args.inproc:
        inproc_main([s for s in scenarios if s != "starlette"], args.requests, args.profile)
        return 0
    runs: dict[str, list[dict]] = {s: [] for s in scenarios}
    for _ in range(max(1, args.repeat)):
        for s in scenarios:
            runs[s].append(run_scenario(s, args))
    results = [max(runs[s], key=lambda r: r["rps"]) for s in scenarios]
    bare = next((r["rps"] for r in results if r["scenario"] == "bare"), None)
    print(f"\nuvicorn http={args.http} loop={args.loop}; loopback, {args.conns} connections, "
          f"{args.duration:g} s per scenario "
          f"(after {args.warmup:g} s warm-up), server and load generator in separate processes")
    if args.repeat > 1:
        print(f"best of {args.repeat} interleaved runs per scenario")
    print(f"{'scenario':<12} {'req/s':>8} {'vs bare':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'cpu µs/req':>10} {'errors':>7}  target")
    for r in results:
        ratio = r["rps"] / bare if bare else None
        target = ""
        if r["scenario"] not in ("bare", "starlette") and ratio is not None:
            ok = ratio >= 0.5 and r["p99_ms"] <= 50
            target = "met" if ok else "NOT met"
        print(f"{r['scenario']:<12} {r['rps']:>8.0f} "
              f"{(f'{ratio:.0%}' if ratio is not None else '-'):>8} "
              f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['cpu_us']:>10.0f} {r['errors']:>7}  "
              f"{target}")
        if r["first_error"]:
            print(f"   first error: {r['first_error']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
