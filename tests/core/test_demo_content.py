"""The demo association site: idempotent loading, every page public and working, the tricky items."""
import re

import pytest
from sqlalchemy import func

from core.demo import load_demo
from core.demo_content import DRAFT, NATIONAL_RESULTS, NEWS, SCHEDULED, load_content
from core.extensions import db
from core.pages.models import MenuItem, Page, PageRevision, Section, Setting, Tag
from core.storage.models import Media
from core.users.models import utcnow

COUNTED = (Page, PageRevision, Section, Tag, Media, MenuItem, Setting)


@pytest.fixture
def demo(app):
    load_demo()
    return app


def counts():
    return {model.__name__: db.session.scalar(db.select(func.count()).select_from(model)) for model in COUNTED}


def page(slug):
    return db.session.scalar(db.select(Page).filter_by(slug=slug))


def url_of(item):
    from flask import current_app

    with current_app.test_request_context():
        return item.url


def test_loading_again_creates_nothing_new(demo):
    before = counts()
    assert before["Page"] == len(NEWS) + 2 + 7
    assert before["Media"] >= 6
    assert load_content() == 0
    load_demo()
    assert counts() == before


def test_demo_command_without_a_subcommand_loads_the_site(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example.org" in result.output
    assert page("about") is not None and page(NEWS[0]["slug"]) is not None
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "up to date" in again.output


def test_every_published_demo_page_renders_on_the_public_site(demo, client):
    visible = db.session.scalars(db.select(Page).where(Page.visible_filter())).all()
    assert len(visible) == len(NEWS) + 7
    for item in visible:
        url = url_of(item)
        response = client.get(url)
        assert response.status_code == 200, url
        assert item.title in response.get_data(as_text=True)
    for section in db.session.scalars(db.select(Section)):
        assert client.get(f"/section/{section.slug}/").status_code == 200
    for tag in db.session.scalars(db.select(Tag)):
        assert client.get(f"/tag/{tag.slug}/").status_code == 200
    for path in ("/", "/news/", "/news/2021/6/", "/rss.xml", "/sitemap.xml"):
        assert client.get(path).status_code == 200, path


def test_news_is_spread_over_2021_across_the_sections(demo):
    news = db.session.scalars(db.select(Page).where(Page.section_id.is_not(None), Page.status == "published")).all()
    assert {item.publish_at.year for item in news} == {2021}
    assert len({item.publish_at.month for item in news}) >= 8
    sections = {item.section.slug for item in news}
    assert sections == {"yao-wen", "feng-mian-guan-zhu", "te-bie-guan-zhu", "hui-yuan-feng-cai"}
    assert all(item.revisions for item in news)  # saved through save_page: history and search work


def test_results_table_survives_sanitising_and_is_shown(demo, client):
    item = page("quan-guo-cheng-guo-jiao-liu-jie-guo")
    body = item.body
    assert "<caption>" in body
    assert re.search(r"<th>序号</th>\s*<th>企业名称</th>\s*<th>项目名称</th>\s*<th>获奖类别</th>", body)
    for category, entries in NATIONAL_RESULTS:
        assert f'<th colspan="4">{category}</th>' in body
        for company, project, award in entries:
            assert company in body
    rows = sum(len(entries) for _, entries in NATIONAL_RESULTS)
    assert re.search(rf"<td>{rows}</td>", body)
    html = client.get(url_of(item)).get_data(as_text=True)
    assert '<th colspan="4">六西格玛(黑带)</th>' in html


def test_scheduled_and_draft_items_are_not_public(demo, client):
    scheduled, draft = page(SCHEDULED["slug"]), page(DRAFT["slug"])
    assert scheduled.status == "scheduled" and scheduled.publish_at > utcnow()
    assert draft.status == "draft"
    for item in (scheduled, draft):
        assert client.get(url_of(item)).status_code == 404
        for path in ("/news/", "/rss.xml", "/sitemap.xml", "/"):
            assert item.slug not in client.get(path).get_data(as_text=True), path


def test_members_page_lists_organisations_under_their_tiers(demo, client):
    html = client.get("/about/members").get_data(as_text=True)
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    tiers = ["会长单位", "副会长单位", "常务理事单位", "理事单位", "会员单位"]
    assert [h for h in headings if h in tiers] == tiers
    vice = html.index("<h2>副会长单位</h2>")
    assert vice < html.index("华为技术有限公司") < html.index("<h2>常务理事单位</h2>")


def test_about_pages_form_a_tree(demo):
    about = page("about")
    assert [child.slug for child in about.children] == ["profile", "structure", "members", "join", "contact"]
    assert page("contact").path == "about/contact"


def test_covers_are_stored_pictures_with_captions(demo, client):
    covered = [item for item in NEWS if item.get("picture")]
    assert covered
    for item in covered:
        cover = page(item["slug"]).cover
        assert cover is not None and cover.kind == "image" and not cover.private
        assert cover.alt and cover.caption and cover.width == 1200
    from flask import current_app

    from core.storage import media_url

    with current_app.test_request_context():
        address = media_url(page(covered[0]["slug"]).cover)
    response = client.get(address)
    assert response.status_code == 200
    assert response.mimetype.startswith("image/")


def test_a_photo_inside_the_text_keeps_its_caption(demo, client):
    [item] = [item for item in NEWS if item.get("inline_picture")]
    body = page(item["slug"]).body
    figure = re.search(r'<figure><img src="(/media/[^"]+)" alt="[^"]+"[^>]*><figcaption>[^<]+</figcaption>', body)
    assert figure, body[:300]
    assert client.get(figure.group(1)).status_code == 200


def test_menus_and_home_layout_are_arranged(demo, client):
    html = client.get("/").get_data(as_text=True)
    main = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    for target in ("/", "/about", "/about/contact", "/section/yao-wen/", "/announcements"):
        assert f'href="{target}"' in main, target
    footer = db.session.scalars(db.select(MenuItem).filter_by(menu="footer").order_by(MenuItem.position)).all()
    assert [item.page.slug for item in footer] == ["about", "contact", "join", "privacy"]
    assert "block-core-section-yao-wen" in html
