"""Per-county custom menus, `python -m bot wechat-menu [--push]`, and `python -m bot serve`
answering WeChat over real HTTP (sequential and concurrent retries included)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from wechat_helpers import (
    AES_KEY,
    APPID,
    TOKEN,
    FakeWeChatAPI,
    ServerThread,
    WeChatServer,
    event_msg,
    free_port,
    post,
    text_msg,
)

from bot.assistant import Assistant
from bot.channels.wechat.menu import (
    INTENT_IDS,
    MenuError,
    available_menus,
    build_menu,
    click_labels,
    menu_for,
)

ROOT = Path(__file__).resolve().parents[1]
SLUGS = ["jinzhai", "tunliu", "suiping", "youxi"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "BOT_"))}
    env["BOT_UNANSWERED_DB"] = os.environ["BOT_UNANSWERED_DB"]  # see tests/conftest.py
    env.update(extra)
    return env


# -- menus -----------------------------------------------------------------------------------
def test_every_county_has_a_valid_menu():
    assert available_menus() == sorted(SLUGS)
    for slug in SLUGS:
        menu = menu_for(slug)
        assert 1 <= len(menu["button"]) <= 3
        for top in menu["button"]:
            assert len(top["name"].encode()) <= 16
            assert 1 <= len(top["sub_button"]) <= 5
            for b in top["sub_button"]:
                assert len(b["name"].encode()) <= 60
                assert b["type"] == "click" and b["key"] in INTENT_IDS
        labels = click_labels(menu)
        for name in ("缴费标准", "缴费渠道", "新生儿参保", "资助政策"):
            assert name in labels.values()


def test_menus_cover_every_intent():
    for slug in SLUGS:
        assert set(click_labels(menu_for(slug))) == set(INTENT_IDS)


@pytest.mark.parametrize("data,fragment", [
    ({"button": []}, "1 to 3"),
    ({"button": [{"name": "x", "key": "fee"}] * 4}, "1 to 3"),
    ({"button": [{"name": "缴费", "sub": [{"name": "a", "key": "fee"}] * 6}]}, "1 to 5"),
    ({"button": [{"name": "缴费缴费缴费", "key": "fee"}]}, "longer than 16 bytes"),
    ({"button": [{"name": "a", "key": "pizza"}]}, "not an intent id"),
    ({"button": [{"name": "a", "url": "javascript:alert(1)"}]}, "http(s) link"),
    ({"button": [{"name": "a"}]}, "needs a key"),
    ({"button": [{"name": "a", "sub": [{"name": "b", "sub": []}]}]}, "cannot have sub"),
])
def test_invalid_menus(data, fragment):
    with pytest.raises(MenuError) as err:
        build_menu(data)
    assert fragment in str(err.value)


def test_wechat_menu_prints_a_county():
    proc = subprocess.run([sys.executable, "-m", "bot", "wechat-menu", "--county", "金寨"],
                          cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    menu = json.loads(proc.stdout)
    assert menu == menu_for("jinzhai")
    assert "缴费标准" in proc.stdout  # UTF-8, not \u escapes


def test_wechat_menu_prints_all_counties_without_config():
    proc = subprocess.run([sys.executable, "-m", "bot", "wechat-menu"], cwd=ROOT,
                          env=clean_env(), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0
    for slug in SLUGS:
        assert f"# {slug}" in proc.stdout


def test_wechat_menu_push(tmp_path):
    api = FakeWeChatAPI()
    with ServerThread(api.app()) as server:
        env = clean_env(WECHAT_TOKEN=TOKEN, WECHAT_APPID=APPID, WECHAT_SECRET=api.secret,
                        BOT_COUNTY="屯留区", WECHAT_API_BASE=server.url)
        proc = subprocess.run([sys.executable, "-m", "bot", "wechat-menu", "--push"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr
        assert "tunliu: menu pushed" in proc.stdout
        # wrong secret: a clear failure, exit 1
        env["WECHAT_SECRET"] = "wrong"
        proc = subprocess.run([sys.executable, "-m", "bot", "wechat-menu", "--push"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 1 and "40125" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert api.menus == [menu_for("tunliu")]


def test_wechat_menu_push_needs_an_account():
    proc = subprocess.run([sys.executable, "-m", "bot", "wechat-menu", "--push"], cwd=ROOT,
                          env=clean_env(), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and "no configured WeChat account" in proc.stderr


# -- python -m bot serve ---------------------------------------------------------------------
@pytest.fixture
def served():
    port = free_port()
    env = clean_env(WECHAT_TOKEN=TOKEN, WECHAT_APPID=APPID, WECHAT_AES_KEY=AES_KEY,
                    BOT_COUNTY="遂平县")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("serve did not start: "
                                       + (proc.stdout.read() or "")) from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def test_serve_answers_wechat_over_http(served):
    wx = WeChatServer(aes_key=AES_KEY, mode="safe")
    async with httpx.AsyncClient(base_url=served, timeout=10) as client:
        resp = await client.get("/wechat", params=wx.verify_params("echo123"))
        assert resp.text == "echo123"
        assert (await client.get("/nope")).status_code == 404
        req = wx.build(event_msg("subscribe"))
        assert "遂平县" in wx.read_reply(await post(client, "/wechat", req), req)["Content"]
        # the real (skeleton) Assistant answers text
        fields = text_msg("今年交多少钱")
        reqs = [wx.build(fields) for _ in range(4)]
        resps = await asyncio.gather(*(post(client, "/wechat", r) for r in reqs))
        contents = {wx.read_reply(r, q)["Content"] for r, q in zip(resps, reqs, strict=True)}
        assert len(contents) == 1 and contents.pop()
        # garbage does not hurt it
        assert (await client.post("/wechat", params=wx.query(), content=b"\xff\xfe")).status_code \
            in (400, 403)
        req = wx.build(text_msg("还在吗"))
        assert wx.read_reply(await post(client, "/wechat", req), req)["Content"]


def test_assistant_counties_match_the_config_counties():
    from bot.config import COUNTY_SLUGS
    assert set(Assistant.county_names()) == set(COUNTY_SLUGS)


async def test_create_app_mounts_extra_routes_and_lifespans():
    import contextlib

    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from wechat_helpers import FakeAssistant

    from bot.config import load_settings
    from bot.web import create_app

    events: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append("start")
        yield
        events.append("stop")

    async def healthz(request):
        return PlainTextResponse("ok")

    app = create_app(load_settings({"WECHAT_TOKEN": TOKEN}), FakeAssistant(),
                     [Route("/healthz", healthz)], extra_lifespans=[lifespan])
    async with app.router.lifespan_context(app):
        assert events == ["start"]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                     base_url="http://t") as client:
            assert (await client.get("/healthz")).text == "ok"
            assert (await client.get("/wechat")).status_code == 403  # mounted, unsigned
            assert (await client.get("/other")).status_code == 404
    assert events == ["start", "stop"]
