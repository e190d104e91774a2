"""Crawl the demo site as a visitor (Chinese and English) and as the demo editor: no dead links,
no broken pictures or stylesheets, no untranslated placeholders, no server errors."""
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from core.demo import load_demo
from tests.conftest import login

# Attributes that point at something a browser fetches or a visitor follows.
LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src"}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
PLACEHOLDERS = ("%(", "{{", "{%")
MAX_HOPS = 5


class LinkParser(HTMLParser):
    def __init__(self, only_inside=None):
        super().__init__()
        self.links = []
        self.only_inside = only_inside  # a class name: collect only inside that element
        self.depth = 0 if only_inside else None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.only_inside:
            if self.depth:
                self.depth += 1
            elif self.only_inside in (attrs.get("class") or "").split():
                self.depth = 1
            if not self.depth:
                return
        name = LINK_ATTRIBUTES.get(tag)
        if name and attrs.get(name):
            self.links.append(attrs[name])

    def handle_endtag(self, tag):
        if self.only_inside and self.depth:
            self.depth -= 1


def links_in(html, base, only_inside=None):
    """Same-site paths (with query, without fragment) linked from a page."""
    parser = LinkParser(only_inside)
    parser.feed(html)
    found = []
    for raw in parser.links:
        parts = urlsplit(urljoin(base, raw.strip()))
        if parts.scheme not in ("http", "https") or parts.netloc not in ("", "localhost"):
            continue  # mailto:, tel:, other sites
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def fetch(client, path, problems):
    """The final 200 response for `path`, following same-site redirects; None (and a problem) otherwise."""
    seen = path
    for _ in range(MAX_HOPS):
        response = client.get(seen)
        if response.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(urljoin(f"http://localhost{seen}", response.headers["Location"]))
            if target.netloc != "localhost":
                problems.append(f"{path}: redirects off the site to {response.headers['Location']}")
                return None
            seen = target.path + (f"?{target.query}" if target.query else "")
            continue
        if response.status_code != 200:
            problems.append(f"{path}: {response.status_code}" + (f" (via {seen})" if seen != path else ""))
            return None
        return response
    problems.append(f"{path}: more than {MAX_HOPS} redirects")
    return None


def is_html(response):
    return response.mimetype == "text/html"


def placeholder_problems(path, html):
    return [f"{path}: untranslated placeholder {marker!r}" for marker in PLACEHOLDERS if marker in html]


def crawl_public(client):
    """Every same-site URL reachable from / by links; returns (pages visited, problems)."""
    queue, seen, problems, pages = ["/"], {"/"}, [], 0
    while queue:
        path = queue.pop()
        response = fetch(client, path, problems)
        if response is None or not is_html(response):
            continue  # stylesheets, pictures, feeds (FEED_TYPES): fetched, not parsed
        pages += 1
        html = response.get_data(as_text=True)
        problems += placeholder_problems(path, html)
        for link in links_in(html, f"http://localhost{path}"):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return pages, seen, problems


@pytest.fixture
def demo(app):
    return load_demo()  # the generated password of the demo accounts


@pytest.mark.parametrize("language, html_lang", [("zh_CN", "zh-CN"), ("en", "en")])
def test_every_link_on_the_public_demo_site_works(demo, client, language, html_lang):
    if language != "zh_CN":
        assert client.post("/language", data={"lang": language}).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert f'<html lang="{html_lang}"' in home

    pages, seen, problems = crawl_public(client)

    assert problems == []
    # The crawl really walked the site: news, sections, the about tree, feeds, pictures, styles.
    assert pages >= 40
    for expected in ("/news/quan-guo-cheng-guo-jiao-liu-jie-guo", "/section/yao-wen/", "/about/members",
                     "/rss.xml", "/section/yao-wen/rss.xml", "/announcements"):
        assert expected in seen, expected
    assert any(path.startswith("/media/") for path in seen)
    assert any(path.endswith(".css") for path in seen)


def test_feeds_are_served_as_feeds(demo, client):
    for path in ("/rss.xml", "/atom.xml", "/section/yao-wen/rss.xml", "/section/yao-wen/atom.xml", "/sitemap.xml"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype in FEED_TYPES, path


def test_admin_pages_the_demo_editor_reaches_answer_without_errors(demo, client):
    login(client, "editor@demo.example.org", demo)
    assert client.post("/language", data={"lang": "zh_CN"}).status_code == 302
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    sidebar = links_in(dashboard.get_data(as_text=True), "http://localhost/admin/", only_inside="admin-nav")
    assert {"/admin/pages/", "/admin/media/", "/admin/menus/"} <= set(sidebar)

    problems, seen, deeper = [], set(sidebar), []
    for path in sidebar:  # every sidebar entry the editor is shown must open
        response = fetch(client, path, problems)
        if response is None:
            continue
        html = response.get_data(as_text=True)
        problems += placeholder_problems(path, html)
        for link in links_in(html, f"http://localhost{path}", only_inside="admin-main"):
            if link.startswith("/admin/") and link not in seen:
                seen.add(link)
                deeper.append(link)
    for path in deeper:  # edit forms, revision lists, previews, confirmations: GET only, never submitted
        response = client.get(path)
        if response.status_code >= 500:
            problems.append(f"{path}: {response.status_code}")
        elif response.status_code == 200 and is_html(response):
            problems += placeholder_problems(path, response.get_data(as_text=True))

    assert problems == []
    assert len(deeper) >= 20  # the page editor of every demo page, sections, media, menus
