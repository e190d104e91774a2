"""The JSON API: token authentication, JSON errors, and who may use which endpoint."""
from datetime import timedelta

import pytest

from core.extensions import db
from core.users.models import ApiToken, Organisation, OrganisationTier, utcnow
from tests.conftest import ROLES, login, make_user


def issue_token(user, name="script"):
    token, raw = ApiToken.issue(user, name)
    db.session.commit()
    return token, raw


def bearer(user):
    return {"Authorization": f"Bearer {issue_token(user)[1]}"}


def assert_json_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert error["message"]
    return error


# -- authentication -----------------------------------------------------


def test_valid_token_authenticates_as_its_user(client, users):
    response = client.get("/api/v1/me", headers=bearer(users["editor"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "editor@example.org"
    assert body["roles"] == ["editor"]
    assert "content.edit" in body["permissions"]
    assert "users.manage" not in body["permissions"]
    assert "no-store" in response.headers["Cache-Control"]


def test_missing_token_is_anonymous(client, users):
    assert client.get("/api/v1/organisations").status_code == 200
    error = assert_json_error(client.get("/api/v1/me"), 401)
    assert error["message"]
    assert client.get("/api/v1/me").headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer gh_short",
        "Bearer not-a-guildhall-token-at-all-xxxxxxxxxxxx",
        "Bearer gh_" + "x" * 43 + " trailing",
        "Bearer gh_" + "名" * 43,
        "Token gh_" + "a" * 43,
    ],
)
def test_malformed_token_is_refused_even_on_public_routes(client, users, header):
    for url in ("/api/v1/me", "/api/v1/organisations"):
        response = client.get(url, headers={"Authorization": header})
        assert_json_error(response, 401)
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_unknown_token_is_refused(client, users):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer gh_" + "A" * 43})
    assert_json_error(response, 401)


def test_revoked_token_is_refused(client, users):
    token, raw = issue_token(users["member"])
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token.revoked_at = utcnow()
    db.session.commit()
    assert_json_error(client.get("/api/v1/me", headers=headers), 401)


def test_token_of_inactive_user_is_refused(client, users):
    headers = bearer(users["member"])
    users["member"].active = False
    db.session.commit()
    assert_json_error(client.get("/api/v1/me", headers=headers), 401)


def test_scheme_is_case_insensitive(client, users):
    raw = issue_token(users["member"])[1]
    assert client.get("/api/v1/me", headers={"Authorization": f"bearer {raw}"}).status_code == 200


def test_session_cookie_alone_does_not_authenticate_api_calls(app_factory):
    app = app_factory(ENABLED_PLUGINS=[])
    client = app.test_client()
    with app.app_context():
        admin, member = make_user("admin"), make_user("member")
        assert login(client, admin).status_code == 302
        assert client.get("/me").status_code == 200  # the browser session works for pages
        assert_json_error(client.get("/api/v1/me"), 401)
        assert_json_error(client.get("/api/v1/users"), 401)
        assert_json_error(client.patch(f"/api/v1/users/{member.id}", json={"name": "Changed"}), 401)
        db.session.expire_all()
        assert member.name == "Member User"


def test_token_wins_over_session_cookie(client, users):
    login(client, users["admin"])
    response = client.get("/api/v1/me", headers=bearer(users["member"]))
    assert response.get_json()["email"] == "member@example.org"
    assert client.get("/api/v1/users", headers=bearer(users["member"])).status_code == 403


def test_token_requests_need_no_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = make_user("admin")
        member = make_user("member")
        headers = bearer(admin)
        response = app.test_client().patch(f"/api/v1/users/{member.id}", json={"name": "Renamed"}, headers=headers)
        assert response.status_code == 200
        assert response.get_json()["name"] == "Renamed"


def test_last_used_is_recorded_at_most_once_a_minute(client, users):
    token, raw = issue_token(users["member"])
    headers = {"Authorization": f"Bearer {raw}"}
    client.get("/api/v1/me", headers=headers)
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None

    token.last_used_at = first - timedelta(seconds=30)
    db.session.commit()
    client.get("/api/v1/me", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at == first - timedelta(seconds=30)

    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/me", headers=headers)
    db.session.refresh(token)
    assert token.last_used_at > first - timedelta(seconds=5)


# -- JSON errors --------------------------------------------------------


def test_unknown_api_path_is_json_404(client):
    assert_json_error(client.get("/api/v1/no/such/thing"), 404)
    assert_json_error(client.get("/api/v2/"), 404)


def test_wrong_method_is_json_405_with_allow(client, users):
    response = client.delete("/api/v1/users/1", headers=bearer(users["admin"]))
    assert_json_error(response, 405)
    assert "PATCH" in response.headers["Allow"]


def test_forbidden_is_json_403(client, users):
    assert_json_error(client.get("/api/v1/users", headers=bearer(users["member"])), 403)


def test_malformed_json_body_is_400(client, users):
    url = f"/api/v1/users/{users['member'].id}"
    headers = bearer(users["admin"])
    assert_json_error(client.patch(url, data="{not json", content_type="application/json", headers=headers), 400)
    assert_json_error(client.patch(url, data="", content_type="application/json", headers=headers), 400)
    assert_json_error(client.patch(url, data="name=x", headers=headers), 400)  # form-encoded
    assert_json_error(client.patch(url, data='{"name": "x"}', content_type="text/plain", headers=headers), 400)


def test_non_object_json_body_is_422(client, users):
    url = f"/api/v1/users/{users['member'].id}"
    for body in ("[]", '"text"', "3", "null"):
        response = client.patch(url, data=body, content_type="application/json", headers=bearer(users["admin"]))
        assert_json_error(response, 422)


def test_too_large_body_is_json_413(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    with app.app_context():
        admin = make_user("admin")
        response = app.test_client().patch(
            f"/api/v1/users/{admin.id}", json={"name": "x" * 5000}, headers=bearer(admin)
        )
        assert_json_error(response, 413)


def test_unexpected_failure_is_json_500(client, users, monkeypatch):
    import core.api.views

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(core.api.views, "get_host", broken)
    error = assert_json_error(client.get("/api/v1/plugins", headers=bearer(users["admin"])), 500)
    assert "boom" not in error["message"]


@pytest.mark.parametrize(
    "query",
    ["page=x", "page=0", "page=-1", "per_page=0", "per_page=101", "per_page=1.5", "page=99999999999999999999", "page="],
)
def test_junk_pagination_is_422_with_field_errors(client, users, query):
    error = assert_json_error(client.get(f"/api/v1/users?{query}", headers=bearer(users["admin"])), 422)
    field = query.split("=")[0]
    assert error["fields"][field]


@pytest.mark.parametrize("url", ["/api/v1/users/abc", "/api/v1/users/99999999999999999999", "/api/v1/users/424242"])
def test_missing_user_is_json_404(client, users, url):
    assert_json_error(client.get(url, headers=bearer(users["admin"])), 404)


# -- endpoints ----------------------------------------------------------


def test_index_links_to_the_rest(client):
    body = client.get("/api/v1/").get_json()
    assert body["version"] == 1
    for link in body["links"].values():
        assert client.get(link).status_code in (200, 401)


def add_organisation(name, tier, active=True):
    organisation = Organisation(name=name, tier=tier, active=active)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def test_organisations_list_active_members_by_tier(client):
    add_organisation("Member Co", OrganisationTier.member)
    add_organisation("Vice Co", OrganisationTier.vice_president)
    hidden = add_organisation("Lapsed Co", OrganisationTier.president, active=False)
    items = client.get("/api/v1/organisations").get_json()["items"]
    assert [item["name"] for item in items] == ["Vice Co", "Member Co"]
    assert items[0]["tier"] == "vice_president"
    assert items[0]["tier_label"]
    assert_json_error(client.get(f"/api/v1/organisations/{hidden.id}"), 404)


def test_organisation_detail(client):
    organisation = add_organisation("Detail Co", OrganisationTier.council)
    body = client.get(f"/api/v1/organisations/{organisation.id}").get_json()
    assert body["name"] == "Detail Co"
    assert body["tier"] == "council"


def test_users_are_paginated(client, users):
    headers = bearer(users["admin"])
    first = client.get("/api/v1/users?per_page=3", headers=headers).get_json()
    assert first["total"] == len(ROLES)
    assert first["pages"] == 2
    assert len(first["items"]) == 3
    second = client.get("/api/v1/users?per_page=3&page=2", headers=headers).get_json()
    assert len(second["items"]) == 1
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert sorted(ids) == sorted(user.id for user in users.values())
    assert client.get("/api/v1/users?page=50", headers=headers).get_json()["items"] == []
    assert "password_hash" not in first["items"][0]


def test_me_lists_organisations(client, users):
    from core.users.models import Membership

    organisation = add_organisation("Home Co", OrganisationTier.standing_council)
    db.session.add(Membership(user=users["member"], organisation=organisation, is_admin=True))
    db.session.commit()
    body = client.get("/api/v1/me", headers=bearer(users["member"])).get_json()
    assert body["organisations"] == [
        {"id": organisation.id, "name": "Home Co", "tier": "standing_council", "is_admin": True}
    ]


# -- who may use what ---------------------------------------------------

ANON = "anonymous"
EVERYONE = {role: 200 for role in (*ROLES, ANON)}
SIGNED_IN = {**{role: 200 for role in ROLES}, ANON: 401}


def admin_only(ok=200):
    return {"admin": ok, "editor": 403, "judge": 403, "member": 403, ANON: 401}


MATRIX = [
    ("GET", "/api/v1/", None, EVERYONE),
    ("GET", "/api/v1/openapi.json", None, EVERYONE),
    ("GET", "/api/v1/me", None, SIGNED_IN),
    ("GET", "/api/v1/organisations", None, EVERYONE),
    ("GET", "/api/v1/organisations/{org}", None, EVERYONE),
    ("GET", "/api/v1/users", None, admin_only()),
    ("GET", "/api/v1/users/{member}", None, admin_only()),
    ("PATCH", "/api/v1/users/{member}", {"name": "Patched"}, admin_only()),
    ("GET", "/api/v1/plugins", None, admin_only()),
    ("POST", "/api/v1/plugins/no-such-plugin", {"enabled": True}, admin_only(404)),
]


@pytest.mark.parametrize("method,url,body,expected", MATRIX, ids=[f"{m} {u}" for m, u, _b, _e in MATRIX])
def test_permissions_per_role(client, users, method, url, body, expected):
    organisation = add_organisation("Matrix Co", OrganisationTier.member)
    url = url.format(org=organisation.id, member=users["member"].id)
    for role, status in expected.items():
        headers = {} if role == ANON else bearer(users[role])
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == status, (role, response.get_data(as_text=True))
        assert response.mimetype == "application/json"
