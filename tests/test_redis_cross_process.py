"""Two `python -m bot serve` processes sharing one real Redis behave as one assistant — also
while Redis is down (each answers from its own memory) and after it comes back.

The WeChat requests are built from the documented plaintext protocol: signature =
sha1(sorted([token, timestamp, nonce]) joined), the message XML as the POST body."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis_fixtures import RedisServer, free_port, running_redis, stop_process

TOKEN = "crossproc123"
ROOT = Path(__file__).resolve().parents[1]
ASK_PREMIUM = "低保户交多少钱"  # the assistant needs the county for this ...
COUNTY = "金寨"  # ... and this continues that conversation


class Worker:
    def __init__(self, redis_url: str, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("WECHAT_", "BOT_", "TELEGRAM_"))}
        env.update(WECHAT_TOKEN=TOKEN, BOT_REDIS_URL=redis_url, BOT_LOG_LEVEL="WARNING",
                   WECHAT_REPLAY_WINDOW="0", BOT_UNANSWERED_DB=os.environ["BOT_UNANSWERED_DB"])
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port",
             str(self.port)], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}; "
                                   f"see {self.log.name}")
            try:
                r = httpx.get(self.url + "/wechat", params=signed(echostr="ready"), timeout=1)
                if r.status_code == 200 and r.text == "ready":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"serve did not start; see {self.log.name}")

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def signed(**extra: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra}


def text_message(user: str, text: str, msg_id: int, create_time: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
            f"<FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()


_next_id = [int(time.time() * 1000) * 1000]


def post(worker: Worker, user: str, text: str, msg_id: int | None = None,
         create_time: int | None = None) -> httpx.Response:
    if msg_id is None:
        _next_id[0] += 1
        msg_id = _next_id[0]
    body = text_message(user, text, msg_id, create_time or int(time.time()))
    r = httpx.post(worker.url + "/wechat", params=signed(openid=user), content=body,
                   headers={"Content-Type": "text/xml"}, timeout=15)
    assert r.status_code == 200, r.text
    return r


def ask(worker: Worker, user: str, text: str) -> str:
    """The text of the passive reply (fails when the worker did not answer)."""
    r = post(worker, user, text)
    assert r.text not in ("", "success"), f"no reply to {text!r}"
    content = ET.fromstring(r.text).findtext("Content")
    assert content, r.text
    return content


def new_user() -> str:
    return "oCross" + secrets.token_hex(6)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[tuple[RedisServer, Worker, Worker]]:
    logs = tmp_path_factory.mktemp("serve-logs")
    with running_redis() as redis_server:
        workers = [Worker(redis_server.url, logs / f"worker{i}.log") for i in (1, 2)]
        try:
            for w in workers:
                w.wait_ready()
            yield redis_server, workers[0], workers[1]
        finally:
            for w in workers:
                w.stop()


@pytest.fixture(scope="module")
def expected(cluster) -> tuple[str, str]:
    """What one process answers to ASK_PREMIUM then COUNTY (one user), and to COUNTY alone."""
    _, a, _ = cluster
    user = new_user()
    ask(a, user, ASK_PREMIUM)
    continued = ask(a, user, COUNTY)
    alone = ask(a, new_user(), COUNTY)
    assert continued != alone, "the two-turn conversation must depend on the session"
    return continued, alone


def test_conversation_continues_on_the_other_worker(cluster, expected):
    _, a, b = cluster
    continued, _ = expected
    user = new_user()
    ask(a, user, ASK_PREMIUM)
    assert ask(b, user, COUNTY) == continued


def test_wechat_retry_on_second_worker_gets_first_workers_reply(cluster):
    _, a, b = cluster
    user, msg_id, created = new_user(), 7_000_000_000_000_000 + secrets.randbelow(10**9), \
        int(time.time())
    first = post(a, user, ASK_PREMIUM, msg_id, created)
    time.sleep(1.1)  # a reply produced again would carry a later CreateTime
    retry = post(b, user, ASK_PREMIUM, msg_id, created)
    assert retry.text == first.text and "<Content>" in first.text
    # the control: a new message (new MsgId) from the same user is answered afresh
    other = post(b, user, ASK_PREMIUM)
    assert other.text != first.text


def test_redis_stopped_mid_conversation_then_back(cluster, expected):
    redis_server, a, b = cluster
    continued, _ = expected
    before = new_user()
    ask(a, before, ASK_PREMIUM)

    redis_server.kill()
    # every request is still answered, on both workers
    for worker in (a, b, a, b):
        assert ask(worker, new_user(), "低保交多少钱")
    assert ask(b, before, COUNTY)  # answered (B cannot see the session kept in Redis)
    # a conversation on one worker carries on from that worker's memory
    local = new_user()
    ask(a, local, ASK_PREMIUM)
    assert ask(a, local, COUNTY) == continued
    # and a WeChat retry to the same worker still gets the first reply
    msg_id, created = 8_000_000_000_000_000 + secrets.randbelow(10**9), int(time.time())
    first = post(b, local, "那残疾人呢", msg_id, created)
    time.sleep(1.1)
    assert post(b, local, "那残疾人呢", msg_id, created).text == first.text

    redis_server.start()  # back (empty)
    deadline = time.monotonic() + 30
    while True:  # each worker returns to Redis after its retry backoff
        user = new_user()
        ask(a, user, ASK_PREMIUM)
        if ask(b, user, COUNTY) == continued:
            break
        assert time.monotonic() < deadline, "sessions not shared again after Redis returned"
        time.sleep(0.3)
    user = new_user()  # and the other way round
    ask(b, user, ASK_PREMIUM)
    assert ask(a, user, COUNTY) == continued
