"""RSS and Atom feeds, sitemap.xml and robots.txt: well-formed, absolute, visible items only."""
import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from core.users.models import utcnow
from tests.core.public_helpers import make_page, make_section

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def content(app):
    news = make_section()
    focus = make_section(slug="fengmian", title="封面关注", title_en="Cover focus", position=1)
    make_page("关于我们", slug="about")
    make_page("未发布页面", slug="hidden-page", status="draft")
    make_page("质量奖 <评审> & 结果", slug="award", section=news, days_ago=1, tags=["质量奖"],
              body='<p>名单<a href="/about">见此</a></p>')
    make_page("封面：品牌故事", slug="brand", section=focus, days_ago=2)
    make_page("草稿新闻", slug="draft-news", section=news, status="draft", tags=["草稿标签"])
    make_page("未来新闻", slug="future", section=news, status="scheduled", publish_at=utcnow() + timedelta(days=1))
    make_page("旧新闻", slug="archived", section=news, status="archived")
    return {"news": news, "focus": focus}


def parse(response, content_type):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    return ET.fromstring(response.data)  # raises on malformed XML


def test_the_site_rss_feed_lists_visible_news_with_absolute_links(client, content):
    channel = parse(client.get("/rss.xml"), "application/rss+xml; charset=utf-8").find("channel")
    assert channel.findtext("link") == "http://localhost/news/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["质量奖 <评审> & 结果", "封面：品牌故事"]
    assert [item.findtext("link") for item in items] == ["http://localhost/news/award", "http://localhost/news/brand"]
    assert parsedate_to_datetime(items[0].findtext("pubDate")).tzinfo is not None
    assert "<a href=" in items[0].findtext("description")  # the HTML body, escaped inside the XML


def test_section_feeds_hold_only_their_section(client, content):
    rss = parse(client.get("/section/fengmian/rss.xml"), "application/rss+xml; charset=utf-8")
    assert [item.findtext("title") for item in rss.iter("item")] == ["封面：品牌故事"]
    atom = parse(client.get("/section/yaowen/atom.xml"), "application/atom+xml; charset=utf-8")
    entries = atom.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["质量奖 <评审> & 结果"]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == "http://localhost/news/award"
    assert atom.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/section/yaowen/atom.xml"
    assert client.get("/section/nothing/rss.xml").status_code == 404


def test_the_site_atom_feed_uses_the_configured_site_url(app, client, content):
    app.config["SITE_URL"] = "https://www.example.org"
    atom = parse(client.get("/atom.xml"), "application/atom+xml; charset=utf-8")
    links = [entry.find(f"{ATOM}link").get("href") for entry in atom.findall(f"{ATOM}entry")]
    assert links == ["https://www.example.org/news/award", "https://www.example.org/news/brand"]
    assert atom.findtext(f"{ATOM}updated").endswith("Z")


def test_the_sitemap_lists_visible_pages_news_sections_and_tags(client, content):
    urlset = parse(client.get("/sitemap.xml"), "application/xml; charset=utf-8")
    locations = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in urlset}
    expected = {"/", "/news/", "/about", "/news/award", "/news/brand", "/section/yaowen/", "/section/fengmian/",
                "/tag/%E8%B4%A8%E9%87%8F%E5%A5%96/"}
    assert set(locations) == {"http://localhost" + path for path in expected}
    assert locations["http://localhost/news/award"].endswith("Z")


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_names_the_sitemap(client, content):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    for rule in ("Disallow: /admin/", "Disallow: /api/", "Disallow: /me$", "Disallow: /me/", "Disallow: /files/"):
        assert rule in lines
    assert "Disallow: /me" not in lines  # would also shut out /media/ and /membership
    assert "Sitemap: http://localhost/sitemap.xml" in lines
