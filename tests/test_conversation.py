"""Conversations as residents have them: stories in tests/conversations/stories.yaml run through
the same `Assistant.handle` every channel uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.assistant import Assistant
from bot.messages import Inbound

STORIES = yaml.safe_load((Path(__file__).parent / "conversations" / "stories.yaml").read_text("utf-8"))


@pytest.mark.parametrize("story", STORIES, ids=[s["story"] for s in STORIES])
async def test_story(story: dict) -> None:
    assistant = Assistant()
    for number, turn in enumerate(story["turns"], start=1):
        out = await assistant.handle(Inbound("test", "resident", turn["say"], story.get("county"),
                                             story["today"]))
        where = f"turn {number} ({turn['say']!r}) replied:\n{out.text}"
        if "intent" in turn:
            assert out.intent == turn["intent"], where
        for fact in turn.get("reply_has", []):
            assert fact in out.text, f"missing {fact!r}; {where}"
        for fact in turn.get("reply_lacks", []):
            assert fact not in out.text, f"unexpected {fact!r}; {where}"
        assert len(out.text) <= 700 and len(out.text.encode()) <= 2048, where


async def test_sessions_are_per_user_and_channel() -> None:
    assistant = Assistant()
    import datetime as dt
    day = dt.date(2023, 10, 10)
    await assistant.handle(Inbound("wechat", "a", "我是屯留的", None, day))
    other = await assistant.handle(Inbound("wechat", "b", "低保交多少", None, day))
    assert "哪个县" in other.text
    same_user_other_channel = await assistant.handle(Inbound("telegram", "a", "低保交多少", None, day))
    assert "哪个县" in same_user_other_channel.text
    mine = await assistant.handle(Inbound("wechat", "a", "低保交多少", None, day))
    assert "76元" in mine.text


async def test_set_county_and_reset() -> None:
    import datetime as dt
    assistant = Assistant()
    await assistant.set_county("telegram", "7", "youxi")
    out = await assistant.handle(Inbound("telegram", "7", "低保交多少", None, dt.date(2023, 10, 10)))
    assert "38元" in out.text and "尤溪县" in out.text
    await assistant.reset("telegram", "7")
    out = await assistant.handle(Inbound("telegram", "7", "低保交多少", None, dt.date(2023, 10, 10)))
    assert "哪个县" in out.text
    with pytest.raises(ValueError, match="valid"):
        await assistant.set_county("telegram", "7", "北京")


async def test_sessions_expire() -> None:
    import datetime as dt

    from bot.stores import MemoryStore
    now = [0.0]
    assistant = Assistant(store=MemoryStore(clock=lambda: now[0]), session_ttl=60)
    day = dt.date(2023, 10, 10)
    await assistant.handle(Inbound("wechat", "a", "我是屯留的", None, day))
    now[0] = 59
    assert "76元" in (await assistant.handle(Inbound("wechat", "a", "低保交多少", None, day))).text
    now[0] = 59 + 61
    assert "哪个县" in (await assistant.handle(Inbound("wechat", "a", "低保交多少", None, day))).text


async def test_unanswered_questions_are_reported_masked() -> None:
    import datetime as dt
    recorded = []

    class Sink:
        def record(self, *args: object) -> None:
            recorded.append(args)

    assistant = Assistant(unanswered=Sink())
    day = dt.date(2023, 10, 10)
    await assistant.handle(Inbound("wechat", "a", "低保交多少", "金寨县", day))
    assert recorded == []
    await assistant.handle(Inbound("wechat", "a", "明天天气怎么样 34152219800101001X", "金寨县", day))
    assert len(recorded) == 1
    channel, user, county, text, intent, confidence, at = recorded[0]
    assert (channel, county) == ("wechat", "金寨县")
    assert user != "a" and len(user) == 10  # a stable tag, never the platform's user id
    assert "34152219800101001X" not in text and "3415**********001X" in text


async def test_rate_limit_per_user() -> None:
    import datetime as dt

    from bot.stores import MemoryStore
    from bot.stores.ratelimit import RateLimiter
    store = MemoryStore()
    assistant = Assistant(store=store, rate_limiter=RateLimiter(store, limit=3, window_seconds=60))
    day = dt.date(2023, 10, 10)
    replies = [await assistant.handle(Inbound("wechat", "a", "低保交多少", "金寨县", day))
               for _ in range(4)]
    assert [r.intent for r in replies] == ["subsidy"] * 3 + ["rate_limited"]
    assert "太快" in replies[3].text
    other = await assistant.handle(Inbound("wechat", "b", "低保交多少", "金寨县", day))
    assert other.intent == "subsidy"


async def test_two_questions_in_one_message_are_both_answered(monkeypatch) -> None:
    import dataclasses
    import datetime as dt

    import bot.dialogue
    from intents import understand as real_understand

    def with_second_question(text, today, lexicon=None):  # as intents reports a run-on
        u = real_understand(text, today, lexicon)
        fields = {f.name: getattr(u, f.name) for f in dataclasses.fields(u)}
        return type("U", (), fields | {"intent": "fee", "also": ("channel",)})()

    monkeypatch.setattr(bot.dialogue, "understand", with_second_question)
    out = await Assistant().handle(Inbound("wechat", "a", "交多少钱 在哪交 我妈不会用手机",
                                           "遂平县", dt.date(2024, 10, 8)))
    assert out.intent == "fee"
    assert "400元" in out.text and "税务窗口" in out.text and len(out.text) <= 700
