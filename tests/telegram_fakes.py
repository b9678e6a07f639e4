"""Fakes for the Telegram tests: no network, no token.

- `FakeRequest`: a python-telegram-bot `BaseRequest` that answers the Bot API methods the bot
  uses (getMe, sendMessage, answerCallbackQuery, editMessageText, ...) and records every call;
  failures (HTTP status + body, or an exception) can be queued per method.
- `message_update` / `callback_update`: Update JSON as Telegram sends it.
- `FakeBotApiServer`: a small HTTP Bot API server on 127.0.0.1 (a free port) for the
  end-to-end test: serves scripted updates through getUpdates and records the replies.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from telegram.request import BaseRequest, RequestData

from bot.assistant import Assistant
from bot.channels.telegram.settings import TelegramSettings
from bot.messages import Inbound, Outbound

STAFF = 111
OTHER_STAFF = 112
STRANGER = 666
COUNTIES = ["金寨县", "屯留区", "遂平县", "尤溪县"]


class SpyAssistant(Assistant):
    """The real Assistant's surface, recording calls; answers with `self.reply`."""

    def __init__(self, store=None):
        super().__init__(store=store)
        self.inbounds: list[Inbound] = []
        self.counties: list[tuple[str, str, str]] = []
        self.resets: list[tuple[str, str]] = []
        self.reply = Outbound(text="答复", intent="premium_amount", confidence=0.9)
        self.raise_error: Exception | None = None

    async def handle(self, inbound: Inbound) -> Outbound:
        self.inbounds.append(inbound)
        if self.raise_error is not None:
            raise self.raise_error
        return self.reply

    async def set_county(self, channel: str, user: str, county: str) -> None:
        self.counties.append((channel, user, county))

    async def reset(self, channel: str, user: str) -> None:
        self.resets.append((channel, user))
        await super().reset(channel, user)

    @staticmethod
    def county_names() -> list[str]:
        return list(COUNTIES)


def make_settings(**kw) -> TelegramSettings:
    kw.setdefault("network_backoff", 0.0)
    return TelegramSettings(token="123456:TEST-token", staff_ids=frozenset({STAFF, OTHER_STAFF}),
                            **kw)


BOT_ID = 999000111
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "医保测试", "username": "yibao_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}


def ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def error(status: int, description: str, **parameters: Any) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, json.dumps(body).encode()


def visible_length(text: str, parse_mode: str | None) -> int:
    """Length as Telegram counts it: UTF-16 units of the text after entity parsing."""
    if parse_mode == "HTML":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class BotApi:
    """The answers of a Bot API server, shared by FakeRequest and FakeBotApiServer."""

    def __init__(self) -> None:
        self._message_id = 0
        self._lock = threading.Lock()

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        chat_id = int(params["chat_id"])
        return {"message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER, "text": params.get("text", "")}

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, bytes]:
        if method == "getMe":
            return ok(BOT_USER)
        if method in ("sendMessage", "editMessageText"):
            if not str(params.get("text", "")).strip():
                return error(400, "Bad Request: message text is empty")
            if visible_length(str(params["text"]), params.get("parse_mode")) > 4096:
                return error(400, "Bad Request: message is too long")
            return ok(self._message(params))
        if method in ("answerCallbackQuery", "deleteWebhook", "setWebhook", "setMyCommands"):
            return ok(True)
        if method == "getUpdates":
            return ok([])
        return error(404, "Not Found: method not found")


class FakeRequest(BaseRequest):
    def __init__(self) -> None:
        self.api = BotApi()
        self.calls: list[Call] = []
        # method -> queue of (status, body) tuples or exceptions, used before the normal answer
        self.failures: dict[str, list[tuple[int, bytes] | Exception]] = {}

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def fail(self, method: str, *failures: tuple[int, bytes] | Exception) -> None:
        self.failures.setdefault(method, []).extend(failures)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None,
                         pool_timeout=None) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append(Call(api_method, params))
        queue = self.failures.get(api_method)
        if queue:
            failure = queue.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return self.api.answer(api_method, params)

    # -- inspection ---------------------------------------------------------------------------
    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    @property
    def sent(self) -> list[dict[str, Any]]:
        return self.of("sendMessage")

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [p["text"] for p in self.sent if chat_id is None or int(p["chat_id"]) == chat_id]

    def clear(self) -> None:
        self.calls.clear()


# -- updates ---------------------------------------------------------------------------------
def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"user{user_id}", "language_code": "zh"}


def message_json(update_id: int, user_id: int, text: str, chat_id: int | None = None,
                 *, edited: bool = False) -> dict[str, Any]:
    chat_id = user_id if chat_id is None else chat_id
    message: dict[str, Any] = {
        "message_id": update_id, "date": int(time.time()), "from": _user(user_id),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(command.encode("utf-16-le")) // 2}]
    return {"update_id": update_id, ("edited_message" if edited else "message"): message}


def photo_json(update_id: int, user_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "from": _user(user_id),
        "chat": {"id": user_id, "type": "private"},
        "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}}


def callback_json(update_id: int, user_id: int, data: str, *, message_id: int = 1,
                  chat_id: int | None = None) -> dict[str, Any]:
    chat_id = user_id if chat_id is None else chat_id
    return {"update_id": update_id, "callback_query": {
        "id": f"cq{update_id}", "from": _user(user_id), "chat_instance": "ci", "data": data,
        "message": {"message_id": message_id, "date": int(time.time()), "from": BOT_USER,
                    "chat": {"id": chat_id, "type": "private"}, "text": "请选择县区："}}}


# -- a Bot API server over HTTP ----------------------------------------------------------------
class FakeBotApiServer:
    """`with FakeBotApiServer(token, updates) as server:` — base URL in `server.base_url`.

    getUpdates hands out the scripted updates (respecting `offset`), then long-polls briefly
    and returns []; every call is recorded in `server.calls`.
    """

    def __init__(self, token: str, updates: list[dict[str, Any]] | None = None,
                 idle_poll: float = 0.2):
        self.token = token
        self.api = BotApi()
        self.calls: list[Call] = []
        self.updates = list(updates or [])
        self.idle_poll = idle_poll
        self.wrong_token_calls = 0
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == "sendMessage"
                    and (chat_id is None or int(c.params["chat_id"]) == chat_id)]

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    def wait_for(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def _record(self, method: str, params: dict[str, Any]) -> None:
        with self._changed:
            self.calls.append(Call(method, params))
            self._changed.notify_all()

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, bytes]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending and timeout > 0:
            time.sleep(min(timeout, self.idle_poll))
        return ok(pending)

    def __enter__(self) -> Self:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    params = json.loads(raw or b"{}")
                else:
                    params = {k: v[-1] for k, v in
                              urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}
                path = urllib.parse.urlparse(self.path).path
                prefix = f"/bot{server.token}/"
                if not path.startswith(prefix):
                    server.wrong_token_calls += 1
                    status, body = error(401, "Unauthorized")
                else:
                    method = path[len(prefix):]
                    server._record(method, params)
                    if method == "getUpdates":
                        status, body = server._get_updates(params)
                    else:
                        status, body = server.api.answer(method, params)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None and self._thread is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
