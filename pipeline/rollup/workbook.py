"""Write DataFrames as a printable, filterable Chinese workbook (XlsxWriter).

Every sheet gets a title row, a bold header that stays in view and carries the
filter buttons, column widths fitted to the text, row heights fitted to the
wrapped text (neither Excel nor LibreOffice fits them when opening a generated
file), A4 landscape printing (one page wide, title and header repeated on
every page, page numbers) and a Chinese font named in every format, so
LibreOffice does not fall back to a Japanese face. Rows can be grouped under
heading rows (汇总 by unit type) that Excel can fold.

Text that came from a mail is always written as a string, never a formula or a
link: the workbook is opened with strings_to_formulas/urls/numbers off and
every str goes through write_string. Characters XML cannot hold are removed and
over-long text is cut to Excel's 32,767-character cell limit, both of which
would otherwise make Excel offer to "repair" the file.

XlsxWriter rather than openpyxl: it writes the 2,000-submission workbook about
seven times faster (issue #8 asks for ≤ 3 s); tests read the result with openpyxl.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline.parse.names import visible

log = logging.getLogger(__name__)
MAX_CELL_CHARS = 32_767
MAX_LINKS = 65_000  # Excel's limit is 65,530 hyperlinks per sheet
MIN_WIDTH, MAX_WIDTH = 5, 60
# Printed at 100% the body is 10 pt: the printed columns of a sheet must fit A4
# landscape between the margins (~780 pt; a width unit prints ~6.6 pt with the padding
# LibreOffice and Excel add), with room to spare for a wider real 宋体 (fit-to-width
# then shrinks a little, never below 9 pt).
PRINT_WIDTH = 112
LINE_HEIGHT = 13.5  # points per line of 10-point CJK text
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BORDER = {"border": 1, "border_color": "#BFBFBF"}
_HEADER_FILL = "#D9E1F2"
_GROUP_FILL = "#EDEDED"
_LINK_COLOR = "#0563C1"


@dataclass(frozen=True)
class Link:
    """A hyperlink cell: a path relative to the workbook (or an http(s) address), and
    the text shown."""

    target: str
    text: str
    tip: str = ""


@dataclass(frozen=True)
class Chart:
    """A native bar chart of `value` over `label` for the first `rows` rows."""

    title: str
    label: str
    value: str
    rows: int
    first: int = 0  # frame row of the first bar
    beside: bool = False  # right of the table (a one-page sheet) instead of under it


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
    # columns printed (the first N; 0: all). The rest (summaries, links) is for the screen.
    print_columns: int = 0
    totals: tuple[int, ...] = ()  # frame rows shown bold (小计, 合计)


def save_workbook(
    target: Path,
    title: str,
    sheets: list[Sheet],
    font: str = "宋体",
    subtitle: str = "",
    mode: int = 0o640,
) -> None:
    """Write the sheets to target atomically (a reader never sees half a file).

    Each sheet starts with `title` and the sheet's name in large type, then the
    `subtitle` (scope, deadline, generation time) on a second line. The file gets
    `mode` ([storage] mode: readable by the group).
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".xlsx")
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(
            tmp,
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                # assemble in memory: xlsxwriter's default writes a temp file per part to
                # TMPDIR, which a kill mid-write would leave behind
                "in_memory": True,
                # the Normal style: Excel measures column widths in its digits
                "default_format_properties": {"font_name": font, "font_size": 10},
            },
        )
        styles = _Styles(wb, font)
        for sheet in sheets:
            _Writer(wb, wb.add_worksheet(sheet.name), sheet, styles).write(title, subtitle)
        wb.close()
        os.chmod(tmp, mode)  # mkstemp made it 0600; the officials read it from a shared folder
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clean_text(value: str) -> str:
    """A string Excel accepts as it is: no control characters, not over-long, bidi
    controls shown and invisible characters dropped (names stored before issue 14)."""
    value = visible(_ILLEGAL.sub("", value))
    return value if len(value) <= MAX_CELL_CHARS else value[: MAX_CELL_CHARS - 1] + "…"


class _Styles:
    """XlsxWriter formats, made once per distinct combination and shared."""

    def __init__(self, wb: xlsxwriter.Workbook, font: str) -> None:
        self.wb, self.font = wb, font
        self._cache: dict[tuple[tuple[str, object], ...], Format] = {}

    def get(self, **props: object) -> Format:
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format({"font_name": self.font, **props})
        return fmt

    def body(
        self,
        center: bool,
        num_format: str = "",
        fill: str = "",
        link: bool = False,
        bold: bool = False,
    ) -> Format:
        props: dict[str, object] = {"font_size": 10, "valign": "top", "text_wrap": True, **_BORDER}
        if bold:
            props.update(bold=True, bg_color=_GROUP_FILL)
        if center:
            props["align"] = "center"
        if num_format:
            props["num_format"] = num_format
        if fill:
            props["bg_color"] = fill
        if link:
            props.update(font_color=_LINK_COLOR, underline=1)
        return self.get(**props)


