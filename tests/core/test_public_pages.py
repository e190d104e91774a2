"""The public site: pages in a tree, news, sections, archives, tags, previews and old addresses."""
import re
from datetime import timedelta

import pytest

from core.extensions import db
from core.pages.models import SlugRedirect
from core.users.models import utcnow
from tests.conftest import login
from tests.core.public_helpers import html_of, in_english, make_cover, make_page, make_section, meta


@pytest.fixture
def site(app):
    """A small site: two sections, a page tree, news with a cover and tags."""
    news = make_section()
    focus = make_section(slug="fengmian", title="封面关注", title_en="Cover focus", position=1)
    about = make_page("关于我们", slug="about", summary="协会简介")
    history = make_page("协会历史", slug="history", parent=about, position=1)
    make_page("组织架构", slug="structure", parent=about, position=2)
    old = make_page("质量月活动启动", slug="zhiliangyue", section=news, days_ago=3, tags=["质量月"])
    cover = make_cover()
    post = make_page(
        "质量奖评审结果公布",
        slug="zhiliangjiang",
        section=news,
        days_ago=1,
        summary="第十届质量奖评审结果",
        cover=cover,
        byline="协会秘书处",
        tags=["质量奖", "质量月"],
        body="<p>评审结果如下。</p><table><tr><th>单位</th></tr><tr><td>甲公司</td></tr></table>",
    )
    newer = make_page("标准化培训通知", slug="peixun", section=news, days_ago=0)
    return {"news": news, "focus": focus, "about": about, "history": history, "old": old, "post": post,
            "newer": newer, "cover": cover}


@pytest.mark.parametrize("english", [False, True])
def test_every_public_page_renders_in_both_languages(client, site, english):
    if english:
        in_english(client)
    paths = ["/", "/about", "/about/history", "/news/", "/news/zhiliangjiang", "/section/yaowen/",
             "/section/fengmian/", f"/news/{utcnow().year}/{utcnow().month}/", "/tag/质量月/"]
    for path in paths:
        html = html_of(client.get(path))
        assert f'<html lang="{"en" if english else "zh-CN"}">' in html, path
    assert "Cover focus" in html_of(client.get("/section/fengmian/")) if english else True


def test_a_fixed_page_shows_its_breadcrumb_children_and_siblings(client, site):
    about = html_of(client.get("/about"))
    assert "协会历史" in about and "组织架构" in about  # children listed
    assert 'href="/about/history"' in about
    history = html_of(client.get("/about/history"))
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', history, re.S).group(0)
    assert 'href="/about"' in crumbs and 'aria-current="page">协会历史' in crumbs
    siblings = re.search(r'<nav class="sibling-nav".*?</nav>', history, re.S).group(0)
    assert 'href="/about/structure"' in siblings
    assert client.get("/history").status_code == 404  # only under its parent
    assert client.get("/about/history/").status_code == 301


def test_a_news_post_shows_everything_an_article_needs(client, site):
    html = html_of(client.get("/news/zhiliangjiang"))
    assert "<h1>质量奖评审结果公布</h1>" in html
    assert "协会秘书处" in html  # byline
    assert 'href="/section/yaowen/"' in html  # section
    assert '<img src="/media/cover' in html and 'alt="颁奖现场"' in html
    assert "<figcaption>质量奖颁奖典礼现场</figcaption>" in html
    assert "<table>" in html and "<td>甲公司</td>" in html  # the stored, sanitised body as HTML
    assert 'href="/tag/' in html and "质量奖" in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', html)
    nav = re.search(r'<nav class="post-nav".*?</nav>', html, re.S).group(0)
    assert 'rel="prev" href="/news/zhiliangyue"' in nav and 'rel="next" href="/news/peixun"' in nav


def test_unknown_addresses_answer_404(client, site):
    for path in ["/nothing", "/news/nothing", "/section/nothing/", "/tag/nothing/", "/about/nothing",
                 "/news/2024/13/", "/news/zhiliangjiang/extra"]:
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("status", ["draft", "archived", "scheduled"])
def test_hidden_pages_stay_hidden_from_visitors(client, site, status):
    page = make_page("内部草稿", slug="neibu", section=site["news"], status=status,
                     publish_at=utcnow() + timedelta(hours=2))
    assert client.get("/news/neibu").status_code == 404
    for path in ["/news/", "/section/yaowen/", "/", f"/news/{utcnow().year}/{utcnow().month}/"]:
        assert "内部草稿" not in html_of(client.get(path)), path
    assert "内部草稿" not in client.get("/tag/质量月/").get_data(as_text=True)
    assert page.id


