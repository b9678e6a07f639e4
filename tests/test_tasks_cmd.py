"""`python -m bot tasks`: the task tables as printed in the notices, and completion ranking from a
file of enrolled counts. Task numbers typed from the seeds (金寨 附件1, 遂平 附件2)."""

from __future__ import annotations

import json

from staff_fixtures import write_csv, write_xlsx

from bot.cli import main


def _tasks(argv: list[str], capsys) -> tuple[int, dict, str]:
    code = main(["tasks", *argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_jinzhai_task_table(capsys):
    code, out, _ = _tasks(["--county", "金寨县"], capsys)
    assert code == 0
    assert out["source"] == "附件1" and len(out["rows"]) == 23
    assert out["rows"][0] == {"seq": 1, "township": "沙河乡", "population": 15292,
                              "excluded": 790, "base": 14502, "task": 13777}
    assert out["rows"][7]["township"] == "梅山镇" and out["rows"][7]["task"] == 90440
    assert out["total"] == {"population": 673442, "excluded": 72360, "base": 601082,
                            "task": 571028}


def test_text_table(capsys):
    assert main(["tasks", "--county", "jinzhai"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "金寨县2024年度城乡居民基本医疗保险参保缴费任务表（金寨县通知附件1）"
    assert next(line for line in lines if "合计" in line).split() == [
        "合计", "673442", "72360", "601082", "571028"]


def _jinzhai_paid(tmp_path, xlsx: bool = False):
    rows = [
        ["乡镇名称", "已参保人数"],
        ["全军乡", 9855],            # 100.00%
        ["关庙乡", 10973],           # 105.00%
        ["沙河乡", "13,000"],        # 94.36%
        ["梅 山镇", 95000],          # 105.04%  (stray space)
        ["吴家店", 20000],           # 72.21%   (short name)
        ["油坊店乡", 23855],         # 100.00%
        ["白塔畈镇", 36000],         # 100.53%
        ["斑竹园镇", 0],             # 0.00%
        ["开发区", 500],             # not in the task table
        ["桃岭乡", "一万"],          # not a number
        ["沙河乡", 1],               # repeated
        ["合计", 209183],            # a total line
    ]
    title = ["金寨县城乡居民医保参保进度（截至12月31日）"]
    if xlsx:
        return write_xlsx(tmp_path / "paid.xlsx", {"进度": [title, *rows]})
    return write_csv(tmp_path / "paid.csv", rows, encoding="gbk", title=title)


def test_ranking_and_commended_top_six(tmp_path, capsys):
    paid = _jinzhai_paid(tmp_path)
    code, out, _ = _tasks(["--county", "金寨", "--paid", str(paid)], capsys)
    assert code == 0
    got = [(p["rank"], p["township"], p["enrolled"], p["rate_percent"], p["commended"])
           for p in out["progress"]]
    assert got == [
        (1, "梅山镇", 95000, "105.04%", True),
        (2, "关庙乡", 10973, "105.00%", True),
        (3, "白塔畈镇", 36000, "100.53%", True),
        (4, "油坊店乡", 23855, "100.00%", True),
        (4, "全军乡", 9855, "100.00%", True),
        (6, "沙河乡", 13000, "94.36%", True),
        (7, "吴家店镇", 20000, "72.21%", False),
        (8, "斑竹园镇", 0, "0.00%", False),
    ]
    assert out["commend_top"] == 6
    assert len(out["missing"]) == 15 and "桃岭乡" in out["missing"]
    f = str(paid)
    assert out["rejected"] == [
        {"file": f, "row": 11, "reason": "任务表中没有「开发区」这个乡镇，未计入"},
        {"file": f, "row": 12, "reason": "桃岭乡的参保人数不是非负整数：'一万'"},
        {"file": f, "row": 13, "reason": "沙河乡重复（第5行已有），本行未计入"},
        {"file": f, "row": 14, "reason": "合计行，不参加排名"},
    ]


def test_xlsx_paid_file_and_text_output(tmp_path, capsys):
    paid = _jinzhai_paid(tmp_path, xlsx=True)
    assert main(["tasks", "--county", "金寨县", "--paid", str(paid)]) == 0
    out = capsys.readouterr().out
    first = next(line for line in out.splitlines() if line.strip().startswith("1  梅山镇"))
    assert first.split() == ["1", "梅山镇", "90440", "95000", "105.04%", "★"]
    assert "通知八（四）：" in out
    assert f"{paid} 第11行：任务表中没有「开发区」这个乡镇，未计入" in out


def test_suiping_work_funding(tmp_path, capsys):
    # 遂平 附件2 tasks: 灈阳街道 18986, 莲花湖街道 16788, 吴房街道 10525, 车站街道 25319.
    # 五（三）: 1 元 per enrollee; bonuses 10万/8万/5万; deductions 3万/2万/1万.
    paid = write_csv(tmp_path / "p.csv", [["township", "enrolled"], ["灈阳街道", 18986],
                                          ["莲花湖街道", 17000], ["吴房街道", 5000],
                                          ["车站街道", 20000]])
    code, out, _ = _tasks(["--county", "遂平", "--paid", str(paid)], capsys)
    assert code == 0
    got = [(p["township"], p["rate_percent"], p["funding"]) for p in out["progress"]]
    assert got == [
        ("莲花湖街道", "101.26%", {"base": 17000, "bonus": 100000, "deduction": 0}),
        ("灈阳街道", "100.00%", {"base": 18986, "bonus": 80000, "deduction": 0}),
        ("车站街道", "78.99%", {"base": 20000, "bonus": 0, "deduction": 20000}),
        ("吴房街道", "47.51%", {"base": 5000, "bonus": 0, "deduction": 30000}),
    ]
    assert out["commend_top"] is None


def test_tunliu_has_no_task_table(tmp_path, capsys):
    assert main(["tasks", "--county", "屯留"]) == 0
    assert capsys.readouterr().out.strip() == "屯留区的通知（屯留区政策解读）没有乡镇参保任务表。"
    paid = write_csv(tmp_path / "p.csv", [["乡镇", "已参保"], ["麟绛镇", 1]])
    assert main(["tasks", "--county", "屯留", "--paid", str(paid)]) == 1
    assert "--paid needs a task table" in capsys.readouterr().err


def test_bad_paid_files(tmp_path, capsys):
    no_header = write_csv(tmp_path / "x.csv", [["名称", "数量"], ["沙河乡", 1]])
    code, out, _ = _tasks(["--county", "金寨", "--paid", str(no_header)], capsys)
    assert code == 1 and out["progress"] == []
    assert out["rejected"][0]["row"] is None
    assert out["rejected"][0]["reason"].startswith("找不到表头：需要乡镇一列")
    code, out, _ = _tasks(["--county", "金寨", "--paid", str(tmp_path / "none.csv")], capsys)
    assert code == 1 and out["rejected"][0]["reason"] == "文件不存在"


def test_unknown_county(capsys):
    assert main(["tasks", "--county", "合肥"]) == 2
    assert "valid counties: 金寨县" in capsys.readouterr().err
