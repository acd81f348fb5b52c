"""Spreadsheets: cell text of every sheet, one line per row, cells joined by tabs.

.xlsx through openpyxl (read-only, dimensions reset so a forged
"A1:XFD1048576" cannot make it pad a million empty rows); packages openpyxl
rejects (Strict OOXML, odd namespace prefixes) through a plain reading of the
shared strings and sheet XML. .xls and .et (WPS spreadsheets are BIFF8)
through xlrd, ~2 ms a file; what xlrd cannot read goes to LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterable
from typing import Any

from pipeline.errors import ExtractError
from pipeline.extract import reader
from pipeline.extract.office import convert_to_text

_ENCRYPTED = ExtractError("加密的Excel文件（需要密码），无法读取", "请联系报送单位提供未加密版本")


@reader("xlsx")
def read_xlsx(data: bytes) -> str:
    import openpyxl

    try:
        with warnings.catch_warnings():  # openpyxl warns about every styling oddity
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception:  # openpyxl is strict about the package; the XML is often fine
        return _read_xlsx_xml(data)
    lines: list[str] = []
    try:
        for sheet in book.worksheets:
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            lines.extend(_sheet_lines(sheet.title, rows, len(book.worksheets)))
    finally:
        book.close()
    # Strict OOXML opens without error but with its sheets unseen
    return "\n".join(lines) or _read_xlsx_xml(data)


@reader("xls", "et")
def read_xls(data: bytes) -> str:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except MemoryError:
        raise
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise _ENCRYPTED from None
        return convert_to_text(data, "xls", "MS Excel 97")
    except Exception:  # xlrd asserts on damaged string tables; LibreOffice is lenient
        return convert_to_text(data, "xls", "MS Excel 97")
    lines: list[str] = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = (
                [_xls_value(cell, book.datemode) for cell in sheet.row(r)]
                for r in range(sheet.nrows)
            )
            lines.extend(_sheet_lines(sheet.name, rows, book.nsheets))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return "\n".join(lines)


def _sheet_lines(title: str, rows: Iterable[Iterable[Any]], n_sheets: int) -> list[str]:
    lines = [f"【{title}】"] if n_sheets > 1 else []
    for row in rows:
        cells = [_cell_text(value) for value in row]
        line = "\t".join(cells).rstrip("\t")
        if line.strip():
            lines.append(line)
    return lines if len(lines) > (n_sheets > 1) else []


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else str(value.date())
    return str(value).replace("_x000D_", "").strip()


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _read_xlsx_xml(data: bytes) -> str:
    """Shared strings and cell values straight from the XML, whatever the namespaces."""
    from docx.oxml import parse_xml

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        strings: list[str] = []
        for name in names:
            if re.fullmatch(r"xl/sharedStrings\d*\.xml", name, re.IGNORECASE):
                root = parse_xml(zf.read(name))
                strings = [
                    "".join(t.text or "" for t in si.iter() if _local(t.tag) == "t")
                    for si in root
                    if _local(si.tag) == "si"
                ]
        sheets = sorted(
            (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
            key=lambda n: int(re.sub(r"\D", "", n)),
        )
        lines: list[str] = []
        for name in sheets:
            rows = (_xml_row(row, strings) for row in parse_xml(zf.read(name)).iter())
            lines.extend(_sheet_lines(name.rsplit("/", 1)[-1][:-4], rows, len(sheets)))
    return "\n".join(lines)


def _xml_row(row: Any, strings: list[str]) -> list[str]:
    if _local(row.tag) != "row":
        return []
    cells = []
    for cell in row:
        if _local(cell.tag) != "c":
            continue
        kind = cell.get("t", "")
        texts = [el.text or "" for el in cell.iter() if _local(el.tag) in ("v", "t")]
        value = "".join(texts)
        if kind == "s" and value.isdigit() and int(value) < len(strings):
            value = strings[int(value)]
        cells.append(value)
    return cells
