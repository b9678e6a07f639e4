"""`python -m bot ask` — the contract other tools rely on (DESIGN.md)."""

from __future__ import annotations

import json
import subprocess
import sys

KEYS = {"user", "reply", "intent", "confidence", "slots", "citations"}


def ask(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "ask", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def test_one_message() -> None:
    r = ask("--county", "尤溪县", "--today", "2024-03-05", "低保交多少")
    assert r.returncode == 0, r.stderr
    assert "38元" in r.stdout and "尤溪县工作方案 七（二）" in r.stdout


def test_one_message_as_json() -> None:
    r = ask("--county", "遂平", "--today", "2024-10-08", "--json", "孤儿要交钱吗")
    out = json.loads(r.stdout)
    assert set(out) == KEYS and out["intent"] == "subsidy"
    assert "400元" in out["reply"] and out["slots"]["county"] == "遂平县"


def test_json_lines_one_line_out_per_line_in_with_errors_in_place() -> None:
    lines = [
        {"user": "u1", "text": "低保交多少", "today": "2023-10-10"},
        "this is not json",
        {"user": "u1", "text": "屯留", "today": "2023-10-10"},
        {"user": "u2", "text": ""},
        {"user": "u3", "text": "交多少", "county": "北京"},
        {"user": "u4", "text": "交多少", "today": "2024-02-30"},
        {"user": "u5", "text": "交多少", "county": "jinzhai-2024", "today": "2023-10-10"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    r = ask(stdin=stdin + "\n")
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(lines)
    assert "哪个县" in out[0]["reply"] and set(out[0]) == KEYS
    assert "error" in out[1] and "JSON" in out[1]["error"]
    assert "76元" in out[2]["reply"]  # the same user's conversation continues: 屯留 低保
    assert out[3]["user"] == "u2" and "text" in out[3]["error"]
    assert out[4]["user"] == "u3" and "金寨县" in out[4]["error"]
    assert out[5]["user"] == "u4" and "YYYY-MM-DD" in out[5]["error"]
    assert "380元" in out[6]["reply"] and out[6]["slots"]["county"] == "金寨县"


def test_usage_errors() -> None:
    assert ask("--county", "北京", "你好").returncode == 2
    assert ask("--today", "2024-13-01", "你好").returncode == 2
    r = ask("--county", "金寨", stdin="")
    assert r.returncode == 2 and "each line" in r.stderr
