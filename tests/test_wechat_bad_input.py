"""Bad input: each gets a clean response (403 bad signature, else 400 or "success"), one log
line without the body, never a 500, and the next request is served normally."""

from __future__ import annotations

import base64
import logging
import os

import httpx
import pytest
from wechat_helpers import (
    ACCOUNT_ID,
    AES_KEY,
    APPID,
    OTHER_AES_KEY,
    TOKEN,
    FakeAssistant,
    SignedRequest,
    WeChatServer,
    cdata,
    post,
    text_msg,
    wx_encrypt,
)

from bot.channels.wechat.logutil import mask
from bot.config import load_settings
from bot.web import create_app

SECRET_MARK = "MARK-7f3a9c"  # in every bad body; must never reach the log


def make(mode):
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "BOT_COUNTY": "屯留区"}
    if mode != "plain":
        env["WECHAT_AES_KEY"] = AES_KEY
    assistant = FakeAssistant()
    app = create_app(load_settings(env), assistant)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://wx.test")
    return WeChatServer(aes_key=AES_KEY if mode != "plain" else None, mode=mode), client, assistant


XXE = f"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;{SECRET_MARK}</Content><MsgId>1</MsgId></xml>"""

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol' + SECRET_MARK + '">'
          + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1 if i > 1 else ''};" * 10 + '">'
                    for i in range(1, 10)).replace("&lol0;", "&lol;")
          + ']><xml><ToUserName>a</ToUserName><FromUserName>u</FromUserName>'
          '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content>'
          '<MsgId>1</MsgId></xml>')

PARAM_DTD = ('<?xml version="1.0"?><!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">'
             f'<xml><MsgType>text</MsgType><Content>{SECRET_MARK}</Content></xml>')


def plain_bodies() -> dict[str, bytes]:
    ok = text_msg("正常")
    no_type = {k: v for k, v in ok.items() if k != "MsgType"}
    return {
        "empty": b"",
        "whitespace": b"  \n ",
        "malformed": f"<xml><Content>{SECRET_MARK}</Content".encode(),
        "not xml": f"{SECRET_MARK} hello".encode(),
        "wrong root": f"<html><Content>{SECRET_MARK}</Content></html>".encode(),
        "xxe": XXE.encode(),
        "billion laughs": LAUGHS.encode(),
        "external dtd": PARAM_DTD.encode(),
        "missing MsgType": _xml(no_type),
        "missing FromUserName": _xml({k: v for k, v in ok.items() if k != "FromUserName"}),
        "bad CreateTime": _xml({**ok, "CreateTime": "yesterday"}),
        "bad MsgId": _xml({**ok, "MsgId": "12abc"}),
        "gbk body": ("<xml><ToUserName>a</ToUserName><FromUserName>u</FromUserName>"
                     "<CreateTime>1</CreateTime><MsgType>text</MsgType>"
                     f"<Content>医保{SECRET_MARK}</Content><MsgId>1</MsgId></xml>").encode("gbk"),
        "latin-1 body": f"<xml><Content>caf\xe9 {SECRET_MARK}</Content></xml>".encode("latin-1"),
        "huge body": b"<xml><Content>" + SECRET_MARK.encode() * 20000 + b"</Content></xml>",
        "deep nesting": ("<xml>" + "<a>" * 50 + SECRET_MARK + "</a>" * 50 + "</xml>").encode(),
    }


def _xml(fields) -> bytes:
    return ("<xml>" + "".join(f"<{k}>{cdata(str(v))}</{k}>" for k, v in fields.items())
            + f"<Note>{SECRET_MARK}</Note></xml>").encode()


def wechat_logs(caplog):
    return [r for r in caplog.records if r.name.startswith("bot.wechat")]


async def assert_still_serving(client, wx, assistant, caplog):
    caplog.clear()
    req = wx.build(text_msg("下一个正常问题"))
    resp = await post(client, "/wechat", req)
    assert wx.read_reply(resp, req)["Content"] == "答：下一个正常问题"
    assert assistant.calls[-1].text == "下一个正常问题"
    assert not [r for r in wechat_logs(caplog) if r.levelno >= logging.WARNING]


def assert_logged_once(caplog, status):
    records = [r for r in wechat_logs(caplog) if r.levelno >= logging.WARNING]
    assert len(records) == 1, [r.getMessage() for r in records]
    message = records[0].getMessage()
    assert f"-> {status}" in message
    assert SECRET_MARK not in message and SECRET_MARK not in (records[0].exc_text or "")
    assert records[0].exc_info is None  # a reason, not a traceback


