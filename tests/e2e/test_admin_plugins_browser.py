"""An administrator switches a plugin off and on again in a real browser."""
import pytest

from core.extensions import db
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.e2e


def sign_in(page, base_url, email):
    page.goto(base_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]:not(.link-button):not(.small)")
    page.wait_for_url(base_url + "/me")


def test_admin_disables_and_reenables_a_plugin(live_server, page):
    base_url, app = live_server
    with app.app_context():
        make_user("admin", email="chief@example.org")
        from plugins.announcements.models import Announcement

        db.session.add(Announcement(title="质量月活动通知", body="全市质量月活动九月启动。"))
        db.session.commit()
        db.session.remove()

    sign_in(page, base_url, "chief@example.org")
    page.goto(base_url + "/")
    menu = page.locator("nav.main-nav")
    assert menu.locator("a[href='/announcements']").count() == 1

    # Disable through the confirmation page.
    page.goto(base_url + "/admin/plugins")
    page.click("#toggle-announcements")
    page.click("#confirm-toggle")
    row = page.locator("#plugin-announcements")
    assert row.get_attribute("data-enabled") == "false"

    page.goto(base_url + "/")
    assert page.locator("nav.main-nav a[href='/announcements']").count() == 0
    response = page.goto(base_url + "/announcements")
    assert response.status == 404

    # Enable again: menu entry, pages and the stored notice are back.
    page.goto(base_url + "/admin/plugins")
    page.click("#toggle-announcements")
    page.click("#confirm-toggle")
    assert page.locator("#plugin-announcements").get_attribute("data-enabled") == "true"
    response = page.goto(base_url + "/announcements")
    assert response.status == 200
    assert "质量月活动通知" in page.content()
    page.goto(base_url + "/")
    assert page.locator("nav.main-nav a[href='/announcements']").count() == 1
