"""Exports: entries, scores per judge and results, CSV and XLSX, formula cells neutralised, Chinese intact."""
import csv
import io

import openpyxl
import pytest

from core.extensions import db
from core.spreadsheets import neutralise
from tests.conftest import login
from tests.plugins.competitions.test_results import add_entry, close_judging, score, scored_world

FORMULA = '=HYPERLINK("http://evil.example","click")'


def export_url(world, what, fmt):
    return f"/admin/competitions/{world.competition.id}/export/{what}.{fmt}"


def read_csv(response):
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.worksheets[0]
    return [[cell for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def exported(client, world):
    scored_world(world)
    world.organisations[1].name = "南山物流有限公司"
    db.session.commit()
    nasty = add_entry(world, FORMULA, organisation=1)
    world.extra["nasty"] = nasty
    score(world, nasty, world.judges[1], 5, comment="+1 great", criterion_comment="@SUM(A1)")
    score(world, nasty, world.judges[2], (6, 6, 6), comment="-2 点评")
    close_judging(world)
    login(client, world.manager)
    return world


def test_neutralise():
    for text in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("plain 文本") == "plain 文本"
    assert neutralise(-1.5) == -1.5 and neutralise(3) == 3 and neutralise(None) is None


@pytest.mark.parametrize("what", ["entries", "scores", "results"])
def test_csv_exports(client, exported, what):
    response = client.get(export_url(exported, what, "csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert "南山物流有限公司" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    if what == "scores":
        assert "'@SUM(A1)" in cells and "'+1 great" in cells and "'-2 点评" in cells
        assert "Judge User" in cells
        assert len(rows) == 1 + 7 * 2 * 3  # one row per judge, entry and criterion
    if what == "entries":
        assert len(rows) == 1 + 7 and "Li Lei; Han Meimei" in cells
    if what == "results":
        assert len(rows) == 1 + 7 and "Exemplary" in cells


@pytest.mark.parametrize("what", ["entries", "scores", "results"])
def test_xlsx_exports(client, exported, what):
    response = client.get(export_url(exported, what, "xlsx"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    rows = read_xlsx(response)
    cells = [cell for row in rows[1:] for cell in row]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert FORMULA in texts  # a string cell, never a formula: no quote needed (it would show)
    assert all(cell.data_type != "f" for cell in cells)
    assert "南山物流有限公司" in texts
    if what == "scores":
        numbers = [cell.value for cell in cells if isinstance(cell.value, (int, float))]
        assert 5 in numbers and 6 in numbers
        assert len(rows) == 1 + 7 * 2 * 3


def test_exports_need_manage(client, world):
    scored_world(world)
    assert client.get(export_url(world, "entries", "csv")).status_code == 302
    login(client, world.screener)
    assert client.get(export_url(world, "entries", "csv")).status_code == 403


# -- audit fixes: exports follow publication; every formula start is neutralised --------------------


def test_neutralise_covers_newline_pipe_and_full_width_signs():
    for text in ("\nx", "|cmd", "＝1+1", "＋1", "－1", "＠A1"):
        assert neutralise(text) == "'" + text
        assert neutralise(text, quote=False) == text


def test_xlsx_keeps_formula_like_text_as_plain_strings(client, exported):
    rows = read_xlsx(client.get(export_url(exported, "entries", "xlsx")))
    cells = [cell for row in rows[1:] for cell in row]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert FORMULA in texts and "'" + FORMULA not in texts
    assert all(cell.data_type != "f" for cell in cells)


def test_results_export_is_labelled_preview_until_published(client, exported):
    response = client.get(export_url(exported, "results", "csv"))
    assert "preview" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert all(row[0] == "Preview (not published)" for row in rows[1:])


def test_results_export_writes_the_published_rows(client, exported):
    from plugins.competitions import results as service
    from plugins.competitions.models import Assignment, Result

    service.publish(exported.competition, exported.manager)
    db.session.commit()
    public = client.get("/competitions/exchange-2021/results").get_data(as_text=True)
    # A score changes after publication: the preview moves, the published results and the export do not.
    a3 = [entry for entry in db.session.scalars(db.select(Result)) if entry.entry.title == "Project a3"][0]
    for sheet in db.session.scalars(db.select(Assignment).where(Assignment.entry_id == a3.entry_id)):
        for value in sheet.scores:
            value.value = 10
    db.session.commit()
    assert service.compute(exported.competition).categories[0].rows[0].entry.title == "Project a3"
    response = client.get(export_url(exported, "results", "csv"))
    assert "preview" not in response.headers["Content-Disposition"]
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert all(row[0] == "Published" for row in body)
    titles = [row[header.index("Project title")] for row in body]
    in_page = sorted(titles, key=lambda title: public.index(title.lstrip("'").replace('"', "&#34;")))
    assert titles == in_page and titles.index("Project a1") < titles.index("Project a3")
    frozen = db.session.scalar(db.select(Result).where(Result.entry_id == a3.entry_id))
    row = body[titles.index("Project a3")]
    assert float(row[header.index("Final score")]) == pytest.approx(frozen.final_score)
    assert row[header.index("Award")] == frozen.tier
