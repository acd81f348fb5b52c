"""Write DataFrames as a printable, filterable Chinese workbook (openpyxl).

Every sheet gets a title row, a bold frozen header with filters, column widths,
wrapped text, A4 landscape printing with the header repeated, and a Chinese
font. Text that came from a mail is always stored as text, never as a formula.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "宋体"
LINK_COLUMN = "原始邮件"
_THIN = Side(style="thin", color="BFBFBF")
_STATUS_FILL = {
    "按时": PatternFill("solid", fgColor="E2EFDA"),
    "逾期": PatternFill("solid", fgColor="FFF2CC"),
    "未报送": PatternFill("solid", fgColor="FCE4D6"),
}


@dataclass(frozen=True)
class Sheet:
    name: str
    frame: pd.DataFrame
    wide: dict[str, int] = field(default_factory=dict)  # column → width in characters
    chart: tuple[str, str] | None = None  # (value column, chart title)


def save_workbook(target: Path, title: str, sheets: list[Sheet]) -> None:
    """Write the sheets to target atomically (a reader never sees half a file)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.name), title, sheet)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".xlsx")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_sheet(ws: Worksheet, title: str, sheet: Sheet) -> None:
    frame = sheet.frame
    columns = list(frame.columns)
    ncols = max(len(columns), 1)
    ws.append([f"{title}　—　{sheet.name}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws["A1"].font = Font(name=FONT_NAME, size=14, bold=True)
    ws.row_dimensions[1].height = 24
    ws.append(columns)
    for cell in ws[2]:
        cell.font = Font(name=FONT_NAME, bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
    link_col = columns.index(LINK_COLUMN) + 1 if LINK_COLUMN in columns else None
    body_font = Font(name=FONT_NAME, size=10)
    for values in frame.itertuples(index=False):
        ws.append([_cell_value(v) for v in values])
        row = ws.max_row
        for cell in ws[row]:
            cell.font = body_font
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if cell.value in _STATUS_FILL:
                    cell.fill = _STATUS_FILL[cell.value]
        if link_col:
            cell = ws.cell(row=row, column=link_col)
            if cell.value:
                cell.hyperlink = str(cell.value)
                cell.value = "打开原件"
                cell.font = Font(name=FONT_NAME, size=10, color="0563C1", underline="single")
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = sheet.wide.get(
            name, max(8, min(16, len(str(name)) * 2 + 2))
        )
    ws.freeze_panes = "A3"
    if frame.shape[0]:
        ws.auto_filter.ref = f"A2:{get_column_letter(ncols)}{ws.max_row}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if sheet.chart and frame.shape[0]:
        _add_chart(ws, sheet, columns)


def _cell_value(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[union-attr]
    return value


def _add_chart(ws: Worksheet, sheet: Sheet, columns: list[str]) -> None:
    value_col, chart_title = sheet.chart or ("", "")
    col = columns.index(value_col) + 1
    rows = sum(1 for v in sheet.frame.iloc[:, 0] if not str(v).startswith("合计"))
    chart = BarChart()
    chart.type = "bar"
    chart.title = chart_title
    chart.legend = None
    chart.add_data(Reference(ws, min_col=col, min_row=2, max_row=2 + rows), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=2 + rows))
    chart.height, chart.width = 8, 16
    ws.add_chart(chart, f"{get_column_letter(len(columns) + 2)}2")
