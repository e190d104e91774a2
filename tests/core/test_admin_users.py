"""Admin users page: search, edit, guard rails around admins, memberships, deletion, invitations."""
from urllib.parse import urlsplit

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.mail import OutboxMessage
from core.users.models import Invitation, Membership, Organisation, Role, RolePermission, User, hash_token
from tests.conftest import make_user
from tests.core.test_admin_access import signed_in


def role_ids(*names):
    return [db.session.scalar(db.select(Role.id).filter_by(name=name)) for name in names]


def entries(action):
    return db.session.scalars(db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)).all()


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def admin(app, users):
    return signed_in(app, users["admin"])


def edit(client, user, **fields):
    data = {"name": user.name, "roles": role_ids(*user.role_names), "active": "y" if user.active else ""}
    data.update(fields)
    data = {key: value for key, value in data.items() if value not in ("", None)}
    return client.post(f"/admin/users/{user.id}", data=data)


# -- list --------------------------------------------------------------------


def test_search_finds_users_by_name_or_email_and_filters_by_role_and_state(admin, users):
    make_user("member", email="zhang.wei@huawei.example", name="张伟")
    users["judge"].active = False
    db.session.commit()

    by_name = admin.get("/admin/users?q=张伟").get_data(as_text=True)
    assert "zhang.wei@huawei.example" in by_name and "judge@example.org" not in by_name
    by_mail = admin.get("/admin/users?q=HUAWEI").get_data(as_text=True)
    assert "zhang.wei@huawei.example" in by_mail
    judges = admin.get("/admin/users?role=judge").get_data(as_text=True)
    assert "judge@example.org" in judges and "member@example.org" not in judges
    inactive = admin.get("/admin/users?active=no").get_data(as_text=True)
    assert "judge@example.org" in inactive and "admin@example.org" not in inactive


def test_user_list_is_paginated(admin, users):
    member_role = db.session.scalar(db.select(Role).filter_by(name="member"))
    for number in range(30):  # straight into the table: hashing 30 passwords would be slow
        db.session.add(
            User(email=f"person{number:02d}@example.org", name=f"Person {number:02d}",
                 password_hash=users["member"].password_hash, roles=[member_role])
        )
    db.session.commit()
    first = admin.get("/admin/users").get_data(as_text=True)
    second = admin.get("/admin/users?page=2").get_data(as_text=True)
    assert "34 users" in first
    assert "person29@example.org" not in first and "person29@example.org" in second
    assert 'href="/admin/users?page=2' in first


# -- edit --------------------------------------------------------------------


def test_admin_changes_name_and_roles_and_the_change_is_audited(admin, users):
    member = users["member"]
    response = edit(admin, member, name="会员 张伟", roles=role_ids("member", "judge"))
    assert response.status_code == 302
    member = reload(member)
    assert member.name == "会员 张伟"
    assert sorted(member.role_names) == ["judge", "member"]
    [entry] = entries("role.changed")
    assert entry.target == member.email
    assert entry.detail == {"before": ["member"], "after": ["judge", "member"]}
    assert entry.actor_label == "admin@example.org"


def test_saving_without_role_change_writes_no_role_audit(admin, users):
    edit(admin, users["member"], name="Renamed")
    assert entries("role.changed") == []


def test_deactivating_ends_the_users_sessions(app, admin, users):
    member_browser = signed_in(app, users["member"])
    assert member_browser.get("/admin/").status_code == 403  # signed in, not allowed
    version = users["member"].session_version

    assert edit(admin, users["member"], active="").status_code == 302

    member = reload(users["member"])
    assert member.active is False
    assert member.session_version == version + 1
    assert member_browser.get("/admin/").status_code == 302  # signed out: sent to the sign-in page
    assert [e.target for e in entries("user.deactivated")] == [member.email]


def test_admin_cannot_deactivate_themselves(admin, users):
    response = edit(admin, users["admin"], active="")
    assert response.status_code == 200
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert reload(users["admin"]).active is True


