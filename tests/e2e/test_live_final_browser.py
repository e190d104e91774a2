"""A live final in real browsers: the host opens a presentation from the console, a phone sees
who is on stage without reloading, taps the heart, and the venue's leaderboard follows over
Server-Sent Events; when the host closes likes, the phone's button goes quiet."""
import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.users.models import Role, RolePermission
from tests.conftest import make_user, with_plugins
from tests.e2e.test_admin_plugins_browser import sign_in
from tests.plugins.brand_stories.conftest import PLUGINS, make_final

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_factory(app_factory):
    """tests/e2e/conftest.py's live_server serves apps of this factory: with the plugins on."""
    return with_plugins(app_factory, PLUGINS)


def test_a_phone_likes_the_presentation_on_stage_and_the_board_follows(live_server, browser):
    base_url, app = live_server
    with app.app_context():
        _final, _competition, sessions, entries, _orgs = make_final(likes_cap=2)
        host = make_user("member", email="host@example.org")
        host.roles = [*host.roles, Role(name="contest-host", title="Contest host", grants=[
            RolePermission(permission="brand_stories.host", granted=True)])]
        db.session.commit()
        session_id = sessions[0].id
        first_title = entries[0][0].title
        first_id = entries[0][0].id
        db.session.remove()
    errors = []

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True).new_page()
    board = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 900}).new_page()
    console = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    for page in (phone, board, console):
        page.set_default_timeout(10000)
        page.on("pageerror", lambda error: errors.append(str(error)))

    phone.goto(f"{base_url}/live/{session_id}")
    board.goto(f"{base_url}/live/{session_id}/board")
    button = phone.locator("#like-button")
    expect(button).to_be_disabled()
    expect(phone.locator(".live-current-title")).to_have_text("等待下一位展示")

    # The host opens the first presentation; the phone and the board learn it without reloading.
    sign_in(console, base_url, "host@example.org")
    console.goto(f"{base_url}/live/{session_id}/host")
    console.get_by_role("button", name="下一位展示").click()
    expect(console.locator(".flash")).to_contain_text(first_title)
    expect(phone.locator(".live-current-title")).to_have_text(first_title)
    expect(board.locator(".live-current-title")).to_have_text(first_title)
    expect(button).to_be_enabled()

    # Five taps: five hearts on the board, two of them scoring (K = 2 for this final).
    for _ in range(5):
        button.tap()
    expect(phone.locator("#my-taps")).to_have_text("5")
    expect(phone.locator("#my-scoring")).to_have_text("2")
    # The bound: the leaderboard shows the new count within two seconds of the taps being sent.
    expect(board.locator("#current-hearts")).to_have_text("5", timeout=2500)  # 500 ms batching + 2 s
    expect(board.locator("#current-scoring")).to_have_text("2", timeout=2000)
    row = board.locator(f'#live-ranking tr[data-entry="{first_id}"]')
    expect(row.locator(".live-rank")).to_have_text("1")
    expect(row.locator(".live-scoring")).to_have_text("2")

    # Likes closed: the phone's button is disabled at once and the board stays where it was.
    console.get_by_role("button", name="关闭点赞").click()
    expect(button).to_be_disabled()
    expect(phone.locator(".live-current-title")).to_have_text("等待下一位展示")
    expect(board.locator("#live-ranking tr").nth(1).locator(".live-hearts-cell")).to_have_text("5")
    assert errors == []
