"""How a news post is read for its public page (core.pages.public.find_news_post): plain values in
one statement, showing the same post, section, cover, tags, gallery and author the ORM Page holds."""
import re
from datetime import timedelta

from core.extensions import db
from core.pages import gallery, public
from core.pages.models import Page, PageGalleryItem
from core.users.models import utcnow
from tests.conftest import login, make_user
from tests.core.public_helpers import html_of, in_english, make_cover, make_page, make_section, meta


def _post_with_everything():
    news = make_section(title="要闻", title_en="Headlines")
    author = make_user("editor", email="writer@example.org")
    make_page("更早的新闻", slug="older", section=news, days_ago=3)
    post = make_page("质量奖评审结果公布", slug="award", section=news, days_ago=1, cover=make_cover(alt="颁奖现场"),
                     summary="第十届质量奖评审结果", author=author, tags=["评审", "质量奖", "质量月"],
                     seo_description="评审结果与获奖名单")
    make_page("更新的新闻", slug="newer", section=news, days_ago=0)
    for position, alt in ((2, "现场照片二"), (1, "现场照片一")):
        picture = make_cover(alt=alt)
        db.session.add(PageGalleryItem(page_id=post.id, media_id=picture.id, position=position))
    db.session.commit()
    return post


def test_the_read_offers_what_the_orm_page_offers(backend_app):
    post_id = _post_with_everything().id
    db.session.expire_all()
    page = db.session.get(Page, post_id)
    with backend_app.test_request_context("/news/award"):
        read = public.find_news_post("award")
        for column in Page.__table__.c:
            assert getattr(read, column.key) == getattr(page, column.key), column.key
        for column in page.section.__table__.c:
            assert getattr(read.section, column.key) == getattr(page.section, column.key), column.key
        for column in page.cover.__table__.c:
            assert getattr(read.cover, column.key) == getattr(page.cover, column.key), column.key
        assert [(tag.id, tag.name, tag.slug) for tag in read.tags] == [(t.id, t.name, t.slug) for t in page.tags]
        assert [tag.name for tag in read.tags] == sorted(["评审", "质量奖", "质量月"])
        assert read.section.display_title("en") == "Headlines" and read.section.display_title("zh_CN") == "要闻"
        assert read.is_news and read.is_visible() and read.url == "/news/award"
        assert read.display_date == page.display_date
        assert read.has_gallery is True
        assert [item.media.alt for item in read.gallery] == ["现场照片一", "现场照片二"]
        assert read.author.name == page.author.name
        assert public.cover_url(read) == public.cover_url(page)
        assert [image["alt"] for image in gallery.public_images(read)] == ["现场照片一", "现场照片二"]
        assert public.find_news_post("nothing") is None


def test_the_post_page_shows_section_tags_cover_gallery_author_and_neighbours(backend_app):
    _post_with_everything()
    client = backend_app.test_client()
    html = html_of(client.get("/news/award"))
    assert 'class="kicker"><a href="/section/yaowen/">要闻</a>' in html
    assert "<h1>质量奖评审结果公布</h1>" in html and "Editor User" in html  # no byline: the author's name
    assert 'alt="颁奖现场"' in html and meta(html, "og:image").startswith("http://localhost/media/cover")
    assert meta(html, "description") == "评审结果与获奖名单"
    assert meta(html, "article:section") == "要闻"
    tags = re.search(r'<ul class="tag-list".*?</ul>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", tags) == sorted(["评审", "质量奖", "质量月"])
    gallery = re.search(r'<section class="gallery".*?</section>', html, re.S).group(0)
    assert re.findall(r'alt="([^"]*)" loading="lazy"', gallery) == ["现场照片一", "现场照片二"]
    assert 'rel="prev" href="/news/older"' in html and 'rel="next" href="/news/newer"' in html
    english = html_of(in_english(client).get("/news/award"))
    assert 'class="kicker"><a href="/section/yaowen/">Headlines</a>' in english


def test_a_post_without_cover_tags_or_gallery(client, app):
    news = make_section()
    make_page("简讯", slug="brief", section=news, byline="秘书处")
    html = html_of(client.get("/news/brief"))
    assert "<h1>简讯</h1>" in html and "秘书处" in html
    assert '<figure class="cover">' not in html and 'class="tag-list"' not in html and 'class="gallery"' not in html
    assert meta(html, "og:image") is None and 'class="post-nav"' not in html
    with app.test_request_context("/news/brief"):
        read = public.find_news_post("brief")
        assert read.cover is None and read.tags == [] and read.has_gallery is False and read.author is None
        assert gallery.public_images(read) == []


def test_only_news_is_read_as_news_and_hidden_posts_stay_hidden(client, app, users):
    news = make_section()
    make_page("关于我们", slug="about")  # a fixed page: not at /news/
    make_page("定时新闻", slug="later", section=news, status="scheduled", publish_at=utcnow() + timedelta(hours=1))
    make_page("草稿新闻", slug="draft", section=news, status="draft")
    assert client.get("/news/about").status_code == 404
    assert client.get("/news/later").status_code == 404 and client.get("/news/draft").status_code == 404
    assert client.get("/news/draft?preview=1").status_code == 404  # visitors have no preview
    login(client, users["editor"])
    response = client.get("/news/later?preview=1")
    assert "定时新闻" in html_of(response) and 'class="preview-banner"' in html_of(response)
    assert "no-store" in response.headers["Cache-Control"]
    with app.test_request_context("/news/about"):
        assert public.find_news_post("about") is None
