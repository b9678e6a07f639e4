"""One category's roster: the ID numbers of everyone on the department's list (one or several
files), with every row that could not be counted reported as (file, row, reason).

A full ID number never appears in a reason: repeated people are named by the masked form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.staff.tables import Cell, TableError, find_header, header_key, is_blank, open_table
from intents.ids import mask_id, validate_id

# Header texts (after header_key: NFKC, no spaces, lower-case) that name the ID column.
ID_HEADERS = frozenset({
    "身份证号", "身份证号码", "身份证", "公民身份号码", "公民身份证号", "公民身份证号码",
    "居民身份证号", "居民身份证号码", "身份证件号码", "身份证件号", "证件号码", "证件号",
    "身份号码", "社会保障号码", "社会保障号", "社保号码", "idcard", "id_card", "idnumber",
    "id_number", "id", "sfzh", "sfzhm",
})
_ID_WORDS = ("身份证", "身份号码", "证件号", "社会保障号")
_NOT_ID = ("类型", "地址", "有效期", "签发", "种类")
_SCIENTIFIC = re.compile(r"^\s*\d+(\.\d+)?[eE]\+?\d+\s*$")
_SUMMARY = ("合计", "总计", "小计", "备注", "说明", "注：", "注:", "制表", "填表", "审核")

NUMERIC_REASON = "身份证号被存成了数字，后几位已丢失；请把该列设为文本格式后重新导出"
SCIENTIFIC_REASON = ("身份证号是科学计数法（如 3.41522E+17），后几位已丢失；"
                     "请把该列设为文本格式后重新导出")


@dataclass(frozen=True)
class Problem:
    """A row (or, with row None, a whole file or sheet) that was not counted, and why."""

    file: str
    row: int | None
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "reason": self.reason}


@dataclass
class FileSummary:
    file: str
    rows: int = 0  # data rows below the header (blank rows not included)
    counted: int = 0  # distinct people this file added to the list


def _id_score(key: str) -> int:
    if key in ID_HEADERS:
        return 3
    if any(w in key for w in _ID_WORDS) and not any(w in key for w in _NOT_ID):
        return 1 if "户主" in key else 2
    return 0


def id_column(keys: list[str], wanted: str | None = None) -> int | None:
    """Index of the ID column in a header row: `wanted` if given, else the best-named column
    (an exact usual name, then one containing 身份证/证件号 and not 户主's), leftmost on ties."""
    if wanted is not None:
        target = header_key(wanted)
        return keys.index(target) if target in keys else None
    best, index = 0, None
    for i, key in enumerate(keys):
        score = _id_score(key)
        if score > best:
            best, index = score, i
    return index


def _cell_reason(raw: Cell) -> tuple[str | None, str | None]:
    """(normalised ID, None) or (None, reason) for one ID cell."""
    if isinstance(raw, bool):
        return None, "身份证号一栏不是号码"
    if isinstance(raw, (int, float)):
        if abs(raw) >= 1e14:
            return None, NUMERIC_REASON
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    elif _SCIENTIFIC.match(raw):
        return None, SCIENTIFIC_REASON
    return validate_id(raw)


@dataclass
class RosterList:
    """Everyone on one category's list. `ids` maps each normalised ID to where it was first seen."""

    id_column: str | None = None  # the header to use instead of guessing
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)
    rejected: list[Problem] = field(default_factory=list)
    repeated: list[Problem] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)
    failed_files: int = 0  # files (or sheets) that could not be read at all

    def add_file(self, path: Path) -> None:
        try:
            with open_table(path) as table:
                sheets_read = 0
                for sheet in table.sheets:
                    sheets_read += self._add_sheet(sheet.label, sheet.rows, len(table.sheets) > 1)
                if sheets_read == 0 and len(table.sheets) > 1:
                    self._fail(str(path), self._no_header())
        except TableError as e:
            self._fail(str(path), str(e))

    def _no_header(self) -> str:
        if self.id_column:
            return f"找不到表头为「{self.id_column}」的列"
        return "找不到身份证号列（表头应为 身份证号、身份证号码、公民身份号码、证件号码 等）"

    def _fail(self, label: str, reason: str) -> None:
        self.rejected.append(Problem(label, None, reason))
        self.failed_files += 1

    def _add_sheet(self, label: str, rows, many_sheets: bool) -> int:
        seen_data = False

        def accept(keys: list[str]) -> bool:
            nonlocal seen_data
            seen_data = seen_data or any(keys)
            return id_column(keys, self.id_column) is not None

        header = find_header(rows, accept)
        if header is None:
            if not many_sheets:
                self._fail(label, self._no_header())
            elif seen_data:  # a sheet with content but no ID column: say so, do not count it
                self.rejected.append(Problem(label, None, self._no_header() + "，该工作表未读取"))
            return 0
        keys = header[1]
        col = id_column(keys, self.id_column)
        summary = FileSummary(label)
        self.files.append(summary)
        ids, rejected, repeated = self.ids, self.rejected, self.repeated
        for number, row in rows:
            raw = row[col] if col < len(row) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if is_blank(row):
                    continue
                summary.rows += 1
                first = next((str(c).strip() for c in row if c is not None and str(c).strip()), "")
                why = "（看起来是合计或备注行）" if first.startswith(_SUMMARY) else ""
                rejected.append(Problem(label, number, "没有身份证号" + why))
                continue
            summary.rows += 1
            pid, reason = _cell_reason(raw)
            if pid is None:
                rejected.append(Problem(label, number, reason or "身份证号无效"))
                continue
            seen = ids.get(pid)
            if seen is not None:
                where = f"第{seen[1]}行" if seen[0] == label else f"{seen[0]} 第{seen[1]}行"
                repeated.append(Problem(label, number,
                                        f"与{where}是同一人（{mask_id(pid)}），只计一次"))
                continue
            ids[pid] = (label, number)
            summary.counted += 1
        return 1