class _Writer:
    def __init__(self, wb: xlsxwriter.Workbook, ws: Worksheet, sheet: Sheet, styles: _Styles):
        self.wb, self.ws, self.sheet, self.styles = wb, ws, sheet, styles
        self.columns = [str(c) for c in sheet.frame.columns]
        self.ncols = max(len(self.columns), 1)
        self.widths = [
            float(sheet.widths.get(name) or _fit_width(name, sheet.frame[name], sheet.formats))
            for name in self.columns
        ]
        self.printed = min(sheet.print_columns or self.ncols, self.ncols)
        self.last_row = 1
        self.links = 0

    def write(self, title: str, subtitle: str) -> None:
        self._title(clean_text(f"{title}　{self.sheet.name}"), clean_text(subtitle))
        header = self.styles.get(font_size=10, bold=True, bg_color=_HEADER_FILL, align="center",
                                 valign="vcenter", text_wrap=True, **_BORDER)  # fmt: skip
        for i, name in enumerate(self.columns):
            self.ws.write_string(1, i, name, header)
        self.ws.set_row(1, self._height(self.columns, bold=True))
        self._rows()
        self._layout()
        if self.sheet.chart is not None and self.sheet.chart.rows:
            self._chart(self.sheet.chart)

    def _title(self, heading: str, subtitle: str) -> None:
        ws, styles = self.ws, self.styles
        cell = styles.get(valign="vcenter", text_wrap=True)
        big = styles.get(font_size=14, bold=True)
        total = sum(self.widths[: self.printed]) or 10.0
        height = 22 * _lines(heading, total, 1.5)
        if self.printed > 1:
            ws.merge_range(0, 0, 0, self.printed - 1, "", cell)
        if subtitle:
            ws.write_rich_string(
                0, 0, big, heading, styles.get(font_size=10), "\n" + subtitle, cell
            )
            height += LINE_HEIGHT * _lines(subtitle, total, 1.0)
        else:
            ws.write_string(0, 0, heading, big)
        ws.set_row(0, height + 6)

    def _rows(self) -> None:
        ws, sheet, styles = self.ws, self.sheet, self.styles
        formats = [
            styles.body(name in sheet.center, sheet.formats.get(name, "")) for name in self.columns
        ]
        fills = {
            (self.columns.index(col), value): styles.body(
                col in sheet.center, sheet.formats.get(col, ""), fill="#" + rgb.lstrip("#")
            )
            for col, mapping in sheet.fills.items()
            for value, rgb in mapping.items()
        }
        link_format = styles.body(False, link=True)
        bold = [
            styles.body(name in sheet.center, sheet.formats.get(name, ""), bold=True)
            for name in self.columns
        ]
        totals = set(sheet.totals)
        group_col = self.columns.index(sheet.group) if sheet.group in self.columns else None
        heading = styles.get(font_size=11, bold=True, bg_color=_GROUP_FILL, valign="vcenter",
                             **_BORDER)  # fmt: skip
        previous: object = object()
        row = 1
        for n, values in enumerate(sheet.frame.itertuples(index=False, name=None)):
            if group_col is not None and values[group_col] != previous:
                previous = values[group_col]
                text = clean_text(sheet.headings.get(str(previous), str(previous)))
                if text:  # a group may have no heading row (合计)
                    row += 1
                    self._heading(row, text, heading)
            row += 1
            shown = bold if n in totals else formats
            for col, value in enumerate(values):
                fmt = fills.get((col, value), shown[col]) if fills else shown[col]
                self._cell(row, col, value, fmt, link_format)
            options = {"level": 1} if group_col is not None else None
            ws.set_row(row, self._height(values), None, options)
        self.last_row = row

    def _heading(self, row: int, text: str, fmt: Format) -> None:
        if self.printed > 1:
            self.ws.merge_range(row, 0, row, self.printed - 1, text, fmt)
        else:
            self.ws.write_string(row, 0, text, fmt)
        self.ws.set_row(row, LINE_HEIGHT + 8)

    def _cell(self, row: int, col: int, value: object, fmt: Format, link_format: Format) -> None:
        ws = self.ws
        if isinstance(value, Link):
            if self.links < MAX_LINKS:
                self.links += 1
                web = value.target.startswith(("http://", "https://"))  # the web app's page
                url = value.target if web else "external:" + value.target
                ws.write_url(row, col, url, link_format,
                             string=clean_text(value.text), tip=value.tip or None)  # fmt: skip
            else:
                ws.write_string(row, col, value.target, fmt)
            return
        if (
            value is None
            or value is pd.NaT
            or value == ""
            or (isinstance(value, float) and math.isnan(value))
        ):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, clean_text(value), fmt)  # never a formula
        elif isinstance(value, (datetime, date, pd.Timestamp)):
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones; already local
            ws.write_datetime(row, col, value, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)) or hasattr(value, "item"):
            number = value.item() if hasattr(value, "item") else value  # numpy scalars
            if isinstance(number, float) and math.isnan(number):
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, number, fmt)
        else:
            ws.write_string(row, col, clean_text(str(value)), fmt)

    def _height(self, values: tuple[object, ...] | list[str], bold: bool = False) -> float:
        """Row height for the wrapped text, in points."""
        lines = 1
        for value, width in zip(values, self.widths, strict=True):
            text = value.text if isinstance(value, Link) else value
            if isinstance(text, str) and text:
                lines = max(lines, _lines(text, width, 1.1 if bold else 1.0))
        return LINE_HEIGHT * lines + 4

    def _layout(self) -> None:
        ws, sheet = self.ws, self.sheet
        for i, width in enumerate(self.widths):
            ws.set_column(i, i, width)
        ws.freeze_panes(2, sheet.freeze_columns)
        if len(sheet.frame):
            ws.autofilter(1, 0, self.last_row, self.ncols - 1)
        if sheet.group:
            ws.outline_settings(True, False, True, False)  # +/- on the heading row, above
        ws.repeat_rows(0, 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        if self.printed < self.ncols:
            ws.print_area(0, 0, self.last_row, self.printed - 1)
        printed = sum(self.widths[: self.printed])
        if printed > PRINT_WIDTH and not sheet.chart:
            log.warning("%s prints %.0f columns wide (A4 at 10 pt holds %d): it will print "
                        "smaller", sheet.name, printed, PRINT_WIDTH)  # fmt: skip
        ws.fit_to_pages(1, 1 if sheet.one_page else 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.75)
        ws.set_footer(f'&C&"{self.styles.font}"&10第 &P 页，共 &N 页', {"margin": 0.25})

    def _chart(self, spec: Chart) -> None:
        label = self.columns.index(spec.label)
        value = self.columns.index(spec.value)
        first = 2 + spec.first
        last = first + spec.rows - 1
        name = self.sheet.name
        font = {"name": self.styles.font, "size": 10}
        chart = self.wb.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": spec.value,
                "categories": [name, first, label, last, label],
                "values": [name, first, value, last, value],
                "data_labels": {"value": True, "font": font},
                "fill": {"color": "#4472C4"},
                "gap": 60,
            }
        )
        chart.set_title({"name": spec.title, "name_font": {**font, "size": 12, "bold": True}})
        chart.set_legend({"none": True})
        shown = self.sheet.frame[spec.value].iloc[spec.first : spec.first + spec.rows]
        top = pd.to_numeric(shown, errors="coerce").max()
        steps = max(1, math.ceil((0 if pd.isna(top) else top) / 5))
        chart.set_x_axis({"major_unit": steps, "num_format": "0", "num_font": font,
                          "major_gridlines": {"visible": False}, "min": 0})  # fmt: skip
        chart.set_y_axis({"reverse": True, "num_font": font})  # first category on top
        chart.set_size({"width": 360 if spec.beside else 600,
                        "height": max(220, 28 * spec.rows + 80)})  # fmt: skip
        if spec.beside:
            self.ws.insert_chart(1, self.ncols, chart, {"x_offset": 12})
        else:
            self.ws.insert_chart(self.last_row + 2, 0, chart)


