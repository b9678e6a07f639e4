"""`python -m bot chat` — the README's run command — driven through its stdin."""

from __future__ import annotations

import subprocess
import sys


def chat(*args: str, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "chat", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_short_session() -> None:
    r = chat("--county", "金寨县", "--today", "2023-10-10", stdin="\n".join([
        "低保交多少", "/county 屯留", "低保交多少", "/today 2024-13-01", "/reset", "/quit"]))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "38元" in out  # 金寨 七（二）
    assert "已切换到屯留区" in out and "76元" in out  # 屯留 五
    assert "YYYY-MM-DD" in out and "已重新开始" in out
    assert "Traceback" not in out + r.stderr


def test_end_of_input_exits_cleanly() -> None:
    r = chat(stdin="你好\n")
    assert r.returncode == 0 and "医保问答助手" in r.stdout


def test_bad_today_option() -> None:
    r = chat("--today", "2024-02-30", stdin="")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
