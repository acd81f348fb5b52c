"""Write DataFrames as a printable, filterable Chinese workbook (openpyxl).

Every sheet gets a title row, a bold header that stays in view and carries the
filter buttons, column widths fitted to the text, wrapped text, A4 landscape
printing (one page wide, header repeated on every page, page numbers) and a
Chinese font named in every cell, so LibreOffice does not fall back to a
Japanese face. Rows can be grouped under heading rows (汇总 by unit type) that
Excel can fold.

Text that came from a mail is always stored as a string, never a formula:
openpyxl turns any value starting with "=" into a formula, so every string
cell is forced back to type "s". Characters XML cannot hold are removed and
over-long text is cut to Excel's 32,767-character cell limit, both of which
would otherwise make Excel offer to "repair" the file.
"""

from __future__ import annotations

import math
import os
import tempfile
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.properties import Outline
from openpyxl.worksheet.worksheet import Worksheet

MAX_CELL_CHARS = 32_767
MIN_WIDTH, MAX_WIDTH = 5, 60
LINE_HEIGHT = 13.5  # points per line of 10-point CJK text
_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_GROUP_FILL = PatternFill("solid", fgColor="EDEDED")
_LINK_COLOR = "0563C1"


@dataclass(frozen=True)
class Link:
    """A hyperlink cell: the target (a relative path or a URI) and its text."""

    target: str
    text: str


@dataclass(frozen=True)
class Chart:
    """A native bar chart of `value` over `label` for the first `rows` rows."""

    title: str
    label: str
    value: str
    rows: int


@dataclass(frozen=True)
class Sheet:
    name: str
    frame: pd.DataFrame
    widths: dict[str, float] = field(default_factory=dict)  # fixed widths (characters)
    formats: dict[str, str] = field(default_factory=dict)  # column → number format
    fills: dict[str, dict[str, str]] = field(default_factory=dict)  # column → value → RGB
    center: tuple[str, ...] = ()  # columns centred (ticks, statuses, counts)
    group: str | None = None  # a heading row starts wherever this column changes
    headings: dict[str, str] = field(default_factory=dict)  # group value → heading text
    freeze_columns: int = 0  # columns kept in view when scrolling right
    chart: Chart | None = None  # placed under the table
    one_page: bool = False  # print the whole sheet on one page (a short table and its chart)


