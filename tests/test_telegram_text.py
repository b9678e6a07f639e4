"""Splitting, escaping and the /debug report."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram.text import (
    MAX_TEXT_LENGTH,
    escape_html,
    escape_markdown_v2,
    format_debug,
    html_pre_chunks,
    message_chunks,
    split_text,
    utf16_len,
)
from bot.messages import Outbound


def test_limit_is_telegrams():
    assert MAX_TEXT_LENGTH == 4096


def test_short_text_is_one_piece():
    assert split_text("你好") == ["你好"]
    assert split_text("") == []
    assert message_chunks("   \n ") == []


def test_exact_limit_is_not_split():
    assert split_text("字" * 4096) == ["字" * 4096]
    assert len(split_text("字" * 4097)) == 2


def test_prefers_paragraphs_then_lines_then_sentences():
    para = "a" * 60 + "\n\n" + "b" * 60
    assert split_text(para, 100) == ["a" * 60 + "\n\n", "b" * 60]
    lines = "a" * 60 + "\n" + "b" * 60
    assert split_text(lines, 100) == ["a" * 60 + "\n", "b" * 60]
    sentences = "甲" * 60 + "。" + "乙" * 60
    assert split_text(sentences, 100) == ["甲" * 60 + "。", "乙" * 60]


def test_an_early_break_does_not_make_a_tiny_piece():
    text = "a\n" + "b" * 200
    pieces = split_text(text, 100)
    assert len(pieces[0]) == 100  # hard cut rather than a 2-character message


def test_counts_utf16_like_telegram():
    emoji = "😀" * 3000  # 2 UTF-16 units each
    pieces = split_text(emoji)
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert [len(p) for p in pieces] == [2048, 952]
    assert "".join(pieces) == emoji


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 。\n😀字,.")), max_size=600),
       st.integers(min_value=2, max_value=120))
def test_split_is_lossless_and_within_limit(text, limit):
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(0 < utf16_len(p) <= limit for p in pieces)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_html_escaping_round_trips_any_text(text):
    escaped = escape_html(text)
    assert "<" not in escaped and ">" not in escaped
    assert html.unescape(escaped) == text


def test_html_pre_chunks_fit_the_visible_limit():
    text = "<&>" * 2000
    chunks = html_pre_chunks(text, limit=1000)
    assert len(chunks) == 6
    for chunk in chunks:
        inner = chunk.removeprefix("<pre>").removesuffix("</pre>")
        assert "<" not in inner and utf16_len(html.unescape(inner)) <= 1000
    assert "".join(html.unescape(c[5:-6]) for c in chunks) == text


@pytest.mark.parametrize("text", ["a_b*c[d](e)~`>#+-=|{}.!", "普通文字", "\\"])
def test_markdown_v2_escaping(text):
    escaped = escape_markdown_v2(text)
    for ch in "_*[]()~`>#+-=|{}.!":
        assert escaped.count("\\" + ch) == text.count(ch)


def test_format_debug_lists_everything():
    out = Outbound(text="x", intent="deadline", confidence=0.5, slots={"县": "金寨县"},
                   debug={"calculator": {"year": 2026}, "when": dt.date(2026, 1, 1)},
                   citations=["文件一", "文件二"], answered=False)
    report = format_debug(out, dt.date(2025, 12, 20))
    assert "intent 意图: deadline" in report
    assert "confidence 置信度: 0.50" in report
    assert "answered 已回答: no" in report
    assert "2025-12-20（已固定）" in report
    assert '"县": "金寨县"' in report
    assert 'calculator: {"year": 2026}' in report and 'when: "2026-01-01"' in report
    assert "1. 文件一" in report and "2. 文件二" in report
    assert "真实日期" in format_debug(out)
