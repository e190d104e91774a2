"""/api/v1/pages: create, read, update, delete with a token; permissions; validation; sanitising."""
from datetime import timedelta

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.pages.models import Page, PageRevision, Section
from core.pages.service import save_page
from core.users.models import utcnow
from tests.conftest import make_user
from tests.core.public_helpers import make_section
from tests.core.test_api import assert_json_error, bearer


@pytest.fixture
def section(app):
    return make_section("yao-wen")


@pytest.fixture
def editor_headers(users):
    return bearer(users["editor"])


def create(client, headers, **body):
    return client.post("/api/v1/pages", json=body, headers=headers)


def test_an_editor_creates_reads_updates_and_deletes_a_news_post(client, users, section, editor_headers):
    response = create(
        client,
        editor_headers,
        title="协会召开年度质量评审会议",
        summary="会议综述",
        body="<p>正文<script>alert(1)</script><img src=x onerror=alert(1)></p>",
        section="yao-wen",
        tags=["质量", "评审"],
        status="published",
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["slug"] == "xie-hui-zhao-kai-nian-du-zhi-liang-ping-shen-hui-yi"
    assert created["url"] == f"http://localhost/news/{created['slug']}"
    assert response.headers["Location"] == f"http://localhost/api/v1/pages/{created['id']}"
    assert created["kind"] == "news" and created["section"] == "yao-wen" and created["parent_id"] is None
    assert sorted(created["tags"]) == ["评审", "质量"]
    assert "<script" not in created["body"] and "onerror" not in created["body"]
    assert created["body"].startswith("<p>正文")
    assert created["revision"] == 1 and created["status"] == "published" and created["publish_at"]

    assert client.get(created["url"].removeprefix("http://localhost")).status_code == 200
    fetched = client.get(f"/api/v1/pages/{created['id']}").get_json()  # anonymous: it is published
    assert fetched == created

    response = client.patch(
        f"/api/v1/pages/{created['id']}", json={"title": "年度质量评审会议召开", "slug": "ping-shen"}, headers=editor_headers
    )
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert (updated["title"], updated["slug"], updated["revision"]) == ("年度质量评审会议召开", "ping-shen", 2)
    assert updated["summary"] == "会议综述"  # fields not sent stay
    assert updated["url"] == "http://localhost/news/ping-shen"
    revisions = db.session.scalars(db.select(PageRevision).filter_by(page_id=created["id"])).all()
    assert sorted(r.number for r in revisions) == [1, 2]
    assert {r.author_id for r in revisions} == {users["editor"].id}
    assert client.get(f"/news/{created['slug']}").status_code == 301  # the old address still leads there

    assert client.delete(f"/api/v1/pages/{created['id']}", headers=editor_headers).status_code == 204
    assert db.session.get(Page, created["id"]) is None
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="page.deleted")).detail["via"] == "api"
    assert_json_error(client.get(f"/api/v1/pages/{created['id']}", headers=editor_headers), 404)


def test_put_changes_only_the_fields_sent_too(client, users, editor_headers):
    page_id = create(client, editor_headers, title="关于我们", body="<p>简介</p>").get_json()["id"]
    response = client.put(f"/api/v1/pages/{page_id}", json={"body": "<p>新简介</p>"}, headers=editor_headers)
    assert response.status_code == 200
    assert response.get_json()["body"] == "<p>新简介</p>" and response.get_json()["title"] == "关于我们"


def test_a_fixed_page_gets_its_url_from_the_tree(client, users, editor_headers):
    parent = create(client, editor_headers, title="About", slug="about", status="published").get_json()
    child = create(client, editor_headers, title="Charter", slug="charter", parent_id=parent["id"], status="published")
    assert child.status_code == 201, child.get_json()
    assert child.get_json()["url"] == "http://localhost/about/charter"
    assert child.get_json()["kind"] == "page" and child.get_json()["section"] is None


def test_the_url_uses_the_configured_site_url(app, client, users, editor_headers):
    app.config["SITE_URL"] = "https://www.example.org/"
    created = create(client, editor_headers, title="Contact", slug="contact").get_json()
    assert created["url"] == "https://www.example.org/contact"


def test_a_news_post_can_become_a_fixed_page_and_back(client, users, section, editor_headers):
    page_id = create(client, editor_headers, title="Notice", section="yao-wen").get_json()["id"]
    moved = client.patch(f"/api/v1/pages/{page_id}", json={"section": None}, headers=editor_headers).get_json()
    assert moved["kind"] == "page" and moved["section"] is None
    back = client.patch(f"/api/v1/pages/{page_id}", json={"section": "yao-wen"}, headers=editor_headers).get_json()
    assert back["kind"] == "news" and back["section"] == "yao-wen"