def test_admin_cannot_remove_their_own_admin_role(admin, users):
    response = edit(admin, users["admin"], roles=role_ids("editor"))
    assert "You cannot remove your own administrator role." in response.get_data(as_text=True)
    assert reload(users["admin"]).role_names == ["admin"]
    assert entries("role.changed") == []


def test_admin_may_remove_another_admins_role(admin, users):
    other = make_user("admin", email="second-admin@example.org")
    assert edit(admin, other, roles=role_ids("member")).status_code == 302
    assert reload(other).role_names == ["member"]


@pytest.fixture
def user_manager(app, users):
    """The editor, given users.manage by an admin: may manage people, but not admins."""
    editor_role = db.session.scalar(db.select(Role).filter_by(name="editor"))
    db.session.add(RolePermission(role=editor_role, permission="users.manage", granted=True))
    db.session.commit()
    return signed_in(app, users["editor"])


def test_last_active_admin_cannot_be_deactivated(user_manager, users):
    response = edit(user_manager, users["admin"], active="")
    assert "is the last active administrator" in response.get_data(as_text=True)
    assert reload(users["admin"]).active is True


def test_non_admins_cannot_touch_admin_accounts(user_manager, users):
    make_user("admin", email="second-admin@example.org")
    deactivate = edit(user_manager, users["admin"], active="")
    demote = edit(user_manager, users["admin"], roles=role_ids("member"))
    promote = edit(user_manager, users["member"], roles=role_ids("admin"))
    for response in (deactivate, demote, promote):
        assert "Only administrators can" in response.get_data(as_text=True)
    assert reload(users["admin"]).active and reload(users["admin"]).has_role("admin")
    assert not reload(users["member"]).has_role("admin")
    assert user_manager.post(f"/admin/users/{users['admin'].id}/delete").status_code == 302
    assert reload(users["admin"]) is not None


def test_bad_edit_input_re_renders_and_saves_nothing(admin, users):
    member = users["member"]
    empty_name = edit(admin, member, name="   ")
    unknown_role = edit(admin, member, name="New name", roles=["999"])
    assert empty_name.status_code == unknown_role.status_code == 200
    assert "This field is required." in empty_name.get_data(as_text=True)
    assert "not a valid choice" in unknown_role.get_data(as_text=True)
    member = reload(member)
    assert member.name == "Member User" and member.role_names == ["member"]


def test_editing_a_missing_user_is_404(admin):
    assert admin.get("/admin/users/999").status_code == 404
    assert admin.post("/admin/users/999", data={"name": "x"}).status_code == 404


# -- memberships ---------------------------------------------------------------


def test_memberships_are_added_flagged_and_removed(admin, users):
    org = Organisation(name="中兴通讯股份有限公司")
    db.session.add(org)
    db.session.commit()
    member = users["member"]

    assert admin.post(f"/admin/users/{member.id}/memberships", data={"organisation": org.id}).status_code == 302
    again = admin.post(f"/admin/users/{member.id}/memberships", data={"organisation": org.id, "is_admin": "y"})
    assert "already a member" in again.get_data(as_text=True)
    db.session.expire_all()
    membership = db.session.get(Membership, (member.id, org.id))
    assert membership is not None and membership.is_admin is False

    admin.post(f"/admin/users/{member.id}/memberships/{org.id}/toggle-admin")
    db.session.expire_all()
    assert db.session.get(Membership, (member.id, org.id)).is_admin is True

    admin.post(f"/admin/users/{member.id}/memberships/{org.id}/remove")
    db.session.expire_all()
    assert db.session.get(Membership, (member.id, org.id)) is None
    assert [e.action for e in db.session.scalars(db.select(AuditEntry).where(AuditEntry.action.like("membership.%")))] == [
        "membership.added", "membership.changed", "membership.removed"
    ]