def test_a_scheduled_post_appears_once_its_time_has_passed(client, site):
    post = make_page("定时发布的新闻", slug="dingshi", section=site["news"], status="scheduled",
                     publish_at=utcnow() + timedelta(minutes=5))
    assert client.get("/news/dingshi").status_code == 404
    post.publish_at = utcnow() - timedelta(seconds=1)  # as if the clock had moved on
    db.session.commit()
    assert "定时发布的新闻" in html_of(client.get("/news/dingshi"))
    assert "定时发布的新闻" in html_of(client.get("/section/yaowen/"))


def test_editors_preview_drafts_and_the_preview_is_never_cached(client, site, users):
    make_page("草稿页面", slug="caogao", status="draft")
    assert client.get("/caogao?preview=1").status_code == 404  # visitors: no preview
    login(client, users["member"])
    assert client.get("/caogao?preview=1").status_code == 404  # members cannot edit
    client.post("/logout")
    login(client, users["editor"])
    assert client.get("/caogao").status_code == 404  # not without asking for it
    response = client.get("/caogao?preview=1")
    html = html_of(response)
    assert "草稿页面" in html and 'class="preview-banner"' in html
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_an_old_slug_answers_with_a_permanent_redirect(client, site):
    db.session.add(SlugRedirect(old_path="news/old-award", page=site["post"]))
    db.session.add(SlugRedirect(old_path="about/old-history", page=site["history"]))
    db.session.commit()
    response = client.get("/news/old-award")
    assert response.status_code == 301 and response.headers["Location"] == "/news/zhiliangjiang"
    response = client.get("/about/old-history")
    assert response.status_code == 301 and response.headers["Location"] == "/about/history"
    site["post"].status = "draft"
    db.session.commit()
    assert client.get("/news/old-award").status_code == 404  # never points at a hidden page


def test_sections_page_their_news(app, client, site):
    app.config["NEWS_PER_PAGE"] = 2
    first = html_of(client.get("/section/yaowen/"))
    assert "标准化培训通知" in first and "质量奖评审结果公布" in first and "质量月活动启动" not in first
    assert 'href="/section/yaowen/?page=2"' in first
    second = html_of(client.get("/section/yaowen/?page=2"))
    assert "质量月活动启动" in second and "标准化培训通知" not in second
    assert "质量奖评审结果公布" not in html_of(client.get("/section/fengmian/"))


def test_the_month_archive_lists_and_counts_news_by_local_month(client, site):
    # 2025-03-31 20:00 UTC is already 1 April in Shanghai.
    make_page("四月新闻", slug="april", section=site["news"], publish_at=utcnow().replace(
        year=2025, month=3, day=31, hour=20, minute=0))
    make_page("三月新闻甲", slug="march-a", section=site["news"], publish_at=utcnow().replace(
        year=2025, month=3, day=10, hour=2))
    make_page("三月新闻乙", slug="march-b", section=site["focus"], publish_at=utcnow().replace(
        year=2025, month=3, day=12, hour=2))
    make_page("三月草稿", slug="march-draft", status="draft", section=site["news"], publish_at=utcnow().replace(
        year=2025, month=3, day=13, hour=2))
    march = html_of(client.get("/news/2025/3/"))
    assert "三月新闻甲" in march and "三月新闻乙" in march
    assert "四月新闻" not in march and "三月草稿" not in march
    assert "四月新闻" in html_of(client.get("/news/2025/4/"))
    months = re.search(r'class="aside-box archive-months".*?</nav>', march, re.S).group(0)
    assert re.search(r'href="/news/2025/3/"[^>]*>2025年3月</a> <span class="count">\(2\)</span>', months)
    assert re.search(r'href="/news/2025/4/"[^>]*>2025年4月</a> <span class="count">\(1\)</span>', months)


def test_tag_pages_list_visible_pages_with_the_tag(client, site):
    html = html_of(client.get("/tag/质量月/"))
    assert "质量奖评审结果公布" in html and "质量月活动启动" in html and "标准化培训通知" not in html
    site["old"].status = "draft"
    site["post"].status = "draft"
    db.session.commit()
    assert client.get("/tag/质量月/").status_code == 404  # only drafts carry it now


def test_canonical_and_open_graph_tags_describe_a_news_post(client, site):
    site["post"].seo_title = "第十届质量奖结果"
    site["post"].seo_description = "评审委员会公布第十届质量奖获奖单位名单。"
    db.session.commit()
    html = html_of(client.get("/news/zhiliangjiang?utm_source=x"))
    assert '<link rel="canonical" href="http://localhost/news/zhiliangjiang">' in html
    assert "<title>第十届质量奖结果 · " in html
    assert meta(html, "og:title") == "第十届质量奖结果"
    assert meta(html, "og:type") == "article"
    assert meta(html, "og:url") == "http://localhost/news/zhiliangjiang"
    assert meta(html, "description") == meta(html, "og:description") == "评审委员会公布第十届质量奖获奖单位名单。"
    assert re.fullmatch(r"http://localhost/media/cover\d+\.jpg", meta(html, "og:image"))
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "article:section") == "要闻"


