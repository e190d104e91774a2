"""Two-step sign-in: enrolment, the code at sign-in, turning it off, roles that require it."""
import time
from datetime import datetime, timezone

import pyotp
import pytest

from core.extensions import db
from core.users.service import find_user
from tests.conftest import PASSWORD, login, make_user
from tests.core.acc_helpers import audit_actions, in_english


def current_code(email):
    """A code the site will accept now: codes are single-use, so once this step's code is
    spent, the next step's (accepted for clock drift) is the one to type."""
    db.session.expire_all()
    user = find_user(email)
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time()
    step = totp.timecode(datetime.fromtimestamp(now, timezone.utc))
    if user.totp_last_step is not None and user.totp_last_step >= step:
        return totp.at(now + totp.interval * (user.totp_last_step - step + 1))
    return totp.now()


def wrong_code(email):
    right = current_code(email)
    secret = find_user(email).totp_secret
    totp = pyotp.TOTP(secret)
    # A code valid at none of the accepted steps.
    candidates = (f"{(int(right) + n) % 1000000:06d}" for n in range(1, 100))
    return next(c for c in candidates if not totp.verify(c, valid_window=1))


def enrol(client, email="member@example.org"):
    assert client.post("/me/account/totp/start").status_code == 302
    response = client.post("/me/account/totp/confirm", data={"code": current_code(email)})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_enrolment_shows_the_key_and_qr_then_needs_a_right_code(client, users):
    login(client, users["member"])
    assert client.get("/me/account/totp/qr.svg").status_code == 404  # nothing to show yet
    assert client.post("/me/account/totp/start").status_code == 302
    page = client.get("/me/account/totp").get_data(as_text=True)
    secret = find_user("member@example.org").totp_secret
    assert secret in page
    assert "otpauth://totp/" in page
    qr = client.get("/me/account/totp/qr.svg")
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).startswith("<svg")

    for bad in (wrong_code("member@example.org"), "abc123", "1" * 10):
        response = client.post("/me/account/totp/confirm", data={"code": bad})
        assert response.status_code == 200
        assert "has-error" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not find_user("member@example.org").totp_enabled

    response = client.post("/me/account/totp/confirm", data={"code": current_code("member@example.org")})
    assert response.status_code == 302
    db.session.expire_all()
    assert find_user("member@example.org").totp_enabled
    assert client.get("/me").status_code == 200  # this session stays signed in
    assert client.get("/me/account/totp/qr.svg").status_code == 404  # the key is not shown again
    assert "totp.enabled" in audit_actions()


def test_confirming_without_starting_is_refused(client, users):
    in_english(client)
    login(client, users["member"])
    response = client.post("/me/account/totp/confirm", data={"code": "123456"}, follow_redirects=True)
    assert "Start the set-up first" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not find_user("member@example.org").totp_enabled


def test_sign_in_asks_for_the_code_after_the_password(app, users):
    setup = app.test_client()
    login(setup, users["member"])
    enrol(setup)

    client = in_english(app.test_client())
    response = login(client, users["member"])
    assert response.headers["Location"] == "/login/totp"
    assert client.get("/me").status_code == 302  # the password alone does not sign in
    refused = client.post("/login/totp", data={"code": wrong_code("member@example.org")})
    assert refused.status_code == 200
    assert "code is not right" in refused.get_data(as_text=True)
    assert client.get("/me").status_code == 302
    response = client.post("/login/totp", data={"code": current_code("member@example.org")})
    assert response.status_code == 302
    assert client.get("/me").status_code == 200
    actions = audit_actions()
    assert actions.count("user.login_failed") == 1
    assert actions[-1] == "user.login"


def test_the_code_page_needs_a_password_first(client, users):
    assert client.get("/login/totp").headers["Location"].endswith("/login")
    assert client.post("/login/totp", data={"code": "123456"}).headers["Location"].endswith("/login")


def test_pending_sign_in_expires(app, users, monkeypatch):
    setup = app.test_client()
    login(setup, users["member"])
    enrol(setup)
    client = app.test_client()
    login(client, users["member"])
    monkeypatch.setattr("core.users.views.TOTP_PENDING_SECONDS", -1)
    response = client.post("/login/totp", data={"code": current_code("member@example.org")})
    assert response.headers["Location"].endswith("/login")
    assert client.get("/me").status_code == 302


