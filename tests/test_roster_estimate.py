"""Properties of the de-duplication for any lists, in a county with an order (金寨) and in one
with the most-favourable rule (遂平): every person counted once, under the category
applicable_category picks; the overlap columns add up to each list."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.staff.estimate import decision_order, estimate
from policy_faq import default_registry
from policy_faq.calculator import applicable_category

COUNTIES = ["金寨县", "遂平县", "尤溪县"]


@st.composite
def memberships(draw):
    county = draw(st.sampled_from(COUNTIES))
    policy = default_registry().require(county)
    ids = [c.id for c in policy.categories]
    people = draw(st.lists(st.sets(st.sampled_from(ids), min_size=1), max_size=60))
    return policy, people


@settings(max_examples=60, deadline=None)
@given(memberships())
def test_each_person_once_under_the_deciding_category(data):
    policy, people = data
    lists: dict[str, list[str]] = {}
    for k, cats in enumerate(people):
        for cid in sorted(cats):
            lists.setdefault(cid, []).append(f"p{k}")
    est = estimate(policy, lists)
    by_id = {c.id: c for c in policy.categories}

    expected_net: dict[str, int] = {}
    for cats in people:
        # equally favourable categories (尤溪: 特困/孤儿/优抚 all pay 0): the data file's order
        ordered = [c for c in policy.categories if c.id in cats]
        decider = applicable_category(policy, ordered)
        expected_net[decider.id] = expected_net.get(decider.id, 0) + 1
    names = [r.category.id for r in est.rows]
    assert {r.category.id: r.net for r in est.rows if r.net} == expected_net
    assert est.total()["net"] == len(people)
    for j, row in enumerate(est.rows):
        assert row.original == len(lists[row.category.id])
        assert sum(r.overlaps[j] for r in est.rows) == row.original
        assert row.overlaps[j] == row.net and row.duplicates == row.original - row.net
        assert row.amount == row.net * by_id[names[j]].government_pays
    assert est.total()["amount"] == sum(r.amount for r in est.rows)


def test_jinzhai_rows_follow_attachment2_order():
    policy = default_registry().require("金寨县")
    shuffled = list(reversed(policy.categories))
    assert [c.roster_name for c in decision_order(policy, shuffled)] == [
        "特困", "孤儿", "优抚", "破产企业职工", "低保", "监测户", "重度残疾", "计生对象"]


def test_suiping_most_favourable_puts_exempt_first():
    # 遂平: 特困/监测对象 pay nothing (exempt) and come before 低保 (pays part of the premium).
    policy = default_registry().require("遂平")
    order = [c.id for c in decision_order(policy, policy.categories)]
    assert order.index("tekun") < order.index("dibao")
    assert order.index("monitored") < order.index("dibao")
