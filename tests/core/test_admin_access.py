"""Who may open which admin page, and that no admin URL or form input produces a 500."""
import pytest

from core.extensions import db
from core.mail import OutboxMessage
from core.pages.models import MenuItem, Page, Section
from core.pages.service import save_page
from core.storage.models import Media
from core.users.models import Membership, Organisation, Role
from tests.conftest import login



def signed_in(app, user, lang="en"):
    """A new client signed in as ``user``, reading English (the msgids the tests look for)."""
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302, "sign-in failed"
    client.post("/language", data={"lang": lang})
    return client


WEIRD_VALUES = ["0", "-1", "99999999999999999999", "%00", "'\"<script>", "x" * 300, "名字"]


@pytest.fixture
def fixtures(app, users):
    """A record of every kind so that every detail page has something to show."""
    organisation = Organisation(name="华为技术有限公司", short_name="华为")
    db.session.add(organisation)
    db.session.add(Membership(user=users["member"], organisation=organisation))
    custom = Role(name="reviewer", title="Reviewer")
    db.session.add(custom)
    message = OutboxMessage(recipient="someone@example.org", subject="Hello", body="Body")
    db.session.add(message)
    section = Section(slug="news", title="要闻", title_en="News")
    db.session.add(section)
    menu_item = MenuItem(menu="main", label="协会", url="/about")
    db.session.add(menu_item)
    media = Media(key="0" * 32 + ".pdf", original_name="章程.pdf", content_type="application/pdf",
                  kind="pdf", size=10, sha256="0" * 64)
    db.session.add(media)
    db.session.commit()
    page = save_page(Page(), {"title": "质量月活动", "section_id": section.id, "body": "<p>正文</p>"}, users["editor"])
    db.session.commit()
    return {"user": users["member"].id, "organisation": organisation.id, "role": custom.id, "message": message.id,
            "section": section.id, "page": page.id, "media": media.id, "menu_item": menu_item.id}


def admin_pages(ids):
    """(url, permission) of every admin page reachable by GET."""
    return [
        ("/admin/", "admin.access"),
        ("/admin/users", "users.manage"),
        ("/admin/users?q=member&role=member&active=yes", "users.manage"),
        (f"/admin/users/{ids['user']}", "users.manage"),
        (f"/admin/users/{ids['user']}/delete", "users.manage"),
        ("/admin/invitations", "users.manage"),
        ("/admin/organisations", "organisations.manage"),
        ("/admin/organisations/new", "organisations.manage"),
        (f"/admin/organisations/{ids['organisation']}", "organisations.manage"),
        (f"/admin/organisations/{ids['organisation']}/delete", "organisations.manage"),
        ("/admin/roles", "roles.manage"),
        ("/admin/roles/permissions", "roles.manage"),
        (f"/admin/roles/{ids['role']}/delete", "roles.manage"),
        ("/admin/plugins", "plugins.manage"),
        ("/admin/outbox", "outbox.view"),
        (f"/admin/outbox/{ids['message']}", "outbox.view"),
        ("/admin/audit", "audit.view"),
        ("/admin/pages/", "content.edit"),
        ("/admin/pages/?kind=news&status=draft&q=质量", "content.edit"),
        ("/admin/pages/tree", "content.edit"),
        ("/admin/pages/new", "content.edit"),
        ("/admin/pages/new?kind=news", "content.edit"),
        (f"/admin/pages/{ids['page']}", "content.edit"),
        (f"/admin/pages/{ids['page']}/revisions", "content.edit"),
        (f"/admin/pages/{ids['page']}/revisions/compare?a=1&b=1", "content.edit"),
        (f"/admin/pages/{ids['page']}/revisions/1/restore", "content.edit"),
        (f"/admin/pages/{ids['page']}/delete", "content.edit"),
        ("/admin/sections/", "content.edit"),
        ("/admin/sections/new", "content.edit"),
        (f"/admin/sections/{ids['section']}", "content.edit"),
        (f"/admin/sections/{ids['section']}/delete", "content.edit"),
        ("/admin/menus/", "content.edit"),
        (f"/admin/menus/{ids['menu_item']}/edit", "content.edit"),
        ("/admin/media/", "media.manage"),
        ("/admin/media/library.json", "media.manage"),
        (f"/admin/media/{ids['media']}", "media.manage"),
        (f"/admin/media/{ids['media']}/delete", "media.manage"),
        ("/admin/site/", "site.manage"),
    ]


