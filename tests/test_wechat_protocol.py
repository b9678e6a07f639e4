"""The webhook driven as WeChat drives it: verification, signatures, every message and event
type, in plaintext, safe and compatible mode."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import httpx
import pytest
from wechat_helpers import (
    AES_KEY,
    APPID,
    TOKEN,
    FakeAssistant,
    WeChatServer,
    event_msg,
    media_msg,
    post,
    text_msg,
    voice_msg,
    wx_sign,
)

from bot.config import load_settings
from bot.web import create_app

MODES = ["plain", "safe", "compat"]


def make(mode: str, assistant=None, **env_extra):
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "BOT_COUNTY": "金寨县", **env_extra}
    if mode != "plain":
        env["WECHAT_AES_KEY"] = AES_KEY
    assistant = assistant or FakeAssistant()
    app = create_app(load_settings(env), assistant)
    wx = WeChatServer(aes_key=AES_KEY if mode != "plain" else None, mode=mode)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://wx.test")
    return app, wx, client, assistant


async def roundtrip(client, wx, fields, path="/wechat"):
    req = wx.build(fields)
    resp = await post(client, path, req)
    return wx.read_reply(resp, req)


# -- verification and signatures -------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
async def test_get_verification_echoes_echostr(mode):
    _, wx, client, _ = make(mode)
    async with client:
        resp = await client.get("/wechat", params=wx.verify_params("1234567890123"))
        assert resp.status_code == 200 and resp.text == "1234567890123"


async def test_get_with_bad_signature_is_403():
    _, wx, client, _ = make("plain")
    async with client:
        params = wx.verify_params("abc")
        params["signature"] = "0" * 40
        assert (await client.get("/wechat", params=params)).status_code == 403
        params = wx.verify_params("abc")
        del params["signature"]
        assert (await client.get("/wechat", params=params)).status_code == 403
        assert (await client.get("/wechat")).status_code == 403


@pytest.mark.parametrize("mode", MODES)
async def test_post_with_bad_signature_is_403(mode):
    _, wx, client, assistant = make(mode)
    async with client:
        req = wx.build(text_msg("你好"))
        req.params["signature"] = wx_sign("wrongtoken", req.params["timestamp"],
                                          req.params["nonce"])
        assert (await post(client, "/wechat", req)).status_code == 403
        if mode != "plain":
            req = wx.build(text_msg("你好"))
            req.params["msg_signature"] = "f" * 40
            assert (await post(client, "/wechat", req)).status_code == 403
    assert assistant.calls == []


@pytest.mark.parametrize("mode", MODES)
async def test_replay_window(mode):
    _, wx, client, assistant = make(mode, WECHAT_REPLAY_WINDOW="60")
    async with client:
        old = wx.build(text_msg("旧消息"), timestamp=int(time.time()) - 3600)
        assert (await post(client, "/wechat", old)).status_code == 403
        future = wx.build(text_msg("未来消息"), timestamp=int(time.time()) + 3600)
        assert (await post(client, "/wechat", future)).status_code == 403
        ok = wx.build(text_msg("新消息"), timestamp=int(time.time()) - 30)
        assert (await post(client, "/wechat", ok)).status_code == 200
    assert [c.text for c in assistant.calls] == ["新消息"]


async def test_replay_window_zero_turns_the_check_off():
    _, wx, client, _ = make("plain", WECHAT_REPLAY_WINDOW="0")
    async with client:
        old = wx.build(text_msg("很久以前"), timestamp=1_000_000_000)
        assert (await post(client, "/wechat", old)).status_code == 200


# -- every message and event type ------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
async def test_text_message(mode):
    _, wx, client, assistant = make(mode)
    async with client:
        reply = await roundtrip(client, wx, text_msg("今年交多少钱", user="oAbc"))
    assert reply["MsgType"] == "text"
    assert reply["Content"] == "答：今年交多少钱"
    assert reply["ToUserName"] == "oAbc"
    assert reply["FromUserName"].startswith("gh_")
    assert abs(int(reply["CreateTime"]) - time.time()) < 10
    (call,) = assistant.calls
    assert (call.channel, call.user, call.text, call.county, call.intent_hint) == \
        ("wechat", "oAbc", "今年交多少钱", "金寨县", None)


@pytest.mark.parametrize("mode", MODES)
async def test_voice_message_uses_recognition(mode):
    _, wx, client, assistant = make(mode)
    async with client:
        reply = await roundtrip(client, wx, voice_msg("新生儿怎么参保。"))
    assert reply["Content"] == "答：新生儿怎么参保。"
    assert assistant.calls[0].text == "新生儿怎么参保。"


@pytest.mark.parametrize("recognition", ["", None, "   "])
async def test_voice_without_recognition_gets_help(recognition):
    _, wx, client, assistant = make("safe")
    async with client:
        reply = await roundtrip(client, wx, voice_msg(recognition))
    assert "没有听清" in reply["Content"] and "打字" in reply["Content"]
    assert assistant.calls == []


@pytest.mark.parametrize("mode", MODES)
async def test_subscribe_gets_welcome(mode):
    _, wx, client, assistant = make(mode)
    async with client:
        reply = await roundtrip(client, wx, event_msg("subscribe"))
        scan = await roundtrip(client, wx, event_msg("subscribe", key="qrscene_123",
                                                     user="oScan", Ticket="TICKET"))
    for r in (reply, scan):
        assert "欢迎" in r["Content"] and "金寨县" in r["Content"]
        assert "交多少钱" in r["Content"] and "新生儿" in r["Content"]
    assert assistant.calls == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key,label", [("fee", "缴费标准"), ("newborn", "新生儿参保"),
                                       ("subsidy", "资助政策"), ("human", "人工咨询")])
async def test_click_names_the_intent(mode, key, label):
    _, wx, client, assistant = make(mode)
    async with client:
        reply = await roundtrip(client, wx, event_msg("CLICK", key=key))
    (call,) = assistant.calls
    assert call.intent_hint == key and call.text == label and call.county == "金寨县"
    assert reply["Content"] == f"答：{label}"


async def test_click_with_unknown_key_gets_help_not_the_assistant():
    _, wx, client, assistant = make("plain")
    async with client:
        reply = await roundtrip(client, wx, event_msg("CLICK", key="no_such_intent"))
    assert "菜单" in reply["Content"]
    assert assistant.calls == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("msg_type,word", [("image", "图片"), ("location", "位置"),
                                           ("link", "链接"), ("video", "视频"),
                                           ("shortvideo", "小视频")])
async def test_media_gets_polite_text(mode, msg_type, word):
    _, wx, client, assistant = make(mode)
    async with client:
        reply = await roundtrip(client, wx, media_msg(msg_type))
    assert reply["MsgType"] == "text"
    assert word in reply["Content"] and "文字或语音" in reply["Content"]
    assert assistant.calls == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("event,extra", [
    ("unsubscribe", {}), ("SCAN", {"EventKey": "123", "Ticket": "T"}),
    ("LOCATION", {"Latitude": "31.6", "Longitude": "115.8", "Precision": "10"}),
    ("VIEW", {"EventKey": "https://example.com/"}),
    ("TEMPLATESENDJOBFINISH", {"MsgID": "200163836", "Status": "success"}),
    ("some_future_event", {}),
])
async def test_events_without_reply_get_success(mode, event, extra):
    _, wx, client, assistant = make(mode)
    async with client:
        req = wx.build(event_msg(event, **extra))
        resp = await post(client, "/wechat", req)
    assert resp.status_code == 200 and resp.text == "success"
    assert assistant.calls == []


async def test_unknown_message_type_gets_polite_text():
    _, wx, client, _ = make("plain")
    async with client:
        reply = await roundtrip(client, wx, {**text_msg("x"), "MsgType": "miniprogrampage"})
    assert "文字或语音" in reply["Content"]


# -- reply XML safety ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
async def test_user_text_cannot_break_the_reply_xml(mode):
    nasty = "a]]></Content><MsgType>news</MsgType><Content><![CDATA[b ]]]]>> <&>\"'"
    # the answer echoes the text and adds characters XML cannot carry
    _, wx, client, _ = make(mode, FakeAssistant(answer_fn=lambda i: "你说：" + i.text + "\x01\x0b"))
    async with client:
        req = wx.build(text_msg(nasty))
        resp = await post(client, "/wechat", req)
        reply = wx.read_reply(resp, req)  # parses: the XML is intact
    assert reply["MsgType"] == "text"
    assert "]]>" not in reply["Content"]
    assert "<MsgType>news" in reply["Content"]  # kept as text, not as markup
    assert set(reply) == {"MsgType", "Content", "FromUserName", "ToUserName", "CreateTime"}


async def test_plaintext_reply_is_well_formed_xml():
    _, wx, client, _ = make("plain")
    async with client:
        req = wx.build(text_msg("你好"))
        resp = await post(client, "/wechat", req)
    assert resp.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(resp.content)
    assert root.tag == "xml"


async def test_safe_mode_reply_is_encrypted_not_plaintext():
    _, wx, client, _ = make("safe")
    async with client:
        req = wx.build(text_msg("保密问题"))
        resp = await post(client, "/wechat", req)
    assert "保密问题" not in resp.text
    root = ET.fromstring(resp.content)
    assert {c.tag for c in root} == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}


async def test_safe_mode_account_refuses_plaintext_and_plain_account_refuses_encrypted():
    _, _, client, assistant = make("safe")
    async with client:
        req = WeChatServer(mode="plain").build(text_msg("明文"))
        assert (await post(client, "/wechat", req)).status_code == 400
    _, _, client, assistant2 = make("plain")
    async with client:
        req = WeChatServer(aes_key=AES_KEY, mode="safe").build(text_msg("密文"))
        assert (await post(client, "/wechat", req)).status_code == 400
    assert assistant.calls == [] and assistant2.calls == []


async def test_unknown_paths_and_methods():
    _, wx, client, _ = make("plain")
    async with client:
        assert (await client.get("/")).status_code == 404
        assert (await client.get("/wechat/nowhere", params=wx.verify_params())).status_code == 404
        assert (await client.post("/wechat2")).status_code == 404
        assert (await client.put("/wechat")).status_code == 405


async def test_county_accounts_answer_for_their_county(tmp_path):
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f"""
[[wechat.accounts]]
county = "长治市屯留区"
token = "{TOKEN}"
appid = "{APPID}"
aes_key = "{AES_KEY}"

[[wechat.accounts]]
county = "尤溪"
token = "othertoken"
""", encoding="utf-8")
    assistant = FakeAssistant()
    app = create_app(load_settings({"BOT_CONFIG": str(cfg)}), assistant)
    safe = WeChatServer(aes_key=AES_KEY, mode="safe")
    plain = WeChatServer(token="othertoken", mode="plain")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                 base_url="http://wx.test") as client:
        assert (await roundtrip(client, safe, text_msg("屯留交多少"), "/wechat/tunliu"))
        assert (await roundtrip(client, plain, text_msg("尤溪交多少"), "/wechat/youxi"))
        # each account checks its own token
        req = plain.build(text_msg("串号"))
        assert (await post(client, "/wechat/tunliu", req)).status_code == 403
        assert (await client.get("/wechat", params=plain.verify_params())).status_code == 404
    assert [(c.text, c.county) for c in assistant.calls] == [("屯留交多少", "屯留区"),
                                                           ("尤溪交多少", "尤溪县")]
