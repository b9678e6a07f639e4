"""Table-driven: resident questions -> intent and slots (tests/data/intents_cases.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from intents import CONFIDENCE_THRESHOLD, INTENTS, understand

_DATA = yaml.safe_load((Path(__file__).parent / "data" / "intents_cases.yaml").read_text("utf-8"))
_CASES = _DATA["cases"]


def _today(case: dict) -> dt.date:
    return case.get("today") or _DATA["today"]


@pytest.mark.parametrize("case", _CASES, ids=[c["text"][:24] for c in _CASES])
def test_case(case: dict) -> None:
    u = understand(case["text"], _today(case))
    assert u.intent == case["intent"], u.scores
    for key, value in (case.get("slots") or {}).items():
        assert u.slots.get(key) == value, (key, u.slots)
    for key in case.get("absent") or []:
        assert key not in u.slots, (key, u.slots)
    if "also" in case:
        assert u.also == tuple(case["also"]), u.also
    if "followup" in case:
        assert u.followup is case["followup"]
    if case["intent"] is not None:
        assert u.confidence >= CONFIDENCE_THRESHOLD, (u.confidence, u.scores)


def test_table_is_large_and_covers_every_intent() -> None:
    assert len(_CASES) >= 150
    assert {c["intent"] for c in _CASES} == set(INTENTS) | {None}
