"""Unit tests: normalisation, numerals, dates, ages, IDs, lexicon, API shape."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

import intents
from intents import CONFIDENCE_THRESHOLD, CountyNames, Lexicon, understand
from intents.dates import find_age, find_dates
from intents.ids import mask_id, mask_ids_in_text, validate_id
from intents.normalize import normalize
from intents.numbers import convert_numerals

TODAY = dt.date(2024, 1, 20)
VALID_ID = "34152219900101123X"  # check digit computed below in test_valid_id_fixture
# A valid ID: 17 digits + GB 11643 check character.
_BASE = "34152219900101123"


def _with_check(base: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return base + "10X98765432"[sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11]


GOOD_ID = _with_check(_BASE)          # 341522199001011234
GOOD_X_ID = _with_check("11010519491231002")  # the standard example, ends in X


# ---- normalisation ------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("俺是低報戶，要掏多钱？😀😀", "我是低保户要交多少钱"),
    ("醫寶啥時候交", "医保什么时候交"),
    ("金 寨 县 的 新农合 咋交啊？？？", "金寨县的医保怎么交啊"),
    ("ＡＢＣ１２３", "abc123"),
    ("交了三百八[微笑]", "交了380"),
    ("\x00\x07hello\u200b世界", "hello世界"),
    ("合作医疗交费", "医保缴费"),
    ("几多钱", "多少钱"),
    ("今天天气怎么样", "今天天气怎么样"),
])
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_truncates_huge_input() -> None:
    assert len(normalize("医保" * 5000)) == 500


@pytest.mark.parametrize("raw, expected", [
    ("三百八", "380"), ("三百八十元", "380元"), ("两百", "200"), ("一百天", "100天"),
    ("八十天", "80天"), ("二〇二四年", "2024年"), ("一级残疾", "1级残疾"), ("五保户", "五保户"),
    ("正月二十", "正月20"), ("腊月二十八", "腊月28"), ("正月初八", "正月初8"),
    ("农历二月初二", "农历2月初2"), ("三个月大", "3个月大"), ("一万二", "12000"),
    ("一千零五十", "1050"), ("十五号", "15号"), ("一二级残疾", "一二级残疾"), ("一下", "一下"),
    ("十分感谢", "十分感谢"), ("二女结扎户", "二女结扎户"), ("廿八", "28"),
])
def test_convert_numerals(raw: str, expected: str) -> None:
    assert convert_numerals(raw) == expected


def test_category_matches_with_either_numeral_form() -> None:
    for text in ("一级残疾交多少", "1级残疾交多少", "残疾一级交多少"):
        assert understand(text, TODAY).slots["categories"] == ["disabled_severe"]


# ---- dates -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, iso, precision", [
    ("2024-01-20交的", "2024-01-20", "day"),
    ("2024年1月20日", "2024-01-20", "day"),
    ("1月20号", "2024-01-20", "day"),
    ("1.20那天", "2024-01-20", "day"),
    ("上个月交了", "2023-12-01", "month"),
    ("下个月", "2024-02-01", "month"),
    ("下周", "2024-01-27", "day"),
    ("明天", "2024-01-21", "day"),
    ("过年回来", "2024-02-10", "day"),       # 2024 lunar new year: 10 Feb
    ("春节后", "2024-02-11", "approx"),
    ("正月20回来", "2024-02-29", "day"),
    ("腊月28", "2024-02-07", "day"),
    ("农历2月初2", "2024-03-11", "day"),
    ("8月份再交", "2024-08-01", "month"),
    ("12月31号交的", "2023-12-31", "day"),   # past tense: the date just gone
    ("除夕", "2024-02-09", "day"),
    ("大年初8", "2024-02-17", "day"),
])
def test_find_dates(text: str, iso: str, precision: str) -> None:
    hit = find_dates(text, TODAY)[0]
    assert (hit.iso, hit.precision) == (iso, precision)


def test_year_inference_depends_on_today() -> None:
    assert find_dates("过年", dt.date(2024, 12, 1))[0].iso == "2025-01-29"
    assert find_dates("2月28号", dt.date(2023, 11, 1))[0].iso == "2024-02-28"


def test_birth_date_is_not_a_payment_date() -> None:
    u = understand("孩子3月1号出生的", TODAY)
    assert u.slots["birth_date"] == "2023-03-01"
    assert "date" not in u.slots


@pytest.mark.parametrize("text, days, child", [
    ("孩子出生100天了", 100, True), ("满月", 30, True), ("宝宝3个月大", 90, True),
    ("刚出生", 0, True), ("孩子1岁了", 365, True), ("我60岁了", 21900, False),
    ("宝宝2个月", 60, True),
])
def test_find_age(text: str, days: int, child: bool) -> None:
    hit = find_age(text)
    assert hit is not None and (hit.days, hit.child) == (days, child)


def test_window_is_not_an_age() -> None:
    assert find_age("出生后3个月内") is None


def test_age_gives_birth_date_relative_to_today() -> None:
    u = understand("孩子出生100天了", dt.date(2024, 3, 1))
    assert u.slots["child_age_days"] == 100
    assert u.slots["birth_date"] == "2023-11-22"


# ---- amounts --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, amount", [
    ("交了380", 380), ("三百八十元", 380), ("交了三百八", 380), ("花了400块", 400),
])
def test_amount(text: str, amount: int) -> None:
    assert understand(text, TODAY).slots["amount"] == amount


def test_dates_and_ages_are_not_amounts() -> None:
    u = understand("孩子出生100天了 12月25号交", TODAY)
    assert "amount" not in u.slots


# ---- ID numbers -------------------------------------------------------------------------------
def test_validate_id_accepts_variants() -> None:
    assert validate_id(GOOD_ID) == (GOOD_ID, None)
    assert validate_id(GOOD_X_ID.lower()) == (GOOD_X_ID, None)
    full_width = GOOD_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert validate_id(full_width) == (GOOD_ID, None)
    assert validate_id(GOOD_ID[:6] + " " + GOOD_ID[6:14] + " " + GOOD_ID[14:]) == (GOOD_ID, None)


@pytest.mark.parametrize("raw, reason", [
    ("123", "身份证号应为18位，现在是3位"),
    ("34152219900230123X", "身份证号中的出生日期不存在"),
    ("3415221990010112A4", "身份证号前17位应为数字，最后一位为数字或X"),
    (_BASE + "0", "身份证号校验位不对，请核对后重新输入"),
])
def test_validate_id_rejects(raw: str, reason: str) -> None:
    assert validate_id(raw) == (None, reason)


def test_validate_id_rejects_future_birth_date() -> None:
    future = _with_check("34152220300101123")
    assert validate_id(future, dt.date(2024, 1, 1)) == (None, "身份证号中的出生日期不合理")


def test_mask() -> None:
    assert mask_id(GOOD_ID) == "3415**********1234"
    assert mask_id(GOOD_X_ID.lower()) == "1101**********002X"
    assert mask_ids_in_text(f"身份证{GOOD_ID}，电话13812345678") == \
        "身份证3415**********1234，电话13812345678"
    spaced = f"号码 {GOOD_ID[:4]} {GOOD_ID[4:8]} {GOOD_ID[8:12]} {GOOD_ID[12:16]} {GOOD_ID[16:]} 好"
    assert mask_ids_in_text(spaced) == "号码 3415**********1234 好"
    assert mask_ids_in_text("没有号码") == "没有号码"


def test_understand_never_echoes_full_id() -> None:
    for text in (f"我的身份证是{GOOD_ID}", f"身份证 {GOOD_ID[:6]} {GOOD_ID[6:]}",
                 "身份证" + GOOD_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})):
        u = understand(text, TODAY)
        assert GOOD_ID not in repr(u)
        assert u.slots["id_number"] == "3415**********1234"
        assert u.slots["id_valid"] is True
    bad = understand("身份证341522199001011230", TODAY)
    assert bad.slots["id_valid"] is False
    assert "341522199001011230" not in repr(bad)


# ---- lexicon --------------------------------------------------------------------------------
SMALL = Lexicon(counties=[
    CountyNames(slug="jinzhai", names=["金寨", "金寨县"], townships=["沙河乡", "梅山镇"]),
    CountyNames(slug="tunliu", names=["屯留", "屯留区", "长治市屯留区", "长治屯留"]),
    CountyNames(slug="suiping", names=["遂平", "遂平县"], townships=["车站街道", "和兴镇"]),
    CountyNames(slug="youxi", names=["尤溪", "尤溪县"], townships=["尤溪口镇", "城关镇"]),
])


@pytest.mark.parametrize("text, county, township", [
    ("金寨县低保交多少", "jinzhai", None), ("长治市屯留区", "tunliu", None),
    ("长治屯留的", "tunliu", None), ("沙河乡任务", "jinzhai", "沙河乡"),
    ("梅山的", "jinzhai", "梅山镇"), ("尤溪口镇", "youxi", "尤溪口镇"),
    ("youxi", "youxi", None), ("随平县", "suiping", None),  # one wrong character + 县
])
def test_explicit_lexicon(text: str, county: str, township: str | None) -> None:
    u = understand(text, TODAY, SMALL)
    assert u.slots.get("county") == county
    assert u.slots.get("township") == township


def test_everyday_word_is_not_a_township() -> None:
    assert "township" not in understand("我在车站等车", TODAY, SMALL).slots
    assert understand("车站街道任务数", TODAY, SMALL).slots["township"] == "车站街道"


def test_default_lexicon_reads_county_files() -> None:
    lex = Lexicon.default()
    assert set(lex.slugs()) >= {"jinzhai", "tunliu", "suiping", "youxi"}
    for name, slug in [("金寨", "jinzhai"), ("金寨县", "jinzhai"), ("屯留", "tunliu"),
                       ("屯留区", "tunliu"), ("长治市屯留区", "tunliu"), ("遂平县", "suiping"),
                       ("尤溪", "youxi"), ("jinzhai", "jinzhai"), ("由溪", "youxi")]:
        assert lex.county_of(name) == slug
    # townships from the task tables (金寨 附件1, 遂平 附件2, 尤溪 附件2)
    assert understand("汤家汇镇", TODAY).slots == {"county": "jinzhai", "township": "汤家汇镇"}
    assert understand("嵖岈山镇任务", TODAY).slots["township"] == "嵖岈山镇"
    assert understand("八字桥乡", TODAY).slots["county"] == "youxi"


# ---- API --------------------------------------------------------------------------------------
def test_understanding_is_frozen_and_threshold_matches_data() -> None:
    u = understand("低保户交多少钱", TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        u.intent = "fee"  # type: ignore[misc]
    data = yaml.safe_load((Path(intents.__file__).parent / "data" / "intents.yaml").read_text("utf-8"))
    assert CONFIDENCE_THRESHOLD == data["threshold"]


def test_unknown_text_is_below_threshold() -> None:
    for text in ("asdfgh", "我家狗丢了", "", "😀😀😀", "。。。"):
        u = understand(text, TODAY)
        assert u.intent == "out_of_scope" and u.confidence < CONFIDENCE_THRESHOLD


def test_negated_category_is_dropped() -> None:
    assert "categories" not in understand("我不是低保户", TODAY).slots


# ---- festivals, 这个月N号, the new year just past, the current month ---------------------------
@pytest.mark.parametrize("today, text, iso, precision", [
    ("2023-11-27", "这个月27号能交不", "2023-11-27", "day"),
    ("2023-11-27", "下个月3号", "2023-12-03", "day"),
    ("2023-11-27", "上个月5号交的", "2023-10-05", "day"),
    ("2023-12-10", "元旦以后交", "2024-01-01", "approx"),
    ("2023-12-10", "元旦", "2024-01-01", "day"),
    ("2024-03-10", "清明节前", "2024-04-04", "approx"),
    ("2024-04-10", "五一之后", "2024-05-01", "approx"),
    ("2024-04-10", "劳动节", "2024-05-01", "day"),
    ("2024-05-01", "端午", "2024-06-10", "day"),       # lunar 5/5
    ("2024-09-10", "中秋节那天", "2024-09-17", "day"),  # lunar 8/15
    ("2024-09-10", "国庆节后", "2024-10-01", "approx"),
    ("2023-12-10", "腊八", "2024-01-18", "day"),       # lunar 12/8
    ("2023-12-10", "小年", "2024-02-02", "day"),       # lunar 12/23
    ("2024-02-20", "元宵节以后", "2024-02-24", "approx"),
    ("2024-02-15", "现在过完年了还能交吗", "2024-02-11", "approx"),  # the new year just past
    ("2024-02-15", "年后还能交吗", "2024-02-11", "approx"),
    ("2024-02-15", "年前交的", "2024-02-09", "approx"),
    ("2024-01-20", "过完年还能交吗", "2024-02-11", "approx"),   # before it: the coming one
    ("2024-06-01", "年后", "2025-01-30", "approx"),             # long after: the next one
    ("2024-08-15", "8月份交", "2024-08-15", "month"),           # the current month means now
    ("2024-08-15", "这个月交", "2024-08-15", "month"),
    ("2024-08-15", "9月份交", "2024-09-01", "month"),
])
def test_find_dates_festivals(today: str, text: str, iso: str, precision: str) -> None:
    hit = find_dates(normalize(text), dt.date.fromisoformat(today))[0]
    assert (hit.iso, hit.precision) == (iso, precision)


def test_category_phrases_tolerate_de() -> None:
    from intents import vocab
    found = [c for c, _, _ in vocab.categories().find("事实无人抚养的儿童和重度的残疾人")]
    assert found == ["orphan", "disabled_severe"]
    # a negation before 的 covers only the modifier: 不是重度的残疾人 is still disabled
    assert [c for c, _, _ in vocab.categories().find("不是重度的残疾人")] == ["disabled"]


@pytest.mark.parametrize("typo, fixed", [("五宝户", "五保户"), ("底保", "低保"), ("残废", "残疾"),
                                         ("交一保", "交医保")])
def test_homophone_typos(typo: str, fixed: str) -> None:
    assert normalize(typo) == fixed
