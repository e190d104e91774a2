"""Scoped editing: a section or a page subtree root carrying an edit_permission lets the holders of
that permission (without content.edit) edit exactly that content in the admin, and nothing else."""
import pytest

from core.extensions import db
from core.pages.models import Page, Section
from tests.core.public_helpers import make_page, make_scoped_editor, make_section
from tests.core.test_admin_access import signed_in

SCOPE = "club.edit"


@pytest.fixture
def world(app, users):
    scoped = make_scoped_editor(app, SCOPE)
    club_news = make_section("club-news", title="俱乐部动态", edit_permission=SCOPE)
    other_news = make_section("yao-wen", title="要闻")
    root = make_page("俱乐部", slug="club", edit_permission=SCOPE)
    child = make_page("俱乐部章程", slug="club-rules", parent=root)
    about = make_page("关于我们", slug="about")
    club_post = make_page("俱乐部活动", slug="club-post", section=club_news)
    other_post = make_page("协会要闻", slug="other-post", section=other_news)
    return dict(client=signed_in(app, scoped), club_news=club_news, other_news=other_news, root=root,
                child=child, about=about, club_post=club_post, other_post=other_post)


def news_form(section_id, **fields):
    data = {"title": "新活动", "slug": "", "summary": "", "body": "<p>正文</p>", "section_id": section_id,
            "tags": "", "byline": "", "seo_title": "", "seo_description": "", "status": "published",
            "publish_at": "", "note": "", "cover_id": "", "base_revision": ""}
    data.update(fields)
    return data


def page_form(parent_id, **fields):
    data = {"title": "新页面", "slug": "", "body": "<p>简介</p>", "parent_id": str(parent_id),
            "status": "published", "publish_at": "", "cover_id": "", "base_revision": ""}
    data.update(fields)
    return data


def count_pages():
    return db.session.scalar(db.select(db.func.count(Page.id)))


def test_the_list_shows_only_what_the_scoped_editor_may_edit(world):
    html = world["client"].get("/admin/pages/").get_data(as_text=True)
    for key in ("root", "child", "club_post"):
        assert f'data-page-id="{world[key].id}"' in html
    for key in ("about", "other_post"):
        assert f'data-page-id="{world[key].id}"' not in html
    tree = world["client"].get("/admin/pages/tree").get_data(as_text=True)
    assert "俱乐部章程" in tree and "关于我们" not in tree


def test_pages_outside_the_scope_are_refused(world):
    client = world["client"]
    for key in ("about", "other_post"):
        page_id = world[key].id
        assert client.get(f"/admin/pages/{page_id}").status_code == 403
        assert client.post(f"/admin/pages/{page_id}", data=page_form(0, title="改掉")).status_code == 403
        assert client.post(f"/admin/pages/{page_id}/delete").status_code == 403
        assert client.get(f"/admin/pages/{page_id}/revisions").status_code == 403
    db.session.expire_all()
    assert db.session.get(Page, world["about"].id).title == "关于我们"


def test_the_scoped_editor_edits_and_publishes_inside_the_scope(world):
    client = world["client"]
    response = client.post(f"/admin/pages/{world['child'].id}", data=page_form(world["root"].id, title="新章程"))
    assert response.status_code == 302
    response = client.post("/admin/pages/new?kind=news", data=news_form(world["club_news"].id, title="植树活动"))
    assert response.status_code == 302
    response = client.post(f"/admin/pages/{world['root'].id}",
                           data=page_form(0, title="俱乐部主页", slug="club"))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Page, world["child"].id).title == "新章程"
    post = db.session.scalar(db.select(Page).filter_by(title="植树活动"))
    assert post.section_id == world["club_news"].id and post.status == "published"
    assert db.session.get(Page, world["root"].id).title == "俱乐部主页"


def test_the_scoped_editor_cannot_place_content_outside_the_scope(world):
    client = world["client"]
    before = count_pages()
    forged_section = client.post("/admin/pages/new?kind=news", data=news_form(world["other_news"].id))
    top_level = client.post("/admin/pages/new?kind=page", data=page_form(0))
    under_about = client.post("/admin/pages/new?kind=page", data=page_form(world["about"].id))
    moved_out = client.post(f"/admin/pages/{world['club_post'].id}",
                            data=news_form(world["other_news"].id, title="俱乐部活动"))
    moved_root = client.post(f"/admin/pages/{world['child'].id}", data=page_form(0, title="俱乐部章程"))
    for response in (forged_section, top_level, under_about, moved_out, moved_root):
        assert response.status_code == 200  # the form again, with a message
    db.session.expire_all()
    assert count_pages() == before
    assert db.session.get(Page, world["club_post"].id).section_id == world["club_news"].id
    assert db.session.get(Page, world["child"].id).parent_id == world["root"].id


