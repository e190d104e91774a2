"""The plugin's pages answer, its blocks, menu entries and dashboard card appear, and all of it
disappears while the plugin is disabled and returns when it is enabled again."""
import re

from core.extensions import db
from core.pages.models import Page, Section
from core.plugins import get_host
from plugins.youth_committee import demo
from plugins.youth_committee.models import Base, Event
from plugins.youth_committee import content
from tests.conftest import login
from tests.plugins.youth_committee.conftest import make_committee_editor, make_event

PUBLIC_URLS = ["/youth", "/youth/structure", "/youth/areas/education", "/youth/plans", "/youth/reports",
               "/youth/events", "/youth/bases", "/youth/volunteers", "/youth/events.ics"]


def test_public_pages_answer_on_an_empty_database(client):
    for url in PUBLIC_URLS:
        assert client.get(url).status_code == 200, url
    assert client.get("/youth/areas/nope").status_code == 404


def test_demo_content_is_complete_and_loads_once(app, client):
    demo.load()
    demo.load()
    assert db.session.scalar(db.select(db.func.count(Base.id))) == 2
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 3
    home = client.get("/youth").get_data(as_text=True)
    assert "2021-07-22" in home and "青工QC工具培训班结业" in home and "走进精密制造示范基地" in home
    area = client.get("/youth/areas/young-workers").get_data(as_text=True)
    assert "青工QC工具培训班结业" in area and "中学课堂" not in area
    assert client.get("/youth/plans").status_code == 302
    plan = client.get("/youth/plans/2021").get_data(as_text=True)
    assert "2021年工作计划" in plan and "/youth/plans/2022" in plan
    assert client.get("/youth/plans/1999").status_code == 404
    assert "联合秘书处" in client.get("/youth/structure").get_data(as_text=True)
    bases = client.get("/youth/bases?theme=QC小组").get_data(as_text=True)
    assert "电子装配" in bases and "精密制造）" not in bases


def test_blocks_menu_and_dashboard_card_follow_the_plugin_state(app, users):
    event = make_event(title="示范基地开放日")
    client = app.test_client()
    login(client, users["member"])
    client.post(f"/youth/events/{event.id}/register")
    host = get_host()

    def visible():
        home = client.get("/").get_data(as_text=True)
        dashboard = client.get("/me").get_data(as_text=True)
        main_menu = re.search(r'href="/youth"', home) is not None
        footer = re.search(r'href="/youth/events"', home) is not None
        return ("/youth/events/%d" % event.id in home, "示范基地开放日" in dashboard,
                client.get("/youth").status_code, main_menu, footer)

    assert visible() == (True, True, 200, True, True)
    host.set_enabled("youth_committee", False)
    db.session.commit()
    assert visible() == (False, False, 404, False, False)
    host.set_enabled("youth_committee", True)
    db.session.commit()
    assert visible() == (True, True, 200, True, True)


def test_the_committee_path_is_configurable(app_factory):
    app = app_factory(YOUTH_COMMITTEE_PATH="/guanggongwei")
    client = app.test_client()
    with app.app_context():
        assert client.get("/guanggongwei/events").status_code == 200
    app2 = app_factory()
    with app2.app_context():
        assert app2.test_client().get("/youth/events").status_code == 200


def _structure():
    section = db.session.scalar(db.select(Section).where(Section.slug == content.SECTION_SLUG))
    root = db.session.scalar(db.select(Page).where(Page.slug == "youth", Page.section_id.is_(None)))
    children = db.session.scalars(db.select(Page).where(Page.parent_id == (root.id if root else -1))).all()
    return section, root, children


