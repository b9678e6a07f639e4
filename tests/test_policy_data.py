"""County data: task tables reproduce the notices' attachments; malformed files fail clearly;
every county is found under every name the notices use."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policy_faq import PolicyDataError, default_registry, load_file, load_registry
from policy_faq.tasks import compute_task, find_township, task_rows, total_task

COUNTIES = Path(__file__).parents[1] / "policy_faq" / "counties"

# 金寨 附件1, as printed: township, population, excluded, base, task.
JINZHAI_ANNEX_1 = [
    ("沙河乡", 15292, 790, 14502, 13777), ("吴家店镇", 30579, 1424, 29155, 27697),
    ("油坊店乡", 26908, 1798, 25110, 23855), ("白塔畈镇", 41088, 3392, 37696, 35811),
    ("斑竹园镇", 21717, 1527, 20190, 19181), ("全军乡", 11141, 767, 10374, 9855),
    ("关庙乡", 11820, 820, 11000, 10450), ("梅山镇", 131991, 36791, 95200, 90440),
    ("天堂寨镇", 17317, 1538, 15779, 14990), ("果子园乡", 14935, 804, 14131, 13424),
    ("槐树湾乡", 28552, 1506, 27046, 25694), ("长岭乡", 17415, 1060, 16355, 15537),
    ("桃岭乡", 29715, 1719, 27996, 26596), ("麻埠镇", 14742, 890, 13852, 13159),
    ("古碑镇", 40578, 2540, 38038, 36136), ("铁冲乡", 12712, 822, 11890, 11296),
    ("流波䃥镇", 12382, 710, 11672, 11088), ("燕子河镇", 31658, 2419, 29239, 27777),
    ("青山镇", 21629, 1897, 19732, 18745), ("双河镇", 24965, 1911, 23054, 21901),
    ("花石乡", 15570, 820, 14750, 14013), ("南溪镇", 51207, 3639, 47568, 45190),
    ("汤家汇镇", 49529, 2776, 46753, 44415),
]
# 遂平 附件2, as printed.
SUIPING_ANNEX_2 = [
    ("灈阳街道", 18986), ("莲花湖街道", 16788), ("吴房街道", 10525), ("车站街道", 25319),
    ("褚堂街道", 16644), ("嵖岈山风景区", 4782), ("凤鸣谷风景区", 4900), ("石寨铺镇", 22739),
    ("沈寨镇", 44225), ("和兴镇", 57458), ("常庄镇", 39045), ("花庄镇", 22814), ("阳丰镇", 32095),
    ("玉山镇", 25288), ("嵖岈山镇", 21375), ("文城乡", 26049), ("槐树乡", 26485),
]
# 尤溪 附件2, as printed: township, 2023 enrolled, 2024 task.
YOUXI_ANNEX_2 = [
    ("城关镇", 28366, 28438), ("梅仙镇", 29387, 29410), ("西滨镇", 21030, 21057),
    ("洋中镇", 24325, 24344), ("新阳镇", 39672, 39717), ("管前镇", 23033, 23042),
    ("西城镇", 42063, 42114), ("联合镇", 17772, 17783), ("汤川乡", 14195, 14206),
    ("溪尾乡", 11902, 11914), ("中仙镇", 29670, 29707), ("台溪乡", 28485, 28517),
    ("坂面镇", 31147, 31188), ("八字桥乡", 11140, 11150), ("尤溪口镇", 627, 628),
]


@pytest.mark.parametrize("row", JINZHAI_ANNEX_1, ids=[r[0] for r in JINZHAI_ANNEX_1])
def test_jinzhai_task_is_base_times_95_percent(row: tuple) -> None:
    township, population, excluded, base, task = row
    assert population - excluded == base
    assert compute_task(base, 95) == task
    found = find_township(default_registry().require("金寨"), township)
    assert found is not None and found.task == task
    assert found.values == {"population": population, "excluded": excluded, "base": base,
                            "task": task}


def test_jinzhai_total_is_571028_from_the_total_base() -> None:
    policy = default_registry().require("金寨")
    assert [r.township for r in task_rows(policy)] == [r[0] for r in JINZHAI_ANNEX_1]
    assert total_task(policy) == 571028
    # The printed rows add up to one less: the 合计 row rounds the total base, not the rows.
    assert sum(r[4] for r in JINZHAI_ANNEX_1) == 571027
    assert compute_task(601082, 95) == 571028


def test_suiping_task_rows_and_total() -> None:
    policy = default_registry().require("遂平")
    assert [(r.township, r.task) for r in task_rows(policy)] == SUIPING_ANNEX_2
    assert total_task(policy) == 415517


def test_youxi_task_rows_and_total() -> None:
    policy = default_registry().require("尤溪")
    rows = task_rows(policy)
    assert [(r.township, r.values["enrolled_2023"], r.task) for r in rows] == YOUXI_ANNEX_2
    assert total_task(policy) == 353215
    assert sum(r.values["enrolled_2023"] for r in rows) == 352814


def test_tunliu_has_no_task_table() -> None:
    assert task_rows(default_registry().require("屯留")) == []


@pytest.mark.parametrize("name,slug", [
    ("金寨", "jinzhai"), ("金寨县", "jinzhai"), ("jinzhai", "jinzhai"), ("jinzhai-2024", "jinzhai"),
    ("屯留", "tunliu"), ("屯留区", "tunliu"), ("长治市屯留区", "tunliu"), ("tunliu", "tunliu"),
    ("遂平", "suiping"), ("遂平县", "suiping"), ("suiping-2025", "suiping"),
    ("尤溪", "youxi"), ("尤溪县", "youxi"), ("youxi", "youxi"),
])
def test_county_names(name: str, slug: str) -> None:
    assert default_registry().require(name).county.slug == slug


def test_silences_are_recorded_not_guessed() -> None:
    reg = default_registry()
    assert reg.require("遂平").newborn.stated is False
    assert reg.require("金寨").refund.stated is False
    assert reg.require("尤溪").refund.stated is True
    assert reg.require("屯留").late_payment.stated is False
    assert reg.require("尤溪").late_payment.stated is True
    assert reg.require("金寨").multiple_identities.rule == "order"
    assert reg.require("屯留").multiple_identities.stated is False


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _jinzhai() -> dict:
    return yaml.safe_load((COUNTIES / "jinzhai-2024.yaml").read_text("utf-8"))


def test_malformed_amount_names_file_and_field(tmp_path: Path) -> None:
    data = _jinzhai()
    data["categories"][4]["person_pays"] = "thirty-eight"
    path = _write(tmp_path, "bad.yaml", data)
    with pytest.raises(PolicyDataError) as e:
        load_file(path)
    assert "bad.yaml" in str(e.value) and "categories.4.person_pays" in str(e.value)


def test_amounts_that_do_not_add_up_are_rejected(tmp_path: Path) -> None:
    data = _jinzhai()
    data["categories"][4]["person_pays"] = 40
    with pytest.raises(PolicyDataError, match="personal standard 380"):
        load_file(_write(tmp_path, "sum.yaml", data))


def test_missing_source_is_rejected(tmp_path: Path) -> None:
    data = _jinzhai()
    del data["periods"][0]["source"]
    with pytest.raises(PolicyDataError, match=r"periods\.0\.source"):
        load_file(_write(tmp_path, "nosource.yaml", data))


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    data = _jinzhai()
    data["standard"]["personal"]["amout"] = 1
    with pytest.raises(PolicyDataError, match="amout"):
        load_file(_write(tmp_path, "typo.yaml", data))


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(PolicyDataError, match="not UTF-8"):
        load_file(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("county: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyDataError, match="not valid YAML"):
        load_file(tmp_path / "b.yaml")
    with pytest.raises(PolicyDataError, match="cannot read"):
        load_file(tmp_path / "missing.yaml")
    with pytest.raises(PolicyDataError, match="no county data files"):
        load_registry(tmp_path / "empty")


def test_a_new_year_is_a_data_file(tmp_path: Path) -> None:
    old = _jinzhai()
    new = _jinzhai()
    new["benefit_year"] = 2025
    for p in new["periods"]:
        p["start"] = p["start"].replace(year=p["start"].year + 1)
        p["end"] = p["end"].replace(year=p["end"].year + 1)
    _write(tmp_path, "jinzhai-2024.yaml", old)
    _write(tmp_path, "jinzhai-2025.yaml", new)
    import datetime as dt
    reg = load_registry(tmp_path)
    assert reg.require("金寨", dt.date(2023, 10, 1)).benefit_year == 2024
    assert reg.require("金寨", dt.date(2024, 10, 1)).benefit_year == 2025
    assert reg.require("金寨").benefit_year == 2025
