"""The few WeChat server APIs the channel calls, over httpx, against a configurable base URL
(`WECHAT_API_BASE`, default https://api.weixin.qq.com) so tests and private gateways can
stand in for WeChat.

* access token: `POST /cgi-bin/stable_token` (the stable token does not invalidate the token
  another worker holds, unlike `/cgi-bin/token`), cached until shortly before it expires;
* customer-service message (客服消息): `POST /cgi-bin/message/custom/send`;
* custom menu: `POST /cgi-bin/menu/create`, `GET /cgi-bin/get_current_selfmenu_info`.

Bodies are sent as UTF-8 JSON without \\u escapes (WeChat shows escaped Chinese literally in
menus). The access token travels in the query string, so httpx's request log (logger "httpx",
INFO) would print it: `python -m bot serve` sets that logger to WARNING.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

TOKEN_ERRORS = {40001, 40014, 42001}  # invalid / expired access token: refresh once and retry
UNAUTHORIZED = {48001}  # api unauthorized: this account may not use the API at all


class WeChatAPIError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatAPI:
    def __init__(self, appid: str, secret: str, base_url: str,
                 client: httpx.AsyncClient | None = None, timeout: float = 5.0):
        self.appid = appid
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._own_client = client is None
        self._timeout = timeout
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"WeChatAPI(appid={self.appid!r}, base_url={self.base_url!r})"

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        return self._client

    async def aclose(self) -> None:
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- transport ---------------------------------------------------------------------------
    async def _request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                       body: Any = None) -> dict[str, Any]:
        content = None
        headers = {}
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            resp = await self.client.request(method, self.base_url + path, params=params,
                                             content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise WeChatAPIError(-1, f"{type(exc).__name__}: cannot reach {self.base_url}") \
                from None
        if resp.status_code != 200:
            raise WeChatAPIError(-1, f"HTTP {resp.status_code} from {path}")
        try:
            data = resp.json()
        except ValueError:
            raise WeChatAPIError(-1, f"{path} did not answer JSON") from None
        if not isinstance(data, dict):
            raise WeChatAPIError(-1, f"{path} answered {type(data).__name__}, not an object")
        errcode = data.get("errcode", 0)
        if errcode not in (0, None):
            raise WeChatAPIError(int(errcode), str(data.get("errmsg", "")))
        return data

    async def access_token(self, force: bool = False) -> str:
        async with self._lock:
            if not force and self._token and time.monotonic() < self._token_expires:
                return self._token
            data = await self._request("POST", "/cgi-bin/stable_token", body={
                "grant_type": "client_credential", "appid": self.appid,
                "secret": self._secret, "force_refresh": bool(force)})
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise WeChatAPIError(-1, "stable_token answered no access_token")
            expires_in = data.get("expires_in", 7200)
            expires_in = expires_in if isinstance(expires_in, int) else 7200
            self._token = token
            self._token_expires = time.monotonic() + max(expires_in - 300, 60)
            return token

    async def call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        """Call an access-token API; refreshes the token once when WeChat says it expired."""
        for attempt in (0, 1):
            token = await self.access_token(force=attempt == 1)
            try:
                return await self._request(method, path, params={"access_token": token},
                                           body=body)
            except WeChatAPIError as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 0:
                    continue
                raise
        raise AssertionError("unreachable")

    # -- APIs ------------------------------------------------------------------------------
    async def send_text(self, openid: str, text: str) -> None:
        await self.call("POST", "/cgi-bin/message/custom/send", {
            "touser": openid, "msgtype": "text", "text": {"content": text}})

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("POST", "/cgi-bin/menu/create", menu)