@pytest.mark.parametrize("name", list(plain_bodies()))
async def test_bad_plaintext_bodies(name, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.wechat")
    wx, client, assistant = make("plain")
    body = plain_bodies()[name]
    async with client:
        resp = await client.post("/wechat", params=wx.query(), content=body)
        assert resp.status_code == 400, resp.text
        assert_logged_once(caplog, 400)
        assert assistant.calls == []
        await assert_still_serving(client, wx, assistant, caplog)


def safe_requests(wx: WeChatServer) -> dict[str, SignedRequest]:
    good_inner = "<xml><ToUserName>a</ToUserName><FromUserName>u</FromUserName><CreateTime>1" \
                 f"</CreateTime><MsgType>text</MsgType><Content>{SECRET_MARK}</Content>" \
                 "<MsgId>77</MsgId></xml>"
    random_blocks = base64.b64encode(os.urandom(64)).decode()
    return {
        "wrong appid": wx.encrypted_envelope(wx_encrypt(good_inner, AES_KEY, "wxSomeOtherApp00")),
        "other key": wx.encrypted_envelope(wx_encrypt(good_inner, OTHER_AES_KEY, APPID)),
        "random ciphertext": wx.encrypted_envelope(random_blocks),
        "not base64": wx.encrypted_envelope("!!!not-base64" + SECRET_MARK + "!!!"),
        "truncated ciphertext": wx.encrypted_envelope(
            wx_encrypt(good_inner)[:-8].rstrip("=") + "AAAA"),
        "xxe inside": wx.encrypted_envelope(wx_encrypt(XXE)),
        "laughs inside": wx.encrypted_envelope(wx_encrypt(LAUGHS)),
        "malformed inside": wx.encrypted_envelope(wx_encrypt(f"<xml><a>{SECRET_MARK}</xml>")),
        "no MsgType inside": wx.encrypted_envelope(wx_encrypt(
            f"<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime>"
            f"<Content>{SECRET_MARK}</Content></xml>")),
        "latin-1 inside": wx.encrypted_envelope(_encrypt_bytes(
            f"<xml><Content>caf\xe9{SECRET_MARK}</Content></xml>".encode("latin-1"))),
        "no Encrypt": SignedRequest(
            {**wx.query(), "encrypt_type": "aes", "msg_signature": "0" * 40},
            f"<xml><ToUserName>{ACCOUNT_ID}</ToUserName><X>{SECRET_MARK}</X></xml>".encode()),
        "unknown encrypt_type": SignedRequest(
            {**wx.query(), "encrypt_type": "rot13"}, _xml(text_msg("x"))),
    }


def _encrypt_bytes(raw: bytes) -> str:
    # wx_encrypt takes text; build the envelope around arbitrary bytes by hand
    import struct

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    key = base64.b64decode(AES_KEY + "=")
    plain = os.urandom(16) + struct.pack(">I", len(raw)) + raw + APPID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


SAFE_CASES = list(safe_requests(WeChatServer(aes_key=AES_KEY, mode="safe")))


@pytest.mark.parametrize("name", SAFE_CASES)
async def test_bad_safe_mode_requests(name, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.wechat")
    wx, client, assistant = make("safe")
    req = safe_requests(wx)[name]
    async with client:
        resp = await post(client, "/wechat", req)
        expected = 400
        assert resp.status_code == expected, resp.text
        assert_logged_once(caplog, expected)
        assert assistant.calls == []
        await assert_still_serving(client, wx, assistant, caplog)


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("case", ["bad signature", "no signature", "bad nonce", "bad timestamp",
                                  "stale"])
async def test_signature_failures_are_403_logged_once(mode, case, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.wechat")
    wx, client, assistant = make(mode)
    req = wx.build(text_msg(SECRET_MARK))
    if case == "bad signature":
        req.params["signature"] = "a" * 40
    elif case == "no signature":
        del req.params["signature"]
    elif case == "bad nonce":
        req.params["nonce"] = "<script>"
    elif case == "bad timestamp":
        req.params["timestamp"] = "now"
    else:
        req = wx.build(text_msg(SECRET_MARK), timestamp=1_000_000_000)
    async with client:
        resp = await post(client, "/wechat", req)
        assert resp.status_code == 403
        assert_logged_once(caplog, 403)
        assert assistant.calls == []
        await assert_still_serving(client, wx, assistant, caplog)


async def test_bad_content_length_is_400():
    wx, client, _ = make("plain")
    async with client:
        resp = await client.post("/wechat", params=wx.query(), content=b"x" * 10,
                                 headers={"Content-Length": "99999999"})
        assert resp.status_code == 400


async def test_unexpected_error_is_success_not_500(caplog, monkeypatch):
    wx, client, assistant = make("plain")
    from bot.channels.wechat import channel as channel_mod

    def boom(*a, **k):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(channel_mod, "classify", boom)
    async with client:
        req = wx.build(text_msg("问题"))
        resp = await post(client, "/wechat", req)
        assert resp.status_code == 200 and resp.text == "success"
        monkeypatch.undo()
        await assert_still_serving(client, wx, assistant, caplog)


# -- ID numbers in logs ----------------------------------------------------------------------
def test_mask_id_numbers_and_phones():
    text = "我的身份证号341522199001011234，孩子的是34152220200101123X，电话13812345678"
    masked = mask(text)
    assert "341522199001011234" not in masked and "34152220200101123X" not in masked
    assert "13812345678" not in masked
    assert "3415**********1234" in masked and "3415**********123X" in masked
    assert "138****5678" in masked
    assert mask("缴费400元，2025年") == "缴费400元，2025年"


async def test_id_numbers_are_masked_in_the_webhook_log(caplog):
    caplog.set_level(logging.DEBUG)
    wx, client, assistant = make("safe")
    async with client:
        req = wx.build(text_msg("身份证341522199001011234查一下"))
        await post(client, "/wechat", req)
    assert assistant.calls[0].text == "身份证341522199001011234查一下"  # the assistant sees it
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "3415**********1234" in logged
    assert "341522199001011234" not in logged
