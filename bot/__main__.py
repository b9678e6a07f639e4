"""`python -m bot COMMAND ...` — one entry point, one module per command (bot/commands/)."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
