"""Photo galleries on pages and news posts: editing with the page, what may go in, what visitors
see, the page cache, scoped editors; and previews for scoped editors."""
import re

import pytest

from core import pagecache
from core.extensions import db
from core.pages.models import Page, PageGalleryItem, Setting
from core.storage.models import Media
from tests.conftest import make_user, with_plugins
from tests.core.public_helpers import html_of, make_cover, make_page, make_scoped_editor, make_section
from tests.core.test_admin_access import signed_in

SCOPE = "club.edit"


@pytest.fixture
def editor(app, users):
    return signed_in(app, users["editor"])


@pytest.fixture
def images(app):
    return [make_cover(alt=f"现场照片{n}", caption=f"图片说明{n}") for n in (1, 2, 3)]


@pytest.fixture
def post(app):
    return make_page("质量月活动", slug="zhi-liang-yue", section=make_section("yao-wen"))


def make_pdf():
    media = Media(key="report.pdf", original_name="report.pdf", content_type="application/pdf", kind="pdf",
                  size=100, sha256="0" * 64)
    db.session.add(media)
    db.session.commit()
    return media


def edit_form(page, gallery=(), **fields):
    """The editor's form for ``page`` with ``gallery`` as [(media id, position, caption)]."""
    data = {"title": page.title, "slug": page.slug, "summary": "", "body": page.body, "tags": "", "byline": "",
            "seo_title": "", "seo_description": "", "status": page.status, "publish_at": "", "note": "",
            "cover_id": "", "base_revision": "", "gallery-present": "1",
            "gallery_media": [str(media_id) for media_id, _position, _caption in gallery]}
    if page.section_id is not None:
        data["section_id"] = str(page.section_id)
    else:
        data["parent_id"] = str(page.parent_id or 0)
    for media_id, position, caption in gallery:
        data[f"gallery_position_{media_id}"] = str(position)
        data[f"gallery_caption_{media_id}"] = caption
    data.update(fields)
    return data


def gallery_of(page_id):
    db.session.expire_all()
    return [(item.media_id, item.caption) for item in db.session.get(Page, page_id).gallery]


def saved(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


# -- editing ------------------------------------------------------------------------


def test_add_reorder_and_remove(app, editor, post, images):
    a, b, c = images
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(a.id, 1, ""), (b.id, 2, "颁奖嘉宾合影")])))
    assert gallery_of(post.id) == [(a.id, ""), (b.id, "颁奖嘉宾合影")]

    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(a.id, 3, ""), (b.id, 2, "颁奖嘉宾合影"),
                                                                       (c.id, 1, "")])))
    assert gallery_of(post.id) == [(c.id, ""), (b.id, "颁奖嘉宾合影"), (a.id, "")]
    positions = [item.position for item in db.session.get(Page, post.id).gallery]
    assert positions == [1, 2, 3]

    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(b.id, 1, "")])))
    assert gallery_of(post.id) == [(b.id, "")]
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [])))
    assert gallery_of(post.id) == []


def test_a_new_post_is_saved_with_its_gallery(app, editor, images):
    section = make_section("yao-wen")
    blank = Page(title="新活动", slug="", body="<p>正文</p>", status="draft", section_id=section.id)
    data = edit_form(blank, [(images[1].id, 1, ""), (images[0].id, 2, "")], slug="")
    saved(editor.post("/admin/pages/new?kind=news", data=data))
    page = db.session.scalar(db.select(Page).filter_by(title="新活动"))
    assert gallery_of(page.id) == [(images[1].id, ""), (images[0].id, "")]


def test_a_form_without_the_gallery_leaves_it_alone(app, editor, post, images):
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(images[0].id, 1, "")])))
    data = edit_form(post, title="改过的标题")
    del data["gallery-present"], data["gallery_media"]
    saved(editor.post(f"/admin/pages/{post.id}", data=data))
    assert gallery_of(post.id) == [(images[0].id, "")]


