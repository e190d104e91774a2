"""An editor writes a news post with an image and a table in a real browser, schedules it,
watches it appear, revises it and restores the first revision."""
import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from core.extensions import db
from core.pages.models import Section
from tests.conftest import make_user
from tests.e2e.test_admin_plugins_browser import sign_in

pytestmark = pytest.mark.e2e

BEIJING = ZoneInfo("Asia/Shanghai")
FIRST_TEXT = "质量月活动今日在市民中心启动。"
ADDED_TEXT = "修订时补充的颁奖名单"


def wait_for_status(visitor, url, status, seconds):
    deadline = time.monotonic() + seconds
    while True:
        response = visitor.request.get(url, max_redirects=0)
        if response.status == status or time.monotonic() > deadline:
            return response
        visitor.wait_for_timeout(250)


def test_editor_schedules_revises_and_restores_a_news_post(live_server, page, browser, tmp_path):
    base_url, app = live_server
    with app.app_context():
        make_user("editor", email="writer@example.org")
        db.session.add(Section(slug="yao-wen", title="要闻", title_en="News"))
        db.session.commit()
        db.session.remove()
    photo = tmp_path / "ceremony.png"
    Image.new("RGB", (320, 200), (200, 40, 40)).save(photo)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    sign_in(page, base_url, "writer@example.org")
    page.goto(base_url + "/admin/pages/new?kind=news")
    page.fill("#title", "质量月活动启动仪式")
    page.locator(".jodit-wysiwyg").click()
    page.keyboard.type(FIRST_TEXT)
    page.keyboard.press("Enter")

    # An image, uploaded through the media-library picker of the editor.
    page.click(".jodit-toolbar-button_medialibrary button")
    page.wait_for_selector("#media-picker-dialog[open]")
    page.set_input_files("#picker-file", str(photo))
    page.fill("#picker-alt", "启动仪式现场")
    page.click("#picker-upload")
    page.wait_for_selector(".jodit-wysiwyg figure img[alt='启动仪式现场']")

    # A 2 x 2 table from the toolbar grid, with text in its first cell.
    page.click(".jodit-toolbar-button_table button")
    page.click(".jodit-popup [role=gridcell][data-index='11']")
    page.wait_for_selector(".jodit-wysiwyg table")
    page.locator(".jodit-wysiwyg table td").first.click()
    page.keyboard.type("一等奖")

    # Scheduled a few seconds ahead, entered in Beijing time.
    visitor = browser.new_context(locale="zh-CN").new_page()  # an anonymous reader
    when = datetime.now(BEIJING) + timedelta(seconds=6)
    page.select_option("#status", "scheduled")
    page.fill("#publish_at", when.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#save-page")
    page.wait_for_url(re.compile(r"/admin/pages/\d+$"))
    address = page.get_attribute("#public-link", "href")
    assert address.startswith("/news/zhi-liang-yue")

    assert visitor.request.get(base_url + address).status == 404  # not public yet
    assert wait_for_status(visitor, base_url + address, 200, seconds=15).status == 200, "it did not appear"
    visitor.goto(base_url + address)
    article = visitor.locator("main")
    assert FIRST_TEXT in article.inner_text()
    image = article.locator("figure img[alt='启动仪式现场']")
    assert image.count() == 1
    assert visitor.evaluate("src => fetch(src).then(r => r.status)", image.get_attribute("src")) == 200
    assert article.locator("table td", has_text="一等奖").count() == 1

    # Revise: add a sentence, note why.
    page.locator(".jodit-wysiwyg p", has_text=FIRST_TEXT).click()
    page.keyboard.press("End")
    page.keyboard.type(ADDED_TEXT)
    page.fill("#note", "补充颁奖名单")
    page.click("#save-page")
    page.wait_for_selector(".flash-success")
    visitor.goto(base_url + address)
    assert ADDED_TEXT in visitor.locator("main").inner_text()

    # Restore the first revision through the history.
    page.click("#revisions-link")
    assert page.locator("#revision-2").inner_text().count("补充颁奖名单") == 1
    page.click("#restore-1")
    page.click("#confirm-restore")
    page.wait_for_selector(".flash-success")
    assert re.search(r"[(（]3[)）]$", page.locator("#revisions-link").inner_text())

    visitor.goto(base_url + address)
    text = visitor.locator("main").inner_text()
    assert FIRST_TEXT in text and ADDED_TEXT not in text
    assert visitor.locator("main table td", has_text="一等奖").count() == 1
    assert errors == []
    visitor.context.close()
