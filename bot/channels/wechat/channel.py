"""The webhook WeChat's servers call: one route per Official Account.

GET  /wechat[/<slug>]?signature&timestamp&nonce&echostr      server verification
POST /wechat[/<slug>]?signature&timestamp&nonce&openid[&encrypt_type=aes&msg_signature]

Every request: the signature (403 when wrong or when the timestamp is outside the replay
window). Then the body: read up to 64 KiB, parsed by `xmlsafe` (expat; no DTD, no entities),
decrypted in safe/compatible mode; anything that is not a WeChat message gets 400 and one log
line without the body. A well-formed message is handled once per MsgId (events: per
FromUserName + CreateTime) — retries get the first request's reply — and answered with a
passive reply within `reply_timeout`; what does not fit in 2048 bytes or is not ready in time
goes through the customer-service API, or, for an account that cannot use it, waits for the
user to reply "1".
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import types
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import httpx
from starlette.routing import Route

from bot.config import WeChatAccount, WeChatSettings
from bot.messages import Inbound
from bot.stores import Store

from . import replies
from .api import UNAUTHORIZED, WeChatAPI, WeChatAPIError
from .dedupe import Deduper
from .logutil import describe_body, mask
from .menu import INTENT_IDS, INTENT_LABELS, MenuError, click_labels, menu_for
from .messages import BadMessage, Incoming, check_message, classify
from .protocol import (
    NONCE_RE,
    AccountCrypto,
    DecryptError,
    sha1_signature,
    signature_ok,
    timestamp_fresh,
)
from .xmlsafe import MAX_BODY_BYTES, BadXML, parse_xml

log = logging.getLogger("bot.wechat")

MORE_WORDS = {"1", "１", "更多", "继续", "查看更多"}
CONTINUATION_TTL = 30 * 60
_XML = b"application/xml; charset=utf-8"
_TEXT = b"text/plain; charset=utf-8"


class Rejected(Exception):
    """A request refused with `status`; `reason` goes to the log (once)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class AccountRuntime:
    account: WeChatAccount
    crypto: AccountCrypto | None
    api: WeChatAPI | None
    labels: dict[str, str] = field(default_factory=dict)
    customer_service: bool = False  # turned off at run time when WeChat says 48001


