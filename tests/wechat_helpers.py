"""The WeChat server's side of the Official Account protocol, written from the protocol for the
tests (nothing here calls the webhook's own helpers or wechatpy):

* signature = sha1 of sorted(token, timestamp, nonce) concatenated;
  msg_signature = the same over (token, timestamp, nonce, Encrypt);
* safe mode: AESKey = base64decode(EncodingAESKey + "="), AES-256-CBC, IV = AESKey[:16],
  plaintext = 16 random bytes | 4-byte big-endian length | message XML | AppID,
  PKCS#7-padded to a multiple of 32 bytes, base64;
* compatible mode: the plaintext fields and <Encrypt> side by side in one body.

Also: a fake assistant, and a fake WeChat API server (access token, customer-service
messages, menu) run by uvicorn on a loopback port.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import random
import socket
import struct
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.messages import Inbound, Outbound

TOKEN = "testtoken123"
APPID = "wx1234567890abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars
OTHER_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
ACCOUNT_ID = "gh_0123456789ab"


# -- the protocol ----------------------------------------------------------------------------
def wx_sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    assert len(key) == 32
    return key


def wx_encrypt(xml: str, encoding_aes_key: str = AES_KEY, appid: str = APPID,
               random16: bytes | None = None) -> str:
    key = aes_key_bytes(encoding_aes_key)
    msg = xml.encode("utf-8")
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(msg)) + msg + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def wx_decrypt(encrypt: str, encoding_aes_key: str = AES_KEY) -> tuple[str, str]:
    """(xml, appid) from an Encrypt value."""
    key = aes_key_bytes(encoding_aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypt)) + dec.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad, "bad padding"
    body = plain[16:-pad]
    (n,) = struct.unpack(">I", body[:4])
    return body[4:4 + n].decode("utf-8"), body[4 + n:].decode()


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(fields: dict[str, Any]) -> str:
    parts = []
    for k, v in fields.items():
        if isinstance(v, int):
            parts.append(f"<{k}>{v}</{k}>")
        else:
            parts.append(f"<{k}>{cdata(str(v))}</{k}>")
    return "<xml>" + "".join(parts) + "</xml>"


_msg_ids = iter(range(int(time.time()) * 1000, 2**62))


def next_msg_id() -> int:
    return next(_msg_ids)


def text_msg(content: str, user: str = "oUser1", msg_id: int | None = None,
             create_time: int | None = None) -> dict[str, Any]:
    return {"ToUserName": ACCOUNT_ID, "FromUserName": user,
            "CreateTime": create_time or int(time.time()), "MsgType": "text",
            "Content": content, "MsgId": msg_id if msg_id is not None else next_msg_id()}


def voice_msg(recognition: str | None, user: str = "oUser1") -> dict[str, Any]:
    d: dict[str, Any] = {"ToUserName": ACCOUNT_ID, "FromUserName": user,
                         "CreateTime": int(time.time()), "MsgType": "voice",
                         "MediaId": "media_voice_1", "Format": "amr",
                         "MsgId": next_msg_id()}
    if recognition is not None:
        d["Recognition"] = recognition
    return d


def event_msg(event: str, key: str | None = None, user: str = "oUser1",
              create_time: int | None = None, **extra: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"ToUserName": ACCOUNT_ID, "FromUserName": user,
                         "CreateTime": create_time or int(time.time()), "MsgType": "event",
                         "Event": event}
    if key is not None:
        d["EventKey"] = key
    d.update(extra)
    return d


def media_msg(msg_type: str, user: str = "oUser1") -> dict[str, Any]:
    base: dict[str, Any] = {"ToUserName": ACCOUNT_ID, "FromUserName": user,
                            "CreateTime": int(time.time()), "MsgType": msg_type}
    extra = {
        "image": {"PicUrl": "http://mmbiz.example/pic.jpg", "MediaId": "m_img"},
        "location": {"Location_X": "31.68", "Location_Y": "115.87", "Scale": "15",
                     "Label": "金寨县梅山镇"},
        "link": {"Title": "医保政策", "Description": "一篇文章", "Url": "http://example.com/a"},
        "video": {"MediaId": "m_vid", "ThumbMediaId": "m_thumb"},
        "shortvideo": {"MediaId": "m_svid", "ThumbMediaId": "m_thumb"},
    }[msg_type]
    base.update(extra)
    base["MsgId"] = next_msg_id()
    return base


@dataclass
class SignedRequest:
    params: dict[str, str]
    body: bytes


class WeChatServer:
    """Builds requests the way WeChat's servers do, for one account."""

    def __init__(self, token: str = TOKEN, appid: str = APPID, aes_key: str | None = None,
                 mode: str = "plain"):
        assert mode in ("plain", "safe", "compat")
        self.token, self.appid, self.aes_key, self.mode = token, appid, aes_key, mode

    def query(self, timestamp: int | None = None, nonce: str | None = None,
              openid: str = "oUser1") -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or str(random.randint(10**8, 10**10))
        return {"signature": wx_sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
                "openid": openid}

    def verify_params(self, echostr: str = "5837397749112233445") -> dict[str, str]:
        q = self.query()
        q.pop("openid")
        q["echostr"] = echostr
        return q

    def build(self, fields: dict[str, Any] | str, timestamp: int | None = None,
              nonce: str | None = None) -> SignedRequest:
        xml = fields if isinstance(fields, str) else message_xml(fields)
        q = self.query(timestamp, nonce)
        if self.mode == "plain":
            return SignedRequest(q, xml.encode("utf-8"))
        assert self.aes_key
        encrypt = wx_encrypt(xml, self.aes_key, self.appid)
        q["encrypt_type"] = "aes"
        q["msg_signature"] = wx_sign(self.token, q["timestamp"], q["nonce"], encrypt)
        if self.mode == "safe":
            body = f"<xml><ToUserName>{cdata(ACCOUNT_ID)}</ToUserName>" \
                   f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        else:  # compatible mode: plaintext fields and Encrypt together
            assert xml.endswith("</xml>")
            body = xml[:-len("</xml>")] + f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        return SignedRequest(q, body.encode("utf-8"))

    def encrypted_envelope(self, encrypt: str, timestamp: int | None = None) -> SignedRequest:
        """A safe-mode request around an arbitrary Encrypt value, correctly signed."""
        q = self.query(timestamp)
        q["encrypt_type"] = "aes"
        q["msg_signature"] = wx_sign(self.token, q["timestamp"], q["nonce"], encrypt)
        body = f"<xml><ToUserName>{cdata(ACCOUNT_ID)}</ToUserName>" \
               f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        return SignedRequest(q, body.encode())

    def read_reply(self, resp: httpx.Response, req: SignedRequest) -> dict[str, str] | None:
        """The reply's fields (None for "success"), decrypting and checking the envelope in
        safe/compatible mode as WeChat does."""
        assert resp.status_code == 200, (resp.status_code, resp.text)
        if resp.text in ("success", ""):
            return None
        root = ET.fromstring(resp.content)
        if self.mode != "plain":
            encrypt = root.findtext("Encrypt")
            assert encrypt, resp.text
            ts = root.findtext("TimeStamp")
            nonce = root.findtext("Nonce")
            assert nonce == req.params["nonce"]
            assert root.findtext("MsgSignature") == wx_sign(self.token, ts, nonce, encrypt)
            xml, appid = wx_decrypt(encrypt, self.aes_key)
            assert appid == self.appid
            root = ET.fromstring(xml)
        return {child.tag: (child.text or "") for child in root}


