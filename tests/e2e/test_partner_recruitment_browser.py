"""A city-partner application in a real browser: a visitor opens the QR code's link, fills the
form (a conditional field appears, a region is chosen in the cascading selects, a file is
attached), and a reviewer moves the application through two steps while the applicant's
status page follows."""
import re

import pytest

from core.extensions import db
from plugins.partner_recruitment import qr
from plugins.partner_recruitment.models import Application
from tests.conftest import with_plugins
from tests.e2e.test_admin_plugins_browser import sign_in
from tests.plugins.partner_recruitment.conftest import PLUGINS, make_programme, make_reviewer

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_factory(app_factory):
    return with_plugins(app_factory, PLUGINS, PARTNER_RECRUITMENT_MIN_SECONDS=0)


def new_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_apply_by_qr_and_follow_two_review_steps(live_server, browser, tmp_path):
    base_url, app = live_server
    with app.app_context():
        manager = make_reviewer("manager@example.org")
        programme = make_programme(managers=[manager])
        labels = {status.key: status.label for status in programme.statuses}
        db.session.remove()
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    errors = []

    visitor = new_page(browser)
    visitor.on("pageerror", lambda error: errors.append(str(error)))
    # The QR code on the landing page encodes the form's address with ?source=qr.
    visitor.goto(f"{base_url}/partners/city-partners")
    form_url = f"{base_url}/partners/city-partners/apply?source=qr"
    served = visitor.request.get(f"{base_url}/partners/city-partners/qr.svg").body()
    assert served == qr.svg(form_url)
    visitor.goto(form_url)  # what a phone opens after scanning

    visitor.fill("#f-organisation", "鹏城环境服务有限公司")
    visitor.fill("#f-email", "applicant@example.org")
    visitor.fill("#f-mobile", "13800138000")
    visitor.check("input[name=f-org_type][value=Company]")
    visitor.check("input[name=f-areas][value=环卫保洁]")
    other_area = visitor.locator("[data-key=areas_other]")
    assert other_area.is_hidden()
    visitor.check("input[name=f-areas][value=其他]")
    other_area.wait_for(state="visible")
    visitor.fill("#f-areas_other", "乡镇污水处理站运维")
    visitor.select_option("#f-region-province", "44")
    visitor.wait_for_function("document.querySelectorAll('#f-region-city option').length > 10")
    visitor.select_option("#f-region-city", "4403")
    visitor.wait_for_function("document.querySelectorAll('#f-region-county option').length > 5")
    visitor.select_option("#f-region-county", "440305")
    visitor.set_input_files("#f-licence", str(licence))
    visitor.check("#f-consent")
    question = visitor.inner_text("label[for=challenge_answer]")
    a, b = map(int, re.findall(r"\d+", question)[:2])
    visitor.fill("#challenge_answer", str(a + b))
    visitor.click("#submit")
    visitor.wait_for_url(re.compile(r"/partners/status/[\w-]+\?new=1$"))
    assert visitor.inner_text("#application-status") == labels["submitted"]

    with app.app_context():
        application = db.session.scalar(db.select(Application))
        assert application.data["source"] == "qr"
        assert application.data["areas_other"] == "乡镇污水处理站运维"
        assert application.data["region"]["names"] == ["广东省", "深圳市", "南山区"]
        assert application.files[0].media.original_name == "licence.pdf"
        application_id = application.id
        db.session.remove()

    reviewer = new_page(browser)
    sign_in(reviewer, base_url, "manager@example.org")
    reviewer.goto(f"{base_url}/admin/partners/applications/{application_id}")
    assert "鹏城环境服务有限公司" in reviewer.content()
    for step in ("under_review", "framework_signed"):
        reviewer.select_option("#status", step)
        with reviewer.expect_navigation():
            reviewer.click("#change-status")
        assert reviewer.inner_text("#current-status") == labels[step]
        visitor.reload()
        assert visitor.inner_text("#application-status") == labels[step]
    assert "licence.pdf" in reviewer.content()
    assert not errors
