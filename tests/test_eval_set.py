"""Format of tests/data/eval_questions.yaml (the answer-quality eval set).

Only the FORMAT is checked here; how well the assistant scores is a report printed by
benchmarks/eval_bench.py, never a test threshold.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

PATH = Path(__file__).parent / "data" / "eval_questions.yaml"
COUNTIES = {"金寨县", "屯留区", "遂平县", "尤溪县"}
INTENTS = {"fee", "subsidy", "deadline", "migrant_extension", "late_payment", "newborn",
           "benefit_start", "eligibility", "registration", "channel", "refund", "department",
           "tasks", "greeting", "thanks", "help", "human", "reset", "out_of_scope"}
KEYS = {"id", "county", "today", "turns", "intent", "must", "must_not", "source"}
SEEDS = ("001", "002", "003", "004", "DESIGN", "notices", "not ")


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    data = yaml.safe_load(PATH.read_text("utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("cases"), list)
    return data["cases"]


def test_at_least_300_cases(cases: list[dict]) -> None:
    assert len(cases) >= 300


def test_ids_unique(cases: list[dict]) -> None:
    dupes = [i for i, n in Counter(c.get("id") for c in cases).items() if n > 1]
    assert dupes == []


def test_only_known_keys_and_required_fields(cases: list[dict]) -> None:
    for c in cases:
        assert set(c) <= KEYS, (c.get("id"), set(c) - KEYS)
        for key in ("id", "today", "turns", "must", "source"):
            assert c.get(key), (c.get("id"), key)
        assert "county" in c, c["id"]


def test_field_types(cases: list[dict]) -> None:
    for c in cases:
        cid = c["id"]
        assert c["county"] is None or c["county"] in COUNTIES, cid
        assert isinstance(c["today"], dt.date), cid
        assert isinstance(c["turns"], list) and c["turns"], cid
        assert all(isinstance(t, str) and t.strip() for t in c["turns"]), cid
        assert c.get("intent") is None or c["intent"] in INTENTS, cid
        for item in c["must"]:
            options = item if isinstance(item, list) else [item]
            assert options and all(isinstance(o, str) and o for o in options), cid
        for bad in c.get("must_not") or []:
            assert isinstance(bad, str) and bad, cid
        assert isinstance(c["source"], str) and c["source"].startswith(SEEDS), cid


def test_every_county_and_intent_present(cases: list[dict]) -> None:
    counties = {c["county"] for c in cases}
    assert COUNTIES <= counties
    assert None in counties  # some cases test that the assistant asks for the county
    assert {c.get("intent") for c in cases} >= INTENTS


def test_each_county_covers_the_policy_topics(cases: list[dict]) -> None:
    topics = {"fee", "subsidy", "deadline", "migrant_extension", "late_payment", "newborn",
              "eligibility", "registration", "channel", "refund", "tasks"}
    for county in COUNTIES:
        have = {c.get("intent") for c in cases if c["county"] == county}
        assert topics <= have, (county, topics - have)


def test_dates_include_in_period_and_all_closed(cases: list[dict]) -> None:
    days = {c["today"] for c in cases}
    assert dt.date(2026, 11, 25) in days
    assert any(dt.date(2023, 9, 1) <= d <= dt.date(2024, 12, 31) for d in days)


def test_multi_turn_cases_present(cases: list[dict]) -> None:
    assert sum(len(c["turns"]) > 1 for c in cases) >= 20