def test_without_site_url_each_host_gets_its_own_addresses(client, site):
    for host in ("localhost", "www.example.org", "localhost"):  # the second visit of a host as the first
        html = html_of(client.get("/news/zhiliangjiang", headers={"Host": host}))
        assert f'<link rel="canonical" href="http://{host}/news/zhiliangjiang">' in html
        assert meta(html, "og:image").startswith(f"http://{host}/media/cover")
    html = html_of(client.get("/news/zhiliangjiang", headers={"Host": "localhost"}, base_url="https://localhost"))
    assert '<link rel="canonical" href="https://localhost/news/zhiliangjiang">' in html


def test_meta_falls_back_to_summary_and_the_configured_site_url(app, client, site):
    app.config["SITE_URL"] = "https://www.example.org/"
    html = html_of(client.get("/about"))
    assert '<link rel="canonical" href="https://www.example.org/about">' in html
    assert meta(html, "og:type") == "website"
    assert meta(html, "description") == "协会简介"
    assert meta(html, "og:image") is None and meta(html, "twitter:card") == "summary"


def test_a_private_cover_is_never_shown(client, site):
    site["post"].cover = make_cover(private=True)
    db.session.commit()
    html = html_of(client.get("/news/zhiliangjiang"))
    assert "<figure" not in html and meta(html, "og:image") is None


def test_the_public_queries_work_on_every_database(backend_app):
    """Archive months, tags, neighbours and the sitemap on SQLite and PostgreSQL alike."""
    client = backend_app.test_client()
    news = make_section()
    make_page("三月新闻", slug="march", section=news, tags=["质量奖"],
              publish_at=utcnow().replace(year=2025, month=3, day=10, hour=2))
    make_page("四月新闻", slug="april", section=news, tags=["质量奖"],
              publish_at=utcnow().replace(year=2025, month=4, day=10, hour=2))
    make_page("草稿", slug="draft", section=news, status="draft", tags=["草稿"])
    assert "三月新闻" in html_of(client.get("/news/2025/3/")) and "四月新闻" not in html_of(client.get("/news/2025/3/"))
    assert 'rel="prev" href="/news/march"' in html_of(client.get("/news/april"))
    assert "四月新闻" in html_of(client.get("/tag/质量奖/"))
    assert client.get("/tag/草稿/").status_code == 404
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/news/april" in sitemap and "/news/draft" not in sitemap
    assert client.get("/%00").status_code == 404 and client.get("/news/%00").status_code == 404


def test_a_news_post_is_read_in_a_fixed_few_statements(app_factory):
    """Without the page cache a news post costs the page (with its section, cover and tags) and
    its neighbours, plus the gallery when it has one; never a statement per tag or picture."""
    from sqlalchemy import event

    from core.pages.models import PageGalleryItem

    app = app_factory(PAGE_CACHE=False, PLUGIN_STATE_TTL=300)
    with app.app_context():
        news = make_section()
        make_page("质量月活动启动", slug="zhiliangyue", section=news, days_ago=3)
        make_page("质量奖评审结果公布", slug="zhiliangjiang", section=news, days_ago=1, cover=make_cover(),
                  summary="第十届质量奖评审结果", tags=["质量奖", "质量月", "评审"])
        make_page("标准化培训通知", slug="peixun", section=news, days_ago=0)
        shown = make_page("活动照片", slug="zhaopian", section=news, days_ago=2, tags=["质量月"])
        for position in (1, 2, 3):
            picture = make_cover(alt=f"现场照片{position}")
            db.session.add(PageGalleryItem(page_id=shown.id, media_id=picture.id, position=position))
        db.session.commit()
        engine = db.engine
    # Each request in its own app context and database session, as on a server.
    client = app.test_client()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def statements_for(path):
        html_of(client.get(path))  # the first visit reads the settings and menus kept until content changes
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            html = html_of(client.get(path))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return html, len(statements)

    html, number = statements_for("/news/zhiliangjiang")
    assert number <= 2, statements
    assert "评审" in html and 'rel="prev" href="/news/zhaopian"' in html and 'rel="next" href="/news/peixun"' in html
    assert 'href="/section/yaowen/"' in html and 'alt="颁奖现场"' in html and 'class="gallery"' not in html
    html, number = statements_for("/news/zhaopian")
    assert number <= 3, statements
    assert html.count('class="gallery-item"') == 3 and 'alt="现场照片3"' in html
