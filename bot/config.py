"""Settings for every channel, from the environment and an optional TOML file (`BOT_CONFIG`).

    settings = load_settings()          # raises ConfigError with a readable message
    settings = load_settings_or_exit()  # for commands: prints the message, exits with code 2

Environment (each overrides the same setting in the file):

    WECHAT_TOKEN, WECHAT_APPID, WECHAT_AES_KEY, WECHAT_SECRET, BOT_COUNTY
        one Official Account, served at /wechat (WECHAT_AES_KEY set = safe mode)
    WECHAT_API_BASE, WECHAT_REPLAY_WINDOW, WECHAT_REPLY_TIMEOUT, WECHAT_CUSTOMER_SERVICE
    TELEGRAM_TOKEN, TELEGRAM_STAFF_IDS (comma separated), TELEGRAM_BASE_URL,
    TELEGRAM_WEBHOOK_URL, TELEGRAM_SECRET_TOKEN
    BOT_REDIS_URL, BOT_SESSION_TTL (seconds), BOT_LOG_JSON (1/0), BOT_LOG_LEVEL
    BOT_CONFIG=path.toml

The file (every key optional; unknown keys are errors, so typos do not pass silently):

    county = "金寨县"                    # default county for channels without their own
    redis_url = "redis://127.0.0.1:6379/0"
    session_ttl = 1800
    rate_limit = 20                     # messages per user per rate_window seconds; 0 = off
    rate_window = 60
    log_json = true
    log_level = "INFO"

    [wechat]
    api_base = "https://api.weixin.qq.com"
    replay_window = 300                 # seconds; 0 turns the timestamp check off
    reply_timeout = 4.0                 # seconds the passive reply waits for the assistant
    dedupe_ttl = 300
    customer_service_delay = 0.3

    [[wechat.accounts]]
    county = "金寨县"                    # served at /wechat/jinzhai (slug from the county)
    token = "${JINZHAI_WECHAT_TOKEN}"   # "${NAME}" reads the environment variable NAME
    appid = "wx0123456789abcdef"
    aes_key = "${JINZHAI_WECHAT_AES_KEY}"
    secret = "${JINZHAI_WECHAT_SECRET}"
    # slug = "jinzhai"; customer_service = true (default: true when a secret is set)

    [telegram]
    token = "${TELEGRAM_TOKEN}"
    staff_ids = [12345]
    base_url = ""
    webhook_url = ""
    secret_token = ""
"""

from __future__ import annotations

import base64
import binascii
import difflib
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_SESSION_TTL = 30 * 60

# slug <-> display name of the counties this deployment can answer for
COUNTY_SLUGS: dict[str, str] = {
    "金寨县": "jinzhai",
    "屯留区": "tunliu",
    "遂平县": "suiping",
    "尤溪县": "youxi",
}


class ConfigError(Exception):
    """Invalid or unknown configuration; the message is meant for the person deploying."""


# -- settings objects ------------------------------------------------------------------------
@dataclass(frozen=True)
class WeChatAccount:
    token: str
    appid: str = ""
    aes_key: str | None = None  # EncodingAESKey (43 chars); set = safe mode
    secret: str | None = None  # AppSecret, for the customer-service and menu APIs
    county: str | None = None  # display name, e.g. "金寨县"
    slug: str = ""  # "" = the environment's single account, served at /wechat
    customer_service: bool = False  # may this account use the 客服消息 API?

    @property
    def path(self) -> str:
        return f"/wechat/{self.slug}" if self.slug else "/wechat"

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)

    @property
    def name(self) -> str:
        return self.slug or "default"

    def __repr__(self) -> str:  # never print credentials
        return (f"WeChatAccount(path={self.path!r}, county={self.county!r}, "
                f"appid={self.appid!r}, safe_mode={self.safe_mode}, "
                f"customer_service={self.customer_service})")


@dataclass(frozen=True)
class WeChatSettings:
    accounts: tuple[WeChatAccount, ...] = ()
    api_base: str = DEFAULT_WECHAT_API_BASE
    replay_window: int = 300
    reply_timeout: float = 4.0
    dedupe_ttl: int = 300
    customer_service_delay: float = 0.3


@dataclass(frozen=True)
class TelegramSettings:
    token: str | None = None
    staff_ids: tuple[int, ...] = ()
    base_url: str | None = None
    webhook_url: str | None = None
    secret_token: str | None = None

    def __repr__(self) -> str:
        return (f"TelegramSettings(token={'***' if self.token else None}, "
                f"staff_ids={self.staff_ids!r}, base_url={self.base_url!r}, "
                f"webhook_url={self.webhook_url!r})")


