"""Tables as CSV or XLSX files, safe to open in a spreadsheet program.

In CSV every text cell that a spreadsheet could read as a formula (``=HYPERLINK(...)``,
full-width ＝, a leading pipe or newline...) gets a leading quote. XLSX writes text with
``write_string``: a string cell is never a formula, so the text stays exactly as typed.
CSV is UTF-8 with a byte-order mark (Excel then reads Chinese correctly). Numbers stay
numbers, None stays empty, dates are shown in the user's time zone.
"""
import csv
import io
from datetime import datetime

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import to_user_timezone

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "＝", "＋", "－", "＠")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value, quote=True):
    """A cell value as text, a number or None; with ``quote`` (CSV), text a spreadsheet could read
    as a formula gets a leading quote."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        value = _("yes") if value else _("no")
    elif isinstance(value, datetime):
        value = to_user_timezone(value).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if quote and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [header, *rows]:
        writer.writerow(["" if value is None else value for value in map(neutralise, row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header, rows, sheet_name):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    for column, value in enumerate(header):
        sheet.write_string(0, column, neutralise(value, quote=False), bold)
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            value = neutralise(value, quote=False)  # write_string: a string cell is never a formula
            if value is None:
                sheet.write_blank(line, column, None)
            elif isinstance(value, str):
                sheet.write_string(line, column, value)
            else:
                sheet.write_number(line, column, value)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
