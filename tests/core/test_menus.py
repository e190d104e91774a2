"""Menus: editors arrange them, plugins' entries come and go with their plugin, visitors see only what is public."""
import re

import pytest

from core.extensions import db
from core.pages.models import MenuItem
from core.plugins import get_host
from tests.conftest import login
from tests.core.public_helpers import html_of, in_english, make_page, make_section


def main_links(client, path="/"):
    nav = re.search(r'<nav class="main-nav".*?</nav>', html_of(client.get(path)), re.S).group(0)
    return re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav)


def footer_links(client):
    nav = re.search(r'<nav class="footer-nav".*?</nav>', html_of(client.get("/")), re.S).group(0)
    return re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav)


def add(menu="main", position=0, **fields):
    item = MenuItem(menu=menu, position=position, **fields)
    db.session.add(item)
    db.session.commit()
    return item


def set_announcements(enabled):
    get_host().set_enabled("announcements", enabled)
    db.session.commit()


@pytest.fixture
def editor(client, users):
    login(client, users["editor"])
    return client


def test_without_entries_the_menu_shows_home_news_sections_and_plugin_entries(client):
    make_section(slug="yaowen", title="要闻", title_en="Headlines")
    assert [url for url, _label in main_links(client)] == ["/", "/news/", "/section/yaowen/", "/announcements"]
    assert main_links(in_english(client)) == [("/", "Home"), ("/news/", "News"), ("/section/yaowen/", "Headlines"),
                                              ("/announcements", "Announcements")]


def test_the_menu_follows_the_editors_arrangement(client):
    about = make_page("关于我们", slug="about")
    section = make_section(slug="yaowen", title="要闻", title_en="Headlines")
    add(position=2, url="https://www.example.org/", label="合作伙伴")
    add(position=0, page=about)
    add(position=1, section=section, label="", label_en="")
    add(position=3, url="/contact", label="联系", hidden=True)
    add(menu="footer", url="/privacy", label="隐私", label_en="Privacy")
    assert main_links(client) == [("/about", "关于我们"), ("/section/yaowen/", "要闻"),
                                  ("https://www.example.org/", "合作伙伴"), ("/announcements", "通知公告")]
    assert ("/privacy", "隐私") in footer_links(client)
    in_english(client)
    assert ("/section/yaowen/", "Headlines") in main_links(client)
    assert ("/privacy", "Privacy") in footer_links(client)


def test_links_to_unpublished_pages_are_hidden(client):
    draft = make_page("筹备中", slug="soon", status="draft")
    add(page=draft)
    add(position=1, url="/news/", label="新闻")
    assert [url for url, _label in main_links(client)] == ["/news/", "/announcements"]
    draft.status = "published"
    db.session.commit()
    assert [url for url, _label in main_links(client)] == ["/soon", "/news/", "/announcements"]


def test_a_placed_plugin_entry_keeps_its_place_and_follows_its_plugin(client):
    add(position=0, url="/news/", label="新闻")
    add(position=1, plugin_entry="announcements.index", label="公告栏")
    add(position=2, url="/about", label="关于")
    assert main_links(client) == [("/news/", "新闻"), ("/announcements", "公告栏"), ("/about", "关于")]
    set_announcements(False)
    assert main_links(client) == [("/news/", "新闻"), ("/about", "关于")]
    set_announcements(True)
    assert main_links(client)[1] == ("/announcements", "公告栏")


def test_an_unplaced_plugin_entry_follows_the_arranged_ones_and_a_hidden_one_stays_hidden(client):
    add(position=0, url="/news/", label="新闻")
    set_announcements(False)
    assert main_links(client) == [("/news/", "新闻")]
    set_announcements(True)  # a newly enabled plugin shows up without editing the menu
    assert main_links(client) == [("/news/", "新闻"), ("/announcements", "通知公告")]
    add(position=1, plugin_entry="announcements.index", hidden=True)
    assert main_links(client) == [("/news/", "新闻")]


def test_the_mobile_menu_toggle_is_a_button_wired_by_site_js(client):
    html = html_of(client.get("/"))
    button = re.search(r"<button[^>]*data-menu-toggle[^>]*>", html).group(0)
    assert 'aria-expanded="false"' in button and 'aria-controls="main-nav"' in button
    assert 'id="main-nav"' in html and "onclick" not in html
    script = client.get("/static/js/site.js").get_data(as_text=True)
    assert "data-menu-toggle" in script and "aria-expanded" in script


