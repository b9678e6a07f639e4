"""The unanswered-questions log (SQLite, IDs masked, threads and processes) and
`python -m bot review` (grouping by similarity, --county, --since, --csv)."""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import sqlite3
import threading

import pytest
from staff_fixtures import make_id

from bot.cli import main
from bot.staff.unanswered import UnansweredLog

T0 = dt.datetime(2024, 1, 20, 9, 30)


def _fill(path) -> None:
    with UnansweredLog(path) as log:
        rows = [  # (county, text, days after T0)
            ("金寨县", "低保户交多少钱", 0), ("金寨县", "低保户交多少钱", 0),
            ("金寨县", "低保交多少钱啊", 1), ("屯留区", "低保户交多少钱？", 2),
            ("金寨县", "残疾人怎么交医保", 3), ("金寨县", "残疾人医保怎么交", 4),
            ("金寨县", "特困交多少钱", 5),
            ("尤溪县", "今天天气怎么样", 6),
        ]
        for county, text, days in rows:
            assert log.record("wechat", "u-hash", county, text, "fallback", 0.2,
                              T0 + dt.timedelta(days=days))


def test_ids_are_masked_before_storing(tmp_path):
    pid = make_id(5)
    path = tmp_path / "u.sqlite3"
    with UnansweredLog(path) as log:
        log.record("telegram", "h", "金寨县", f"我的身份证{pid}查不到", "fallback", 0.1, T0)
        log.record("telegram", "h", "金寨县", f"号码 {pid[:6]} {pid[6:14]} {pid[14:]}", None,
                   None, T0)
    raw = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("u.sqlite3-*"))
    assert pid.encode() not in raw
    texts = [r[0] for r in sqlite3.connect(path).execute("SELECT text FROM unanswered ORDER BY id")]
    masked = pid[:4] + "*" * 10 + pid[-4:]
    assert texts == [f"我的身份证{masked}查不到", f"号码 {masked}"]


def test_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_UNANSWERED_DB", str(tmp_path / "env.sqlite3"))
    with UnansweredLog() as log:
        assert log.path == tmp_path / "env.sqlite3"
        log.record("cli", None, None, "你好", None, None, T0)
    assert (tmp_path / "env.sqlite3").is_file()
    assert main(["review"]) == 0


def test_threads_share_one_log(tmp_path):
    path = tmp_path / "t.sqlite3"
    log = UnansweredLog(path)

    def worker(n: int) -> None:
        for i in range(200):
            assert log.record("wechat", f"u{n}", "金寨县", f"问题{n}-{i}", "fallback", 0.3, T0)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(list(log.entries())) == 800
    log.close()


def _process_writer(path: str, n: int) -> None:
    with UnansweredLog(path) as log:
        for i in range(100):
            log.record("wechat", f"p{n}", "金寨县", f"问题{n}-{i}", "fallback", 0.3, T0)


def test_processes_write_the_same_file(tmp_path):
    path = str(tmp_path / "p.sqlite3")
    UnansweredLog(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(path, n)) for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with UnansweredLog(path) as log:
        assert len(list(log.entries())) == 300


def test_record_never_raises(tmp_path):
    log = UnansweredLog(tmp_path / "c.sqlite3")
    log._conn.execute("DROP TABLE unanswered")  # the database broke under us
    assert log.record("wechat", "u", None, "问题", None, None, T0) is False
    log.close()


def test_review_groups_similar_questions(tmp_path, capsys):
    path = tmp_path / "r.sqlite3"
    _fill(path)
    assert main(["review", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "未答问题 8 条，4 组（相似度阈值 80）"
    blocks = [b.strip() for b in out.split("\n\n")[1:]]
    firsts = [b.splitlines()[0] for b in blocks]
    # ties (2 x 1 time) are shown in text order
    assert firsts == ["1. 4 次  低保户交多少钱", "2. 2 次  残疾人医保怎么交",
                      "3. 1 次  特困交多少钱", "4. 1 次  今天天气怎么样"]
    assert "其他说法：低保交多少钱啊（1）、低保户交多少钱？（1）" in blocks[0]
    assert "县：金寨县 3、屯留区 1" in blocks[0]


def test_review_county_and_since(tmp_path, capsys):
    path = tmp_path / "r.sqlite3"
    _fill(path)
    assert main(["review", "--db", str(path), "--county", "金寨", "--since", "2024-01-23"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "未答问题 3 条，2 组（相似度阈值 80，金寨，2024-01-23 起）"


def test_review_csv_export(tmp_path, capsys):
    path, out = tmp_path / "r.sqlite3", tmp_path / "groups.csv"
    _fill(path)
    assert main(["review", "--db", str(path), "--csv", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == ["序号", "次数", "代表问题", "其他说法", "县", "意图", "首次", "最近"]
    assert rows[1][:3] == ["1", "4", "低保户交多少钱"]
    assert rows[1][4:] == ["金寨县 3、屯留区 1", "fallback 4", "2024-01-20 09:30:00",
                           "2024-01-22 09:30:00"]
    assert len(rows) == 5


@pytest.mark.parametrize(("argv", "message", "code"), [
    (["--since", "20240101"], "is not a date; write it as YYYY-MM-DD", 2),
    (["--threshold", "101"], "between 0 and 100", 2),
])
def test_review_usage_errors(tmp_path, capsys, argv, message, code):
    path = tmp_path / "r.sqlite3"
    _fill(path)
    assert main(["review", "--db", str(path), *argv]) == code
    assert message in capsys.readouterr().err


def test_review_without_a_log(tmp_path, capsys):
    assert main(["review", "--db", str(tmp_path / "none.sqlite3")]) == 1
    assert "no unanswered-questions log at" in capsys.readouterr().err
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("not a database")
    assert main(["review", "--db", str(bad)]) == 1
    assert "not a readable unanswered-questions log" in capsys.readouterr().err
