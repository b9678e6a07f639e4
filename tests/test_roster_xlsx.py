"""The fast XLSX reader gives the same rows as openpyxl, and falls back to openpyxl when it
cannot read a workbook."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bot.staff.tables import open_table
from bot.staff.xlsx_read import read_workbook


def _openpyxl_rows(path: Path) -> dict[str, list]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def test_same_rows_as_openpyxl(tmp_path):
    wb = Workbook()  # the normal writer: shared strings, styles
    ws = wb.active
    ws.title = "名单"
    ws["B1"] = "金寨县 特困人员 & 孤儿 <名单>"
    ws.append([])
    ws.append(["序号", "姓名", "身份证号码", "是否", "金额"])
    ws.append([1, "张三", "34152419800101001x", True, 1.5])
    ws.append([2, "李四", 341524198001010010, False, None])
    ws["C9"] = "  3415 2419 8001 0100 1X  "
    ws["F9"] = "=1+1"
    other = wb.create_sheet("说明")
    other["A1"] = "第二张表"
    path = tmp_path / "a.xlsx"
    wb.save(path)

    expected = _openpyxl_rows(path)
    with zipfile.ZipFile(path) as zf:
        got = {name: [cells for _, cells in rows] for name, rows in read_workbook(zf)}
    # openpyxl pads every row to the sheet's width; compare without the trailing Nones
    def trim(rows):
        return [r[: max((i + 1 for i, c in enumerate(r) if c is not None), default=0)]
                for r in rows]

    assert {k: trim(v) for k, v in got.items()} == {k: trim(v) for k, v in expected.items()}
    assert trim(got["名单"])[0] == (None, "金寨县 特困人员 & 孤儿 <名单>")
    # an 18-digit number is stored as a double: the last digits are already gone in the file
    assert trim(got["名单"])[4] == (2, "李四", 3.4152419800101e+17, False)


def test_row_numbers_follow_the_sheet(tmp_path):
    wb = Workbook()
    wb.active["A5"] = "身份证号"
    wb.active["A9"] = "x"
    path = tmp_path / "gaps.xlsx"
    wb.save(path)
    with open_table(path) as table:
        rows = list(table.sheets[0].rows)
    assert [n for n, cells in rows if cells and any(cells)] == [5, 9]


def test_falls_back_to_openpyxl(tmp_path):
    # A workbook without xl/workbook.xml where it is usually found is not for the fast reader;
    # openpyxl then reports it as not a valid XLSX (a precise message, not a traceback).
    path = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    from bot.staff.tables import TableError

    try:
        open_table(path)
    except TableError as e:
        assert "不是有效的 XLSX 文件" in str(e)
    else:
        raise AssertionError("expected TableError")