def test_scheduling_takes_an_offset_and_stores_utc(client, users, editor_headers):
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    local = (when + timedelta(hours=8)).isoformat() + "+08:00"
    response = create(client, editor_headers, title="预告", status="scheduled", publish_at=local)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["publish_at"] == when.isoformat()
    assert db.session.get(Page, response.get_json()["id"]).publish_at == when


def test_anonymous_and_members_see_only_visible_pages(client, users, editor_headers):
    editor = users["editor"]
    public = save_page(Page(), {"title": "Public", "status": "published"}, editor)
    draft = save_page(Page(), {"title": "Draft"}, editor)
    later = (utcnow() + timedelta(hours=1)).isoformat()
    future = save_page(Page(), {"title": "Later", "status": "scheduled", "publish_at": later}, editor)
    archived = save_page(Page(), {"title": "Old", "status": "archived"}, editor)
    hidden = [draft, future, archived]
    member_headers = bearer(users["member"])
    for headers in ({}, member_headers):
        listing = client.get("/api/v1/pages", headers=headers).get_json()
        assert [item["id"] for item in listing["items"]] == [public.id]
        assert listing["total"] == 1
        for page in hidden:
            assert_json_error(client.get(f"/api/v1/pages/{page.id}", headers=headers), 404)
        assert client.get("/api/v1/pages?status=draft", headers=headers).get_json()["items"] == []

    listing = client.get("/api/v1/pages", headers=editor_headers).get_json()
    assert listing["total"] == 4
    assert client.get(f"/api/v1/pages/{draft.id}", headers=editor_headers).get_json()["status"] == "draft"
    drafts = client.get("/api/v1/pages?status=draft", headers=editor_headers).get_json()
    assert [item["id"] for item in drafts["items"]] == [draft.id]


def test_writing_needs_content_edit(client, users):
    page = save_page(Page(), {"title": "Public", "status": "published"}, users["editor"])
    member_headers = bearer(users["member"])
    assert_json_error(create(client, member_headers, title="Mine"), 403)
    assert_json_error(client.patch(f"/api/v1/pages/{page.id}", json={"title": "x"}, headers=member_headers), 403)
    assert_json_error(client.delete(f"/api/v1/pages/{page.id}", headers=member_headers), 403)
    assert_json_error(client.post("/api/v1/pages", json={"title": "Anonymous"}), 401)
    assert_json_error(client.delete(f"/api/v1/pages/{page.id}"), 401)
    assert db.session.scalar(db.select(db.func.count(Page.id))) == 1
    assert db.session.get(Page, page.id).title == "Public"
    assert create(client, bearer(users["admin"]), title="Admin's").status_code == 201


def test_filters_and_paging(client, users, section, editor_headers):
    other = Section(slug="feng-mian", title="封面关注")
    db.session.add(other)
    db.session.commit()
    for number in range(5):
        create(client, editor_headers, title=f"要闻{number}", section="yao-wen", status="published")
    create(client, editor_headers, title="封面文章", section="feng-mian", status="published", body="<p>质量100%达标</p>")
    create(client, editor_headers, title="About", status="published")
    create(client, editor_headers, title="草稿", section="yao-wen")

    def ids(query, headers=None):
        return client.get(f"/api/v1/pages?{query}", headers=headers or {}).get_json()

    assert ids("section=yao-wen")["total"] == 5
    assert ids("section=yao-wen", editor_headers)["total"] == 6
    assert ids("section=nowhere")["total"] == 0
    assert ids("kind=news")["total"] == 6 and ids("kind=page")["total"] == 1
    assert [item["title"] for item in ids("q=100%")["items"]] == ["封面文章"]
    assert ids("q=_")["total"] == 0  # LIKE wildcards are literal
    paged = ids("section=yao-wen&per_page=2&page=3")
    assert (paged["total"], paged["pages"], paged["page"], len(paged["items"])) == (5, 3, 3, 1)
    newest_first = [item["title"] for item in ids("section=yao-wen&per_page=5")["items"]]
    assert newest_first[0] == "要闻4"
    for bad in ("kind=blog", "status=gone", "per_page=0", "page=x", f"q={'x' * 101}"):
        error = assert_json_error(client.get(f"/api/v1/pages?{bad}"), 422)
        assert list(error["fields"]) == [bad.split("=")[0]]


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"title": "T", "slug": "Not A Slug"}, "slug"),
        ({"title": "T", "slug": "admin"}, "slug"),
        ({"title": "T", "section": "nowhere"}, "section"),
        ({"title": "T", "status": "live"}, "status"),
        ({"title": "T", "status": "scheduled"}, "publish_at"),
        ({"title": "T", "status": "scheduled", "publish_at": "2001-01-01T00:00:00"}, "publish_at"),
        ({"title": "T", "publish_at": "next tuesday"}, "publish_at"),
        ({"title": "T", "parent_id": 999999}, "parent_id"),
        ({"title": "T", "parent_id": "1"}, "parent_id"),
        ({"title": "T", "tags": "质量"}, "tags"),
        ({"title": "T", "tags": ["x" * 81]}, "tags"),
        ({"title": "T", "body": None}, "body"),
        ({"title": "T", "url": "/elsewhere"}, "url"),
        ({"title": "T", "id": 5}, "id"),
    ],
)
def test_invalid_input_is_422_per_field_and_saves_nothing(client, users, editor_headers, body, field):
    error = assert_json_error(create(client, editor_headers, **body), 422)
    assert list(error["fields"]) == [field], error
    assert db.session.scalar(db.select(db.func.count(Page.id))) == 0