def test_the_root_of_the_scope_cannot_be_deleted_or_moved_by_its_scoped_editor(world):
    client = world["client"]
    assert client.post(f"/admin/pages/{world['root'].id}/delete").status_code == 403
    assert client.post(f"/admin/pages/{world['root'].id}/move/down").status_code == 403
    db.session.expire_all()  # read what is stored, not the object this session still holds
    assert db.session.get(Page, world["root"].id) is not None


def test_the_scoped_editor_cannot_rename_or_move_the_root_of_the_scope(world):
    client = world["client"]
    other_root = make_page("俱乐部二部", slug="club-two", edit_permission=SCOPE)
    renamed = client.post(f"/admin/pages/{world['root'].id}", data=page_form(0, title="俱乐部", slug="my-club"))
    emptied = client.post(f"/admin/pages/{world['root'].id}", data=page_form(0, title="俱乐部", slug=""))
    moved = client.post(f"/admin/pages/{world['root'].id}", data=page_form(other_root.id, title="俱乐部",
                                                                             slug="club"))
    for response in (renamed, emptied, moved):
        assert response.status_code == 200  # the form again, with a message
    assert "Only site-wide editors" in renamed.get_data(as_text=True)
    db.session.expire_all()
    root = db.session.get(Page, world["root"].id)
    assert (root.slug, root.parent_id) == ("club", None)
    # A page below the root may still be renamed by the scoped editor.
    response = client.post(f"/admin/pages/{world['child'].id}",
                           data=page_form(world["root"].id, title="俱乐部章程", slug="club-statutes"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Page, world["child"].id).slug == "club-statutes"


def test_a_scoped_editor_cannot_restore_an_old_address_of_the_root(app, users, world):
    editor = signed_in(app, users["editor"])
    editor.post(f"/admin/pages/{world['root'].id}", data=page_form(0, title="俱乐部", slug="club-new"))
    editor.post(f"/admin/pages/{world['root'].id}", data=page_form(0, title="俱乐部", slug="club"))
    db.session.expire_all()
    from core.pages.models import PageRevision

    old = db.session.scalar(db.select(PageRevision).where(PageRevision.page_id == world["root"].id)
                            .filter(PageRevision.data["slug"].as_string() == "club-new"))
    world["client"].post(f"/admin/pages/{world['root'].id}/revisions/{old.number}/restore")
    db.session.expire_all()
    assert db.session.get(Page, world["root"].id).slug == "club"


def test_the_scoped_editor_cannot_feature_content_on_the_home_page(app, users, world):
    client = world["client"]
    response = client.post(f"/admin/pages/{world['club_post'].id}",
                           data=news_form(world["club_news"].id, title="俱乐部活动", featured="y"))
    assert response.status_code == 302
    response = client.post("/admin/pages/new?kind=news", data=news_form(world["club_news"].id, featured="y"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Page, world["club_post"].id).featured is False
    assert db.session.scalar(db.select(Page).filter_by(title="新活动")).featured is False
    # What a site-wide editor featured stays featured when the scoped editor saves the post.
    db.session.get(Page, world["club_post"].id).featured = True
    db.session.commit()
    client.post(f"/admin/pages/{world['club_post'].id}", data=news_form(world["club_news"].id, title="改过的活动"))
    db.session.expire_all()
    post = db.session.get(Page, world["club_post"].id)
    assert (post.title, post.featured) == ("改过的活动", True)


def test_sections_and_menus_stay_site_wide(world):
    client = world["client"]
    assert client.get("/admin/sections/").status_code == 403
    assert client.get(f"/admin/sections/{world['club_news'].id}").status_code == 403
    assert client.get("/admin/menus/").status_code in (403, 404)


def test_without_any_scoped_permission_a_member_is_still_refused(app, users, world):
    member = signed_in(app, users["member"])
    assert member.get("/admin/pages/").status_code == 403
    assert member.get(f"/admin/pages/{world['child'].id}").status_code == 403


def test_site_wide_editors_still_see_and_edit_everything(app, users, world):
    editor = signed_in(app, users["editor"])
    html = editor.get("/admin/pages/").get_data(as_text=True)
    for key in ("root", "child", "about", "club_post", "other_post"):
        assert f'data-page-id="{world[key].id}"' in html
    assert editor.get(f"/admin/pages/{world['club_post'].id}").status_code == 200


def test_a_section_without_an_edit_permission_admits_nobody_but_site_wide_editors(app, world):
    db.session.execute(db.update(Section).values(edit_permission=None))
    db.session.execute(db.update(Page).values(edit_permission=None))
    db.session.commit()
    assert world["client"].get("/admin/pages/").status_code == 403


def test_a_new_page_form_offers_only_the_scope_and_starts_under_its_root(world):
    html = world["client"].get("/admin/pages/new?kind=page").get_data(as_text=True)
    assert f'<option selected value="{world["root"].id}">' in html or \
        f'value="{world["root"].id}" selected' in html
    assert "关于我们" not in html
    news = world["client"].get("/admin/pages/new?kind=news").get_data(as_text=True)
    assert "俱乐部动态" in news and "要闻" not in news
