"""Admin roles page: the roles x permissions grid, custom roles, audit."""
import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.permissions import forget_cached_permissions, registry, role_permissions, user_has_permission
from core.users.models import Role, RolePermission, User
from tests.core.test_admin_access import signed_in


@pytest.fixture
def admin(app, users):
    return signed_in(app, users["admin"])


def role(name):
    db.session.expire_all()
    return db.session.scalar(db.select(Role).filter_by(name=name))


def grid_post(roles, choices):
    """Form data for the grid: every role in ``roles`` on the page, ticks as in ``choices``."""
    data = {"role": [str(r.id) for r in roles]}
    for r in roles:
        data[f"grant-{r.id}"] = sorted(choices.get(r.name, role_permissions(r)))
    return data


def overrides(role_name):
    return {g.permission: g.granted for g in role(role_name).grants}


def test_grid_shows_every_permission_grouped_with_effective_state(admin):
    page = admin.get("/admin/roles/permissions").get_data(as_text=True)
    for name in registry():
        assert f"<code>{name}</code>" in page
    for prefix in ("admin", "users", "content", "audit"):
        assert '<tr class="group-row"><th colspan="' in page and f">{prefix}</th>" in page
    editor = role("editor")
    assert f'id="grant-{editor.id}-content.edit" name="grant-{editor.id}" value="content.edit"\n' in page
    assert "checked" in page.split(f'id="grant-{editor.id}-content.edit"')[1].split(">")[0]
    assert "checked" not in page.split(f'id="grant-{editor.id}-audit.view"')[1].split(">")[0]
    admin_role = role("admin")
    assert f'id="grant-{admin_role.id}-audit.view" checked disabled>' in page


def test_grid_round_trip_changes_what_users_of_the_role_may_do(app, admin, users):
    editor = role("editor")
    chosen = (role_permissions(editor) - {"content.edit"}) | {"audit.view"}
    editor_browser = signed_in(app, users["editor"])
    assert editor_browser.get("/admin/audit").status_code == 403

    response = admin.post("/admin/roles/permissions", data=grid_post([editor], {"editor": chosen}))
    assert response.status_code == 302

    # Only the two differences from the declared defaults are stored.
    assert overrides("editor") == {"content.edit": False, "audit.view": True}
    forget_cached_permissions()
    editor_user = db.session.get(User, users["editor"].id)
    assert user_has_permission(editor_user, "audit.view")
    assert not user_has_permission(editor_user, "content.edit")
    assert editor_browser.get("/admin/audit").status_code == 200

    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="role.permissions_changed"))
    assert entry.target == "editor"
    assert entry.detail == {"granted": ["audit.view"], "revoked": ["content.edit"]}

    # Ticking the defaults again removes the override rows.
    defaults = {p.name for p in registry().values() if "editor" in p.default_roles}
    admin.post("/admin/roles/permissions", data=grid_post([role("editor")], {"editor": defaults}))
    assert overrides("editor") == {}
    assert editor_browser.get("/admin/audit").status_code == 403


def test_admin_role_always_holds_everything(admin, users):
    admin_role = role("admin")
    admin.post("/admin/roles/permissions", data={"role": [str(admin_role.id)], f"grant-{admin_role.id}": []})
    assert overrides("admin") == {}
    assert admin.get("/admin/roles/permissions").status_code == 200


def test_roles_missing_from_the_submitted_page_keep_their_permissions(admin):
    judge = role("judge")
    judge.grants.append(RolePermission(permission="outbox.view", granted=True))
    db.session.commit()
    editor = role("editor")
    # The judge's column was not on the page (say, created after it loaded): no ticks, no change.
    admin.post("/admin/roles/permissions", data=grid_post([editor], {}))
    assert overrides("judge") == {"outbox.view": True}
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="role.permissions_changed")) is None


def test_unknown_permission_names_are_ignored(admin):
    member = role("member")
    admin.post("/admin/roles/permissions", data={"role": [str(member.id)], f"grant-{member.id}": ["made.up", "<x>"]})
    assert overrides("member") == {}


def test_custom_role_is_created_and_deleted_after_confirmation(admin, users):
    response = admin.post("/admin/roles/new", data={"name": "secretariat", "title": "秘书处"})
    assert response.status_code == 302
    secretariat = role("secretariat")
    assert secretariat.title == "秘书处" and secretariat.builtin is False
    assert "秘书处" in admin.get("/admin/roles/permissions").get_data(as_text=True)

    member = db.session.get(User, users["member"].id)
    member.roles.append(secretariat)
    db.session.commit()

    page = admin.get(f"/admin/roles/{secretariat.id}/delete").get_data(as_text=True)
    assert "1 user holds this role" in page
    assert role("secretariat") is not None
    assert admin.post(f"/admin/roles/{secretariat.id}/delete").status_code == 302
    assert role("secretariat") is None
    assert db.session.get(User, users["member"].id).role_names == ["member"]
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.action.like("role.%"))).all()
    assert actions == ["role.created", "role.deleted"]


@pytest.mark.parametrize(
    "name, message",
    [
        ("Bad Name!", "Use only lower-case letters a-z, digits, - and _."),
        ("秘书处", "Use only lower-case letters a-z, digits, - and _."),
        ("x", "Field must be between 2 and 64 characters long."),
        ("editor", "A role with this name already exists."),
        ("", "This field is required."),
    ],
)
def test_bad_role_names_are_refused(admin, name, message):
    before = db.session.scalar(db.select(db.func.count()).select_from(Role))
    response = admin.post("/admin/roles/new", data={"name": name, "title": "Anything"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Role)) == before


def test_builtin_roles_cannot_be_deleted(admin):
    judge = role("judge")
    response = admin.post(f"/admin/roles/{judge.id}/delete", follow_redirects=True)
    assert "Built-in roles cannot be deleted." in response.get_data(as_text=True)
    assert role("judge") is not None


def test_role_list_shows_builtin_titles(admin):
    page = admin.get("/admin/roles").get_data(as_text=True)
    for title in ("Administrator", "Editor", "Judge", "Member"):
        assert title in page


def test_grid_round_trip_on_both_databases(backend_app):
    from tests.conftest import make_user

    admin_user = make_user("admin")
    client = signed_in(backend_app, admin_user)
    judge = role("judge")
    held = role_permissions(judge)  # plugins may give the judge role permissions by default
    client.post("/admin/roles/permissions", data=grid_post([judge], {"judge": held | {"content.edit"}}))
    assert overrides("judge") == {"content.edit": True}
