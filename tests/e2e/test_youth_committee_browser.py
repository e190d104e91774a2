"""A member registers for a full committee event in a real browser, lands on the waiting list,
and is moved up when the person holding the place cancels (in another browser)."""
import pytest

from core.extensions import db
from tests.conftest import make_user, with_plugins
from tests.e2e.test_admin_plugins_browser import sign_in
from tests.plugins.youth_committee.conftest import PLUGINS, make_event

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_factory(app_factory):
    return with_plugins(app_factory, PLUGINS)


def new_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    return page


def test_waiting_list_moves_up_on_cancellation(live_server, browser):
    base_url, app = live_server
    with app.app_context():
        event_id = make_event(title="PDCA入门：中学生质量课堂", capacity=1).id
        make_user("member", email="holder@example.org")
        make_user("member", email="member@example.org")
        db.session.remove()
    errors = []

    holder = new_page(browser)
    sign_in(holder, base_url, "holder@example.org")
    holder.goto(f"{base_url}/youth/events/{event_id}")
    holder.click("#register")
    assert holder.get_attribute("#my-status", "data-status") == "confirmed"

    member = new_page(browser)
    member.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(member, base_url, "member@example.org")
    member.goto(f"{base_url}/youth/events/{event_id}")
    assert "0" in member.inner_text("#places")
    member.click("#register")
    assert member.get_attribute("#my-status", "data-status") == "waiting"

    holder.click("#cancel-registration")
    holder.wait_for_selector("#register")

    member.reload()
    assert member.get_attribute("#my-status", "data-status") == "confirmed"
    member.goto(f"{base_url}/me")
    assert "PDCA入门：中学生质量课堂" in member.content()
    assert errors == []
