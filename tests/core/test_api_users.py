"""PATCH /api/v1/users/<id>: validation, nothing half-saved, audit, and the last-admin guard."""
import pytest

from core.audit import AuditEntry
from core.extensions import db
from tests.core.test_api import assert_json_error, bearer


def patch(client, admin, user, body):
    return client.patch(f"/api/v1/users/{user.id}", json=body, headers=bearer(admin))


def audit_actions():
    return [entry.action for entry in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def test_admin_renames_and_changes_roles(client, users):
    member = users["member"]
    response = patch(client, users["admin"], member, {"name": "  Li Wei  ", "roles": ["judge", "member", "judge"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Li Wei"
    assert body["roles"] == ["judge", "member"]
    db.session.expire_all()
    assert member.name == "Li Wei"
    assert member.role_names == ["judge", "member"]
    assert {"user.updated", "user.roles_changed"} <= set(audit_actions())
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="user.roles_changed"))
    assert entry.actor_id == users["admin"].id
    assert entry.detail["after"] == ["judge", "member"]


def test_new_roles_take_effect_on_the_next_request(client, users):
    headers = bearer(users["member"])
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert patch(client, users["admin"], users["member"], {"roles": ["admin"]}).status_code == 200
    assert client.get("/api/v1/users", headers=headers).status_code == 200


def test_deactivation_is_audited_and_stops_the_users_tokens(client, users):
    member_headers = bearer(users["member"])
    assert client.get("/api/v1/me", headers=member_headers).status_code == 200
    response = patch(client, users["admin"], users["member"], {"active": False})
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert "user.deactivated" in audit_actions()
    assert_json_error(client.get("/api/v1/me", headers=member_headers), 401)
    assert patch(client, users["admin"], users["member"], {"active": True}).status_code == 200
    assert client.get("/api/v1/me", headers=member_headers).status_code == 200


def test_empty_patch_changes_nothing(client, users):
    response = patch(client, users["admin"], users["editor"], {})
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["editor"]
    assert "user.updated" not in audit_actions()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": 5}, "name"),
        ({"name": None}, "name"),
        ({"active": "no"}, "active"),
        ({"active": 0}, "active"),
        ({"active": None}, "active"),
        ({"roles": "admin"}, "roles"),
        ({"roles": ["nonsense"]}, "roles"),
        ({"roles": [1]}, "roles"),
        ({"roles": [""]}, "roles"),
        ({"roles": ["member"] * 21}, "roles"),
        ({"password_hash": "x"}, "password_hash"),
        ({"email": "new@example.org"}, "email"),
    ],
)
def test_invalid_patch_is_422_per_field_and_saves_nothing(client, users, body, field):
    editor = users["editor"]
    response = patch(client, users["admin"], editor, {**body, "name": body.get("name", "Would Change")})
    error = assert_json_error(response, 422)
    assert list(error["fields"]) == [field]
    db.session.expire_all()
    assert editor.name == "Editor User"
    assert editor.role_names == ["editor"]
    assert editor.active


def test_last_admin_cannot_be_demoted_or_deactivated(client, users):
    admin = users["admin"]
    admin.locale = "en"  # API messages follow the token owner's language
    db.session.commit()
    for body in ({"active": False}, {"roles": ["member"]}, {"roles": []}):
        error = assert_json_error(patch(client, admin, admin, body), 409)
        assert "administrator" in error["message"]
    db.session.expire_all()
    assert admin.active and admin.role_names == ["admin"]
    assert not {"user.roles_changed", "user.deactivated"} & set(audit_actions())


def test_an_admin_may_step_down_when_another_remains(client, users):
    admin = users["admin"]
    headers = bearer(admin)
    assert patch(client, admin, users["editor"], {"roles": ["admin", "editor"]}).status_code == 200
    response = client.patch(f"/api/v1/users/{admin.id}", json={"roles": ["member"]}, headers=headers)
    assert response.status_code == 200
    # The other admin is now the last one.
    error = assert_json_error(patch(client, users["editor"], users["editor"], {"active": False}), 409)
    assert error["status"] == 409


def test_inactive_admin_does_not_count_as_remaining(client, users):
    admin = users["admin"]
    assert patch(client, admin, users["editor"], {"roles": ["admin"], "active": False}).status_code == 200
    assert_json_error(patch(client, admin, admin, {"roles": ["member"]}), 409)


def test_user_management_on_each_database(backend_app):
    from tests.conftest import make_user

    admin, member = make_user("admin"), make_user("member")
    client = backend_app.test_client()
    headers = bearer(admin)
    listing = client.get("/api/v1/users?per_page=1&page=2", headers=headers).get_json()
    assert listing["total"] == 2 and listing["items"][0]["id"] == member.id
    assert_json_error(client.get("/api/v1/users/99999999999999999999", headers=headers), 404)
    assert_json_error(client.patch(f"/api/v1/users/{admin.id}", json={"active": False}, headers=headers), 409)
    response = client.patch(f"/api/v1/users/{member.id}", json={"roles": ["admin"]}, headers=headers)
    assert response.status_code == 200
    response = client.patch(f"/api/v1/users/{admin.id}", json={"roles": ["member"]}, headers=headers)
    assert response.status_code == 200
