"""`python -m bot roster` reproduces 金寨县 附件2 (政府代缴保费测算表) from generated rosters with the
same overlaps. Every expected number below is typed from seed 001's 附件2, not from the code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from staff_fixtures import people_from_matrix, rows_for, write_csv, write_xlsx

from bot.cli import main

# 附件2 as printed: 类型, 原始人数, 重复人数, 去重复后人数, 多重身份分类 (8 columns), 补贴标准, 补贴金额测算
NAMES = ["特困", "孤儿", "优抚", "破产企业职工", "低保", "监测户", "重度残疾", "计生对象"]
ATTACHMENT2 = [
    ("特困", 6447, 0, 6447, [6447, 0, 101, 0, 0, 27, 2048, 195], 380, 2449860),
    ("孤儿", 213, 0, 213, [0, 213, 1, 0, 0, 15, 11, 0], 380, 80940),
    ("优抚", 4657, 102, 4555, [0, 0, 4555, 0, 287, 10, 318, 268], 380, 1730900),
    ("破产企业职工", 126, 0, 126, [0, 0, 0, 126, 2, 0, 3, 0], 380, 47880),
    ("低保", 22020, 289, 21731, [0, 0, 0, 0, 21731, 994, 5149, 3056], 342, 7432002),
    ("监测户", 1729, 1046, 683, [0, 0, 0, 0, 0, 683, 15, 49], 190, 129770),
    ("重度残疾", 17220, 7544, 9676, [0, 0, 0, 0, 0, 0, 9676, 834], 190, 1838440),
    ("计生对象", 68552, 4402, 64150, [0, 0, 0, 0, 0, 0, 0, 64150], 190, 12188500),
]
TOTAL = {"original": 120964, "duplicates": 13383, "net": 107581, "amount": 25898292}
COLUMN_TOTALS = [6447, 213, 4657, 126, 22020, 1729, 17220, 68552]  # 附件2's 合计 row
CELLS = [row[4] for row in ATTACHMENT2]


def _write_lists(directory: Path, lists: list[list[str]]) -> list[str]:
    """The eight rosters as departments send them: each in a different format and header."""
    title = ["金寨县2024年度城乡居民医保代缴对象名单", "填报单位：（盖章）"]
    specs = [  # (--list name, file name, ID header, writer)
        ("五保户", "tekun.xlsx", "身份证号码", "xlsx"),
        ("孤儿", "orphan.csv", "公民身份号码", "gbk"),
        ("优抚", "youfu.csv", "证件号码", "utf-8-sig"),
        ("破产企业职工", "bankrupt.xlsx", "身份证号", "xlsx"),
        ("低保", "dibao.csv", "身份证号", "utf-8"),
        ("监测户", "monitored.csv", "身份证号码", "tab"),
        ("重度残疾", "disabled.xlsx", "居民身份证号码", "xlsx"),
        ("计生", "family.csv", "身份证号", "gbk"),
    ]
    argv = []
    for (name, file, header, kind), ids in zip(specs, lists, strict=True):
        path, rows = directory / file, rows_for(ids, header)
        if kind == "xlsx":
            write_xlsx(path, {"名单": rows}, title=title)
        elif kind == "tab":
            write_csv(path, rows, title=title[:1], delimiter="\t")
        else:
            write_csv(path, rows, encoding=kind, title=title)
        argv += ["--list", f"{name}={path}"]
    return argv


def _run(argv: list[str], capsys) -> tuple[int, dict]:
    code = main(["roster", "--county", "金寨县", *argv, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture(scope="module")
def attachment2_lists(tmp_path_factory) -> list[str]:
    return _write_lists(tmp_path_factory.mktemp("a2"), people_from_matrix(CELLS))


def _assert_attachment2(result: dict) -> None:
    assert result["county"] == "金寨县"
    got = [(c["category"], c["original"], c["duplicates"], c["net"],
            [result["overlaps"][c["category"]][n] for n in NAMES], c["per_person"], c["amount"])
           for c in result["categories"]]
    assert got == ATTACHMENT2
    assert result["total"] == TOTAL
    for j, name in enumerate(NAMES):
        assert sum(result["overlaps"][row][name] for row in NAMES) == COLUMN_TOTALS[j]


def test_reproduces_attachment2_from_department_files(attachment2_lists, capsys):
    code, result = _run(attachment2_lists, capsys)
    assert code == 0
    _assert_attachment2(result)
    assert result["rejected"] == [] and result["repeated"] == []
    assert sum(f["counted"] for f in result["files"]) == TOTAL["original"]


def test_people_on_many_lists_give_the_same_table(tmp_path, capsys):
    # The same overlaps, but carried by people who are on up to five lists at once.
    lists = people_from_matrix(CELLS, packed=True)
    argv = []
    for name, ids in zip(NAMES, lists, strict=True):
        path = write_csv(tmp_path / f"{name}.csv", rows_for(ids, "身份证号", mess=False))
        argv += ["--list", f"{name}={path}"]
    code, result = _run(argv, capsys)
    assert code == 0
    _assert_attachment2(result)


def test_order_of_lists_on_the_command_line_does_not_matter(attachment2_lists, capsys):
    pairs = [attachment2_lists[i:i + 2] for i in range(0, len(attachment2_lists), 2)]
    shuffled = [arg for pair in reversed(pairs) for arg in pair]
    code, result = _run(shuffled, capsys)
    assert code == 0
    _assert_attachment2(result)


def test_text_report_shows_the_table(attachment2_lists, capsys):
    assert main(["roster", "--county", "金寨", *attachment2_lists]) == 0
    out = capsys.readouterr().out
    total_line = next(line for line in out.splitlines() if line.startswith("合计"))
    assert total_line.split() == ["合计", "120964", "13383", "107581", "25898292"]
    low = next(line for line in out.splitlines() if line.startswith("低保 "))
    assert low.split() == ["低保", "22020", "289", "21731", "342", "7432002"]
    # 附件2's 说明 line for 优抚, generated from the counts
    assert "优抚 4657 人，其中 101 人是特困、1 人是孤儿，实际代缴 4555 人" in out


def test_xlsx_output_has_attachment2_shape(attachment2_lists, tmp_path, capsys):
    from openpyxl import load_workbook

    out = tmp_path / "测算表.xlsx"
    assert main(["roster", "--county", "金寨县", *attachment2_lists, "--xlsx", str(out)]) == 0
    capsys.readouterr()
    ws = load_workbook(out)["测算表"]
    assert ws.cell(1, 1).value == "金寨县2024年度城乡居民基本医疗保险政府代缴保费测算表"
    assert [ws.cell(2, c).value for c in (1, 2, 3, 4, 5, 13, 14)] == [
        "类型", "原始人数", "重复人数", "去重复后人数", "多重身份分类", "补贴标准", "补贴金额测算"]
    assert [ws.cell(3, c).value for c in range(5, 13)] == NAMES
    for i, (name, original, dup, net, cells, per, amount) in enumerate(ATTACHMENT2):
        assert [ws.cell(4 + i, c).value for c in range(1, 15)] == [
            name, original, dup, net, *cells, per, amount]
    assert [ws.cell(12, c).value for c in range(1, 15)] == [
        "合计", 120964, 13383, 107581, *COLUMN_TOTALS, None, 25898292]
    assert "B2:B3" in {str(r) for r in ws.merged_cells.ranges}