def test_the_editor_shows_the_gallery_and_recent_images(app, editor, post, images):
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(images[2].id, 1, "自己的说明")])))
    html = html_of(editor.get(f"/admin/pages/{post.id}"))
    assert re.search(rf'name="gallery_media" value="{images[2].id}" checked', html)
    assert re.search(rf'name="gallery_media" value="{images[0].id}">', html)  # offered, not ticked
    assert 'value="自己的说明"' in html
    assert 'name="gallery-present"' in html


@pytest.mark.parametrize("bad", ["private", "pdf", "missing", "text"])
def test_refuses_what_is_no_public_image(app, editor, post, images, bad):
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(images[0].id, 1, "")])))
    bad_id = {"private": lambda: make_cover(private=True).id, "pdf": lambda: make_pdf().id,
              "missing": lambda: 99999, "text": lambda: "abc"}[bad]()
    data = edit_form(post, [(images[1].id, 1, "")], title="不该保存的标题")
    data["gallery_media"] = data["gallery_media"] + [str(bad_id)]
    html = html_of(editor.post(f"/admin/pages/{post.id}", data=data))
    assert "Only public images from the media library can go into a gallery." in html
    assert gallery_of(post.id) == [(images[0].id, "")]  # nothing of the refused form was stored
    assert db.session.get(Page, post.id).title == "质量月活动"


def test_a_page_refused_by_the_service_keeps_its_old_gallery(app, editor, post, images):
    make_page("另一篇", slug="taken", section=post.section)
    data = edit_form(post, [(images[1].id, 1, "")], slug="taken")
    html = html_of(editor.post(f"/admin/pages/{post.id}", data=data))
    assert "Another page already uses the slug taken." in html
    assert re.search(rf'name="gallery_media" value="{images[1].id}" checked', html)  # the choice is still there
    assert gallery_of(post.id) == []


def test_refuses_positions_that_are_no_numbers(app, editor, post, images):
    data = edit_form(post, [(images[0].id, 1, "")])
    data[f"gallery_position_{images[0].id}"] = "first"
    html = html_of(editor.post(f"/admin/pages/{post.id}", data=data))
    assert "Enter the order of the gallery images as whole numbers." in html
    assert gallery_of(post.id) == []


def test_deleting_the_page_or_the_image_removes_the_rows(app, editor, post, images):
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(images[0].id, 1, ""), (images[1].id, 2, "")])))
    db.session.delete(db.session.get(Media, images[0].id))
    db.session.commit()
    assert gallery_of(post.id) == [(images[1].id, "")]
    saved(editor.post(f"/admin/pages/{post.id}/delete"))
    assert db.session.scalar(db.select(db.func.count()).select_from(PageGalleryItem)) == 0


# -- what visitors see --------------------------------------------------------------


def test_visitors_see_a_lazy_grid_with_alt_text_and_captions(app, client, editor, post, images):
    a, b, c = images
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(b.id, 1, "换过的说明"), (a.id, 2, "")])))
    html = html_of(client.get("/news/zhi-liang-yue"))
    gallery = re.search(r'<section class="gallery".*?</section>', html, re.S).group(0)
    items = re.findall(r'<a href="([^"]+)"><img src="([^"]+)" alt="([^"]*)" loading="lazy"></a>\s*'
                       r'(?:<figcaption>([^<]*)</figcaption>)?', gallery)
    assert items == [(f"/media/{b.key}", f"/media/{b.thumb_key}", "现场照片2", "换过的说明"),
                     (f"/media/{a.key}", f"/media/{a.thumb_key}", "现场照片1", "图片说明1")]
    assert "现场照片3" not in gallery


def test_a_page_without_a_gallery_has_no_gallery_section(app, client, post):
    assert 'class="gallery"' not in html_of(client.get("/news/zhi-liang-yue"))


def test_fixed_pages_show_their_gallery_too(app, client, editor, images):
    about = make_page("关于我们", slug="about")
    saved(editor.post(f"/admin/pages/{about.id}", data=edit_form(about, [(images[0].id, 1, "")])))
    assert 'alt="现场照片1" loading="lazy"' in html_of(client.get("/about"))


