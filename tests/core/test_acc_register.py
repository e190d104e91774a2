"""Registration in each mode, invitations, e-mail verification."""
from datetime import timedelta

import pytest

from core.extensions import db
from core.users.models import Organisation, User, utcnow
from core.users.service import create_invitation, find_user, get_role
from core.users.tokens import make_token
from tests.conftest import login, make_user
from tests.core.acc_helpers import STRONG, audit_actions, in_english, link_in, mails_to, page_without_tokens


def register(client, email="new@example.org", name="New Person", password=STRONG, confirm=None):
    return client.post(
        "/register",
        data={"email": email, "name": name, "password": password, "confirm": confirm or password},
    )


def test_open_registration_creates_an_unverified_member_and_mails_a_link(client, app):
    in_english(client)
    response = register(client)
    assert response.status_code == 200
    assert "Check your e-mail" in response.get_data(as_text=True)
    user = find_user("new@example.org")
    assert user.role_names == ["member"]
    assert user.email_verified_at is None
    assert "user.registered" in audit_actions()
    [mail] = mails_to("new@example.org")
    assert "/verify/" in mail.body


def test_registration_with_a_taken_address_looks_the_same_and_warns_the_owner(client, app):
    make_user("member", email="taken@example.org")
    fresh = register(client, email="fresh@example.org")
    taken = register(client, email="taken@example.org", name="Intruder")
    assert fresh.status_code == taken.status_code == 200
    assert page_without_tokens(fresh) == page_without_tokens(taken)
    assert find_user("taken@example.org").name == "Member User"
    [notice] = mails_to("taken@example.org")
    assert "/verify/" not in notice.body
    assert "/reset" in notice.body


@pytest.mark.parametrize(
    "password, message",
    [("short1", "at least 8 characters"), ("password123", "too common"), ("qwertyuiop", "too common")],
)
def test_weak_passwords_are_refused_on_the_field_and_nothing_is_saved(client, app, password, message):
    in_english(client)
    response = register(client, password=password)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text
    assert 'class="field has-error"' in text
    assert find_user("new@example.org") is None
    assert mails_to("new@example.org") == []


def test_mismatched_confirmation_and_bad_email_are_refused(client, app):
    in_english(client)
    response = register(client, confirm="something else entirely")
    assert "do not match" in response.get_data(as_text=True)
    response = register(client, email="not-an-address")
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_control_characters_in_the_name_are_refused(client, app):
    response = register(client, name="bad\x00name")
    assert response.status_code == 200
    assert find_user("new@example.org") is None


def test_closed_registration_refuses(app_factory):
    app = app_factory(REGISTRATION_MODE="closed")
    client = in_english(app.test_client())
    page = client.get("/register")
    assert "Registration is closed" in page.get_data(as_text=True)
    assert register(client).status_code == 403
    with app.app_context():
        assert find_user("new@example.org") is None


def invite(app, email="guest@example.org", role="judge", organisation=None, **changes):
    with app.app_context():
        admin = make_user("admin")
        org = None
        if organisation:
            org = Organisation(name=organisation)
            db.session.add(org)
        invitation, raw = create_invitation(email, admin, role=get_role(role), organisation=org)
        for key, value in changes.items():
            setattr(invitation, key, value)
        db.session.commit()
        return raw


def accept(client, raw, name="Guest Judge", password=STRONG):
    return client.post(f"/register/invite/{raw}", data={"name": name, "password": password, "confirm": password})


def test_invite_only_registration_accepts_an_invitation_once(app_factory):
    app = app_factory(REGISTRATION_MODE="invite")
    client = in_english(app.test_client())
    assert "by invitation only" in client.get("/register").get_data(as_text=True)
    assert register(client).status_code == 403
    raw = invite(app, organisation="Quality Works Ltd")
    form = client.get(f"/register/invite/{raw}")
    assert "guest@example.org" in form.get_data(as_text=True)
    response = accept(client, raw)
    assert response.status_code == 302
    assert client.get("/me").status_code == 200
    with app.app_context():
        user = find_user("guest@example.org")
        assert user.role_names == ["judge"]
        assert [org.name for org in user.organisations] == ["Quality Works Ltd"]
        assert user.email_verified_at is not None
    client.post("/logout")
    second = app.test_client()
    assert second.get(f"/register/invite/{raw}").status_code == 404
    assert accept(second, raw, name="Someone Else").status_code == 404


def test_expired_or_unknown_invitation_is_refused(app_factory):
    app = app_factory(REGISTRATION_MODE="invite")
    client = app.test_client()
    raw = invite(app, expires_at=utcnow() - timedelta(minutes=1))
    assert accept(client, raw).status_code == 404
    assert accept(client, "made-up-token").status_code == 404
    with app.app_context():
        assert find_user("guest@example.org") is None


def test_invitation_with_a_weak_password_saves_nothing(app_factory):
    app = app_factory(REGISTRATION_MODE="invite")
    client = app.test_client()
    raw = invite(app)
    response = accept(client, raw, password="guest@example.org")
    assert response.status_code == 200
    assert "error" in response.get_data(as_text=True)
    with app.app_context():
        assert find_user("guest@example.org") is None
    assert accept(client, raw).status_code == 302  # still usable


def test_closed_mode_refuses_invitations_too(app_factory):
    app = app_factory(REGISTRATION_MODE="closed")
    raw = invite(app)
    assert accept(app.test_client(), raw).status_code == 403


def test_verification_link_confirms_the_address(client, app):
    register(client)
    path = link_in(mails_to("new@example.org")[0], "/verify/")
    page = client.get(path)
    assert page.status_code == 200
    assert find_user("new@example.org").email_verified_at is None  # GET changes nothing
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert find_user("new@example.org").email_verified_at is not None
    assert "user.verified" in audit_actions()


def test_tampered_or_foreign_verification_links_are_refused(client, app):
    register(client)
    path = link_in(mails_to("new@example.org")[0], "/verify/")
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 400
    assert client.post(tampered).status_code == 400
    user = find_user("new@example.org")
    # Signed for another purpose: the salt differs.
    wrong_purpose = make_token("reset", {"u": user.id, "e": user.email})
    assert client.post(f"/verify/{wrong_purpose}").status_code == 400
    assert client.post("/verify/" + "x" * 5000).status_code == 400
    db.session.expire_all()
    assert find_user("new@example.org").email_verified_at is None


def test_expired_verification_link_is_refused(app_factory):
    app = app_factory(TOKEN_MAX_AGE_VERIFY=-1)
    client = app.test_client()
    register(client)
    with app.app_context():
        path = link_in(mails_to("new@example.org")[0], "/verify/")
    assert client.post(path).status_code == 400
    with app.app_context():
        assert find_user("new@example.org").email_verified_at is None


def test_unverified_user_may_sign_in_sees_a_notice_and_can_resend(client, app):
    in_english(client)
    register(client)
    login(client, "new@example.org", password=STRONG)
    page = client.get("/me").get_data(as_text=True)
    assert "not confirmed yet" in page
    assert client.post("/me/verify").status_code == 302
    assert len(mails_to("new@example.org")) == 2


def test_verified_user_sees_no_notice(client, users):
    in_english(client)
    login(client, users["member"])
    assert "not confirmed yet" not in client.get("/me").get_data(as_text=True)


def test_resending_verification_is_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RESEND_VERIFY_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        make_user("member", email_verified_at=None)
    login(client, "member@example.org")
    assert [client.post("/me/verify").status_code for _ in range(3)] == [302, 302, 429]
