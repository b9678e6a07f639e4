"""Reading the tables departments really send: CSV (UTF-8 with or without BOM, or GBK) and XLSX,
with title rows above the header. A table is read as (row number, cells) pairs; row numbers are
the ones staff see when they open the file (1-based, CSV records / worksheet rows)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

HEADER_SCAN_ROWS = 30  # a header further down than this is not a header


class TableError(Exception):
    """A whole file (or sheet) cannot be read; the message says why, in words staff understand."""


Cell = str | int | float | None


@dataclass
class Sheet:
    """One table: `label` names it in reports ("dibao.xlsx" or "dibao.xlsx[Sheet2]")."""

    label: str
    rows: Iterator[tuple[int, tuple[Cell, ...]]]


def header_key(cell: Cell) -> str:
    """A header cell as compared against aliases: NFKC, no spaces, no '*' or trailing colon."""
    if cell is None:
        return ""
    text = unicodedata.normalize("NFKC", str(cell))
    return "".join(text.split()).strip("*:：").lower()


def decode_csv(data: bytes) -> str:
    """UTF-8 (BOM stripped) or, failing that, GBK (read as GB18030, its superset)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TableError("文件编码无法识别（应为 UTF-8 或 GBK 的 CSV）") from None


def _delimiter(text: str) -> str:
    sample = text[:8192]
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(text: str) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    for number, row in enumerate(reader, start=1):
        yield number, tuple(row)


class TableFile:
    """The sheets of one file; use as a context manager so an XLSX is closed after reading."""

    def __init__(self, sheets: list[Sheet], close: Callable[[], None] | None = None):
        self.sheets, self._close = sheets, close

    def __enter__(self) -> TableFile:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        if self._close is not None:
            self._close()


def _xlsx_sheets(path: Path) -> TableFile:
    """The fast standard-library reader; openpyxl for anything it does not understand."""
    import zipfile

    from bot.staff.xlsx_read import XlsxFormatError, read_workbook

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return _openpyxl_sheets(path)  # gives the precise message
    try:
        found = read_workbook(zf)
    except XlsxFormatError:
        zf.close()
        return _openpyxl_sheets(path)
    many = len(found) > 1
    sheets = [Sheet(f"{path}[{name}]" if many else str(path), _table_errors(rows))
              for name, rows in found]
    return TableFile(sheets, zf.close)


def _table_errors(rows: Iterator[tuple[int, tuple[Cell, ...]]]
                  ) -> Iterator[tuple[int, tuple[Cell, ...]]]:
    from bot.staff.xlsx_read import XlsxFormatError

    try:
        yield from rows
    except XlsxFormatError as e:
        raise TableError(str(e)) from None


def _openpyxl_sheets(path: Path) -> TableFile:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise TableError(f"不是有效的 XLSX 文件（{type(e).__name__}）；"
                         "旧版 .xls 请在 Excel 或 WPS 中另存为 .xlsx 或 CSV") from None
    many = len(wb.worksheets) > 1
    sheets = []
    for ws in wb.worksheets:
        label = f"{path}[{ws.title}]" if many else str(path)

        def rows(ws=ws) -> Iterator[tuple[int, tuple[Cell, ...]]]:
            ws.reset_dimensions()  # some tools write a wrong used range; read what is there
            yield from enumerate(ws.iter_rows(values_only=True), start=1)

        sheets.append(Sheet(label, rows()))
    return TableFile(sheets, wb.close)


def open_table(path: Path) -> TableFile:
    """Every sheet of `path` (a CSV file is one sheet). Raises TableError for unreadable files."""
    if not path.exists():
        raise TableError("文件不存在")
    if path.is_dir():
        raise TableError("这是一个文件夹，不是表格文件")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_sheets(path)
    if suffix == ".xls":
        raise TableError("不支持旧版 .xls；请在 Excel 或 WPS 中另存为 .xlsx 或 CSV")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise TableError(f"无法读取：{e.strerror or e}") from None
    if data[:2] == b"PK":  # an XLSX saved with a .csv name
        return _xlsx_sheets(path)
    return TableFile([Sheet(str(path), _csv_rows(decode_csv(data)))])


def find_header(
    rows: Iterator[tuple[int, tuple[Cell, ...]]], is_header: Callable[[list[str]], bool]
) -> tuple[int, list[str]] | None:
    """Consume rows up to and including the first one `is_header` accepts (within the first
    HEADER_SCAN_ROWS rows); return (row number, header keys) or None."""
    for number, row in rows:
        keys = [header_key(c) for c in row]
        if is_header(keys):
            return number, keys
        if number >= HEADER_SCAN_ROWS:
            return None
    return None


def is_blank(row: tuple[Cell, ...]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in row)
