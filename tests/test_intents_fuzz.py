"""Property tests: understand() never raises, stays within its contract, never leaks an ID."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import intents
from intents import INTENTS, Lexicon, understand
from intents.ids import mask_ids_in_text
from intents.normalize import MAX_CHARS

TODAY = dt.date(2024, 1, 20)
_WORDS = ["低保", "医保", "交", "多少钱", "正月二十", "腊月三十", "三百八", "金寨", "屯留", "那", "呢",
          "孩子", "出生", "天", "😀", "\u200b", "\x00", "１２３", "十万八千", "一二三四五六七八九十",
          "2024-02-30", "13月45号", "农历13月初99", "341522199001011234", "x", " ", "號", "醫寶"]
_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_WORDS), max_size=40).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFFF), max_size=100),
)
_dates = st.dates(min_value=dt.date(1901, 3, 1), max_value=dt.date(2098, 10, 1))


def _check(text: str, today: dt.date) -> None:
    # The inner function has no safety net: an internal error fails the test here, while the
    # public understand() would turn it into out_of_scope.
    u = intents._understand(text, today, Lexicon.default())
    assert u == understand(text, today)
    assert u.intent is None or u.intent in INTENTS
    assert 0.0 <= u.confidence <= 1.0
    assert isinstance(u.slots, dict)
    assert len(u.text) <= MAX_CHARS
    assert u.text == mask_ids_in_text(u.text)  # nothing ID-like is left unmasked


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_text, _dates)
def test_never_raises(text: str, today: dt.date) -> None:
    _check(text, today)


@settings(max_examples=20, deadline=None)
@given(st.text(min_size=1, max_size=20))
def test_huge_input(chunk: str) -> None:
    _check((chunk * (10_000 // len(chunk) + 1))[:10_000], TODAY)


def test_huge_input_with_emoji_and_control_characters() -> None:
    _check("😀\x00\x1b[31m医保\u202e" * 2500, TODAY)
    _check("低保" * 5000 + "341522199001011234", TODAY)


def test_non_string_input() -> None:
    assert intents._understand(None, TODAY, Lexicon.default()).intent == "out_of_scope"  # type: ignore[arg-type]
    assert understand(None, TODAY).intent == "out_of_scope"  # type: ignore[arg-type]
    assert understand(12345, TODAY).intent == "out_of_scope"  # type: ignore[arg-type]
