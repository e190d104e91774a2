"""Exports of a programme's applications: CSV and XLSX tables, attachments as a ZIP.

Cells a spreadsheet could read as a formula are neutralised: in CSV such text gets a
leading quote; XLSX writes every text with write_string, which is never a formula.
The helper below repeats the competitions plugin's ``neutralise`` on purpose (this
plugin does not depend on competitions); it belongs in the core.

Columns: the fixed facts, then one column per field key across all form versions, headed
by the newest label of that key; each application fills the keys its own version had.
"""
import csv
import io
import tempfile
import zipfile
from datetime import datetime

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from core.extensions import db
from core.storage.backends import get_storage
from core.storage.serving import download_name
from plugins.partner_recruitment.fields import display, label_of
from plugins.partner_recruitment.models import Application

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "＝", "＋", "－", "＠")
SPOOL_BYTES = 16 * 1024 * 1024
MISSING_NOTE = "MISSING-FILES.txt"
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def neutralise(value, quote=True):
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, datetime):
        value = to_user_timezone(value).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if quote and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def applications_of(programme, ids=None):
    query = db.select(Application).where(Application.programme_id == programme.id).order_by(Application.id)
    if ids is not None:
        query = query.where(Application.id.in_(ids or [0]))
    return db.session.scalars(query).all()


def columns(programme):
    """[(key, spec)] over every version, newest label and type per key, in first-seen order."""
    found = {}
    for version in programme.versions:
        for spec in version.fields:
            found[spec["key"]] = spec
    return list(found.items())


def table(programme):
    keys = columns(programme)
    header = [_("Reference"), _("Submitted at"), _("Status"), _("Reviewer"), _("Form version"), _("Anonymised")]
    header += [label_of(spec) for _key, spec in keys]
    rows = []
    for application in applications_of(programme):
        own = {spec["key"]: spec for spec in application.form_version.fields}
        data = application.data or {}
        row = [application.reference, application.created_at, application.status_label,
               application.assignee.name if application.assignee else None, application.form_version.number,
               _("yes") if application.anonymised_at else ""]
        row += [display(own.get(key, spec), data.get(key)) if key in data else None for key, spec in keys]
        rows.append(row)
    return header, rows


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
            value = neutralise(value, quote=False)
            if value is None:
                sheet.write_blank(line, column, None)
            elif isinstance(value, str):
                sheet.write_string(line, column, value)
            else:
                sheet.write_number(line, column, value)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def attachments_zip(programme):
    """A ZIP with one folder per application reference holding its files, in a temporary file
    (kept in memory while small, on disk beyond SPOOL_BYTES), rewound. A stored file that is
    missing is left out and named in MISSING_NOTE inside the ZIP."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    storage = get_storage()
    missing = []
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for application in applications_of(programme):
            for attachment in application.files:
                name = download_name(attachment.media).replace("/", "_")
                path = f"{application.reference}/{attachment.field_key}-{name}"
                try:
                    data = storage.get(attachment.media.key)
                except FileNotFoundError:
                    missing.append(path)
                    continue
                archive.writestr(path, data)
        if missing:
            note = _("These files could not be found in storage and are missing from this archive:")
            archive.writestr(MISSING_NOTE, "\n".join([note, *missing]) + "\n")
    spool.seek(0)
    return spool


def export(programme, fmt):
    """(bytes, or a rewound file for the ZIP; mimetype; file name)."""
    if fmt == "zip":
        return attachments_zip(programme), MIMETYPES["zip"], f"{programme.slug}-attachments.zip"
    header, rows = table(programme)
    data = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, "applications")
    return data, MIMETYPES[fmt], f"{programme.slug}-applications.{fmt}"
