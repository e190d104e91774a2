"""The account page: profile, password change, and which sessions survive what."""
from core.extensions import db
from core.users.passwords import verify_password
from core.users.service import find_user
from tests.conftest import PASSWORD, login
from tests.core.acc_helpers import STRONG, audit_actions, in_english


def change_password(client, current=PASSWORD, new=STRONG, confirm=None):
    return client.post(
        "/me/account/password",
        data={"current_password": current, "password": new, "confirm": confirm or new},
    )


def remembered_login(client, user, password=PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password, "remember": "y"})


def test_account_page_shows_the_cards(client, users):
    in_english(client)
    login(client, users["member"])
    page = client.get("/me/account")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in ("Profile", "Password", "Two-step sign-in", "Personal API tokens"):
        assert heading in text


def test_account_page_needs_sign_in(client, app):
    response = client.get("/me/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_profile_change_saves_name_and_language(client, users):
    login(client, users["member"])
    response = client.post("/me/account/profile", data={"name": "Li Wei", "locale": "en"})
    assert response.status_code == 302
    db.session.expire_all()
    user = find_user("member@example.org")
    assert (user.name, user.locale) == ("Li Wei", "en")
    assert '<html lang="en"' in client.get("/me/account").get_data(as_text=True)


def test_profile_refuses_an_unknown_language_and_an_empty_name(client, users):
    login(client, users["member"])
    for data in ({"name": "Li Wei", "locale": "xx"}, {"name": "", "locale": "en"}, {"name": "a\x00b", "locale": "en"}):
        response = client.post("/me/account/profile", data=data)
        assert response.status_code == 200
        assert "has-error" in response.get_data(as_text=True)
    db.session.expire_all()
    user = find_user("member@example.org")
    assert (user.name, user.locale) == ("Member User", None)


def test_password_change_needs_the_current_password(client, users):
    in_english(client)
    login(client, users["member"])
    response = change_password(client, current="not my password")
    assert response.status_code == 200
    assert "not your current password" in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(find_user("member@example.org").password_hash, PASSWORD)


def test_password_change_applies_the_policy(client, users):
    in_english(client)
    login(client, users["member"])
    for weak, message in (("seven77", "at least 8"), ("baseball", "too common"), ("member@example.org", "e-mail")):
        response = change_password(client, new=weak)
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(find_user("member@example.org").password_hash, PASSWORD)
    assert "user.password_changed" not in audit_actions()


def test_password_change_ends_other_sessions_but_keeps_this_one(app, users):
    this, other, remembered = app.test_client(), app.test_client(), app.test_client()
    login(this, users["member"])
    login(other, users["member"])
    remembered_login(remembered, users["member"])
    assert change_password(this).status_code == 302
    assert this.get("/me").status_code == 200
    assert other.get("/me").status_code == 302
    remembered.delete_cookie("session")
    assert remembered.get("/me").status_code == 302
    assert "user.password_changed" in audit_actions()


def test_password_change_keeps_a_remembered_session_remembered(app, users):
    client = app.test_client()
    remembered_login(client, users["member"])
    change_password(client)
    client.delete_cookie("session")
    assert client.get("/me").status_code == 200


def test_remember_me_survives_losing_the_session_cookie(app, users):
    remembered, plain = app.test_client(), app.test_client()
    remembered_login(remembered, users["member"])
    login(plain, users["member"])
    remembered.delete_cookie("session")
    plain.delete_cookie("session")
    assert remembered.get("/me").status_code == 200
    assert plain.get("/me").status_code == 302


def test_logout_ends_every_session_and_remember_cookie(app, users):
    this, other = app.test_client(), app.test_client()
    login(this, users["member"])
    remembered_login(other, users["member"])
    assert this.post("/logout").status_code == 302
    assert this.get("/me").status_code == 302
    assert other.get("/me").status_code == 302
    other.delete_cookie("session")
    assert other.get("/me").status_code == 302
    assert "user.logout" in audit_actions()


def test_deactivated_user_is_signed_out_everywhere(app, users):
    client = app.test_client()
    remembered_login(client, users["member"])
    assert client.get("/me").status_code == 200
    users["member"].active = False
    db.session.commit()
    assert client.get("/me").status_code == 302
    client.delete_cookie("session")
    assert client.get("/me").status_code == 302
    assert login(client, users["member"]).status_code == 200  # refused with the usual message


def test_login_redirects_only_to_same_site_paths(client, users):
    for target, expected in (("/me/account", "/me/account"), ("https://evil.example/", "/me"), ("//evil", "/me")):
        client.post("/logout")
        response = client.post(
            "/login", data={"email": "member@example.org", "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == expected