def test_init_sets_up_committee_editing_without_the_demo(app, client):
    for url in PUBLIC_URLS:  # before anything exists: empty states
        assert client.get(url).status_code == 200, url
    assert _structure()[:2] == (None, None)
    editor = make_committee_editor()
    signed_in = app.test_client()
    login(signed_in, editor)
    assert signed_in.get("/admin/pages/").status_code == 403  # nothing carries the permission yet

    result = app.test_cli_runner().invoke(args=["youth-committee", "init"])
    assert result.exit_code == 0, result.output
    section, root, children = _structure()
    assert section.edit_permission == root.edit_permission == content.EDIT
    assert {page.slug for page in children} == {content.STRUCTURE_SLUG} | {
        content.AREA_PAGE_PREFIX + key for key in content.AREAS}
    assert {page.status for page in [root, *children]} == {"draft"}  # nothing public until written
    assert "created 0" in app.test_cli_runner().invoke(args=["youth-committee", "init"]).output
    assert db.session.scalar(db.select(db.func.count(Page.id))) == 1 + len(children)

    for url in PUBLIC_URLS:
        assert client.get(url).status_code == 200, url
    assert signed_in.get("/admin/pages/").status_code == 200
    structure = next(page for page in children if page.slug == content.STRUCTURE_SLUG)
    response = signed_in.post(f"/admin/pages/{structure.id}", data={
        "title": "组织架构", "slug": structure.slug, "body": "<p>秘书处</p>", "parent_id": str(root.id),
        "status": "published", "publish_at": "", "cover_id": "", "base_revision": ""})
    assert response.status_code == 302
    assert "秘书处" in client.get("/youth/structure").get_data(as_text=True)
    post = {"title": "第一次活动", "slug": "", "summary": "", "body": "<p>正文</p>", "tags": "青少年教育",
            "byline": "", "seo_title": "", "seo_description": "", "status": "published", "publish_at": "",
            "note": "", "cover_id": "", "base_revision": "", "section_id": section.id}
    assert signed_in.post("/admin/pages/new?kind=news", data=post).status_code == 302


def test_enabling_the_plugin_sets_up_its_structure_and_the_demo_fills_it(app):
    host = get_host()
    host.set_enabled("youth_committee", False)
    host.set_enabled("youth_committee", True)
    section, root, children = _structure()
    assert section is not None and root.edit_permission == content.EDIT and len(children) == 5
    demo.load()  # fills the empty drafts instead of leaving them
    section, root, children = _structure()
    assert root.status == "published" and "关工委" in root.body
    assert {page.status for page in children if page.slug.startswith(content.AREA_PAGE_PREFIX)} == {"published"}


def test_a_draft_or_archived_mission_is_not_shown(app, client):
    demo.load()
    root = content.root_page()
    for status in ("draft", "archived"):
        root.status = status
        db.session.commit()
        assert "经验和方法带给青少年" not in client.get("/youth").get_data(as_text=True), status
    root.status = "published"
    db.session.commit()
    assert "经验和方法带给青少年" in client.get("/youth").get_data(as_text=True)


def test_scoped_editing_ends_while_the_plugin_is_disabled(app):
    demo.load()
    editor = make_committee_editor()
    signed_in = app.test_client()
    login(signed_in, editor)
    structure = db.session.scalar(db.select(Page).filter_by(slug=content.STRUCTURE_SLUG))
    assert signed_in.get(f"/admin/pages/{structure.id}").status_code == 200
    get_host().set_enabled("youth_committee", False)
    assert signed_in.get("/admin/pages/").status_code == 403
    assert signed_in.get(f"/admin/pages/{structure.id}").status_code == 403
    get_host().set_enabled("youth_committee", True)
    assert signed_in.get(f"/admin/pages/{structure.id}").status_code == 200


def test_a_committee_editor_can_set_up_the_structure_from_the_admin(app):
    editor = make_committee_editor()
    signed_in = app.test_client()
    login(signed_in, editor)
    assert 'id="set-up"' in signed_in.get("/admin/youth/").get_data(as_text=True)
    assert signed_in.post("/admin/youth/set-up").status_code == 302
    section, root, children = _structure()
    assert section.edit_permission == root.edit_permission == content.EDIT and len(children) == 5
    assert 'id="set-up"' not in signed_in.get("/admin/youth/").get_data(as_text=True)
    assert signed_in.get("/admin/pages/").status_code == 200
