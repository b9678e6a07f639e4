"""WeChat message dict -> what the channel does with it.

The webhook checks a parsed `<xml>` dict with `check_message` and turns it into an `Incoming`
with `classify`, straight from the dict (no wechatpy object on a message's path: nothing
there needed one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_ID_RE = re.compile(r"^[0-9]{1,24}$")


class BadMessage(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _flat(value: Any) -> str:
    return value if isinstance(value, str) else ""


def check_message(data: dict[str, Any]) -> None:
    """Raises BadMessage when the fields every message has are missing or malformed."""
    if not _flat(data.get("MsgType")).strip():
        raise BadMessage("missing MsgType")
    user = _flat(data.get("FromUserName")).strip()
    if not user:
        raise BadMessage("missing FromUserName")
    if len(user) > 128:
        raise BadMessage("FromUserName too long")
    if not _ID_RE.match(_flat(data.get("CreateTime")).strip()):
        raise BadMessage("missing or invalid CreateTime")
    msg_id = data.get("MsgId")
    if msg_id is not None and not _ID_RE.match(_flat(msg_id).strip()):
        raise BadMessage("invalid MsgId")


@dataclass(frozen=True)
class Incoming:
    """What the channel needs from one message."""

    kind: str  # text | voice | subscribe | click | unsupported | silent
    user: str  # FromUserName (the user's openid)
    account: str  # ToUserName (the account's original id, gh_...)
    dedupe_key: str  # MsgId for messages, FromUserName + CreateTime for events
    text: str = ""  # text, voice recognition, or CLICK key
    what: str = ""  # for unsupported: a Chinese name of what was sent


UNSUPPORTED_NAMES = {
    "image": "图片", "location": "位置", "link": "链接", "video": "视频",
    "shortvideo": "小视频", "file": "文件", "miniprogrampage": "小程序卡片",
}


def classify(data: dict[str, Any]) -> Incoming:
    """What the channel does with a message `check_message` accepted."""
    user = _flat(data.get("FromUserName")).strip()
    account = _flat(data.get("ToUserName")).strip()
    msg_type = _flat(data.get("MsgType")).strip().lower()
    msg_id = _flat(data.get("MsgId")).strip()
    created = _flat(data.get("CreateTime")).strip()
    if msg_type == "event":
        event = _flat(data.get("Event")).strip().lower()
        # WeChat's advice is FromUserName + CreateTime; the event name is added so that two
        # different events in the same second (subscribe, then a menu click) stay apart
        key = f"evt:{user}:{created}:{event}"
        # (subscribing by QR code or product scan is still Event "subscribe")
        if event in ("subscribe", "subscribe_scan", "subscribe_scan_product"):
            return Incoming("subscribe", user, account, key)
        if event == "click":
            return Incoming("click", user, account, key, text=_flat(data.get("EventKey")).strip())
        return Incoming("silent", user, account, key, what=event or "event")
    key = f"msg:{msg_id}" if msg_id else f"evt:{user}:{created}"
    if msg_type == "text":
        return Incoming("text", user, account, key, text=_flat(data.get("Content")))
    if msg_type == "voice":
        return Incoming("voice", user, account, key, text=_flat(data.get("Recognition")))
    return Incoming("unsupported", user, account, key,
                    what=UNSUPPORTED_NAMES.get(msg_type, "这类消息"))