@dataclass(frozen=True)
class Settings:
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    county: str | None = None  # BOT_COUNTY: default county for channels without their own
    redis_url: str | None = None
    session_ttl: int = DEFAULT_SESSION_TTL
    rate_limit: int = 20  # messages per user per rate_window seconds; 0 turns it off
    rate_window: int = 60
    log_json: bool = False
    log_level: str = "INFO"
    config_path: str | None = None

    @property
    def wechat_accounts(self) -> tuple[WeChatAccount, ...]:
        return self.wechat.accounts


# -- public entry points ---------------------------------------------------------------------
def load_settings(env: Mapping[str, str] | None = None,
                  config_path: str | None = None) -> Settings:
    """Settings from `env` (default: os.environ) and the TOML file named by `config_path` or
    BOT_CONFIG. Raises ConfigError."""
    env = dict(os.environ if env is None else env)
    path = config_path if config_path is not None else (env.get("BOT_CONFIG") or None)
    data: dict[str, Any] = _read_toml(path) if path else {}
    return _build(data, env, path)


def load_settings_or_exit(env: Mapping[str, str] | None = None,
                          config_path: str | None = None) -> Settings:
    try:
        return load_settings(env, config_path)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def resolve_county(name: str, known: list[str] | None = None) -> str:
    """The display name of county `name`, accepting its slug, its short name ("金寨") and a
    longer name that ends with it ("长治市屯留区"). Raises ConfigError when unknown."""
    if known is None:
        from bot.assistant import Assistant

        known = list(Assistant.county_names())
    raw = (name or "").strip()
    if not raw:
        raise ConfigError("empty county name")
    if raw in known:
        return raw
    by_slug = {slug: county for county, slug in COUNTY_SLUGS.items() if county in known}
    if raw.lower() in by_slug:
        return by_slug[raw.lower()]
    matches = [c for c in known if raw.endswith(c)]
    if not matches:
        short = re.sub(r"[县区市]$", "", raw)
        if short:
            matches = [c for c in known if re.sub(r"[县区市]$", "", c) == short
                       or raw.endswith(re.sub(r"[县区市]$", "", c))]
    if len(matches) == 1:
        return matches[0]
    raise ConfigError(f"unknown county {raw!r}; accepted: {', '.join(known)}")


# -- internals -------------------------------------------------------------------------------
_TOP_KEYS = {"county", "redis_url", "session_ttl", "rate_limit", "rate_window", "log_json", "log_level",
             "wechat", "telegram"}
_WECHAT_KEYS = {"api_base", "replay_window", "reply_timeout", "dedupe_ttl",
                "customer_service_delay", "accounts"}
