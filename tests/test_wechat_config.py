"""Settings from the environment and BOT_CONFIG; errors are clear and exit with code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from wechat_helpers import AES_KEY, APPID, TOKEN

from bot.config import ConfigError, load_settings, resolve_county

ROOT = Path(__file__).resolve().parents[1]


def test_single_account_from_environment():
    s = load_settings({"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY,
                       "WECHAT_SECRET": "sec", "BOT_COUNTY": "金寨"})
    (acc,) = s.wechat_accounts
    assert acc.path == "/wechat" and acc.safe_mode and acc.county == "金寨县"
    assert acc.customer_service  # secret + appid -> may use the customer-service API
    assert s.county == "金寨县"
    assert "sec" not in repr(acc) and TOKEN not in repr(acc)


def test_no_wechat_account_is_fine():
    s = load_settings({})
    assert s.wechat_accounts == () and s.session_ttl == 1800 and not s.log_json


def test_other_channels_settings_from_environment():
    s = load_settings({"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_STAFF_IDS": "11, 22 33",
                       "TELEGRAM_BASE_URL": "http://127.0.0.1:9000/",
                       "TELEGRAM_WEBHOOK_URL": "https://bot.example/telegram",
                       "TELEGRAM_SECRET_TOKEN": "s3cr3t_-", "BOT_REDIS_URL": "redis://localhost/0",
                       "BOT_SESSION_TTL": "600", "BOT_LOG_JSON": "1"})
    assert s.telegram.token == "123:abc" and s.telegram.staff_ids == (11, 22, 33)
    assert s.telegram.base_url == "http://127.0.0.1:9000"
    assert s.redis_url == "redis://localhost/0" and s.session_ttl == 600 and s.log_json
    assert "123:abc" not in repr(s.telegram)


def test_config_file_with_several_counties(tmp_path, monkeypatch):
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f"""
county = "遂平"
session_ttl = 900
[wechat]
api_base = "http://127.0.0.1:8999"
replay_window = 120
reply_timeout = 3.5

[[wechat.accounts]]
county = "金寨县"
token = "${{JZ_TOKEN}}"
appid = "{APPID}"
aes_key = "{AES_KEY}"
secret = "${{JZ_SECRET}}"

[[wechat.accounts]]
county = "长治市屯留区"
token = "tunliutoken"
appid = "wxtunliu"
secret = "s"
customer_service = false

[[wechat.accounts]]
slug = "youxi-test"
county = "尤溪"
token = "youxitoken"

[telegram]
staff_ids = [1, 2]
""", encoding="utf-8")
    s = load_settings({"BOT_CONFIG": str(cfg), "JZ_TOKEN": "jinzhaitoken", "JZ_SECRET": "jzs",
                       "BOT_SESSION_TTL": "1200"})
    paths = {a.path: a for a in s.wechat_accounts}
    assert set(paths) == {"/wechat/jinzhai", "/wechat/tunliu", "/wechat/youxi-test"}
    assert paths["/wechat/jinzhai"].token == "jinzhaitoken"
    assert paths["/wechat/jinzhai"].customer_service
    assert not paths["/wechat/tunliu"].customer_service
    assert paths["/wechat/tunliu"].county == "屯留区"
    assert paths["/wechat/youxi-test"].county == "尤溪县"
    assert s.wechat.api_base == "http://127.0.0.1:8999" and s.wechat.replay_window == 120
    assert s.wechat.reply_timeout == 3.5
    assert s.session_ttl == 1200  # the environment wins over the file
    assert s.county == "遂平县" and s.telegram.staff_ids == (1, 2)


@pytest.mark.parametrize("name,expected", [
    ("金寨县", "金寨县"), ("金寨", "金寨县"), ("jinzhai", "金寨县"), ("长治市屯留区", "屯留区"),
    ("屯留", "屯留区"), ("屯留县", "屯留区"), ("TUNLIU", "屯留区"), ("驻马店市遂平县", "遂平县"),
    ("youxi", "尤溪县"), ("尤溪", "尤溪县"),
])
def test_county_names_are_matched_tolerantly(name, expected):
    assert resolve_county(name) == expected


@pytest.mark.parametrize("env,fragment", [
    ({"WECHAT_TOKEN": TOKEN, "BOT_COUNTY": "北京市"}, "unknown county '北京市'"),
    ({"WECHAT_TOKEN": "bad token!"}, "3-32 English letters or digits"),
    ({"WECHAT_TOKEN": TOKEN, "WECHAT_AES_KEY": AES_KEY}, "needs the appid"),
    ({"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": "short"}, "43 characters"),
    ({"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": "*" * 43}, "base64"),
    ({"WECHAT_APPID": APPID}, "WECHAT_TOKEN is not"),
    ({"WECHAT_TOKEN": TOKEN, "WECHAT_CUSTOMER_SERVICE": "1"}, "needs appid and secret"),
    ({"WECHAT_REPLY_TIMEOUT": "6"}, "at most 4.8"),
    ({"WECHAT_REPLAY_WINDOW": "-1"}, "at least 0"),
    ({"WECHAT_API_BASE": "ftp://x"}, "http(s) URL"),
    ({"BOT_SESSION_TTL": "soon"}, "whole number"),
    ({"BOT_LOG_JSON": "maybe"}, "true or false"),
    ({"TELEGRAM_STAFF_IDS": "12,abc"}, "'abc' is not a numeric"),
    ({"BOT_REDIS_URL": "localhost:6379"}, "redis://"),
    ({"BOT_CONFIG": "/no/such/file.toml"}, "not found"),
])
def test_invalid_settings_are_clear_errors(env, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    assert fragment in str(err.value)


@pytest.mark.parametrize("text,fragment", [
    ("[wechat]\nreplay_windw = 3\n", "unknown key 'replay_windw' (did you mean 'replay_window'?)"),
    ("colour = 1\n", "unknown key 'colour'"),
    ("[[wechat.accounts]]\ntoken = 'abcdef'\ncountry = '金寨县'\n", "did you mean 'county'"),
    ("[[wechat.accounts]]\ntoken = 'abcdef'\n", "give a slug (or a county)"),
    ("[[wechat.accounts]]\ncounty = '金寨县'\n", "token is required"),
    ("[[wechat.accounts]]\ncounty = '金寨县'\ntoken = '${NOPE_NOT_SET}'\n",
     "NOPE_NOT_SET is not set"),
    (("[[wechat.accounts]]\ncounty = '金寨县'\ntoken = 'abcdef'\n"
      "[[wechat.accounts]]\ncounty = '金寨'\ntoken = 'abcdefg'\n"), "two WeChat accounts"),
    ("[[wechat.accounts]]\nslug = 'Bad Slug'\ntoken = 'abcdef'\n", "lower-case"),
    ("this is = not toml [", "not valid TOML"),
])
def test_invalid_config_files(tmp_path, text, fragment):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings({"BOT_CONFIG": str(cfg)})
    assert fragment in str(err.value)


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["wechat-menu"]])
def test_commands_exit_2_without_traceback_on_bad_config(tmp_path, command):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[wechat]\nbogus = 1\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "BOT_"))}
    env["BOT_CONFIG"] = str(cfg)
    env["BOT_UNANSWERED_DB"] = os.environ["BOT_UNANSWERED_DB"]  # see tests/conftest.py
    proc = subprocess.run([sys.executable, "-m", "bot", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "configuration error" in proc.stderr and "bogus" in proc.stderr
    assert "Traceback" not in proc.stderr
