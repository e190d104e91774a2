"""The demo association site in both themes, on a desktop and a phone screen: no console errors or
CSP violations, every picture loads, nothing widens the page, and the desktop menu fits on one line."""
import pytest

from core import pagecache
from core.demo import load_demo
from core.extensions import db
from core.pages.models import set_setting
from core.pages.themes import SETTING as THEME_SETTING

pytestmark = pytest.mark.e2e

PAGES = [
    "/",
    "/news/quan-guo-cheng-guo-jiao-liu-jie-guo",  # cover picture and the results table
    "/news/di-52-qi-zhi-liang-da-jiang-tang",  # a photo inside the text
    "/section/yao-wen/",
    "/about/members",
    "/search?q=质量",
    "/login",
]
SCREENS = {"desktop": (1280, 900), "phone": (390, 844)}


def visit(page, url):
    page.goto(url)
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.evaluate(
        """() => Promise.all([...document.images].filter(i => !i.complete)
            .map(i => new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done); })))"""
    )
    return page.evaluate(
        """() => ({
            width: document.documentElement.scrollWidth,
            broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
            menuRows: new Set([...document.querySelectorAll('nav.main-nav a')]
                .filter(a => a.offsetParent !== null).map(a => Math.round(a.getBoundingClientRect().top))).size,
            toggle: !!document.querySelector('[data-menu-toggle]')?.offsetParent,
        })"""
    )


@pytest.mark.parametrize("theme", ["default", "classic"])
def test_demo_site_renders_cleanly_on_desktop_and_phone(live_server, browser, theme):
    base_url, app = live_server
    with app.app_context():
        load_demo()
        set_setting(THEME_SETTING, theme)
        db.session.commit()
        pagecache.content_changed()

    problems = []
    for screen, (width, height) in SCREENS.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.on("console", lambda message: problems.append(f"{screen} {page.url}: {message.text}")
                if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(f"{screen} {page.url}: {error}"))
        for path in PAGES:
            seen = visit(page, base_url + path)
            where = f"{theme} {screen} {path}"
            if seen["width"] > width:
                problems.append(f"{where}: the page is {seen['width']}px wide")
            if seen["broken"]:
                problems.append(f"{where}: pictures not shown {seen['broken']}")
            if screen == "desktop" and seen["menuRows"] != 1:
                problems.append(f"{where}: the main menu takes {seen['menuRows']} lines")
            if seen["toggle"] != (screen == "phone"):
                problems.append(f"{where}: menu button shown={seen['toggle']}")
        assert page.locator(f"body.theme-{theme}").count() == 1
        context.close()
    assert problems == []