async def post(client: httpx.AsyncClient, path: str, req: SignedRequest) -> httpx.Response:
    return await client.post(path, params=req.params, content=req.body,
                             headers={"Content-Type": "text/xml"})


# -- a fake assistant ------------------------------------------------------------------------
class FakeAssistant:
    """Records what it is asked; answers `answer` (or `answer_fn(inbound)`), after `delay`."""

    def __init__(self, answer: str | None = None, delay: float = 0.0, answer_fn=None,
                 fail: bool = False):
        from bot.stores import MemoryStore

        self.store = MemoryStore()
        self.calls: list[Inbound] = []
        self.answer = answer
        self.answer_fn = answer_fn
        self.delay = delay
        self.fail = fail
        self.release: asyncio.Event | None = None

    async def handle(self, inbound: Inbound) -> Outbound:
        self.calls.append(inbound)
        if self.release is not None:
            await self.release.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("assistant broke")
        if self.answer_fn is not None:
            return Outbound(text=self.answer_fn(inbound))
        text = self.answer if self.answer is not None else f"答：{inbound.text}"
        return Outbound(text=text, intent=inbound.intent_hint or "fallback")

    @staticmethod
    def county_names() -> list[str]:
        return ["金寨县", "屯留区", "遂平县", "尤溪县"]


# -- a fake WeChat API -----------------------------------------------------------------------
@dataclass
class FakeWeChatAPI:
    """The WeChat server APIs the channel calls, on a loopback port."""

    appid: str = APPID
    secret: str = "testsecret"
    send_errcode: int = 0
    expire_first_token: bool = False
    calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0
    base_url: str = ""

    def app(self):
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def stable_token(request: Request):
            body = json.loads(await request.body())
            self.calls.append(("stable_token", dict(request.query_params), body))
            if body.get("appid") != self.appid or body.get("secret") != self.secret:
                return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
            self.tokens_issued += 1
            return JSONResponse({"access_token": f"TOKEN{self.tokens_issued}",
                                 "expires_in": 7200})

        def token_ok(request: Request) -> JSONResponse | None:
            tok = request.query_params.get("access_token")
            if tok != f"TOKEN{self.tokens_issued}" or (
                    self.expire_first_token and tok == "TOKEN1"):
                return JSONResponse({"errcode": 42001, "errmsg": "access_token expired"})
            return None

        async def custom_send(request: Request):
            raw = await request.body()
            body = json.loads(raw)
            self.calls.append(("custom_send", dict(request.query_params), body))
            if (bad := token_ok(request)) is not None:
                return bad
            if self.send_errcode:
                return JSONResponse({"errcode": self.send_errcode, "errmsg": "api unauthorized"})
            assert b"\\u" not in raw  # UTF-8, not escaped
            self.sent.append(body)
            return JSONResponse({"errcode": 0, "errmsg": "ok"})

        async def menu_create(request: Request):
            raw = await request.body()
            body = json.loads(raw)
            self.calls.append(("menu_create", dict(request.query_params), body))
            if (bad := token_ok(request)) is not None:
                return bad
            self.menus.append(body)
            return JSONResponse({"errcode": 0, "errmsg": "ok"})

        return Starlette(routes=[
            Route("/cgi-bin/stable_token", stable_token, methods=["POST"]),
            Route("/cgi-bin/message/custom/send", custom_send, methods=["POST"]),
            Route("/cgi-bin/menu/create", menu_create, methods=["POST"]),
        ])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """Runs an ASGI app with uvicorn in a thread on 127.0.0.1 (context manager)."""

    def __init__(self, app: Any):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:  # noqa: PYI034
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def xml_escape(s: str) -> str:
    return escape(s)
