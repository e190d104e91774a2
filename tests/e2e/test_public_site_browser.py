"""The public site on a phone-sized screen: the menu folds behind a button that site.js wires up."""
import pytest

from core.extensions import db
from core.pages.models import Page, Section

pytestmark = pytest.mark.e2e


def test_the_phone_menu_opens_and_closes_and_results_tables_scroll(live_server, browser):
    base_url, app = live_server
    with app.app_context():
        section = Section(slug="yaowen", title="要闻")
        rows = "".join(f"<tr><td>{n}</td><td>深圳市某某科技股份有限公司第{n}分公司</td><td>9{n}.5</td></tr>" for n in range(5))
        db.session.add(section)
        db.session.add(Page(title="评审结果", slug="results", section=section, status="published",
                            body=f"<table><tr><th>名次</th><th>单位</th><th>得分</th></tr>{rows}</table>"))
        db.session.commit()
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(base_url + "/")
    toggle = page.locator("[data-menu-toggle]")
    menu = page.locator("nav.main-nav")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()

    page.goto(base_url + "/news/results")
    table = page.locator(".prose table")
    scroll_width, client_width = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert scroll_width > client_width  # scrolls sideways inside the article
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself does not
    assert problems == []
    context.close()


def test_the_desktop_menu_needs_no_button(live_server, page):
    base_url, _app = live_server
    page.goto(base_url + "/")
    assert not page.locator("[data-menu-toggle]").is_visible()
    assert page.locator("nav.main-nav a[href='/news/']").is_visible()
