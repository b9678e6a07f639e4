"""Every kind of bad row or file is reported with file, row number and reason, never counted and
never silently dropped; usage errors exit 2; a full ID number never appears in the output."""

from __future__ import annotations

import json

import pytest
from staff_fixtures import make_id, write_csv, write_xlsx

from bot.cli import main

A, B, C, D = (make_id(k) for k in (11, 22, 33, 44))


def _wrong_check(pid: str) -> str:
    return pid[:17] + ("0" if pid[17] != "0" else "1")


def _roster(argv: list[str], capsys, county: str = "金寨县") -> tuple[int, dict, str]:
    code = main(["roster", "--county", county, *argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else {}, captured.err


def _no_full_ids(text: str) -> None:
    for pid in (A, B, C, D, _wrong_check(A)):
        assert pid not in text and pid.lower() not in text


def test_each_kind_of_bad_row_is_reported_with_row_and_reason(tmp_path, capsys):
    rows = [
        ["姓名", "身份证号码"],       # row 2 (row 1 is the title)
        ["甲", A],                    # 3 counted
        ["乙", _wrong_check(B)],      # 4 check digit
        ["丙", "341524199002301234"],  # 5 30 February
        ["丁", "34152419900101"],     # 6 14 characters
        ["戊", ""],                   # 7 empty ID
        ["己", "3.41524E+17"],        # 8 scientific notation
        ["庚", A.lower()],            # 9 same person as row 3
        ["", ""],                     # 10 blank row: not data
        ["合计", ""],                 # 11 a total line
        ["辛", "34152419A0010112X3"],  # 12 a letter inside
        ["壬", "341524290001011234"],  # 13 born in the future
        ["癸", C],                    # 14 counted
    ]
    path = write_csv(tmp_path / "低保名单.csv", rows, title=["金寨县低保对象名单"])
    code, result, _ = _roster(["--list", f"低保={path}"], capsys)
    assert code == 0
    f = str(path)
    assert result["rejected"] == [
        {"file": f, "row": 4, "reason": "身份证号校验位不对，请核对后重新输入"},
        {"file": f, "row": 5, "reason": "身份证号中的出生日期不存在"},
        {"file": f, "row": 6, "reason": "身份证号应为18位，现在是14位"},
        {"file": f, "row": 7, "reason": "没有身份证号"},
        {"file": f, "row": 8, "reason": "身份证号是科学计数法（如 3.41522E+17），后几位已丢失；"
                                         "请把该列设为文本格式后重新导出"},
        {"file": f, "row": 11, "reason": "没有身份证号（看起来是合计或备注行）"},
        {"file": f, "row": 12, "reason": "身份证号前17位应为数字，最后一位为数字或X"},
        {"file": f, "row": 13, "reason": "身份证号中的出生日期不合理"},
    ]
    masked = A[:4] + "*" * 10 + A[-4:]
    assert result["repeated"] == [
        {"file": f, "row": 9, "reason": f"与第3行是同一人（{masked}），只计一次"}]
    assert result["categories"] == [{"category": "低保", "original": 2, "duplicates": 0,
                                     "net": 2, "per_person": 342, "amount": 684}]
    # 11 data rows: rows 3-14 less the blank row 10
    assert result["files"] == [{"file": f, "category": "低保", "rows": 11, "counted": 2}]


def test_text_report_lists_bad_rows_and_masks_ids(tmp_path, capsys):
    path = write_csv(tmp_path / "t.csv", [["身份证号"], [A], [A], [_wrong_check(B)]])
    assert main(["roster", "--county", "金寨", "--list", f"特困={path}"]) == 0
    out = capsys.readouterr().out
    assert f"{path} 第3行：与第2行是同一人（{A[:4]}**********{A[-4:]}），只计一次" in out
    assert f"{path} 第4行：身份证号校验位不对，请核对后重新输入" in out
    _no_full_ids(out)


def test_numbers_in_xlsx_and_extra_sheets(tmp_path, capsys):
    path = write_xlsx(tmp_path / "残联.xlsx", {
        "名单": [["重度残疾人名单"], [], ["序号", "姓名", "身份证号"], [1, "甲", B],
                 [2, "乙", int(C[:17] + "0")], [3, "丙", D]],
        "说明": [["本表由县残联提供"]],
        "空表": [],
    })
    code, result, _ = _roster(["--list", f"重度残疾={path}"], capsys)
    assert code == 0
    assert result["rejected"] == [
        {"file": f"{path}[名单]", "row": 5,
         "reason": "身份证号被存成了数字，后几位已丢失；请把该列设为文本格式后重新导出"},
        {"file": f"{path}[说明]", "row": None,
         "reason": "找不到身份证号列（表头应为 身份证号、身份证号码、公民身份号码、证件号码 等），"
                   "该工作表未读取"},
    ]
    assert result["categories"][0]["original"] == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings(tmp_path, capsys, encoding):
    path = write_csv(tmp_path / "计生.csv", [["序号", "姓名", "公民身份号码"], [1, "张三", A],
                                            [2, "李四", B]], encoding=encoding, title=["计生名单"])
    code, result, _ = _roster(["--list", f"计生={path}"], capsys)
    assert (code, result["rejected"]) == (0, [])
    assert result["categories"] == [{"category": "计生对象", "original": 2, "duplicates": 0,
                                     "net": 2, "per_person": 190, "amount": 380}]


def test_full_width_lower_case_and_spaces_are_the_same_person(tmp_path, capsys):
    full = A.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    spaced = f" {A[:6]} {A[6:14]} {A[14:].lower()} "
    path = write_csv(tmp_path / "a.csv", [["证件号码"], [full], [spaced], [A]])
    code, result, _ = _roster(["--list", f"优抚={path}"], capsys)
    assert code == 0
    assert result["categories"][0]["original"] == 1
    assert [r["row"] for r in result["repeated"]] == [3, 4]


def test_same_person_in_two_files_of_one_list_counts_once(tmp_path, capsys):
    one = write_csv(tmp_path / "东片.csv", [["身份证号"], [A], [B]])
    two = write_csv(tmp_path / "西片.csv", [["身份证号"], [B], [C]])
    code, result, _ = _roster(["--list", f"低保={one}", "--list", f"低保={two}"], capsys)
    assert code == 0
    assert result["categories"][0]["original"] == 3
    assert result["repeated"] == [{"file": str(two), "row": 2, "reason":
                                   f"与{one} 第3行是同一人（{B[:4]}**********{B[-4:]}），只计一次"}]


def test_unreadable_files_fail_alone(tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", [["身份证号"], [A]])
    no_header = write_csv(tmp_path / "noheader.csv", [["姓名", "电话"], ["甲", "123"]])
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\xff\xfe\xff\x00\x81")
    old_excel = tmp_path / "old.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_text("not a workbook")
    missing = tmp_path / "missing.csv"
    argv = ["--list", f"特困={good}"]
    for p in (no_header, garbage, old_excel, fake_xlsx, missing):
        argv += ["--list", f"低保={p}"]
    code, result, _ = _roster(argv, capsys)
    assert code == 1
    assert result["total"]["original"] == 1  # the good file still counts
    reasons = {r["file"]: r["reason"] for r in result["rejected"]}
    assert all(r["row"] is None for r in result["rejected"])
    assert reasons == {
        str(no_header): "找不到身份证号列（表头应为 身份证号、身份证号码、公民身份号码、证件号码 等）",
        str(garbage): "文件编码无法识别（应为 UTF-8 或 GBK 的 CSV）",
        str(old_excel): "不支持旧版 .xls；请在 Excel 或 WPS 中另存为 .xlsx 或 CSV",
        str(fake_xlsx): "不是有效的 XLSX 文件（BadZipFile）；旧版 .xls 请在 Excel 或 WPS 中另存为 "
                        ".xlsx 或 CSV",
        str(missing): "文件不存在",
    }


def test_id_column_option_picks_an_unusual_header(tmp_path, capsys):
    path = write_csv(tmp_path / "a.csv", [["户主身份证号", "成员号码"], [A, B], [A, C]])
    code, result, _ = _roster(["--list", f"低保={path}", "--id-column", "成员号码"], capsys)
    assert (code, result["categories"][0]["original"]) == (0, 2)
    # without the option the only ID-like header (户主身份证号) is used: one household head
    code, result, _ = _roster(["--list", f"低保={path}"], capsys)
    assert (code, result["categories"][0]["original"], len(result["repeated"])) == (0, 1, 1)


def test_member_column_is_preferred_over_household_head(tmp_path, capsys):
    path = write_csv(tmp_path / "a.csv", [["户主身份证号码", "姓名", "成员身份证号码"],
                                          [A, "甲", A], [A, "乙", B]])
    code, result, _ = _roster(["--list", f"低保={path}"], capsys)
    assert (code, result["categories"][0]["original"], result["repeated"]) == (0, 2, [])


@pytest.mark.parametrize(("argv", "message"), [
    (["--county", "不存在县", "--list", "低保=x.csv"], "valid counties: 金寨县"),
    (["--county", "金寨县", "--list", "残疾=x.csv"], "「残疾」在金寨县不明确，可能是：重度残疾"),
    (["--county", "金寨县", "--list", "普通人=x.csv"],
     "金寨县没有「普通人」这一类。可用的类别：特困、孤儿、优抚、破产企业职工、低保、监测户、重度残疾、计生对象"),
    (["--county", "屯留", "--list", "计生=x.csv"], "屯留区没有「计生」这一类"),
    (["--county", "金寨县", "--list", "dibao.csv"], "write it as NAME=FILE"),
    (["--county", "金寨县"], "give at least one --list"),
])
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(["roster", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_tunliu_most_favourable_and_merged_names(tmp_path, capsys):
    # 屯留: 特困人员 includes 孤儿 (one category); a person on both 低保 and 特困 lists is counted
    # under 特困 (pays 0, the most favourable). Amounts from seed 002's table: 特困 380, 低保 304.
    tekun = write_csv(tmp_path / "tk.csv", [["身份证号"], [A]])
    orphan = write_csv(tmp_path / "ge.csv", [["身份证号"], [B]])
    dibao = write_csv(tmp_path / "db.csv", [["身份证号"], [A], [C], [D]])
    code, result, _ = _roster(["--list", f"低保={dibao}", "--list", f"孤儿={orphan}",
                               "--list", f"五保户={tekun}"], capsys, county="屯留")
    assert code == 0
    tk = "特困人员（含孤儿、事实无人抚养儿童、儿童福利机构收留抚养儿童）"
    assert result["categories"] == [
        {"category": tk, "original": 2, "duplicates": 0, "net": 2, "per_person": 380,
         "amount": 760},
        {"category": "低保人员", "original": 3, "duplicates": 1, "net": 2, "per_person": 304,
         "amount": 608},
    ]
    assert result["overlaps"] == {tk: {tk: 2, "低保人员": 1}, "低保人员": {tk: 0, "低保人员": 2}}
    assert result["total"] == {"original": 5, "duplicates": 1, "net": 4, "amount": 1368}