def test_gallery_changes_bump_the_content_version(app, post, images):
    def version():
        return db.session.scalar(db.select(Setting.value).where(Setting.key == pagecache.VERSION_SETTING))

    before = version()
    db.session.add(PageGalleryItem(page_id=post.id, media_id=images[0].id, position=1, caption=""))
    db.session.commit()
    added = version()
    assert added != before
    db.session.get(PageGalleryItem, (post.id, images[0].id)).caption = "新说明"
    db.session.commit()
    assert version() != added


def test_cached_public_page_follows_the_gallery(app, client, editor, post, images):
    assert "现场照片1" not in html_of(client.get("/news/zhi-liang-yue"))
    saved(editor.post(f"/admin/pages/{post.id}", data=edit_form(post, [(images[0].id, 1, "")])))
    assert "现场照片1" in html_of(client.get("/news/zhi-liang-yue"))


# -- scoped editors -----------------------------------------------------------------


@pytest.fixture
def club(app, users):
    """A committee's editor (the committee's permission only), its news section and other content."""
    scoped = make_scoped_editor(app, SCOPE)
    club_news = make_section("club-news", title="俱乐部动态", edit_permission=SCOPE)
    other_news = make_section("yao-wen", title="要闻")
    return dict(
        client=signed_in(app, scoped),
        club_post=make_page("俱乐部活动", slug="club-post", section=club_news),
        club_draft=make_page("俱乐部草稿", slug="club-draft", section=club_news, status="draft"),
        other_post=make_page("协会要闻", slug="other-post", section=other_news),
        other_draft=make_page("协会草稿", slug="other-draft", section=other_news, status="draft"),
        about=make_page("关于我们", slug="about"),
    )


def test_a_scoped_editor_edits_galleries_in_their_scope_only(club, images):
    client = club["client"]
    post = club["club_post"]
    saved(client.post(f"/admin/pages/{post.id}", data=edit_form(post, [(images[0].id, 1, "俱乐部照片")])))
    assert gallery_of(post.id) == [(images[0].id, "俱乐部照片")]
    for key in ("other_post", "about"):
        page = club[key]
        assert client.post(f"/admin/pages/{page.id}", data=edit_form(page, [(images[0].id, 1, "")])).status_code == 403
        assert gallery_of(page.id) == []


def test_a_scoped_editor_previews_drafts_in_their_scope_only(club, client):
    scoped = club["client"]
    html = html_of(scoped.get("/news/club-draft?preview=1"))
    assert "俱乐部草稿" in html and 'class="preview-banner"' in html
    assert scoped.get("/news/other-draft?preview=1").status_code == 404
    assert client.get("/news/club-draft?preview=1").status_code == 404  # visitors: no preview
    assert scoped.get("/news/club-draft").status_code == 404  # without ?preview=1, as any visitor


def test_site_wide_editors_still_preview_everything(club, editor):
    assert editor.get("/news/other-draft?preview=1").status_code == 200
    assert editor.get("/news/club-draft?preview=1").status_code == 200


def test_a_scoped_preview_is_never_cached(club):
    response = club["client"].get("/news/club-draft?preview=1")
    assert response.headers["Cache-Control"] == "private, no-store"


# -- the youth committee's demo -------------------------------------------------------


@pytest.fixture
def committee_app(app_factory):
    app = with_plugins(app_factory, ["youth_committee"])()
    with app.app_context():
        yield app
        db.session.remove()


def test_the_committee_demo_shows_a_gallery_once(committee_app):
    from plugins.youth_committee import demo

    make_user("editor", email=demo.AUTHOR)
    demo.load()
    demo.load()
    visit = db.session.scalar(db.select(Page).filter_by(slug="youth-base-visit"))
    assert len(visit.gallery) == 2
    assert all(not item.media.private and item.media.kind == "image" for item in visit.gallery)
    html = html_of(committee_app.test_client().get("/news/youth-base-visit"))
    assert html.count('loading="lazy"></a>') == 2
