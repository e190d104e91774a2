"""A competition from entry to published result in a real browser: a member submits an entry
with an attachment, the manager admits it and assigns judges, a judge scores it on the keyboard
screen, the manager publishes, and the public results page shows it."""
import re

import pytest
from reportlab.pdfgen import canvas

from core.extensions import db
from core.users.models import Membership
from plugins.competitions.models import JUDGING, RESULTS, SCREENING, Competition, Panel, PanelJudge
from tests.conftest import make_user, with_plugins
from tests.e2e.test_admin_plugins_browser import sign_in
from tests.plugins.competitions.conftest import PLUGINS, add_organisation, schedule, setup_competition

pytestmark = pytest.mark.e2e

TITLE = "缩短注塑换模时间"


@pytest.fixture
def app_factory(app_factory):
    """tests/e2e/conftest.py's live_server serves apps of this factory: with the plugins on."""
    return with_plugins(app_factory, PLUGINS)


def move_to(app, stage):
    with app.app_context():
        competition = db.session.scalar(db.select(Competition))
        schedule(competition, stage)
        db.session.remove()


def new_context_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    page.on("dialog", lambda dialog: dialog.accept())  # confirm() before locking and publishing
    return page


def test_entry_to_published_result(live_server, browser, tmp_path):
    base_url, app = live_server
    with app.app_context():
        competition = setup_competition(judges_per_entry=1)
        company = add_organisation("鹏程精密制造有限公司")
        member = make_user("member", email="member@example.org")
        db.session.add(Membership(user=member, organisation=company))
        judge = make_user("judge", email="judge@example.org")
        make_user("admin", email="manager@example.org")
        competition.panels = [Panel(name="六西格玛分会场", category=competition.categories[0],
                                    members=[PanelJudge(user=judge)])]
        db.session.commit()
        slug, competition_id = competition.slug, competition.id
        db.session.remove()
    report = tmp_path / "report.pdf"
    pdf = canvas.Canvas(str(report))
    pdf.drawString(72, 720, "Project report")
    pdf.save()
    errors = []

    # The member submits an entry with its report attached.
    member_page = new_context_page(browser)
    member_page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(member_page, base_url, "member@example.org")
    member_page.goto(f"{base_url}/competitions/{slug}/enter")
    member_page.fill("#title", TITLE)
    member_page.select_option("#category_id", label="Six Sigma")
    member_page.fill("#team_members", "王强\n李娜")
    member_page.fill("#summary", "用快速换模方法把换模时间从 90 分钟缩短到 25 分钟。")
    member_page.set_input_files("#attachments", str(report))
    member_page.click("#submit")
    member_page.wait_for_url(re.compile(r"/competitions/entries/\d+$"))
    assert "SS-001" in member_page.content()
    assert "report.pdf" in member_page.content()
    entry_id = int(member_page.url.rsplit("/", 1)[1])

    # The manager admits it at screening, then assigns judges when judging opens.
    move_to(app, SCREENING)
    manager = new_context_page(browser)
    manager.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(manager, base_url, "manager@example.org")
    manager.goto(f"{base_url}/admin/competitions/{competition_id}/entries/{entry_id}")
    manager.check("input[name=action][value=pass]")
    manager.click("#decide")
    manager.wait_for_load_state()
    move_to(app, JUDGING)
    manager.goto(f"{base_url}/admin/competitions/{competition_id}/judging")
    manager.click(f"form[action$='/admin/competitions/{competition_id}/judging/auto-assign'] button")
    manager.wait_for_load_state()

    # The judge scores it from the keyboard and locks the sheet.
    judge_page = new_context_page(browser)
    judge_page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(judge_page, base_url, "judge@example.org")
    judge_page.goto(f"{base_url}/judging")
    judge_page.click(f"text={TITLE}")
    judge_page.wait_for_selector(".judging-score")
    assert "report.pdf" in judge_page.content()
    scores = judge_page.locator(".judging-score")
    for index, value in enumerate(["9", "8.5", "8"]):
        scores.nth(index).fill(value)
    judge_page.locator(".judging-score").nth(2).press("Tab")
    # 0.4 * 9 + 0.4 * 8.5 + 0.2 * 8, computed in the browser as the judge types.
    assert judge_page.inner_text("#judging-total") == "8.6"
    judge_page.click("#submit_sheet")
    judge_page.wait_for_url(f"{base_url}/judging")
    judge_page.click(f"text={TITLE}")
    assert judge_page.locator(".judging-score").first.is_disabled()  # locked once submitted

    # Judging closes; the manager publishes and the public sees the result.
    move_to(app, RESULTS)
    manager.goto(f"{base_url}/admin/competitions/{competition_id}/results")
    manager.click(f"form[action$='/admin/competitions/{competition_id}/results/publish'] button")
    manager.wait_for_load_state()
    visitor = new_context_page(browser)
    visitor.goto(f"{base_url}/competitions/{slug}/results")
    row = visitor.locator("table tr", has_text=TITLE)
    assert row.count() == 1
    assert "鹏程精密制造有限公司" in row.inner_text()
    assert "Exemplary" in row.inner_text()
    assert errors == []
