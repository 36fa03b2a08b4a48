"""Spreadsheets (.xlsx) for 导出: rows streamed to disk as they come, then sent as a file.

XlsxWriter's ``constant_memory`` mode writes each row out once the next one starts, so an export of
100,000 rows holds one row in memory, not the sheet; the finished file is sent from disk.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from flask import Response, send_file
from xlsxwriter.worksheet import Worksheet

from ..errors import Invalid
from ..types import CHINA

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel cannot take more in one sheet; the rest would be lost silently, so it is refused instead
MAX_ROWS = 1_048_575


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


class _Writer:
    """Writes each value as what it is: numbers as numbers, dates as Excel dates (datetimes in Beijing time)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def cell(self, sheet: Worksheet, row: int, col: int, value: Any) -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否")
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(row, col, float(value))
        elif isinstance(value, dt.datetime):
            local = value.astimezone(CHINA) if value.tzinfo else value
            sheet.write_datetime(row, col, local.replace(tzinfo=None), self.datetime)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, self.date)
        else:
            sheet.write_string(row, col, str(value))


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> Response:
    """An attachment named ``filename`` (Chinese is fine: Flask adds RFC 5987 ``filename*``)."""
    spool = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(spool.name, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
    writer = _Writer(book)
    for sheet in sheets:
        _write(book.add_worksheet(sheet.title[:31]), writer, sheet)
    book.close()
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIME, as_attachment=True, download_name=filename, max_age=0)


def _write(target: Worksheet, writer: _Writer, sheet: Sheet) -> None:
    target.freeze_panes(1, 0)
    for col, header in enumerate(sheet.headers):
        target.set_column(col, col, max(10, 2 * len(header) + 2))
        target.write_string(0, col, header, writer.header)
    for row, values in enumerate(sheet.rows, start=1):
        if row > MAX_ROWS:
            raise Invalid("导出行数超过 Excel 单表上限（1,048,575 行），请先筛选后再导出")
        for col, value in enumerate(values):
            writer.cell(target, row, col, value)