def test_membership_in_unknown_organisation_is_refused(admin, users):
    response = admin.post(f"/admin/users/{users['member'].id}/memberships", data={"organisation": "12345"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0


# -- delete ------------------------------------------------------------------


def test_deleting_needs_confirmation_and_is_audited(admin, users):
    judge = users["judge"]
    page = admin.get(f"/admin/users/{judge.id}/delete")
    assert page.status_code == 200 and 'id="confirm-delete"' in page.get_data(as_text=True)
    assert reload(judge) is not None  # GET changes nothing

    assert admin.post(f"/admin/users/{judge.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, judge.id) is None
    [entry] = entries("user.deleted")
    assert entry.target == "judge@example.org" and entry.actor_label == "admin@example.org"


def test_admin_cannot_delete_themselves(admin, users):
    response = admin.post(f"/admin/users/{users['admin'].id}/delete", follow_redirects=True)
    assert "You cannot delete your own account." in response.get_data(as_text=True)
    assert reload(users["admin"]) is not None
    assert entries("user.deleted") == []


# -- invitations -------------------------------------------------------------


def test_invitation_is_stored_and_mailed_with_a_working_link(app, admin, users):
    org = Organisation(name="深圳华大基因股份有限公司")
    db.session.add(org)
    db.session.commit()
    [judge_role] = role_ids("judge")

    response = admin.post(
        "/admin/invitations", data={"email": " New.Judge@Example.org ", "role": judge_role, "organisation": org.id}
    )
    assert response.status_code == 302

    invitation = db.session.scalar(db.select(Invitation))
    assert invitation.email == "new.judge@example.org"
    assert invitation.role.name == "judge" and invitation.organisation_id == org.id
    assert invitation.created_by_id == users["admin"].id
    [mail] = db.session.scalars(db.select(OutboxMessage)).all()
    assert mail.recipient == "new.judge@example.org"
    link = next(line for line in mail.body.splitlines() if "/register/invite/" in line).strip()
    token = link.rsplit("/", 1)[1]
    assert hash_token(token) == invitation.token_hash  # the raw token is only in the mail
    assert [e.target for e in entries("invitation.created")] == ["new.judge@example.org"]
    if "users.register_invite" in app.view_functions:  # the registration pages are another helper's
        invitee = app.test_client()
        invitee.post("/language", data={"lang": "en"})
        page = invitee.get(urlsplit(link).path)
        assert page.status_code == 200 and "new.judge@example.org" in page.get_data(as_text=True)

    listing = admin.get("/admin/invitations").get_data(as_text=True)
    assert "new.judge@example.org" in listing


@pytest.mark.parametrize(
    "email, message",
    [
        ("member@example.org", "A user with this e-mail address already exists."),
        ("not-an-address", "Invalid email address."),
        ("", "This field is required."),
    ],
)
def test_bad_invitations_are_refused_and_nothing_is_sent(admin, users, email, message):
    response = admin.post("/admin/invitations", data={"email": email, "role": role_ids("member")[0], "organisation": 0})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_second_pending_invitation_to_the_same_address_is_refused(admin, users):
    data = {"email": "guest@example.org", "role": role_ids("member")[0], "organisation": 0}
    admin.post("/admin/invitations", data=data)
    response = admin.post("/admin/invitations", data=data)
    assert "still pending" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 1


def test_revoking_an_invitation_removes_it(admin, users):
    admin.post("/admin/invitations", data={"email": "guest@example.org", "role": role_ids("member")[0], "organisation": 0})
    invitation = db.session.scalar(db.select(Invitation))
    assert admin.post(f"/admin/invitations/{invitation.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(Invitation)) is None
    assert [e.target for e in entries("invitation.revoked")] == ["guest@example.org"]
    assert "<td>guest@example.org</td>" not in admin.get("/admin/invitations").get_data(as_text=True)


def test_search_works_on_both_databases(backend_app):
    make_user("admin")
    make_user("member", email="liu.yang@zte.example", name="刘洋")
    client = signed_in(backend_app, db.session.scalar(db.select(User).filter_by(email="admin@example.org")))
    page = client.get("/admin/users?q=ZTE").get_data(as_text=True)
    assert "liu.yang@zte.example" in page and "admin@example.org</td>" not in page
