"""`python -m bot wechat-menu [--county SLUG] [--push]`: print a county's custom menu as the
JSON WeChat's `menu/create` takes, or push it to the county's Official Account.

Without --push nothing needs credentials: the menu of --county, else of each configured
account, else of every county with a menu file is printed. --push needs the account's appid
and secret (WECHAT_APPID/WECHAT_SECRET, or the account in BOT_CONFIG).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bot.config import (
    COUNTY_SLUGS,
    ConfigError,
    WeChatAccount,
    load_settings_or_exit,
    resolve_county,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", help="county name or slug (jinzhai, tunliu, suiping, youxi)")
    parser.add_argument("--push", action="store_true",
                        help="create the menu on the Official Account (needs appid and secret)")


def _slug(county_or_slug: str) -> str:
    return COUNTY_SLUGS[resolve_county(county_or_slug)]


def run(args: argparse.Namespace) -> int:
    from bot.channels.wechat.menu import MenuError, available_menus, menu_for

    settings = load_settings_or_exit()
    try:
        wanted = _slug(args.county) if args.county else None
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # (menu slug, account or None)
    targets: list[tuple[str, WeChatAccount | None]] = []
    for acc in settings.wechat.accounts:
        slug = COUNTY_SLUGS.get(acc.county or "")
        if slug and (wanted is None or slug == wanted):
            targets.append((slug, acc))
    if not targets and not args.push:
        targets = [(s, None) for s in ([wanted] if wanted else available_menus())]
    if not targets:
        print("error: no configured WeChat account " + (f"for {args.county} " if wanted else "")
              + "to push to (set WECHAT_TOKEN/WECHAT_APPID/WECHAT_SECRET and BOT_COUNTY, or "
              "list accounts in BOT_CONFIG)", file=sys.stderr)
        return 2
    try:
        menus = [(slug, acc, menu_for(slug)) for slug, acc in targets]
    except MenuError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.push:
        for slug, acc, menu in menus:
            if len(menus) > 1:
                print(f"# {slug}" + (f" ({acc.path})" if acc else ""))
            print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    return asyncio.run(_push(menus, settings.wechat.api_base))


async def _push(menus: list, api_base: str) -> int:
    from bot.channels.wechat.api import WeChatAPI, WeChatAPIError

    failed = 0
    for slug, acc, menu in menus:
        if not (acc.appid and acc.secret):
            print(f"{slug}: cannot push: the account at {acc.path} has no appid/secret",
                  file=sys.stderr)
            failed += 1
            continue
        api = WeChatAPI(acc.appid, acc.secret, api_base)
        try:
            await api.create_menu(menu)
            print(f"{slug}: menu pushed to {acc.appid}")
        except WeChatAPIError as exc:
            print(f"{slug}: push failed: {exc}", file=sys.stderr)
            failed += 1
        finally:
            await api.aclose()
    return 1 if failed else 0
