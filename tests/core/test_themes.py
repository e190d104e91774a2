"""Themes and the home page: the admin switches themes and arranges blocks; both show on the next request."""
import re

import pytest

from core.extensions import db
from core.pages.models import get_setting
from core.plugins import get_host
from tests.conftest import login
from tests.core.public_helpers import html_of, make_page, make_section
from tests.fixtures import add_notice


def site_form(theme="default", order=None, shown=None):
    """The admin site form: order maps block name -> position; shown lists the ticked blocks."""
    data = {"theme": theme, "description": "深圳市质量协会官方网站", "address": "深圳市福田区", "phone": "0755-0000",
            "email": "info@example.org"}
    for name, position in (order or {}).items():
        data[f"order-{name}"] = str(position)
    for name in shown if shown is not None else (order or {}):
        data[f"show-{name}"] = "1"
    return data


def block_names(html):
    return re.findall(r'<section class="block block-([\w-]+)"', html)


@pytest.fixture
def admin(client, users):
    login(client, users["admin"])
    return client


def test_switching_the_theme_changes_templates_and_css_on_the_next_request(admin, client):
    home = html_of(client.get("/"))
    assert 'class="site-header masthead"' not in home and "theme-default" in home
    assert "/theme/theme.css?theme=default" in home
    default_css = client.get("/theme/theme.css").get_data(as_text=True)

    assert admin.post("/admin/site/", data=site_form(theme="classic")).status_code == 302
    assert get_setting("theme") == "classic"
    home = html_of(client.get("/"))
    assert 'class="site-header masthead"' in home and "theme-classic" in home  # the overriding template
    assert "/theme/theme.css?theme=classic" in home
    classic_css = client.get("/theme/theme.css").get_data(as_text=True)
    assert classic_css != default_css and "classic" in classic_css
    assert "深圳市质量协会官方网站" in home  # the site description, shown by the classic masthead

    admin.post("/admin/site/", data=site_form(theme="default"))
    assert 'class="site-header masthead"' not in html_of(client.get("/"))
    assert client.get("/theme/theme.css").get_data(as_text=True) == default_css


def test_another_worker_follows_a_theme_switch(app_factory, users):
    first, second = app_factory(), app_factory()
    with first.app_context():
        from core.pages.models import set_setting

        set_setting("theme", "classic")
        db.session.commit()
    assert 'class="site-header masthead"' in html_of(second.test_client().get("/"))


def test_an_unknown_theme_is_refused_and_a_vanished_one_falls_back(admin, app):
    response = admin.post("/admin/site/", data=site_form(theme="../../etc"))
    assert response.status_code == 400 and get_setting("theme") is None
    from core.pages.models import set_setting

    set_setting("theme", "gone-theme")
    db.session.commit()
    assert "theme-default" in html_of(admin.get("/"))


def test_the_configured_theme_applies_until_the_admin_chooses(app_factory):
    app = app_factory(THEME="classic")
    assert 'class="site-header masthead"' in html_of(app.test_client().get("/"))


def test_home_blocks_follow_the_admins_order_and_plugin_blocks_follow_their_plugin(admin, client, app):
    news = make_section(slug="yaowen", title="要闻")
    make_section(slug="fengmian", title="封面关注", position=1)
    make_section(slug="hidden", title="不上首页", on_home=False, position=2)
    make_page("质量奖揭晓", slug="award", section=news, featured=True)
    add_notice(title="年会通知")
    default = block_names(html_of(client.get("/")))
    assert default == ["core-featured", "core-section-yaowen", "core-section-fengmian", "announcements-latest"]

    order = {"core.section.fengmian": 1, "announcements.latest": 2, "core.featured": 3, "core.section.yaowen": 4}
    form = site_form(order=order, shown=["core.section.fengmian", "announcements.latest", "core.featured"])
    assert admin.post("/admin/site/", data=form).status_code == 302
    assert get_setting("home_blocks") == ["core.section.fengmian", "announcements.latest", "core.featured"]
    home = html_of(client.get("/"))
    assert block_names(home) == ["core-section-fengmian", "announcements-latest", "core-featured"]
    assert "年会通知" in home and "质量奖揭晓" in home

    get_host().set_enabled("announcements", False)
    db.session.commit()
    assert block_names(html_of(client.get("/"))) == ["core-section-fengmian", "core-featured"]
    get_host().set_enabled("announcements", True)
    db.session.commit()
    assert "announcements-latest" in block_names(html_of(client.get("/")))


def test_a_plugin_block_the_admin_never_arranged_appears_after_the_chosen_ones(admin, client):
    make_section(slug="yaowen", title="要闻")
    get_host().set_enabled("announcements", False)
    db.session.commit()
    admin.post("/admin/site/", data=site_form(order={"core.section.yaowen": 1, "core.featured": 2}))
    assert block_names(html_of(client.get("/"))) == ["core-section-yaowen", "core-featured"]
    get_host().set_enabled("announcements", True)  # enabled after the admin arranged the page
    db.session.commit()
    assert block_names(html_of(client.get("/"))) == ["core-section-yaowen", "core-featured", "announcements-latest"]


def test_the_section_block_shows_the_latest_five_with_a_thumbnail_for_the_first(client, app):
    from tests.core.public_helpers import make_cover

    news = make_section(slug="yaowen", title="要闻")
    for day in range(7):
        make_page(f"新闻{day}", slug=f"n{day}", section=news, days_ago=day, cover=make_cover() if day == 0 else None)
    block = re.search(r'<section class="block block-core-section-yaowen".*?</section>',
                      html_of(client.get("/")), re.S).group(0)
    assert re.findall(r"新闻\d", block) == ["新闻0", "新闻1", "新闻2", "新闻3", "新闻4"]
    assert re.search(r'<img src="/media/cover\d+-thumb\.jpg"', block)
    assert 'href="/section/yaowen/"' in block


def test_bad_block_positions_re_render_with_a_message(admin):
    response = admin.post("/admin/site/", data=site_form(order={"core.featured": "first"}))
    assert response.status_code == 400 and 'class="flash flash-error"' in response.get_data(as_text=True)
    assert get_setting("home_blocks") is None


def test_only_admins_open_the_site_settings(client, users):
    for role in ("member", "editor"):
        login(client, users[role])
        assert client.get("/admin/site/").status_code == 403
        assert client.post("/admin/site/", data=site_form(theme="classic")).status_code == 403
        client.post("/logout")
    assert get_setting("theme") is None
    login(client, users["admin"])
    assert client.get("/admin/site/").status_code == 200
