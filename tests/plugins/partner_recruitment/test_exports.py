"""Exports: CSV and XLSX with formula cells neutralised, attachments as a ZIP."""
import csv
import io
import zipfile

import openpyxl

from tests.conftest import login
from tests.plugins.partner_recruitment.test_apply import pdf
from tests.plugins.partner_recruitment.conftest import good_values, with_challenge

EVIL = '=HYPERLINK("http://evil.example","click")'


def apply(client, app, **overrides):
    data = with_challenge(app, good_values(**overrides))
    assert client.post("/partners/city-partners/apply", data=data).status_code == 302


def test_csv_and_xlsx_neutralise_formulas(app, client, world):
    apply(app.test_client(), app, **{"f-organisation": EVIL, "f-resources": "+1 (555) 0100", "f-licence": pdf()})
    apply(app.test_client(), app, **{"f-organisation": "＝SUM(A1:A9)"})
    login(client, world.manager)
    base = f"/admin/partners/{world.programme.id}/export"

    response = client.get(base + ".csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["Reference", "Submitted at", "Status"] and "Organisation" in header and "Region" in header
    organisation = header.index("Organisation")
    cells = [row[organisation] for row in rows[1:]]
    assert "'" + EVIL in cells and "'＝SUM(A1:A9)" in cells
    assert "'+1 (555) 0100" in [row[header.index("Resources")] for row in rows[1:]]
    assert "广东省 深圳市 南山区" in [row[header.index("Region")] for row in rows[1:]]
    assert all(not cell.startswith(("=", "+", "＝")) for row in rows for cell in row)

    response = client.get(base + ".xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert EVIL in values  # kept as typed, but as text:
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value

    response = client.get(base + ".zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = archive.namelist()
    assert len(names) == 1 and names[0].endswith("licence-licence.pdf")
    assert archive.read(names[0]).startswith(b"%PDF-")


def test_exports_are_for_the_programme_managers_only(app, client, world, users):
    login(client, users["member"])
    assert client.get(f"/admin/partners/{world.programme.id}/export.csv").status_code == 403
    client.post("/logout")
    login(client, world.outsider)
    assert client.get(f"/admin/partners/{world.programme.id}/export.csv").status_code == 404
