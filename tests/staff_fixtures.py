"""Generated department rosters for the staff-tool tests and benchmark.

IDs are made here with their own GB 11643 check digit (independent of the code under test).
`people_from_matrix` turns an overlap table (附件2's 多重身份分类 block) into lists of people with
exactly those overlaps; the writers produce the files departments send (title rows, various
headers, CSV in UTF-8/BOM/GBK, XLSX, lower-case x, full-width digits, stray spaces)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def make_id(k: int, region: str = "341524") -> str:
    """The k-th generated person's ID: a distinct (birth date, sequence) pair per k."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=k // 900)
    first17 = f"{region}{birth:%Y%m%d}{k % 900 + 100:03d}"
    return first17 + check_digit(first17)


def people_from_matrix(cells: Sequence[Sequence[int]], packed: bool = False,
                       start: int = 0) -> list[list[str]]:
    """IDs on each list such that cells[i][i] people are decided by category i (i in order) and
    cells[i][j] of them are also on list j. Disjoint overlaps by default (each person on at most
    two lists); `packed` reuses the same people for every column (people on many lists)."""
    n = len(cells)
    lists: list[list[str]] = [[] for _ in range(n)]
    k = start
    for i in range(n):
        people = [make_id(k + p) for p in range(cells[i][i])]
        k += cells[i][i]
        lists[i].extend(people)
        offset = 0
        for j in range(n):
            if j == i or not cells[i][j]:
                continue
            take = people[:cells[i][j]] if packed else people[offset:offset + cells[i][j]]
            assert len(take) == cells[i][j], "row's overlaps exceed its net count"
            lists[j].extend(take)
            offset += cells[i][j]
    return lists


def messy(pid: str, k: int) -> str:
    """What a typed roster does to some IDs: lower-case x, full-width digits, stray spaces."""
    if pid.endswith("X") and k % 2:
        pid = pid[:-1] + "x"
    if k % 11 == 3:
        pid = pid.translate(_FULL_WIDTH)
    if k % 13 == 5:
        pid = f" {pid[:6]} {pid[6:14]} {pid[14:]} "
    elif k % 17 == 7:
        pid = pid + " "
    return pid


def rows_for(ids: Sequence[str], header: str, mess: bool = True) -> list[list[object]]:
    head = ["序号", "姓名", header, "乡镇", "备注"]
    body = [[k + 1, f"居民{k}号", messy(pid, k) if mess else pid, "梅山镇", ""]
            for k, pid in enumerate(ids)]
    return [head, *body]


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str = "utf-8",
              title: Sequence[str] = (), delimiter: str = ",") -> Path:
    """A CSV with `title` lines above the table; encoding "utf-8-sig" writes a BOM."""
    with path.open("w", encoding=encoding, newline="") as f:
        for line in title:
            f.write(line + "\r\n")
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]],
               title: Sequence[str] = ()) -> Path:
    """An XLSX with one worksheet per entry; `title` rows (then an empty row) above each table."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for line in title:
            ws.append([line])
        if title:
            ws.append([])
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path
