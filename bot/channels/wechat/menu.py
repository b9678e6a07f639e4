"""Per-county custom menus (bot/channels/wechat_menus/<slug>.toml) -> WeChat's menu JSON."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

INTENT_IDS = ("fee", "subsidy", "deadline", "channel", "newborn", "benefit_start",
              "eligibility", "registration", "late_payment", "migrant_extension", "refund",
              "department", "help", "human")

# the text sent to the assistant with a CLICK whose key is not in the county's menu
INTENT_LABELS = {
    "fee": "缴费标准", "subsidy": "资助政策", "deadline": "缴费期限", "channel": "缴费渠道",
    "newborn": "新生儿参保", "benefit_start": "待遇何时生效", "eligibility": "参保条件",
    "registration": "参保登记", "late_payment": "逾期补缴", "migrant_extension": "外出务工人员",
    "refund": "退费办理", "department": "经办机构", "help": "使用帮助", "human": "人工咨询",
}

MAX_TOP, MAX_SUB = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES = 16, 60, 128


class MenuError(Exception):
    pass


def _blen(s: str) -> int:
    return len(s.encode("utf-8"))


def _button(where: str, raw: Any, name_bytes: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise MenuError(f"{where}: a button must be a table")
    unknown = set(raw) - {"name", "key", "url", "sub"}
    if unknown:
        raise MenuError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise MenuError(f"{where}: a button needs a name")
    if _blen(name) > name_bytes:
        raise MenuError(f"{where}: name {name!r} is longer than {name_bytes} bytes")
    if "sub" in raw:
        if name_bytes != TOP_NAME_BYTES:
            raise MenuError(f"{where}: sub-buttons cannot have sub-buttons")
        subs = raw["sub"]
        if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB:
            raise MenuError(f"{where}: 1 to {MAX_SUB} sub-buttons")
        return {"name": name, "sub_button": [
            _button(f"{where} > {i + 1}", s, SUB_NAME_BYTES) for i, s in enumerate(subs)]}
    if "key" in raw:
        key = raw["key"]
        if key not in INTENT_IDS:
            raise MenuError(f"{where}: key {key!r} is not an intent id "
                            f"({', '.join(INTENT_IDS)})")
        assert _blen(key) <= KEY_BYTES
        return {"type": "click", "name": name, "key": key}
    if "url" in raw:
        url = raw["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) \
                or _blen(url) > 1024:
            raise MenuError(f"{where}: url must be an http(s) link of at most 1024 bytes")
        return {"type": "view", "name": name, "url": url}
    raise MenuError(f"{where}: a button needs a key, a url or sub-buttons")


def build_menu(data: dict[str, Any], where: str = "menu") -> dict[str, Any]:
    """WeChat's `menu/create` JSON from a menu file's data. Raises MenuError."""
    buttons = data.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_TOP:
        raise MenuError(f"{where}: 1 to {MAX_TOP} [[button]] tables")
    return {"button": [_button(f"{where} button {i + 1}", b, TOP_NAME_BYTES)
                       for i, b in enumerate(buttons)]}


def available_menus() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("bot.channels.wechat_menus").iterdir()
                  if p.name.endswith(".toml"))


def load_menu_file(slug: str) -> dict[str, Any]:
    try:
        text = resources.files("bot.channels.wechat_menus").joinpath(f"{slug}.toml").read_text(
            encoding="utf-8")
    except FileNotFoundError:
        raise MenuError(f"no menu for {slug!r} (have: {', '.join(available_menus())})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MenuError(f"wechat_menus/{slug}.toml: {exc}") from None


def menu_for(slug: str) -> dict[str, Any]:
    return build_menu(load_menu_file(slug), f"wechat_menus/{slug}.toml")


def click_labels(menu: dict[str, Any]) -> dict[str, str]:
    """CLICK key -> button name, for the text that goes with the intent hint."""
    labels: dict[str, str] = {}
    for top in menu.get("button", []):
        for b in [top, *top.get("sub_button", [])]:
            if b.get("type") == "click":
                labels.setdefault(b["key"], b["name"])
    return labels
