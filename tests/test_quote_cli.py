"""`python -m bot quote` as staff run it."""

from __future__ import annotations

import json
import subprocess
import sys


def quote(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "quote", *args], capture_output=True,
                          text=True, timeout=60)


def test_json_keys_and_values() -> None:
    r = quote("--county", "尤溪县", "--category", "低保", "--pay-date", "2024-04-10", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["pay_now"] == 38 and out["net"] == 38 and out["subsidy"] == 342
    assert out["period"] == "late" and out["benefit_start"] == "2024-04-10"
    assert out["waiting_days"] == 0
    assert "尤溪县工作方案 七（二）" in [c["text"] for c in out["citations"]]


def test_newborn_and_migrant_flags() -> None:
    r = quote("--county", "youxi", "--birth-date", "2024-03-01", "--pay-date", "2024-05-31", "--json")
    assert json.loads(r.stdout)["benefit_start"] == "2024-05-31"
    r = quote("--county", "金寨", "--migrant", "--pay-date", "2024-02-01", "--json")
    out = json.loads(r.stdout)
    assert out["period"] == "extended" and out["benefit_start"] == "2024-02-02"


def test_default_pay_date_is_in_the_concentrated_period() -> None:
    out = json.loads(quote("--county", "屯留", "--json").stdout)
    assert out["period"] == "concentrated" and out["pay_now"] == 380


def test_human_readable_output() -> None:
    r = quote("--county", "遂平县", "--category", "重度残疾", "--pay-date", "2024-10-08")
    assert r.returncode == 0
    assert "现在缴纳：400元" in r.stdout and "个人最终负担：310元" in r.stdout
    assert "待遇起始：2025年1月1日" in r.stdout


def test_unknown_county_lists_valid_ones() -> None:
    r = quote("--county", "北京")
    assert r.returncode == 2
    assert "金寨县, 屯留区, 遂平县, 尤溪县" in r.stderr and "Traceback" not in r.stderr


def test_unknown_category_lists_valid_ones() -> None:
    r = quote("--county", "遂平", "--category", "公务员")
    assert r.returncode == 2 and "低保对象" in r.stderr and "Traceback" not in r.stderr


def test_bad_date_is_a_clear_error() -> None:
    r = quote("--county", "遂平", "--pay-date", "2024-02-30")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr and "Traceback" not in r.stderr


def test_birth_after_pay_date() -> None:
    r = quote("--county", "尤溪", "--pay-date", "2024-03-01", "--birth-date", "2024-04-01")
    assert r.returncode == 2 and "出生日期" in r.stderr
