"""A fast XLSX reader for roster files: values only. The workbook and relationship parts are
parsed with defusedxml; the (large) worksheet and shared-string parts are streamed in chunks
and scanned with regular expressions, several times faster than openpyxl's read-only mode.
A workbook it does not understand raises XlsxFormatError and the caller falls back to openpyxl."""

from __future__ import annotations

import codecs
import html
import posixpath
import re
import zipfile
from collections.abc import Iterator

from defusedxml.ElementTree import parse

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_COLUMN = re.compile(r"[A-Z]+")
Row = tuple[object, ...]


class XlsxFormatError(Exception):
    pass


def _ns(tag: str) -> str:  # "{namespace}" of an ElementTree tag
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _column_index(ref: str) -> int:
    letters = _COLUMN.match(ref)
    if letters is None:
        raise XlsxFormatError(f"bad cell reference {ref!r}")
    n = 0
    for ch in letters.group():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _rels(zf: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target path inside the zip) for the part at `path`."""
    base, name = posixpath.split(path)
    rels_path = posixpath.join(base, "_rels", name + ".rels")
    if rels_path not in zf.namelist():
        return {}
    out = {}
    for rel in parse(zf.open(rels_path)).getroot().iter(_PKG_REL):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(base, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return out


_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (<x:row> in some generators)
_ROW = re.compile(rf"<{_P}row\b([^>]*?)(?:/>|>(.*?)</{_P}row>)", re.S)
_CELL = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
_VALUE = re.compile(rf"<{_P}v>(.*?)</{_P}v>", re.S)
_TEXT = re.compile(rf"<{_P}t\b[^>]*?(?:/>|>(.*?)</{_P}t>)", re.S)
_PHONETIC = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.S)
_SI = re.compile(rf"<{_P}si\b[^>]*?(?:/>|>(.*?)</{_P}si>)", re.S)
_ATTR_R = re.compile(r'\br="([^"]*)"')
_ATTR_T = re.compile(r'\bt="([^"]*)"')
_CHUNK = 1 << 22


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def _chunks(zf: zipfile.ZipFile, path: str, pattern: re.Pattern) -> Iterator[re.Match]:
    """Every match of `pattern` in the part at `path`, streamed in chunks: a match cut by a chunk
    boundary is completed by the next chunk (the elements matched do not nest)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    with zf.open(path) as f:
        while True:
            block = f.read(_CHUNK)
            pending += decoder.decode(block, final=not block)
            last = 0
            for m in pattern.finditer(pending):
                if not block or m.end() < len(pending):
                    yield m
                    last = m.end()
            pending = pending[last:]
            if not block:
                return


def _shared_strings(zf: zipfile.ZipFile, path: str | None) -> list[str]:
    if path is None or path not in zf.namelist():
        return []
    out = []
    for m in _chunks(zf, path, _SI):
        body = _PHONETIC.sub("", m.group(1) or "")
        out.append(_unescape("".join(t or "" for t in _TEXT.findall(body))))
    return out


def _value(attrs: str, body: str, strings: list[str]) -> object:
    kind_m = _ATTR_T.search(attrs) if "t=" in attrs else None
    kind = kind_m.group(1) if kind_m else "n"
    if kind == "inlineStr":
        text = _unescape("".join(t or "" for t in _TEXT.findall(_PHONETIC.sub("", body))))
        return text or None
    if body.startswith("<v>") and body.endswith("</v>"):  # the usual form
        text = body[3:-4]
    else:
        v = _VALUE.search(body)
        if v is None:
            return None
        text = v.group(1)
    if kind == "s":
        return strings[int(text)]
    if kind in ("str", "e"):
        return _unescape(text)
    if kind == "b":
        return text.strip() == "1"
    text = text.strip()
    if not text:
        return None
    return float(text) if any(ch in text for ch in ".eE") else int(text)


def _rows(zf: zipfile.ZipFile, path: str, strings: list[str]) -> Iterator[tuple[int, Row]]:
    expected = 1
    columns: dict[str, int] = {}  # "C12" -> 2, cached by the reference's letters
    for row in _chunks(zf, path, _ROW):
        r = _ATTR_R.search(row.group(1))
        number = int(r.group(1)) if r else expected
        while expected < number:  # rows the file leaves out are empty rows
            yield expected, ()
            expected += 1
        cells: list[object] = []
        for i, c in enumerate(_CELL.finditer(row.group(2) or "")):
            attrs = c.group(1)
            ref = _ATTR_R.search(attrs)
            if ref is None:
                col = i
            else:
                letters = ref.group(1).rstrip("0123456789")
                col = columns.get(letters)
                if col is None:
                    col = columns[letters] = _column_index(letters)
            if col >= len(cells):
                cells.extend([None] * (col - len(cells) + 1))
            cells[col] = _value(attrs, c.group(2) or "", strings)
        yield number, tuple(cells)
        expected = number + 1


def _guarded(rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
    try:
        yield from rows
    except (KeyError, ValueError, IndexError, SyntaxError, zipfile.BadZipFile) as e:
        raise XlsxFormatError(f"工作表内容已损坏（{type(e).__name__}）") from None


def read_workbook(zf: zipfile.ZipFile) -> list[tuple[str, Iterator[tuple[int, Row]]]]:
    """(sheet name, rows) for every worksheet, in workbook order; `zf` must stay open while the
    rows are read. Raises XlsxFormatError for a workbook this reader does not understand."""
    try:
        workbook = "xl/workbook.xml"
        root = parse(zf.open(workbook)).getroot()
        rels = _rels(zf, workbook)
        ns = _ns(root.tag)
        shared = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
        strings = _shared_strings(zf, shared)
        sheets = []
        for sheet in root.iter(ns + "sheet"):
            rid = sheet.get(f"{{{_REL_NS}}}id") or sheet.get(
                "{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
            if rid not in rels:
                raise XlsxFormatError("sheet without a relationship")
            kind, target = rels[rid]
            if not kind.endswith("/worksheet"):
                continue  # chart sheets and the like hold no rows
            sheets.append((sheet.get("name", ""), _guarded(_rows(zf, target, strings))))
        return sheets
    except (KeyError, ValueError, IndexError, SyntaxError) as e:
        raise XlsxFormatError(str(e)) from None
