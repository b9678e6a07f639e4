"""Command dispatch. Each command lives in `bot/commands/<module>.py` and exposes
`add_arguments(parser)` and `run(args) -> int`; modules are imported only when used so that
`python -m bot ask` starts fast."""

from __future__ import annotations

import argparse
import importlib
import sys

# command name -> (module under bot.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("ask", "answer one message, or JSON Lines on stdin"),
    "chat": ("chat", "interactive terminal chat (no tokens, no services)"),
    "quote": ("quote", "the calculator: what a resident pays, when, and from when covered"),
    "serve": ("serve", "HTTP server: WeChat webhook, Telegram webhook, /healthz, /metrics"),
    "telegram": ("telegram", "Telegram bot for staff (long polling)"),
    "wechat-menu": ("wechat_menu", "print or push a county's WeChat custom menu"),
    "roster": ("roster", "de-duplicate department rosters and estimate the subsidy"),
    "review": ("review", "list unanswered questions grouped by similarity"),
    "tasks": ("tasks", "township task table and completion ranking"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="医保问答助手")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        build_parser().print_help(sys.stderr if argv else sys.stdout)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\nunknown command: {argv[0]!r}", file=sys.stderr)
            return 2
        return 0
    name, rest = argv[0], argv[1:]
    module = importlib.import_module(f"bot.commands.{COMMANDS[name][0]}")
    parser = argparse.ArgumentParser(prog=f"python -m bot {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