def _fit_width(name: str, values: pd.Series, formats: dict[str, str]) -> float:
    """As wide as the longest line (CJK characters count double), within bounds; a
    long header may wrap onto two lines rather than widen a column of short values."""
    sample = values.dropna()
    if len(sample) > 500:
        sample = sample.sample(500, random_state=0)
    header = _display_width(name)
    from_header = header + 2 if header <= 8 else math.ceil(header / 2) + 2
    if values.dtype.kind == "M" or any(isinstance(v, (datetime, pd.Timestamp)) for v in sample):
        digits = len(formats.get(name, "yyyy-mm-dd hh:mm"))  # digits are one unit each
        return float(max(from_header, digits + 3))
    if values.dtype.kind in "iuf":
        percent = "%" in formats.get(name, "")
        digits = 4 if percent else len(f"{sample.max():,.0f}") if len(sample) else 1
        return float(max(MIN_WIDTH, from_header, digits + 3))
    texts = [v.text if isinstance(v, Link) else str(v) for v in sample]
    longest = max((_display_width(line) for t in texts for line in t.splitlines()), default=0)
    return float(min(MAX_WIDTH, max(MIN_WIDTH, from_header, longest + 2)))


@functools.lru_cache(maxsize=65_536)  # subjects, names and labels repeat down a sheet
def _lines(text: str, width: float, scale: float) -> int:
    """How many lines the text wraps to in a column `width` characters wide, for a
    font `scale` times the body size."""
    usable = max(width - 0.8, 1.0) / scale
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in text.split("\n"))


def _display_width(text: str) -> float:
    """Width in digit widths: a CJK character about 1.9 (宋体 10pt: 13.3 px against 7 px
    digits), a Latin letter about 1.3 ('@' and 'm' are wide)."""
    wide = len(text.encode("gb18030", errors="replace")) - len(text)  # 2-byte characters
    return 1.9 * wide + 1.3 * (len(text) - wide)
