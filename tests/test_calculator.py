"""Table-driven calculator tests: cases in tests/policy_cases/quotes.yaml, read off the notices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from policy_faq import default_registry
from policy_faq.calculator import QuoteError, add_months, quote
from policy_faq.concepts import match

CASES = yaml.safe_load((Path(__file__).parent / "policy_cases" / "quotes.yaml").read_text("utf-8"))


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def run_case(case: dict) -> dict:
    policy = default_registry().require(case["county"])
    categories = []
    for word in case.get("categories", []):
        m = match(policy, word)
        assert m.exact, f"{word!r} does not name exactly one category in {policy.county.name}"
        categories.append(m.categories[0])
    q = quote(policy, case.get("pay_date"), categories, case.get("birth_date"),
              case.get("migrant", False))
    return q.as_dict()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_quote_case(case: dict) -> None:
    result = run_case(case)
    for key, expected in case["expect"].items():
        if key == "subsidy_payer":
            assert result[key].startswith(expected)
        else:
            assert result[key] == _iso(expected), f"{key}: {result[key]!r} != {expected!r}"


def test_every_category_of_every_county_has_a_case() -> None:
    covered: dict[str, set[str]] = {}
    for case in CASES:
        policy = default_registry().require(case["county"])
        for word in case.get("categories", []):
            covered.setdefault(policy.county.slug, set()).add(match(policy, word).categories[0].id)
    for policy in default_registry().counties:
        ids = {c.id for c in policy.categories if c.mode != "none"}
        assert ids <= covered.get(policy.county.slug, set()), policy.county.name


def test_birth_after_pay_date_is_an_error() -> None:
    policy = default_registry().require("尤溪")
    with pytest.raises(QuoteError):
        quote(policy, dt.date(2024, 3, 1), (), dt.date(2024, 3, 2))


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2023, 11, 30), 3) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 3, 1), 3) == dt.date(2024, 6, 1)


def test_quote_defaults_to_first_day_of_concentrated_period() -> None:
    policy = default_registry().require("遂平县")
    assert quote(policy).pay_date == dt.date(2024, 9, 20)


def test_citations_name_document_and_clause() -> None:
    policy = default_registry().require("金寨")
    q = quote(policy, dt.date(2023, 10, 1), [match(policy, "低保").categories[0]])
    texts = [str(c) for c in q.citations]
    assert "金寨县通知 七（二）" in texts and "金寨县通知 六" in texts
    assert all(c.seed == "001_a1020007abb5dba9.txt" for c in q.citations)


def test_youxi_family_planning_word_is_ambiguous() -> None:
    policy = default_registry().require("尤溪")
    m = match(policy, "计生户")
    assert not m.exact
    assert {c.id for c in m.categories} == {"fp_special", "fp_one_daughter", "fp_two_daughters"}


def test_jinzhai_plain_disability_points_to_severe_only() -> None:
    m = match(default_registry().require("金寨"), "残疾")
    assert not m.exact and [c.id for c in m.categories] == ["disabled_severe"]
