"""Committee editors edit the committee's pages, activities, events, bases and volunteers, and
nothing else of the site (the core's scoped editing, with the committee's permission)."""
from core.extensions import db
from core.pages.models import Page
from plugins.youth_committee import content, demo
from tests.conftest import login
from tests.core.public_helpers import make_page, make_section


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def page_form(page, **fields):
    data = {"title": page.title, "slug": page.slug, "body": "<p>改过</p>", "parent_id": str(page.parent_id or 0),
            "status": "published", "publish_at": "", "cover_id": "", "base_revision": ""}
    data.update(fields)
    return data


def test_committee_editor_edits_committee_pages_and_posts_only(app, committee_editor):
    demo.load()
    about = make_page("关于协会", slug="about")
    news = make_section("yao-wen")
    other_post = make_page("协会要闻", slug="xie-hui-yao-wen", section=news)
    structure = db.session.scalar(db.select(Page).filter_by(slug=content.STRUCTURE_SLUG))
    client = signed_in(app, committee_editor)

    listing = client.get("/admin/pages/").get_data(as_text=True)
    assert f'data-page-id="{structure.id}"' in listing
    assert f'data-page-id="{about.id}"' not in listing and f'data-page-id="{other_post.id}"' not in listing

    response = client.post(f"/admin/pages/{structure.id}", data=page_form(structure, title="新的组织架构"))
    assert response.status_code == 302
    for page in (about, other_post):
        assert client.get(f"/admin/pages/{page.id}").status_code == 403
        assert client.post(f"/admin/pages/{page.id}", data=page_form(page, title="改掉")).status_code == 403
    db.session.expire_all()
    assert db.session.get(Page, structure.id).title == "新的组织架构"
    assert db.session.get(Page, about.id).title == "关于协会"

    # A new activity lands in the committee's section; another section is refused.
    section = content.section()
    data = {"title": "新活动", "slug": "", "summary": "", "body": "<p>正文</p>", "tags": "青少年教育",
            "byline": "", "seo_title": "", "seo_description": "", "status": "published", "publish_at": "",
            "note": "", "cover_id": "", "base_revision": ""}
    assert client.post("/admin/pages/new?kind=news", data=data | {"section_id": news.id}).status_code == 200
    assert client.post("/admin/pages/new?kind=news", data=data | {"section_id": section.id}).status_code == 302
    posts = db.session.scalars(db.select(Page).filter_by(title="新活动")).all()
    assert [post.section_id for post in posts] == [section.id]
    assert "新活动" in client.get("/youth/areas/education").get_data(as_text=True)


def test_committee_editor_cannot_reach_site_wide_admin(app, committee_editor):
    client = signed_in(app, committee_editor)
    for url in ("/admin/sections/", "/admin/menus/", "/admin/users/", "/admin/site/"):
        assert client.get(url).status_code in (403, 404), url
    assert client.get("/admin/youth/").status_code == 200


def test_members_and_site_editors_without_the_permission_cannot_open_the_committee_admin(app, users):
    for role in ("member", "editor"):
        client = signed_in(app, users[role])
        assert client.get("/admin/youth/").status_code == 403
        assert client.post("/admin/youth/events/new", data={"title": "x"}).status_code == 403
