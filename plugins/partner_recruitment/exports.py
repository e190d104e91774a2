"""Exports of a programme's applications: CSV and XLSX tables, attachments as a ZIP.

core.spreadsheets writes the tables, cells a spreadsheet could read as a formula neutralised.

Columns: the fixed facts, then one column per field key across all form versions, headed
by the newest label of that key; each application fills the keys its own version had.
"""
import tempfile
import zipfile

from flask_babel import gettext as _

from core import spreadsheets
from core.extensions import db
from core.spreadsheets import to_csv, to_xlsx
from core.storage.backends import get_storage
from core.storage.serving import download_name
from plugins.partner_recruitment.fields import display, label_of
from plugins.partner_recruitment.models import Application

SPOOL_BYTES = 16 * 1024 * 1024
MISSING_NOTE = "MISSING-FILES.txt"
MIMETYPES = {**spreadsheets.MIMETYPES, "zip": "application/zip"}


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