def test_too_many_wrong_codes_end_the_pending_sign_in(app, users):
    setup = app.test_client()
    login(setup, users["member"])
    enrol(setup)
    client = app.test_client()
    login(client, users["member"])
    wrong = wrong_code("member@example.org")
    statuses = [client.post("/login/totp", data={"code": wrong}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 302]
    response = client.post("/login/totp", data={"code": current_code("member@example.org")})
    assert response.headers["Location"].endswith("/login")
    assert client.get("/me").status_code == 302


def test_enabling_ends_other_password_only_sessions(app, users):
    this, other = app.test_client(), app.test_client()
    login(this, users["member"])
    login(other, users["member"])
    enrol(this)
    assert this.get("/me").status_code == 200
    assert other.get("/me").status_code == 302


def test_turning_off_needs_password_and_code(client, users):
    in_english(client)
    login(client, users["member"])
    enrol(client)
    code = current_code("member@example.org")
    response = client.post("/me/account/totp/disable", data={"password": "wrong password", "code": code})
    assert "not your current password" in response.get_data(as_text=True)
    response = client.post(
        "/me/account/totp/disable", data={"password": PASSWORD, "code": wrong_code("member@example.org")}
    )
    assert "code is not right" in response.get_data(as_text=True)
    db.session.expire_all()
    assert find_user("member@example.org").totp_enabled
    response = client.post("/me/account/totp/disable", data={"password": PASSWORD, "code": code})
    assert response.status_code == 302
    db.session.expire_all()
    user = find_user("member@example.org")
    assert not user.totp_enabled and user.totp_secret is None
    assert "totp.disabled" in audit_actions()
    client.post("/logout")
    assert login(client, users["member"]).headers["Location"] == "/me"


@pytest.fixture
def strict_app(app_factory):
    app = app_factory(REQUIRE_TOTP_FOR_ROLES=["admin"])
    with app.app_context():
        make_user("admin")
        make_user("member")
    return app


def test_required_role_is_sent_to_setup_until_enabled(strict_app):
    client = in_english(strict_app.test_client())
    login(client, "admin@example.org")
    for path in ("/me", "/admin/", "/me/account", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/me/account/totp"
    page = client.get("/me/account/totp")
    assert page.status_code == 200
    assert "Your role requires two-step sign-in" in page.get_data(as_text=True)
    assert client.get("/static/css/site.css").status_code == 200
    with strict_app.app_context():
        enrol(client, "admin@example.org")
    assert client.get("/me").status_code == 200
    with strict_app.app_context():
        code = current_code("admin@example.org")
    response = client.post("/me/account/totp/disable", data={"password": PASSWORD, "code": code})
    assert "cannot be turned off" in client.get(response.headers["Location"]).get_data(as_text=True)
    with strict_app.app_context():
        assert find_user("admin@example.org").totp_enabled


def test_required_role_can_still_sign_out(strict_app):
    client = strict_app.test_client()
    login(client, "admin@example.org")
    assert client.post("/logout").headers["Location"] == "/"
    assert client.get("/me").headers["Location"].startswith("/login")


def test_other_roles_and_visitors_are_not_sent_to_setup(strict_app):
    client = strict_app.test_client()
    assert client.get("/").status_code == 200
    login(client, "member@example.org")
    assert client.get("/me").status_code == 200


def test_code_check_refuses_malformed_codes_and_damaged_secrets(app):
    from core.users.totp import matching_step

    secret = pyotp.random_base32()
    assert matching_step(secret, pyotp.TOTP(secret).now()) is not None
    for code in ("", "12345", "1234567", "12a456", None):
        assert matching_step(secret, code) is None
    assert matching_step("SHORT", "123456") is None
    assert matching_step("not base32 !!", "123456") is None
    assert matching_step(None, "123456") is None


def test_a_code_works_only_once(app, users):
    setup = app.test_client()
    login(setup, users["member"])
    enrol(setup)
    code = current_code("member@example.org")
    first = app.test_client()
    login(first, users["member"])
    assert first.post("/login/totp", data={"code": code}).status_code == 302
    assert first.get("/me").status_code == 200
    # Someone who saw that code cannot sign in with it again, even within its 30 seconds.
    second = app.test_client()
    login(second, users["member"])
    assert second.post("/login/totp", data={"code": code}).status_code == 200
    assert second.get("/me").status_code == 302