_ACCOUNT_KEYS = {"slug", "county", "token", "appid", "aes_key", "secret", "customer_service"}
_TELEGRAM_KEYS = {"token", "staff_ids", "base_url", "webhook_url", "secret_token"}
_TOKEN_RE = re.compile(r"^[A-Za-z0-9]{3,32}$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_APPID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"BOT_CONFIG file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read BOT_CONFIG file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _check_keys(where: str, table: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            more = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"{where}: unknown key {key!r}{more}; "
                              f"allowed: {', '.join(sorted(allowed))}")
    return table


def _expand(where: str, value: Any, env: Mapping[str, str]) -> Any:
    """Replace "${NAME}" in strings by environment variable NAME (an error when unset)."""
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in env:
            raise ConfigError(f"{where} refers to ${{{m.group(1)}}}, "
                              f"but the environment variable {m.group(1)} is not set")
        return env[m.group(1)]

    return _ENV_REF.sub(sub, value)


def _str(where: str, value: Any, env: Mapping[str, str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, not {type(value).__name__}")
    value = _expand(where, value, env).strip()
    return value or None


def _int(where: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be a whole number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ConfigError(f"{where} must be a whole number, got {value!r}") from None
    if not isinstance(value, int):
        raise ConfigError(f"{where} must be a whole number")
    if value < minimum:
        raise ConfigError(f"{where} must be at least {minimum}, got {value}")
    return value


def _float(where: str, value: Any, minimum: float = 0.0) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be a number")
    try:
        result = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be a number, got {value!r}") from None
    if not result >= minimum:  # also rejects NaN
        raise ConfigError(f"{where} must be at least {minimum}, got {value!r}")
    return result


def _bool(where: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
    raise ConfigError(f"{where} must be true or false, got {value!r}")


def _url(where: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not re.match(r"^https?://[^\s/]+", value):
        raise ConfigError(f"{where} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _aes_key(where: str, value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) != 43:
        raise ConfigError(f"{where}: an EncodingAESKey has 43 characters, this one has "
                          f"{len(value)}")
    try:
        key = base64.b64decode(value + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where}: the EncodingAESKey is not valid base64") from None
    if len(key) != 32:
        raise ConfigError(f"{where}: the EncodingAESKey does not decode to 32 bytes")
    return value


def _account(where: str, raw: Mapping[str, Any], env: Mapping[str, str], *, slug: str | None,
             default_cs: bool | None) -> WeChatAccount:
    token = _str(f"{where}.token", raw.get("token"), env)
    if not token:
        raise ConfigError(f"{where}: token is required (the Token set in the Official "
                          "Account's server configuration)")
    if not _TOKEN_RE.match(token):
        raise ConfigError(f"{where}: the token must be 3-32 English letters or digits, "
                          "as WeChat requires")
    appid = _str(f"{where}.appid", raw.get("appid"), env) or ""
    if appid and not _APPID_RE.match(appid):
        raise ConfigError(f"{where}: appid {appid!r} is not an AppID")
    aes_key = _aes_key(f"{where}.aes_key", _str(f"{where}.aes_key", raw.get("aes_key"), env))
    if aes_key and not appid:
        raise ConfigError(f"{where}: safe mode (aes_key) needs the appid too")
    secret = _str(f"{where}.secret", raw.get("secret"), env)
    county_raw = _str(f"{where}.county", raw.get("county"), env)
    county = None
    if county_raw:
        try:
            county = resolve_county(county_raw)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if slug is None:
        slug = _str(f"{where}.slug", raw.get("slug"), env) or (
            COUNTY_SLUGS.get(county or "") or "")
        if not slug:
            raise ConfigError(f"{where}: give a slug (or a county) so the account has a URL")
        if not _SLUG_RE.match(slug):
            raise ConfigError(f"{where}: slug {slug!r} must be lower-case letters, digits, "
                              "'-' or '_'")
    cs_value = raw.get("customer_service", default_cs)
    customer_service = (bool(secret and appid) if cs_value is None
                        else _bool(f"{where}.customer_service", cs_value))
    if customer_service and not (secret and appid):
        raise ConfigError(f"{where}: the customer-service API needs appid and secret")
    return WeChatAccount(token=token, appid=appid, aes_key=aes_key, secret=secret,
                         county=county, slug=slug, customer_service=customer_service)


def _build(data: dict[str, Any], env: Mapping[str, str], path: str | None) -> Settings:
    where = path or "config"
    _check_keys(where, data, _TOP_KEYS)
    wechat_raw = _check_keys(f"{where} [wechat]", data.get("wechat", {}), _WECHAT_KEYS)
    telegram_raw = _check_keys(f"{where} [telegram]", data.get("telegram", {}), _TELEGRAM_KEYS)

    def pick(env_name: str, file_value: Any) -> Any:
        value = env.get(env_name)
        return value if value not in (None, "") else file_value

    # general ---------------------------------------------------------------------------
    county_raw = _str("BOT_COUNTY", pick("BOT_COUNTY", data.get("county")), env)
    county = resolve_county(county_raw) if county_raw else None
    redis_url = _str("BOT_REDIS_URL", pick("BOT_REDIS_URL", data.get("redis_url")), env)
    if redis_url and not re.match(r"^(redis|rediss|unix)://", redis_url):
        raise ConfigError(f"BOT_REDIS_URL must start with redis://, rediss:// or unix://, "
                          f"got {redis_url!r}")
    session_ttl = _int("BOT_SESSION_TTL / session_ttl",
                       pick("BOT_SESSION_TTL", data.get("session_ttl", DEFAULT_SESSION_TTL)), 1)
    rate_limit = _int("BOT_RATE_LIMIT / rate_limit",
                      pick("BOT_RATE_LIMIT", data.get("rate_limit", 20)), 0)
    rate_window = _int("BOT_RATE_WINDOW / rate_window",
                       pick("BOT_RATE_WINDOW", data.get("rate_window", 60)), 1)
    log_json = _bool("BOT_LOG_JSON / log_json", pick("BOT_LOG_JSON", data.get("log_json", False)))
    log_level = str(pick("BOT_LOG_LEVEL", data.get("log_level", "INFO"))).upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"BOT_LOG_LEVEL / log_level: unknown level {log_level!r}")

    # wechat ----------------------------------------------------------------------------
    api_base = _url("WECHAT_API_BASE / wechat.api_base",
                    _str("wechat.api_base", pick("WECHAT_API_BASE", wechat_raw.get("api_base")),
                         env)) or DEFAULT_WECHAT_API_BASE
    replay_window = _int("WECHAT_REPLAY_WINDOW / wechat.replay_window",
                         pick("WECHAT_REPLAY_WINDOW", wechat_raw.get("replay_window", 300)))
    reply_timeout = _float("WECHAT_REPLY_TIMEOUT / wechat.reply_timeout",
                           pick("WECHAT_REPLY_TIMEOUT", wechat_raw.get("reply_timeout", 4.0)))
    if reply_timeout <= 0 or reply_timeout > 4.8:
        raise ConfigError("WECHAT_REPLY_TIMEOUT / wechat.reply_timeout must be above 0 and at "
                          "most 4.8 seconds (WeChat waits 5 seconds for the passive reply)")
    dedupe_ttl = _int("wechat.dedupe_ttl", wechat_raw.get("dedupe_ttl", 300), 30)
    cs_delay = _float("wechat.customer_service_delay",
                      wechat_raw.get("customer_service_delay", 0.3))
    env_cs = env.get("WECHAT_CUSTOMER_SERVICE")

    accounts: list[WeChatAccount] = []
    if env.get("WECHAT_TOKEN"):
        accounts.append(_account("environment (WECHAT_*)", {
            "token": env.get("WECHAT_TOKEN"), "appid": env.get("WECHAT_APPID"),
            "aes_key": env.get("WECHAT_AES_KEY"), "secret": env.get("WECHAT_SECRET"),
            "county": county_raw,
            "customer_service": env_cs if env_cs not in (None, "") else None,
        }, {}, slug="", default_cs=None))
    else:
        for name in ("WECHAT_APPID", "WECHAT_AES_KEY", "WECHAT_SECRET"):
            if env.get(name):
                raise ConfigError(f"{name} is set but WECHAT_TOKEN is not")
    raw_accounts = wechat_raw.get("accounts", [])
    if not isinstance(raw_accounts, list):
        raise ConfigError(f"{where}: [[wechat.accounts]] must be an array of tables")
    for i, raw in enumerate(raw_accounts):
        label = f"{where} [[wechat.accounts]] #{i + 1}"
        _check_keys(label, raw, _ACCOUNT_KEYS)
        accounts.append(_account(label, raw, env, slug=None, default_cs=None))
    seen: dict[str, str] = {}
    for acc in accounts:
        if acc.path in seen:
            raise ConfigError(f"two WeChat accounts are served at {acc.path}")
        seen[acc.path] = acc.name

    # telegram --------------------------------------------------------------------------
    tg_token = _str("TELEGRAM_TOKEN", pick("TELEGRAM_TOKEN", telegram_raw.get("token")), env)
    staff_raw = pick("TELEGRAM_STAFF_IDS", telegram_raw.get("staff_ids", ()))
    if isinstance(staff_raw, str):
        staff_items: list[Any] = [s for s in re.split(r"[,\s]+", staff_raw) if s]
    elif isinstance(staff_raw, (list, tuple)):
        staff_items = list(staff_raw)
    else:
        raise ConfigError("TELEGRAM_STAFF_IDS / telegram.staff_ids must be a list of user ids")
    staff_ids: list[int] = []
    for item in staff_items:
        try:
            if isinstance(item, bool):
                raise ValueError(item)  # noqa: TRY004 - reported as a config error below
            staff_ids.append(int(item))
        except (TypeError, ValueError):
            raise ConfigError(f"TELEGRAM_STAFF_IDS: {item!r} is not a numeric user id") from None
    telegram = TelegramSettings(
        token=tg_token,
        staff_ids=tuple(staff_ids),
        base_url=_url("TELEGRAM_BASE_URL", _str("TELEGRAM_BASE_URL", pick(
            "TELEGRAM_BASE_URL", telegram_raw.get("base_url")), env)),
        webhook_url=_url("TELEGRAM_WEBHOOK_URL", _str("TELEGRAM_WEBHOOK_URL", pick(
            "TELEGRAM_WEBHOOK_URL", telegram_raw.get("webhook_url")), env)),
        secret_token=_str("TELEGRAM_SECRET_TOKEN", pick(
            "TELEGRAM_SECRET_TOKEN", telegram_raw.get("secret_token")), env),
    )
    if telegram.secret_token and not re.match(r"^[A-Za-z0-9_-]{1,256}$", telegram.secret_token):
        raise ConfigError("TELEGRAM_SECRET_TOKEN may only contain A-Z, a-z, 0-9, _ and -")

    return Settings(
        wechat=WeChatSettings(accounts=tuple(accounts), api_base=api_base,
                              replay_window=replay_window, reply_timeout=reply_timeout,
                              dedupe_ttl=dedupe_ttl, customer_service_delay=cs_delay),
        telegram=telegram, county=county, redis_url=redis_url, session_ttl=session_ttl,
        rate_limit=rate_limit, rate_window=rate_window, log_json=log_json, log_level=log_level,
        config_path=path,
    )