def save_workbook(
    target: Path, title: str, sheets: list[Sheet], font: str = "宋体", subtitle: str = ""
) -> None:
    """Write the sheets to target atomically (a reader never sees half a file).

    Each sheet starts with `title` and the sheet's name in large type, then the
    `subtitle` (scope, deadline, generation time) on a second line.
    """
    wb = Workbook()
    wb.remove(wb.active)
    # font 0 is the Normal style's: Excel measures column widths in its digits, and
    # empty cells use it; make it the Chinese font too (openpyxl has no public setter)
    wb._fonts = IndexedList([Font(name=font, size=10)])
    for sheet in sheets:
        _Writer(wb.create_sheet(sheet.name), sheet, font).write(title, subtitle)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".xlsx")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clean_text(value: str) -> str:
    """A string Excel accepts as it is: no control characters, not over-long."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value if len(value) <= MAX_CELL_CHARS else value[: MAX_CELL_CHARS - 1] + "…"


class _Writer:
    """Writes one Sheet; styles are built once and copied onto cells (openpyxl is
    slow when every cell gets fresh Font/Border/Alignment objects)."""

    def __init__(self, ws: Worksheet, sheet: Sheet, font: str) -> None:
        self.ws, self.sheet, self.font = ws, sheet, font
        self.columns = [str(c) for c in sheet.frame.columns]
        self.widths = [
            float(sheet.widths.get(name) or _fit_width(name, sheet.frame[name], sheet.formats))
            for name in self.columns
        ]

    def write(self, title: str, subtitle: str) -> None:
        ws, sheet = self.ws, self.sheet
        ncols = max(len(self.columns), 1)
        heading = clean_text(f"{title}　{sheet.name}")
        total = sum(self.widths) or 10.0
        text = CellRichText(TextBlock(InlineFont(rFont=self.font, sz=14, b=True), heading))
        height = 22 * _lines(heading, total, 1.5)
        if subtitle:
            text.append(TextBlock(InlineFont(rFont=self.font, sz=10), "\n" + clean_text(subtitle)))
            height += LINE_HEIGHT * _lines(subtitle, total, 1.0)
        ws.append([text])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
        ws["A1"].font = Font(name=self.font, size=14, bold=True)
        ws["A1"].alignment = Alignment(vertical="center", wrap_text=True)
        ws.row_dimensions[1].height = height + 6
        ws.append(self.columns)
        ws.row_dimensions[2].height = self._height(self.columns, bold=True)
        for cell in ws[2]:
            cell.font = Font(name=self.font, size=10, bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = _BOX
        self._rows()
        self._layout(ncols)
        if sheet.chart is not None and sheet.chart.rows:
            self._chart(sheet.chart)

    def _templates(self) -> list[object]:
        """One styled template cell per column; data cells copy its style array."""
        body = Font(name=self.font, size=10)
        templates = []
        for name in self.columns:
            proto = Cell(self.ws)  # detached: only its style ids are used
            proto.font = body
            proto.border = _BOX
            proto.alignment = Alignment(
                horizontal="center" if name in self.sheet.center else None,
                vertical="top",
                wrap_text=True,
            )
            if name in self.sheet.formats:
                proto.number_format = self.sheet.formats[name]
            templates.append(proto._style)
        return templates

    def _rows(self) -> None:
        ws, sheet = self.ws, self.sheet
        templates = self._templates()
        link_font = Font(name=self.font, size=10, color=_LINK_COLOR, underline="single")
        fills = {
            (self.columns.index(col), value): PatternFill("solid", fgColor=rgb)
            for col, mapping in sheet.fills.items()
            for value, rgb in mapping.items()
        }
        group_col = self.columns.index(sheet.group) if sheet.group in self.columns else None
        previous: object = object()
        for values in sheet.frame.itertuples(index=False, name=None):
            if group_col is not None and values[group_col] != previous:
                previous = values[group_col]
                self._heading(sheet.headings.get(str(previous), str(previous)))
            ws.append([_cell_value(v) for v in values])
            row = ws.max_row
            for i, cell in enumerate(ws[row]):
                cell._style = copy(templates[i])
                value = values[i]
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                    fill = fills.get((i, cell.value))
                    if fill is not None:
                        cell.fill = fill
                if isinstance(value, Link):
                    cell.hyperlink = value.target
                    cell.font = link_font
            ws.row_dimensions[row].height = self._height(values)
            if group_col is not None:
                ws.row_dimensions[row].outlineLevel = 1

    def _height(self, values: tuple[object, ...] | list[str], bold: bool = False) -> float:
        """Row height for the wrapped text, in points: Excel and LibreOffice do not
        fit row heights of a generated file on opening, so long text would overlap."""
        lines = 1
        for value, width in zip(values, self.widths, strict=True):
            text = value.text if isinstance(value, Link) else value
            if isinstance(text, str) and text:
                lines = max(lines, _lines(text, width, 1.1 if bold else 1.0))
        return LINE_HEIGHT * lines + 4

    def _heading(self, text: str) -> None:
        ws = self.ws
        ws.append([clean_text(text)])
        row = ws.max_row
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(self.columns))
        cell = ws.cell(row=row, column=1)
        cell.data_type = "s"
        cell.font = Font(name=self.font, size=11, bold=True)
        cell.fill = _GROUP_FILL
        cell.alignment = Alignment(vertical="center")

    def _layout(self, ncols: int) -> None:
        ws, sheet = self.ws, self.sheet
        for i, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = f"{get_column_letter(sheet.freeze_columns + 1)}3"
        if len(sheet.frame):
            ws.auto_filter.ref = f"A2:{get_column_letter(ncols)}{ws.max_row}"
        if sheet.group:
            ws.sheet_properties.outlinePr = Outline(summaryBelow=False)
        ws.print_title_rows = "1:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1 if sheet.one_page else 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top, ws.page_margins.bottom = 0.5, 0.75
        ws.page_margins.header, ws.page_margins.footer = 0.2, 0.25
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.oddFooter.center.font = self.font
        ws.oddFooter.center.size = 9

    def _chart(self, spec: Chart) -> None:
        ws = self.ws
        label = self.columns.index(spec.label) + 1
        value = self.columns.index(spec.value) + 1
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = spec.title
        chart.legend = None
        chart.add_data(
            Reference(ws, min_col=value, min_row=2, max_row=2 + spec.rows), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=label, min_row=3, max_row=2 + spec.rows))
        chart.dataLabels = DataLabelList(
            showVal=True, showCatName=False, showSerName=False, showLegendKey=False
        )
        chart.y_axis.majorGridlines = None
        top = pd.to_numeric(self.sheet.frame[spec.value].iloc[: spec.rows], errors="coerce").max()
        chart.y_axis.majorUnit = max(1, int(-(-(top if top == top else 0) // 5)))  # whole units
        chart.y_axis.number_format = "0"
        chart.y_axis.delete = False
        chart.x_axis.delete = False
        chart.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
        chart.height = max(5.0, 0.8 * spec.rows + 1.5)  # centimetres
        chart.width = 16
        ws.add_chart(chart, f"A{ws.max_row + 3}")


def _cell_value(value: object) -> object:
    if isinstance(value, Link):
        return clean_text(value.text)
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; times are local already
    if isinstance(value, str):
        return clean_text(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[union-attr]
    return value


def _fit_width(name: str, values: pd.Series, formats: dict[str, str]) -> float:
    """As wide as the longest line (CJK characters count double), within bounds; a
    long header may wrap onto two lines rather than widen a column of short values."""
    sample = values.dropna()
    if len(sample) > 500:
        sample = sample.sample(500, random_state=0)
    texts = [v.text if isinstance(v, Link) else str(v) for v in sample]
    if values.dtype.kind == "M" or any(isinstance(v, (datetime, pd.Timestamp)) for v in sample):
        texts = [formats.get(name, "yyyy-mm-dd hh:mm") + "__"]  # digits are wider than "m"
    elif values.dtype.kind in "iuf":
        texts = (
            ["100%"]
            if "%" in formats.get(name, "")
            else [f"{sample.max():,.0f}" if len(sample) else ""]
        )
    longest = max((_display_width(line) for t in texts for line in t.splitlines()), default=0)
    header = _display_width(name)
    from_header = header + 2 if header <= 8 else -(-header // 2) + 2
    return float(min(MAX_WIDTH, max(MIN_WIDTH, from_header, longest + 2)))


def _lines(text: str, width: float, scale: float) -> int:
    """How many lines the text wraps to in a column `width` characters wide, for a
    font `scale` times the body size."""
    usable = max(width - 0.8, 1.0) / scale
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


def _display_width(text: str) -> float:
    """Width in digit widths: a CJK character is two, a Latin letter a bit over one."""
    wide = len(text.encode("gb18030", errors="replace")) - len(text)  # 2-byte characters
    return 2 * wide + 1.15 * (len(text) - wide)