EDITOR_MAY = {"admin.access", "content.edit", "media.manage"}


@pytest.mark.parametrize("role", ["admin", "editor", "judge", "member"])
def test_each_role_sees_exactly_the_admin_pages_it_may(app, users, fixtures, role):
    client = app.test_client()
    login(client, users[role])
    for url, permission in admin_pages(fixtures):
        allowed = role == "admin" or (role == "editor" and permission in EDITOR_MAY)
        response = client.get(url)
        assert response.status_code == (200 if allowed else 403), (role, url, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(app, fixtures):
    client = app.test_client()
    for url, _permission in admin_pages(fixtures):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/{user}",
        "/admin/users/{user}/delete",
        "/admin/invitations",
        "/admin/organisations/new",
        "/admin/organisations/{organisation}/delete",
        "/admin/roles/new",
        "/admin/roles/permissions",
        "/admin/roles/{role}/delete",
        "/admin/outbox/flush",
    ],
)
def test_editor_cannot_post_to_admin_forms(app, users, fixtures, url):
    client = app.test_client()
    login(client, users["editor"])
    response = client.post(url.format(**fixtures), data={"name": "changed", "email": "x@example.org", "title": "x"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Role, fixtures["role"]) is not None
    assert db.session.get(Organisation, fixtures["organisation"]) is not None
    assert db.session.get(type(users["member"]), fixtures["user"]).name == "Member User"


def test_sidebar_lists_only_sections_the_user_may_open(app, users):
    admin_page = signed_in(app, users["admin"]).get("/admin/").get_data(as_text=True)
    for link in ("/admin/users", "/admin/organisations", "/admin/roles", "/admin/plugins", "/admin/outbox", "/admin/audit"):
        assert f'href="{link}"' in admin_page
    assert 'class="admin-nav"' in admin_page

    editor_page = signed_in(app, users["editor"]).get("/admin/").get_data(as_text=True)
    assert 'href="/admin/"' in editor_page
    for link in ("/admin/users", "/admin/roles", "/admin/plugins", "/admin/audit"):
        assert f'href="{link}"' not in editor_page


def test_dashboard_counts_what_is_there(app, users, fixtures):
    client = app.test_client()
    login(client, users["admin"])
    page = client.get("/admin/").get_data(as_text=True)
    assert '<div class="stat" id="stat-users"><strong>4</strong>' in page
    assert '<div class="stat" id="stat-organisations"><strong>1</strong>' in page
    assert '<div class="stat" id="stat-queued-mails"><strong>1</strong>' in page


def admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")]


def build(rule, value):
    values = {name: (1 if type(rule._converters[name]).__name__ == "IntegerConverter" else value) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def test_malformed_admin_urls_never_produce_a_server_error(app, users, fixtures):
    client = app.test_client()
    login(client, users["admin"])
    queries = ["", "?page=-5&q=%FF&role=%00&active=maybe&tier=gold&status=lost&action=%25_&actor=%25",
               "?date_from=0001-01-01&date_to=9999-12-31", "?date_from=2024-13-45&date_to=yesterday&_scheme=x",
               "?action=disable", "?action=../../etc"]
    for rule in admin_rules(app):
        if "GET" not in rule.methods:
            continue
        for value in WEIRD_VALUES:
            url = build(rule, value)
            for query in queries:
                response = client.get(url + query)
                assert response.status_code < 500, (url + query, response.status_code)


def test_malformed_admin_posts_never_produce_a_server_error(app, users, fixtures):
    client = app.test_client()
    login(client, users["admin"])
    junk = {
        "email": "\x00" * 3, "name": "<b>" * 100, "title": "x" * 5000, "roles": ["abc", "999"], "active": "y",
        "organisation": "abc", "role": ["zz", "-1"], "tier": "gold", "website": "javascript:alert(1)",
        "grant-1": "nothing.here", "is_admin": "\x00",
    }
    for rule in admin_rules(app):
        if "POST" not in rule.methods:
            continue
        for value in ("zz", "名字"):
            url = build(rule, value)
            response = client.post(url, data=junk)
            assert response.status_code < 500, (url, response.status_code)
            response = client.post(url, data=b"\xff\xfe{not json", content_type="application/json")
            assert response.status_code < 500, (url, response.status_code)
    # The signed-in admin is still an active admin after all that junk.
    db.session.expire_all()
    assert users["admin"].active and users["admin"].has_role("admin")
