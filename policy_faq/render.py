"""Jinja2 rendering of answer texts. Templates hold wording only: every amount and date comes
from the calculator's results and the county data passed in."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"


def cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "（未写明）"


def month_end(day: dt.date | None) -> str:
    """"（3月底）" when the date is a month's last day, as notices often write it."""
    if day is None or (day + dt.timedelta(days=1)).month == day.month:
        return ""
    return f"（{day.month}月底）"


def yuan(amount: int | None) -> str:
    return f"{amount}元" if amount is not None else "（未写明）"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,  # plain text for chat; channels escape for their own markup
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cn_date"] = cn_date
    env.filters["yuan"] = yuan
    env.filters["month_end"] = month_end
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context).strip()
