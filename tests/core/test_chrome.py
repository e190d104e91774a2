"""The header and footer kept for anonymous visitors (core/pages/chrome.py): each visitor still sees
their own current link, language-switch address and CSRF token; members and request-dependent theme
templates are rendered every time; a menu or plugin change shows on the next page."""
import re

import pytest
from flask_wtf.csrf import validate_csrf

from core.extensions import db
from core.pages.models import MenuItem
from core.pages.themes import get_themes
from core.plugins import get_host
from tests.conftest import login, make_user
from tests.core.public_helpers import html_of, make_page, make_section


def current_links(html):
    return re.findall(r'<a href="([^"]*)" aria-current="page">', html)


def switch_fields(html):
    form = re.search(r'<form method="post" action="/language".*?</form>', html, re.S).group(0)
    token = re.search(r'name="csrf_token" value="([^"]*)"', form).group(1)
    back = re.search(r'name="next" value="([^"]*)"', form).group(1)
    return token, back


def shared_memos(app):
    from core import pagecache

    return [key for key in pagecache.get_cache(app).memos if key[0] == "chrome"]


@pytest.fixture
def site(app_factory):
    app = app_factory(PAGE_CACHE=False, WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_section(slug="yaowen", title="要闻", title_en="Headlines")
        make_page("关于我们", slug="about")
        db.session.add(MenuItem(menu="main", position=0, url="/news/", label="新闻"))
        db.session.add(MenuItem(menu="main", position=1, url="/about", label="关于"))
        db.session.commit()
        yield app
        db.session.remove()


def test_each_page_marks_its_own_menu_link_and_the_switch_returns_to_it(site):
    visitor = site.test_client()
    news = html_of(visitor.get("/news/"))
    about = html_of(visitor.get("/about?ref=a&x=<b>"))
    assert current_links(news) == ["/news/"]
    assert current_links(about) == ["/about"]
    assert switch_fields(news)[1] == "/news/"
    assert switch_fields(about)[1] == "/about?ref=a&amp;x=&lt;b&gt;"  # the visitor's address, escaped
    assert len(shared_memos(site)) == 6  # <head> links, header and footer, once for each current link


def test_every_visitor_gets_a_token_of_their_own_that_the_switch_accepts(site):
    first, second = site.test_client(), site.test_client()
    token_first = switch_fields(html_of(first.get("/news/")))[0]
    token_second, back = switch_fields(html_of(second.get("/news/")))
    assert token_first != token_second and "\x00" not in token_second
    answer = second.post("/language", data={"lang": "en", "next": back, "csrf_token": token_second})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/news/")
    assert 'lang="en"' in html_of(second.get("/news/"))
    refused = first.post("/language", data={"lang": "en", "next": back, "csrf_token": token_second})
    assert refused.status_code == 400  # a token is good only for its own session


def test_the_shared_token_is_the_sessions_own(site):
    visitor = site.test_client()
    token = switch_fields(html_of(visitor.get("/news/")))[0]
    with visitor.session_transaction() as saved:
        raw = saved["csrf_token"]
    with site.test_request_context():
        from flask import session

        session["csrf_token"] = raw
        validate_csrf(token)  # raises when the token does not belong to the session


def test_a_member_sees_their_own_header_and_anonymous_visitors_never_do(site):
    member = make_user("member", name="会员甲")
    anonymous = site.test_client()
    html_of(anonymous.get("/news/"))
    signed_in = site.test_client()
    site.config["WTF_CSRF_ENABLED"] = False  # just for the sign-in form
    login(signed_in, member)
    site.config["WTF_CSRF_ENABLED"] = True
    assert "会员甲" in html_of(signed_in.get("/news/"))
    after = html_of(anonymous.get("/news/"))
    assert "会员甲" not in after and 'href="/login"' in after


def test_english_visitors_get_the_english_header(site):
    chinese = html_of(site.test_client().get("/news/"))
    visitor = site.test_client()
    token, back = switch_fields(html_of(visitor.get("/news/")))
    assert visitor.post("/language", data={"lang": "en", "next": back, "csrf_token": token}).status_code == 302
    english = html_of(visitor.get("/news/"))
    assert "登录" in chinese and ">Sign in<" in english and "登录" not in english
    assert 'type="application/rss+xml" title="News feed" href="/rss.xml"' in english
    assert 'title="News feed"' not in chinese and 'href="/rss.xml"' in chinese


def test_a_menu_change_and_a_disabled_plugin_show_on_the_next_page(site):
    visitor = site.test_client()
    assert 'href="/announcements"' in html_of(visitor.get("/news/"))
    db.session.add(MenuItem(menu="main", position=2, url="/join", label="入会"))
    db.session.commit()
    assert '<a href="/join">入会</a>' in html_of(visitor.get("/news/"))
    get_host().set_enabled("announcements", False)
    db.session.commit()
    assert 'href="/announcements"' not in html_of(visitor.get("/news/"))


def test_a_theme_header_that_reads_the_request_is_rendered_for_every_request(site, tmp_path):
    templates = tmp_path / "themes" / "probe" / "templates"
    templates.mkdir(parents=True)
    (templates / "_site_header.html").write_text('<header class="probe">{{ request.path }}</header>')
    get_themes(site).folder = tmp_path / "themes"
    site.config["THEME"] = "probe"
    visitor = site.test_client()
    assert '<header class="probe">/news/</header>' in html_of(visitor.get("/news/"))
    assert '<header class="probe">/about</header>' in html_of(visitor.get("/about"))
    assert sorted(key[1] for key in shared_memos(site)) == ["_site_footer.html"] * 2 + ["_site_head.html"] * 2


def test_while_templates_reload_debug_mode_renders_them_every_time(site):
    site.jinja_env.auto_reload = True
    assert current_links(html_of(site.test_client().get("/news/"))) == ["/news/"]
    assert shared_memos(site) == []
