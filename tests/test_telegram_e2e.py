"""End to end: `python -m bot telegram` as a process, polling a fake Bot API server on
127.0.0.1 (TELEGRAM_BASE_URL), answering scripted messages, stopping on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from telegram_fakes import FakeBotApiServer, callback_json, message_json

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:E2E-secret-token"
STAFF = 5001
STRANGER = 6002


def bot_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env["BOT_UNANSWERED_DB"] = os.environ["BOT_UNANSWERED_DB"]  # see tests/conftest.py
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def start_bot(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "telegram", "--poll-timeout", "1",
                             *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_bot(proc: subprocess.Popen, sig: int) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        _out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        pytest.fail(f"the bot did not exit after {signal.Signals(sig).name}:\n{err}")
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_polling_process_answers_staff_and_refuses_strangers(sig):
    updates = [
        message_json(1, STAFF, "/start"),
        message_json(2, STRANGER, "你好"),
        message_json(3, STAFF, "/today 2025-12-20"),
        message_json(4, STAFF, "/debug on"),
        message_json(5, STAFF, "金寨县今年交多少钱"),
        message_json(6, STRANGER, "/debug on"),
        message_json(7, STAFF, "/county"),
        callback_json(8, STAFF, "county:金寨县"),
    ]
    with FakeBotApiServer(TOKEN, updates) as server:
        proc = start_bot(bot_env(TELEGRAM_TOKEN=TOKEN, TELEGRAM_STAFF_IDS=f"{STAFF}, 7",
                                 TELEGRAM_BASE_URL=server.base_url))
        try:
            done = server.wait_for(
                lambda: len(server.sent(STAFF)) >= 6 and "editMessageText" in server.methods(),
                timeout=20)
        finally:
            code, err = stop_bot(proc, sig)
        assert done, f"replies so far: {server.sent()}\nstderr:\n{err}"

        staff_texts = [p["text"] for p in server.sent(STAFF)]
        assert "/debug" in staff_texts[0]  # /start
        assert "2025-12-20" in staff_texts[1]  # /today
        assert "调试信息已开启" in staff_texts[2]  # /debug on
        answer, report = server.sent(STAFF)[3:5]
        assert answer["text"].strip() and "parse_mode" not in answer
        assert report["parse_mode"] == "HTML" and "intent" in report["text"]
        assert "2025-12-20" in report["text"]  # the pinned date reached the assistant
        assert "reply_markup" in server.sent(STAFF)[5]  # /county keyboard
        assert "answerCallbackQuery" in server.methods()

        stranger = server.sent(STRANGER)
        assert len(stranger) == 1 and str(STRANGER) in stranger[0]["text"]

        methods = server.methods()
        assert methods[0] == "getMe" and "deleteWebhook" in methods
        assert server.wrong_token_calls == 0

    assert code == 0, err
    assert "Traceback" not in err
    assert TOKEN not in err and TOKEN.split(":")[1] not in err  # the token is never logged
    assert "polling as @yibao_test_bot" in err


def test_missing_token_exits_2_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=bot_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "TELEGRAM_TOKEN is not set" in proc.stderr and "BotFather" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_invalid_staff_ids_exit_2_without_traceback():
    env = bot_env(TELEGRAM_TOKEN=TOKEN, TELEGRAM_STAFF_IDS="123,alice")
    proc = subprocess.run([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "TELEGRAM_STAFF_IDS" in proc.stderr and "'alice'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_rejected_token_exits_1():
    with FakeBotApiServer("another:token") as server:
        env = bot_env(TELEGRAM_TOKEN=TOKEN, TELEGRAM_STAFF_IDS="1",
                      TELEGRAM_BASE_URL=server.base_url)
        proc = subprocess.run([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert "rejected TELEGRAM_TOKEN" in proc.stderr and "Traceback" not in proc.stderr


def test_polling_refuses_when_a_webhook_is_configured():
    env = bot_env(TELEGRAM_TOKEN=TOKEN, TELEGRAM_STAFF_IDS="1",
                  TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram")
    proc = subprocess.run([sys.executable, "-m", "bot", "telegram"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and "TELEGRAM_WEBHOOK_URL is set" in proc.stderr


def test_set_and_delete_webhook_commands():
    with FakeBotApiServer(TOKEN) as server:
        env = bot_env(TELEGRAM_TOKEN=TOKEN, TELEGRAM_STAFF_IDS="1",
                      TELEGRAM_BASE_URL=server.base_url,
                      TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram",
                      TELEGRAM_SECRET_TOKEN="s3cret")
        for flag in ("--set-webhook", "--delete-webhook"):
            proc = subprocess.run([sys.executable, "-m", "bot", "telegram", flag], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=60,
                                  check=False)
            assert proc.returncode == 0, proc.stderr
        with server._lock:
            calls = {c.method: c.params for c in server.calls}
    assert calls["setWebhook"]["url"] == "https://bot.example.org/telegram"
    assert calls["setWebhook"]["secret_token"] == "s3cret"
    assert "deleteWebhook" in calls
