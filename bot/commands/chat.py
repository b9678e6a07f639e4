"""`python -m bot chat`: talk to the assistant in a terminal. No tokens, no services."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

HELP = "命令：/county 县名  /today YYYY-MM-DD（/today 取消）  /reset  /quit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", help="your county (金寨县, 屯留区, 遂平县, 尤溪县 …)")
    parser.add_argument("--today", help="pin the date, YYYY-MM-DD")


async def _chat(county: str | None, today: dt.date | None) -> int:
    from bot.assistant import Assistant
    from bot.messages import Inbound

    assistant = Assistant()
    user = "terminal"
    print(f"医保问答助手（{'、'.join(assistant.registry.names())}）。{HELP}")
    while True:
        try:
            line = input("您：")
        except EOFError:
            print()
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            return 0
        if text == "/reset":
            await assistant.reset("chat", user)
            print("助手：已重新开始。")
            continue
        if text.startswith("/county"):
            name = text.removeprefix("/county").strip()
            try:
                await assistant.set_county("chat", user, name)
                county = name
                print(f"助手：已切换到{assistant.registry.require(name).county.name}。")
            except ValueError as e:
                print(f"助手：{e}")
            continue
        if text.startswith("/today"):
            value = text.removeprefix("/today").strip()
            try:
                today = dt.date.fromisoformat(value) if value else None
                print(f"助手：日期{'已固定为 ' + value if value else '恢复为今天'}。")
            except ValueError:
                print("助手：日期格式应为 YYYY-MM-DD，例如 /today 2024-01-20")
            continue
        if text.startswith("/"):
            print(f"助手：{HELP}")
            continue
        out = await assistant.handle(Inbound("chat", user, text, county, today))
        print(f"助手：{out.text}\n")


def run(args: argparse.Namespace) -> int:
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            print(f"error: --today {args.today!r} is not a date; write it as YYYY-MM-DD",
                  file=sys.stderr)
            return 2
    try:
        return asyncio.run(_chat(args.county, today))
    except KeyboardInterrupt:
        print()
        return 0