def test_a_news_post_cannot_have_a_parent(client, users, section, editor_headers):
    parent = create(client, editor_headers, title="About").get_json()
    error = assert_json_error(create(client, editor_headers, title="T", section="yao-wen", parent_id=parent["id"]), 422)
    assert list(error["fields"]) == ["parent_id"]


def test_a_taken_slug_is_a_conflict(client, users, editor_headers):
    first = create(client, editor_headers, title="One", slug="same").get_json()
    assert_json_error(create(client, editor_headers, title="Two", slug="same"), 409)
    second = create(client, editor_headers, title="Two").get_json()
    assert_json_error(client.patch(f"/api/v1/pages/{second['id']}", json={"slug": "same"}, headers=editor_headers), 409)
    unchanged = client.patch(f"/api/v1/pages/{first['id']}", json={"slug": "same"}, headers=editor_headers)
    assert unchanged.status_code == 200


def test_a_stale_base_revision_is_a_conflict(client, users, editor_headers):
    page_id = create(client, editor_headers, title="One").get_json()["id"]
    url = f"/api/v1/pages/{page_id}"
    assert client.patch(url, json={"title": "Two", "base_revision": 1}, headers=editor_headers).status_code == 200
    assert_json_error(client.patch(url, json={"title": "Three", "base_revision": 1}, headers=editor_headers), 409)
    assert client.get(url, headers=editor_headers).get_json()["title"] == "Two"


def test_bad_json_and_unknown_ids(client, users, editor_headers):
    assert_json_error(client.post("/api/v1/pages", data="{", headers=editor_headers), 400)
    assert_json_error(
        client.post("/api/v1/pages", data="{}", headers={**editor_headers, "Content-Type": "application/json"}), 422
    )
    assert_json_error(client.get("/api/v1/pages/99999999999999999999"), 404)
    assert_json_error(client.patch("/api/v1/pages/12345", json={"title": "x"}, headers=editor_headers), 404)
    assert_json_error(client.delete("/api/v1/pages/12345", headers=editor_headers), 404)


def test_a_page_with_sub_pages_is_not_deleted(client, users, editor_headers):
    parent = create(client, editor_headers, title="About").get_json()
    create(client, editor_headers, title="Team", parent_id=parent["id"])
    assert_json_error(client.delete(f"/api/v1/pages/{parent['id']}", headers=editor_headers), 409)
    assert db.session.get(Page, parent["id"]) is not None


def test_pages_api_on_each_database(backend_app):
    editor = make_user("editor")
    client = backend_app.test_client()
    headers = bearer(editor)
    created = client.post("/api/v1/pages", json={"title": "质量月", "status": "published"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    page_id = created.get_json()["id"]
    taken = {"title": "x", "slug": created.get_json()["slug"]}
    assert_json_error(client.post("/api/v1/pages", json=taken, headers=headers), 409)
    assert client.get("/api/v1/pages?q=质量").get_json()["total"] == 1
    assert client.patch(f"/api/v1/pages/{page_id}", json={"status": "draft"}, headers=headers).status_code == 200
    assert_json_error(client.get(f"/api/v1/pages/{page_id}"), 404)
    assert client.delete(f"/api/v1/pages/{page_id}", headers=headers).status_code == 204


def test_a_scheduled_page_is_public_once_its_time_has_come(client, users, monkeypatch):
    publish_at = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    data = {"title": "Later", "status": "scheduled", "publish_at": publish_at.isoformat()}
    page = save_page(Page(), data, users["editor"])
    assert_json_error(client.get(f"/api/v1/pages/{page.id}"), 404)
    monkeypatch.setattr("core.pages.models.utcnow", lambda: publish_at + timedelta(seconds=1))
    assert client.get(f"/api/v1/pages/{page.id}").get_json()["status"] == "scheduled"
    assert [item["id"] for item in client.get("/api/v1/pages").get_json()["items"]] == [page.id]