def test_editors_add_reorder_hide_and_delete_entries(editor):
    about = make_page("关于我们", slug="about")
    section = make_section(slug="yaowen", title="要闻")
    assert editor.get("/admin/menus/").status_code == 200
    assert editor.post("/admin/menus/", data={"menu": "main", "kind": "page", "page": about.id}).status_code == 302
    editor.post("/admin/menus/", data={"menu": "main", "kind": "section", "section": section.id, "label": "新闻"})
    editor.post("/admin/menus/", data={"menu": "main", "kind": "url", "url": "/contact", "label": "联系我们",
                                       "label_en": "Contact"})
    editor.post("/admin/menus/", data={"menu": "main", "kind": "plugin", "plugin_entry": "announcements.index"})
    assert [url for url, _l in main_links(editor)] == ["/about", "/section/yaowen/", "/contact", "/announcements"]

    items = db.session.scalars(db.select(MenuItem).order_by(MenuItem.position)).all()
    assert editor.post(f"/admin/menus/{items[2].id}/move", data={"direction": "up"}).status_code == 302
    assert [url for url, _l in main_links(editor)] == ["/about", "/contact", "/section/yaowen/", "/announcements"]
    editor.post(f"/admin/menus/{items[0].id}/move", data={"direction": "down"})
    assert [url for url, _l in main_links(editor)] == ["/contact", "/about", "/section/yaowen/", "/announcements"]

    editor.post(f"/admin/menus/{items[1].id}/toggle")
    assert "/section/yaowen/" not in [url for url, _l in main_links(editor)]
    response = editor.post(f"/admin/menus/{items[0].id}/edit", data={"label": "协会简介", "label_en": "About us"})
    assert response.status_code == 302
    assert ("/about", "协会简介") in main_links(editor)
    editor.post(f"/admin/menus/{items[3].id}/delete")
    assert db.session.get(MenuItem, items[3].id) is None
    # Deleting the placed entry puts the plugin's entry back at the end on its own.
    assert main_links(editor)[-1] == ("/announcements", "通知公告")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                 "java\tscript:alert(1)", "data:text/html,x", "//evil.example/", "ftp://x.example/",
                                 "vbscript:x", "http:/x"])
def test_only_web_and_site_addresses_are_accepted(editor, url):
    response = editor.post("/admin/menus/", data={"menu": "main", "kind": "url", "url": url, "label": "坏链接"})
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(MenuItem)) is None


def test_bad_input_re_renders_the_form_with_messages(editor):
    in_english(editor)
    for data, message in [
        ({"menu": "main", "kind": "page", "page": 999}, "Choose a page."),
        ({"menu": "main", "kind": "section"}, "Choose a news section."),
        ({"menu": "main", "kind": "url", "url": ""}, "Enter an address."),
        ({"menu": "main", "kind": "plugin", "plugin_entry": "nothing.here"}, "Choose one of the entries"),
        ({"menu": "sidebar", "kind": "url", "url": "/x"}, "Not a valid choice"),
    ]:
        response = editor.post("/admin/menus/", data=data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    assert db.session.scalar(db.select(MenuItem)) is None
    item = add(url="/x", label="x")
    response = editor.post(f"/admin/menus/{item.id}/edit", data={"url": "javascript:alert(1)"})
    assert response.status_code == 400
    db.session.refresh(item)
    assert item.url == "/x"


def test_menus_admin_is_for_editors_only(client, users):
    item = add(url="/x", label="x")
    login(client, users["member"])
    assert client.get("/admin/menus/").status_code == 403
    assert client.post("/admin/menus/", data={"menu": "main", "kind": "url", "url": "/y"}).status_code == 403
    assert client.post(f"/admin/menus/{item.id}/delete").status_code == 403
    assert db.session.scalar(db.select(db.func.count(MenuItem.id))) == 1


def test_an_unsafe_address_written_past_the_admin_is_not_shown(client):
    add(url="javascript:alert(1)", label="坏链接")
    add(position=1, url="/news/", label="新闻")
    assert [url for url, _label in main_links(client)] == ["/news/", "/announcements"]
