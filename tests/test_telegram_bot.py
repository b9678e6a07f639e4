"""The Telegram channel offline: Updates through Application.process_update, a fake
BaseRequest instead of the network."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import pytest
from telegram import Update
from telegram.error import TimedOut
from telegram_fakes import (
    COUNTIES,
    OTHER_STAFF,
    STAFF,
    STRANGER,
    FakeRequest,
    SpyAssistant,
    callback_json,
    error,
    make_settings,
    message_json,
    photo_json,
)

from bot.channels.telegram import build_application
from bot.channels.telegram.access import REFUSAL_TEXT
from bot.channels.telegram.handlers import ERROR_TEXT, county_from_callback, county_keyboard
from bot.channels.telegram.prefs import Prefs, PrefsStore, prefs_key
from bot.messages import Inbound, Outbound
from bot.stores import MemoryStore


class Harness:
    def __init__(self, app, fake: FakeRequest, assistant: SpyAssistant):
        self.app, self.fake, self.assistant = app, fake, assistant
        self._next_id = 1000

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    async def feed(self, data: dict) -> None:
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def say(self, text: str, user: int = STAFF, chat_id: int | None = None, **kw) -> None:
        await self.feed(message_json(self._id(), user, text, chat_id, **kw))

    async def press(self, data: str, user: int = STAFF) -> None:
        await self.feed(callback_json(self._id(), user, data))

    def texts(self, chat_id: int | None = None) -> list[str]:
        return self.fake.texts(chat_id)


async def make_harness(assistant: SpyAssistant | None = None, **settings_kw) -> Harness:
    fake = FakeRequest()
    assistant = assistant or SpyAssistant()
    app = build_application(make_settings(**settings_kw), assistant, request=fake,
                            get_updates_request=fake)
    await app.initialize()
    fake.clear()  # drop getMe
    return Harness(app, fake, assistant)


@pytest.fixture
async def h():
    harness = await make_harness()
    yield harness
    await harness.app.shutdown()


# -- commands -----------------------------------------------------------------------------------
async def test_start_and_help_list_the_commands(h):
    await h.say("/start")
    await h.say("/help")
    start, help_ = h.texts(STAFF)
    for text in (start, help_):
        for command in ("/county", "/today", "/debug", "/reset", "/help"):
            assert command in text
    assert h.assistant.inbounds == []


async def test_command_addressed_to_the_bot_by_name(h):
    await h.say("/help@yibao_test_bot")
    assert len(h.texts(STAFF)) == 1 and "/debug" in h.texts(STAFF)[0]


async def test_unknown_command_shows_help(h):
    await h.say("/frobnicate")
    assert "没有这个命令" in h.texts(STAFF)[0]
    assert h.assistant.inbounds == []


async def test_county_shows_inline_keyboard_of_configured_counties(h):
    await h.say("/county")
    (sent,) = h.fake.sent
    keyboard = sent["reply_markup"]["inline_keyboard"]
    buttons = [b for row in keyboard for b in row]
    assert [b["text"] for b in buttons] == COUNTIES
    assert [b["callback_data"] for b in buttons] == [f"county:{c}" for c in COUNTIES]
    assert all(len(row) <= 2 for row in keyboard)


async def test_pressing_a_county_sets_it_and_confirms(h):
    await h.press("county:屯留区")
    assert h.assistant.counties == [("telegram", str(STAFF), "屯留区")]
    (answer,) = h.fake.of("answerCallbackQuery")
    assert "屯留区" in answer["text"]
    (edit,) = h.fake.of("editMessageText")
    assert "屯留区" in edit["text"] and "reply_markup" not in edit


async def test_county_confirmation_falls_back_to_a_message_when_edit_fails(h):
    h.fake.fail("editMessageText", error(400, "Bad Request: message can't be edited"))
    await h.press("county:屯留区")
    assert h.assistant.counties == [("telegram", str(STAFF), "屯留区")]
    assert any("屯留区" in t for t in h.texts(STAFF))


async def test_forged_or_stale_county_button_is_refused(h):
    await h.press("county:火星县")
    await h.press("something-else")
    assert h.assistant.counties == []
    first, second = h.fake.of("answerCallbackQuery")
    assert first["show_alert"] is True and "/county" in first["text"]
    assert "失效" in second["text"]


async def test_county_with_argument_sets_it_directly(h):
    await h.say("/county 遂平县")
    assert h.assistant.counties == [("telegram", str(STAFF), "遂平县")]
    assert "遂平县" in h.texts(STAFF)[0]
    await h.say("/county 火星县")
    assert "reply_markup" in h.fake.sent[-1] and "火星县" in h.fake.sent[-1]["text"]


def test_long_county_names_use_index_callback_data():
    names = ["短县", "很" * 30 + "县"]
    keyboard = county_keyboard(names).to_dict()["inline_keyboard"]
    data = [b["callback_data"] for row in keyboard for b in row]
    assert data == ["county:短县", "county#1"]
    assert all(len(d.encode()) <= 64 for d in data)
    assert county_from_callback("county#1", names) == names[1]
    assert county_from_callback("county#7", names) is None
    assert county_from_callback("county:短县", names) == "短县"


async def test_today_pins_the_date_for_the_assistant_and_resets(h):
    await h.say("/today 2025-12-20")
    assert "2025-12-20" in h.texts(STAFF)[-1] and "星期六" in h.texts(STAFF)[-1]
    await h.say("今年交多少钱")
    assert h.assistant.inbounds[-1].today == dt.date(2025, 12, 20)
    await h.say("/today")
    assert "真实日期" in h.texts(STAFF)[-1]
    await h.say("今年交多少钱")
    assert h.assistant.inbounds[-1].today is None


@pytest.mark.parametrize("arg", ["2025-02-30", "20251220", "tomorrow", "2025-12-20 extra"])
async def test_today_rejects_bad_dates_and_keeps_the_pin(h, arg):
    await h.say("/today 2025-12-20")
    await h.say(f"/today {arg}")
    assert "用法" in h.texts(STAFF)[-1]
    await h.say("问题")
    assert h.assistant.inbounds[-1].today == dt.date(2025, 12, 20)


async def test_prefs_are_per_user_and_live_in_the_store(h):
    await h.say("/today 2025-12-20")
    await h.say("/debug on")
    await h.say("问题", user=OTHER_STAFF)
    assert h.assistant.inbounds[-1].today is None
    stored = await h.assistant.store.get_session(prefs_key(str(STAFF)))
    assert stored == {"today": "2025-12-20", "debug": True}
    # A second application over the same store (another worker) sees the same prefs.
    other = await make_harness(SpyAssistant(store=h.assistant.store))
    try:
        await other.say("问题")
        assert other.assistant.inbounds[-1].today == dt.date(2025, 12, 20)
        assert len(other.fake.sent) == 2  # answer + debug
    finally:
        await other.app.shutdown()


async def test_reset_clears_the_conversation_but_keeps_prefs(h):
    await h.assistant.store.save_session(f"telegram:{STAFF}", {"x": 1}, 60)
    await h.say("/today 2025-12-20")
    await h.say("/reset")
    assert h.assistant.resets == [("telegram", str(STAFF))]
    assert await h.assistant.store.get_session(f"telegram:{STAFF}") is None
    assert "对话已重置" in h.texts(STAFF)[-1] and "2025-12-20" in h.texts(STAFF)[-1]
    assert (await PrefsStore(h.assistant.store).get(str(STAFF))).today == dt.date(2025, 12, 20)


# -- plain text -----------------------------------------------------------------------------------
async def test_plain_text_goes_to_the_assistant_like_a_wechat_message(h):
    h.assistant.reply = Outbound(text="<b>不是标签</b> *也不是* _markdown_ & [链接](x)")
    await h.say("  金寨县今年 交多少钱？ ")
    assert h.assistant.inbounds == [
        Inbound(channel="telegram", user=str(STAFF), text="  金寨县今年 交多少钱？ ", today=None)
    ]
    (sent,) = h.fake.sent
    assert sent["text"] == "<b>不是标签</b> *也不是* _markdown_ & [链接](x)"
    assert "parse_mode" not in sent  # plain text: nothing is interpreted as markup
    assert int(sent["chat_id"]) == STAFF


async def test_group_chat_answers_in_the_group_keyed_by_user(h):
    await h.say("问题", chat_id=-100500)
    assert h.assistant.inbounds[-1].user == str(STAFF)
    assert [int(p["chat_id"]) for p in h.fake.sent] == [-100500]


async def test_edited_messages_are_not_answered_again(h):
    await h.say("问题", edited=True)
    assert h.assistant.inbounds == [] and h.fake.calls == []


async def test_non_text_messages_get_a_hint(h):
    await h.feed(photo_json(5, STAFF))
    assert h.texts(STAFF) == ["目前只支持文字消息。"]
    assert h.assistant.inbounds == []


async def test_empty_answer_is_reported_not_sent_empty(h):
    h.assistant.reply = Outbound(text="  \n")
    await h.say("问题")
    assert h.texts(STAFF) == ["（助手没有给出回答）"]


# -- /debug -----------------------------------------------------------------------------------------
async def test_debug_on_follows_each_answer_with_details(h):
    h.assistant.reply = Outbound(
        text="每人每年 380 元。", intent="premium_amount", confidence=0.873,
        slots={"county": "金寨县", "category": "<低保>"},
        debug={"calculator": {"year": 2026, "category": "dibao & 特困"}},
        citations=["皖医保〔2025〕12号 第3条", "金寨县 <通知>"],
    )
    await h.say("/debug")
    assert "关闭" in h.texts(STAFF)[-1]
    await h.say("/debug on")
    await h.say("/today 2026-01-05")
    h.fake.clear()
    await h.say("低保交多少")
    answer, report = h.fake.sent
    assert answer["text"] == "每人每年 380 元。" and "parse_mode" not in answer
    assert report["parse_mode"] == "HTML"
    html_text = report["text"]
    assert html_text.startswith("<pre>") and html_text.endswith("</pre>")
    for expected in ("premium_amount", "0.87", "金寨县", "&lt;低保&gt;", "2026-01-05",
                     "calculator", "dibao &amp; 特困", "皖医保〔2025〕12号 第3条",
                     "金寨县 &lt;通知&gt;"):
        assert expected in html_text, expected
    assert "<低保>" not in html_text and "<通知>" not in html_text
    await h.say("/debug OFF")
    h.fake.clear()
    await h.say("低保交多少")
    assert len(h.fake.sent) == 1


async def test_debug_with_nothing_to_show(h):
    await h.say("/debug on")
    h.fake.clear()
    await h.say("问题")
    report = h.fake.sent[1]["text"]
    assert "slots 槽位: —" in report and "citations 引用: —" in report


# -- splitting ------------------------------------------------------------------------------------
async def test_long_answers_are_split_at_the_message_limit(h):
    paragraph = "居民医保缴费标准说明。" * 30 + "\n\n"
    text = paragraph * 40  # ~13,000 characters
    h.assistant.reply = Outbound(text=text)
    await h.say("问题")
    texts = h.texts(STAFF)
    assert len(texts) >= 4
    assert all(len(t) <= 4096 for t in texts)
    assert "".join(texts) == text
    assert all(t.endswith("\n\n") for t in texts[:-1])  # split at paragraph breaks


async def test_long_debug_report_is_split_into_valid_html_blocks(h):
    h.assistant.reply = Outbound(text="答", slots={"note": "<&>" * 3000})
    await h.say("/debug on")
    h.fake.clear()
    await h.say("问题")
    reports = [p for p in h.fake.sent if p.get("parse_mode") == "HTML"]
    assert len(reports) >= 3
    for report in reports:
        assert report["text"].startswith("<pre>") and report["text"].endswith("</pre>")
        assert report["text"].count("<pre>") == 1
    # every chunk was accepted by the fake (which rejects > 4096 visible characters)
    assert len(h.fake.sent) == 1 + len(reports)


# -- access control -------------------------------------------------------------------------------
async def test_strangers_get_one_refusal_and_nothing_else(h):
    await h.say("/start", user=STRANGER)
    await h.say("金寨县交多少钱", user=STRANGER)
    await h.say("/debug on", user=STRANGER)
    await h.say("/county", user=STRANGER)
    await h.feed(photo_json(77, STRANGER))
    (refusal,) = h.fake.sent
    assert refusal["text"] == REFUSAL_TEXT.format(user_id=STRANGER)
    assert int(refusal["chat_id"]) == STRANGER
    assert "reply_markup" not in refusal
    assert h.assistant.inbounds == [] and h.assistant.counties == []
    assert await h.assistant.store.get_session(prefs_key(str(STRANGER))) is None


async def test_stranger_button_presses_are_acknowledged_silently_after_the_refusal(h):
    await h.press("county:金寨县", user=STRANGER)
    await h.press("county:金寨县", user=STRANGER)
    first, second = h.fake.of("answerCallbackQuery")
    assert str(STRANGER) in first["text"] and first["show_alert"] is True
    assert "text" not in second
    assert h.fake.sent == [] and h.assistant.counties == []


async def test_stranger_in_a_staff_group_is_refused_once(h):
    await h.say("/start", user=STRANGER, chat_id=-100500)
    await h.say("/help", user=STRANGER, chat_id=-100500)
    assert len(h.fake.sent) == 1
    await h.say("/help", chat_id=-100500)  # staff in the same group still works
    assert len(h.fake.sent) == 2 and "/debug" in h.fake.sent[-1]["text"]


async def test_stranger_never_sees_an_error(h):
    h.assistant.raise_error = RuntimeError("secret internals")
    h.fake.fail("sendMessage", error(500, "Internal Server Error"))
    await h.say("hi", user=STRANGER)  # the refusal send fails once, is retried
    await h.say("hi", user=STRANGER)
    # one refusal: a failed attempt (500) and its retry, nothing after
    assert h.texts() == [REFUSAL_TEXT.format(user_id=STRANGER)] * 2
    assert h.assistant.inbounds == []


async def test_updates_without_a_user_are_ignored(h):
    await h.feed({"update_id": 9, "channel_post": {
        "message_id": 1, "date": int(time.time()), "chat": {"id": -1001, "type": "channel"},
        "text": "/start"}})
    assert h.fake.calls == []


# -- errors ---------------------------------------------------------------------------------------
async def test_assistant_failure_gives_staff_a_short_notice_without_trace(h, caplog):
    h.assistant.raise_error = ValueError("/srv/secret/path line 42")
    with caplog.at_level(logging.ERROR):
        await h.say("问题")
    assert h.texts(STAFF) == [ERROR_TEXT]
    assert "secret" not in json.dumps(h.fake.calls, default=str)
    assert any("update failed" in r.message for r in caplog.records)  # logged for operators
    await h.say("/debug on")
    h.fake.clear()
    await h.say("问题")
    assert h.texts(STAFF) == [ERROR_TEXT + "\nValueError"]
    assert "Traceback" not in h.texts(STAFF)[0]


async def test_5xx_is_retried(h):
    h.fake.fail("sendMessage", error(500, "Internal Server Error"),
                error(502, "Bad Gateway"))
    await h.say("问题")
    assert len(h.fake.sent) == 3
    assert h.fake.sent[-1]["text"] == "答复"


async def test_timeouts_are_retried(h):
    h.fake.fail("sendMessage", TimedOut("read timed out"))
    await h.say("问题")
    assert [p["text"] for p in h.fake.sent] == ["答复", "答复"]


# PTB itself warns about RetryAfter.retry_after's future type when it builds the exception.
@pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")
async def test_429_waits_retry_after_then_retries(h):
    h.fake.fail("sendMessage", error(429, "Too Many Requests: retry after 1", retry_after=1))
    start = time.monotonic()
    await h.say("问题")
    assert time.monotonic() - start >= 1.0
    assert [p["text"] for p in h.fake.sent] == ["答复", "答复"]


async def test_network_retries_are_bounded():
    harness = await make_harness(network_retries=2)
    try:
        harness.fake.fail("sendMessage", *[error(503, "Service Unavailable")] * 20)
        await harness.say("问题")  # must not raise
        # the answer: 1 + 2 retries; the error notice: 1 + 2 retries; then give up
        assert len(harness.fake.sent) == 6
        assert len(harness.fake.failures["sendMessage"]) == 14
    finally:
        await harness.app.shutdown()


async def test_bad_request_is_not_retried(h):
    h.fake.fail("sendMessage", error(400, "Bad Request: chat not found"))
    await h.say("问题")
    texts = [p["text"] for p in h.fake.sent]
    assert texts == ["答复", ERROR_TEXT]  # one attempt, then the staff notice


async def test_forbidden_gives_up_quietly(h):
    h.fake.fail("sendMessage", error(403, "Forbidden: bot was blocked by the user"))
    await h.say("问题")
    assert len(h.fake.sent) == 1  # no retry, no notice


async def test_prefs_store_roundtrip_and_default_deletes():
    store = MemoryStore()
    prefs = PrefsStore(store)
    assert await prefs.get("1") == Prefs()
    await prefs.save("1", Prefs(today=dt.date(2025, 1, 2), debug=True))
    assert await prefs.get("1") == Prefs(today=dt.date(2025, 1, 2), debug=True)
    await prefs.save("1", Prefs())
    assert await store.get_session(prefs_key("1")) is None
    await store.save_session(prefs_key("2"), {"today": "garbage", "debug": 1}, 60)
    assert await prefs.get("2") == Prefs(today=None, debug=True)