class WeChatChannel:
    def __init__(self, settings: WeChatSettings, assistant: Any, store: Store, *,
                 default_county: str | None = None, http_client: httpx.AsyncClient | None = None,
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self.assistant = assistant
        self.store = store
        self.default_county = default_county
        self.clock = clock
        self.deduper = Deduper(store, ttl=settings.dedupe_ttl,
                               wait_timeout=settings.reply_timeout + 0.3)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._http = http_client
        self.accounts: dict[str, AccountRuntime] = {}
        for acc in settings.accounts:
            crypto = AccountCrypto(acc.token, acc.aes_key, acc.appid) if acc.aes_key else None
            api = (WeChatAPI(acc.appid, acc.secret, settings.api_base, client=http_client)
                   if acc.appid and acc.secret else None)
            labels = dict(INTENT_LABELS)
            slug = acc.slug or _slug_of(acc.county)
            if slug:
                try:
                    labels.update(click_labels(menu_for(slug)))
                except MenuError:
                    pass
            self.accounts[acc.path] = AccountRuntime(acc, crypto, api, labels,
                                                     customer_service=acc.customer_service)

    # -- wiring ----------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        return [Route(path, self._endpoint_for(rt), methods=["GET", "POST"],
                      name=f"wechat-{rt.account.name}")
                for path, rt in self.accounts.items()]

    def _endpoint_for(self, rt: AccountRuntime) -> _Endpoint:
        return _Endpoint(self, rt)

    async def aclose(self, timeout: float = 5.0) -> None:
        """Let background deliveries finish (up to `timeout`), then close the API clients."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
        for rt in self.accounts.values():
            if rt.api is not None:
                await rt.api.aclose()

    async def drain(self) -> None:
        """Wait until background deliveries are done (for tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- HTTP ------------------------------------------------------------------------------
    # A plain ASGI endpoint (no Request/Response objects): this path is the hot one.
    async def handle_request(self, scope: Any, receive: Any, send: Any,
                             rt: AccountRuntime) -> None:
        body = b""
        try:
            query = _parse_query(scope.get("query_string", b""))
            self._check_signature(query, rt)
            if scope["method"] != "POST":
                echostr = query.get("echostr")
                if not echostr or len(echostr) > 256:
                    raise Rejected(400, "verification request without a usable echostr")
                await _send(send, 200, echostr.encode("utf-8"), _TEXT)
                return
            body = await _read_body(scope, receive)
            status, content, ctype = await self._handle_post(query, body, rt)
        except Rejected as exc:
            log.warning("wechat[%s]: %s %s -> %d: %s (%s)", rt.account.name, scope["method"],
                        scope.get("path", ""), exc.status, exc.reason, describe_body(body))
            status, ctype = exc.status, _TEXT
            content = b"forbidden" if exc.status == 403 else b"bad request"
        except Exception:  # noqa: BLE001 - WeChat must never see a 500
            log.exception("wechat[%s]: unexpected error (%s)", rt.account.name,
                          describe_body(body))
            status, content, ctype = 200, b"success", _TEXT
        await _send(send, status, content, ctype)

    def _check_signature(self, query: Any, rt: AccountRuntime) -> None:
        timestamp = query.get("timestamp", "")
        nonce = query.get("nonce", "")
        if not NONCE_RE.match(nonce) or not timestamp.isdigit() or len(timestamp) > 12:
            raise Rejected(403, "missing or malformed timestamp/nonce")
        expected = sha1_signature(rt.account.token, timestamp, nonce)
        if not signature_ok(expected, query.get("signature")):
            raise Rejected(403, "bad signature")
        if not timestamp_fresh(timestamp, self.settings.replay_window, self.clock()):
            raise Rejected(403, f"timestamp {timestamp} outside the replay window "
                                f"({self.settings.replay_window} s)")

    async def _handle_post(self, query: dict[str, str], body: bytes,
                           rt: AccountRuntime) -> tuple[int, bytes, bytes]:
        try:
            outer = parse_xml(body)
        except BadXML as exc:
            raise Rejected(400, exc.reason) from None
        encrypt_type = (query.get("encrypt_type") or "raw").lower()
        nonce = query.get("nonce", "")
        timestamp = query.get("timestamp", "")
        if encrypt_type == "aes":
            if rt.crypto is None:
                raise Rejected(400, "encrypted message, but this account has no aes_key "
                                    "(set WECHAT_AES_KEY / aes_key, or switch the account to "
                                    "plaintext mode)")
            encrypt = outer.get("Encrypt")
            if not isinstance(encrypt, str) or not encrypt.strip():
                raise Rejected(400, "encrypted message without Encrypt")
            encrypt = encrypt.strip()
            if not signature_ok(rt.crypto.msg_signature(timestamp, nonce, encrypt),
                                query.get("msg_signature")):
                raise Rejected(403, "bad msg_signature")
            try:
                inner_xml = rt.crypto.decrypt(encrypt)
            except DecryptError as exc:
                raise Rejected(400, exc.reason) from None
            try:
                data = parse_xml(inner_xml.encode("utf-8"))
            except BadXML as exc:
                raise Rejected(400, f"decrypted message: {exc.reason}") from None
        elif encrypt_type == "raw":
            if rt.crypto is not None:
                raise Rejected(400, "plaintext message, but this account is in safe mode "
                                    "(switch the Official Account to 安全模式 or 兼容模式, or "
                                    "remove the aes_key)")
            data = outer
        else:
            raise Rejected(400, f"unknown encrypt_type {encrypt_type[:20]!r}")
        try:
            check_message(data)
        except BadMessage as exc:
            raise Rejected(400, exc.reason) from None
        inc = classify(data)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("wechat[%s]: %s from %s: %s", rt.account.name, inc.kind, inc.user,
                      mask(inc.text))
        reply_xml = await self.deduper.run(f"wx:{rt.account.name}:{inc.dedupe_key}",
                                           lambda: self._respond(rt, inc), fallback="")
        if not reply_xml:
            return 200, b"success", _TEXT
        if encrypt_type == "aes":
            assert rt.crypto is not None
            reply_xml = rt.crypto.encrypt_reply(reply_xml, nonce, str(int(self.clock())))
        return 200, reply_xml.encode("utf-8"), _XML

    # -- what to answer --------------------------------------------------------------------
    def _county(self, rt: AccountRuntime) -> str | None:
        return rt.account.county or self.default_county

    async def _respond(self, rt: AccountRuntime, inc: Incoming) -> str:
        """The passive reply XML for one message ("" = no reply, answer "success")."""
        county = self._county(rt)
        if inc.kind == "silent":
            return ""
        if inc.kind == "subscribe":
            text = replies.welcome_text(county)
        elif inc.kind == "unsupported":
            text = replies.unsupported_text(inc.what, county)
        elif inc.kind == "voice" and not inc.text.strip():
            text = replies.VOICE_EMPTY_TEXT
        elif inc.kind == "click":
            if inc.text in INTENT_IDS:
                text = await self._ask(rt, inc, rt.labels.get(inc.text, inc.text), inc.text)
            else:
                text = replies.welcome_text(county)
        else:  # text or recognised voice
            question = inc.text.strip()
            if not question:
                text = replies.welcome_text(county)
            elif question in MORE_WORDS and (more := await self._continuation(rt, inc)):
                text = more
            else:
                text = await self._ask(rt, inc, question, None)
        return replies.render_text(inc.user, inc.account, text, int(self.clock()))

    async def _ask(self, rt: AccountRuntime, inc: Incoming, text: str,
                   intent_hint: str | None) -> str:
        inbound = Inbound(channel="wechat", user=inc.user, text=text, county=self._county(rt),
                          intent_hint=intent_hint)
        task = _start_eagerly(self.assistant.handle(inbound))
        await _wait_at_most(task, self.settings.reply_timeout)
        if task.done():
            return await self._first_part(rt, inc, _answer_text(task))
        # too slow for the passive reply: answer later
        log.info("wechat[%s]: answer slower than %.1f s, delivering it later",
                 rt.account.name, self.settings.reply_timeout)
        if rt.customer_service and rt.api is not None:
            self._spawn(self._deliver_late(rt, inc, task))
            return replies.HOLDING_TEXT_CS
        await self.store.save_session(self._more_key(rt, inc), {"pending": True},
                                      CONTINUATION_TTL)
        self._spawn(self._deliver_late(rt, inc, task))
        return replies.HOLDING_TEXT_NO_CS

    async def _first_part(self, rt: AccountRuntime, inc: Incoming, text: str) -> str:
        """What fits in the passive reply; the rest is sent or kept for "1"."""
        text = replies.clean_text(text).strip() or replies.ERROR_TEXT
        if replies.utf8_len(text) <= replies.PASSIVE_LIMIT:
            return text
        if rt.customer_service and rt.api is not None:
            parts = replies.split_text(text, replies.CUSTOMER_SERVICE_LIMIT,
                                       first_limit=replies.PASSIVE_LIMIT)
            self._spawn(self._send_parts(rt, inc, parts[1:], self.settings.customer_service_delay))
            return parts[0]
        return await self._keep_for_more(rt, inc, text)

    # -- "回复 1 查看…" ----------------------------------------------------------------------
    _OFFER_RESERVE = replies.utf8_len("\n\n" + replies.more_offer("") + "一二三四五六") + 8

    def _more_key(self, rt: AccountRuntime, inc: Incoming) -> str:
        return f"wechat-more:{rt.account.name}:{inc.user}"

    async def _keep_for_more(self, rt: AccountRuntime, inc: Incoming, text: str) -> str:
        parts = replies.split_text(text, replies.PASSIVE_LIMIT - self._OFFER_RESERVE)
        return await self._serve_parts(rt, inc, parts)

    async def _keep_all(self, rt: AccountRuntime, inc: Incoming, text: str) -> None:
        """Keep the whole of `text` for the user's next "1"."""
        parts = replies.split_text(text, replies.PASSIVE_LIMIT - self._OFFER_RESERVE)
        await self.store.save_session(self._more_key(rt, inc), {"parts": parts},
                                      CONTINUATION_TTL)

    async def _serve_parts(self, rt: AccountRuntime, inc: Incoming, parts: list[str]) -> str:
        key = self._more_key(rt, inc)
        head, rest = parts[0], parts[1:]
        if rest:
            await self.store.save_session(key, {"parts": rest}, CONTINUATION_TTL)
            return head + "\n\n" + replies.more_offer(rest[0])
        await self.store.delete_session(key)
        return head

    async def _continuation(self, rt: AccountRuntime, inc: Incoming) -> str | None:
        saved = await self.store.get_session(self._more_key(rt, inc))
        if not saved:
            return None
        if saved.get("pending"):
            return replies.PENDING_TEXT
        parts = [p for p in saved.get("parts", []) if isinstance(p, str)]
        if not parts:
            return None
        return await self._serve_parts(rt, inc, parts)

    # -- background delivery ---------------------------------------------------------------
    async def _deliver_late(self, rt: AccountRuntime, inc: Incoming, task: asyncio.Future) -> None:
        await asyncio.wait({task})  # its exception, if any, is logged by _answer_text
        text = replies.clean_text(_answer_text(task)).strip() or replies.ERROR_TEXT
        if rt.customer_service and rt.api is not None:
            parts = replies.split_text(text, replies.CUSTOMER_SERVICE_LIMIT)
            await self._send_parts(rt, inc, parts, 0.0)
        else:
            await self._keep_all(rt, inc, text)

    async def _send_parts(self, rt: AccountRuntime, inc: Incoming, parts: list[str],
                          delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)  # let the passive reply arrive first
        assert rt.api is not None
        for i, part in enumerate(parts):
            try:
                await rt.api.send_text(inc.user, part)
            except WeChatAPIError as exc:
                log.error("wechat[%s]: customer-service message to %s failed: %s",
                          rt.account.name, inc.user, exc)
                if exc.errcode in UNAUTHORIZED:
                    log.warning("wechat[%s]: this account may not use the customer-service "
                                "API; long answers will offer \"回复 1\" instead",
                                rt.account.name)
                    rt.customer_service = False
                # keep what was not sent, so "1" still reaches it
                await self._keep_all(rt, inc, "\n\n".join(parts[i:]))
                return


def _answer_text(task: asyncio.Future) -> str:
    try:
        out = task.result()
    except Exception:
        log.exception("wechat: the assistant failed")
        return replies.ERROR_TEXT
    text = getattr(out, "text", None)
    return text if isinstance(text, str) and text.strip() else replies.ERROR_TEXT


def _slug_of(county: str | None) -> str | None:
    from bot.config import COUNTY_SLUGS

    return COUNTY_SLUGS.get(county or "")


def _start_eagerly(coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
    """Run `coro` now up to its first suspension; a future of its outcome. An answer that
    needs no I/O (most: the assistant works in memory) is ready at once, without a task and
    the two trips through the event loop a task and its waiter cost. What does suspend goes
    on in a task (Python 3.12's eager tasks, by hand: this runs on 3.11). Both the first step
    and the task run in one copied context, as a task's steps do, so context variables set
    before the first suspension (a request id, a token to reset) stay valid after it."""
    context = contextvars.copy_context()
    try:
        pending = context.run(coro.send, None)
    except StopIteration as done:
        future = asyncio.get_running_loop().create_future()
        future.set_result(done.value)
        return future
    except Exception as exc:  # noqa: BLE001 - delivered like a task's exception
        future = asyncio.get_running_loop().create_future()
        future.set_exception(exc)
        return future
    return asyncio.get_running_loop().create_task(_finish(coro, pending), context=context)


async def _finish(coro: Coroutine[Any, Any, Any], pending: Any) -> Any:
    return await _resumed(coro, pending)


@types.coroutine
def _resumed(coro: Coroutine[Any, Any, Any], pending: Any) -> Generator[Any, None, Any]:
    """The rest of `coro`, suspended on `pending` (what it yielded to the event loop) after its
    first step: `yield from coro`, had it not been started. Whatever the driving task throws
    in (cancellation) is passed on to `coro`."""
    while True:
        try:
            yield pending
        except BaseException as exc:  # noqa: BLE001 - forwarded, not handled
            step, arg = coro.throw, exc
        else:
            step, arg = coro.send, None
        try:
            pending = step(arg)
        except StopIteration as done:
            return done.value


async def _wait_at_most(task: asyncio.Future, timeout: float) -> None:
    """Wait until `task` is done or `timeout` passed, leaving it running (asyncio.wait's job
    with fewer objects: this is on every message's path)."""
    if task.done():
        return
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    timer = loop.call_later(timeout, wake)
    task.add_done_callback(wake)
    try:
        await waiter
    finally:
        timer.cancel()
        task.remove_done_callback(wake)


class _Endpoint:
    """The ASGI app of one account's route (Starlette mounts a non-function endpoint as is)."""

    def __init__(self, channel: WeChatChannel, rt: AccountRuntime):
        self.channel = channel
        self.rt = rt

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.channel.handle_request(scope, receive, send, self.rt)


def _parse_query(raw: bytes) -> dict[str, str]:
    """The query string as {name: first value}. WeChat's parameters are plain ASCII, so the
    common case is one decode and a split; anything escaped is unquoted."""
    text = raw.decode("latin-1")
    escaped = "%" in text or "+" in text
    out: dict[str, str] = {}
    for part in text.split("&"):
        name, _, value = part.partition("=")
        if escaped:
            name, value = unquote_plus(name), unquote_plus(value)
        out.setdefault(name, value)
    return out


async def _send(send: Any, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _read_body(scope: Any, receive: Any) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            if not value.isdigit():
                raise Rejected(400, "bad Content-Length")
            if int(value) > MAX_BODY_BYTES:
                raise Rejected(400, f"body larger than {MAX_BODY_BYTES} bytes")
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            raise Rejected(400, "client went away before sending the body")
        chunks += message.get("body", b"")
        if len(chunks) > MAX_BODY_BYTES:
            raise Rejected(400, f"body larger than {MAX_BODY_BYTES} bytes")
        if not message.get("more_body", False):
            return bytes(chunks)
