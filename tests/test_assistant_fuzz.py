"""Whatever arrives — random text, 10k characters, emoji, control characters — gets a reply that
fits one WeChat passive reply, and never an exception or an echoed ID number."""

from __future__ import annotations

import asyncio
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.assistant import Assistant
from bot.messages import Inbound

ASSISTANT = Assistant()
DAYS = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31))
COUNTIES = st.sampled_from([None, "金寨县", "屯留", "suiping", "尤溪县"])
WORDS = st.sampled_from(["低保", "交多少", "正月二十", "那屯留呢", "新生儿", "出生100天", "补缴",
                         "支付宝", "😀", "\x00", "\u200b", "]]>", "<xml>", "三百八", "腊月三十",
                         "2024-02-30", "13月45日", "退费", "金寨", "梅山镇", "武警", "   "])


def ask(text: str, county: str | None, today: dt.date) -> str:
    out = asyncio.run(ASSISTANT.handle(Inbound("fuzz", "u", text, county, today)))
    assert isinstance(out.text, str) and out.text.strip()
    assert len(out.text) <= 700 and len(out.text.encode("utf-8")) <= 2048
    return out.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200), COUNTIES, DAYS)
def test_random_text(text: str, county: str | None, today: dt.date) -> None:
    ask(text, county, today)


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=8).map("".join), COUNTIES, DAYS)
def test_resident_word_salad(text: str, county: str | None, today: dt.date) -> None:
    ask(text, county, today)


def test_huge_emoji_and_control_characters() -> None:
    day = dt.date(2024, 1, 20)
    ask("低保" * 5000, "金寨县", day)
    ask("😀" * 10000, None, day)
    ask("".join(chr(c) for c in range(32)) * 300, "尤溪县", day)
    ask("\ud800 broken surrogate", None, day)


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"[1-6]\d{16}[\dXx]", fullmatch=True), st.text(max_size=20))
def test_id_numbers_never_echoed(id_number: str, noise: str) -> None:
    reply = ask(f"{noise}我的身份证{id_number}低保交多少", "金寨县", dt.date(2023, 10, 10))
    assert id_number not in reply and id_number.upper() not in reply
