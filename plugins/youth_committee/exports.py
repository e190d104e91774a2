"""Attendee lists as CSV or XLSX, safe to open in a spreadsheet.

The same approach as the competitions plugin (not imported: plugins do not depend on each
other for this): in CSV, text a spreadsheet could read as a formula gets a leading quote;
XLSX cells are written as strings, which are never formulas. CSV is UTF-8 with a BOM.
"""
import csv
import io
from datetime import datetime

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from core.extensions import db
from plugins.youth_committee.models import CONFIRMED, WAITING, Registration

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "＝", "＋", "－", "＠")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value, quote=True):
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, datetime):
        value = to_user_timezone(value).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if quote and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def attendees(event):
    """The people with a place or on the waiting list; registrations never confirmed by their
    e-mail link (pending or expired) are nobody's attendance and stay out."""
    return db.session.scalars(
        db.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status.in_((CONFIRMED, WAITING)))
        .order_by(Registration.status, Registration.queued_at, Registration.id)
    ).all()


def attendees_table(event):
    header = [_("Name"), _("E-mail"), _("Phone"), _("Member or guest"), _("Status"), _("Registered at"),
              _("Checked in at")]
    registrations = attendees(event)
    rows = [
        [r.name, r.email, r.phone, _("Member") if r.user_id else _("Guest"), str(r.status_label), r.created_at,
         r.checked_in_at]
        for r in registrations
    ]
    return header, rows


def to_csv(header, rows):
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in [header, *rows]:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(header, rows, sheet_name):
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name[:31])
    for r, row in enumerate([header, *rows]):
        for c, cell in enumerate(row):
            value = neutralise(cell, quote=False)
            if value is None:
                continue
            if isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return out.getvalue()
