"""Password reset through the outbox, single use, expiry, and enumeration resistance."""
from core.extensions import db
from core.users.passwords import verify_password
from core.users.service import find_user
from tests.conftest import PASSWORD, login
from tests.core.acc_helpers import STRONG, audit_actions, in_english, link_in, mails_to, page_without_tokens


def request_reset(client, email):
    return client.post("/reset", data={"email": email})


def reset_link(client, email="member@example.org"):
    request_reset(client, email)
    return link_in(mails_to(email)[-1], "/reset/")


def choose(client, path, password=STRONG, confirm=None):
    return client.post(path, data={"password": password, "confirm": confirm or password})


def test_reset_end_to_end_through_the_outbox(client, users):
    path = reset_link(client)
    assert client.get(path).status_code == 200
    response = choose(client, path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert login(client, users["member"]).status_code == 200  # the old password is refused
    assert login(client, users["member"], password=STRONG).status_code == 302
    assert client.get("/me").status_code == 200
    assert "user.password_reset" in audit_actions()


def test_reset_link_works_only_once(client, users):
    path = reset_link(client)
    assert choose(client, path).status_code == 302
    assert client.get(path).status_code == 400
    assert choose(client, path, password="another fine passphrase").status_code == 400
    db.session.expire_all()
    assert verify_password(find_user("member@example.org").password_hash, STRONG)


def test_older_reset_links_die_when_a_newer_one_is_used(client, users):
    first = reset_link(client)
    second = reset_link(client)
    assert choose(client, second).status_code == 302
    assert choose(client, first, password="another fine passphrase").status_code == 400


def test_expired_reset_link_is_refused(app_factory):
    from tests.conftest import make_user

    app = app_factory(TOKEN_MAX_AGE_RESET=-1)
    client = app.test_client()
    with app.app_context():
        make_user("member")
        path = reset_link(client)
    assert client.get(path).status_code == 400
    assert choose(client, path).status_code == 400


def test_tampered_reset_link_is_refused(client, users):
    path = reset_link(client)
    assert choose(client, path + "x").status_code == 400
    assert choose(client, "/reset/not.a.token").status_code == 400
    db.session.expire_all()
    assert verify_password(find_user("member@example.org").password_hash, PASSWORD)


def test_weak_new_password_is_refused_on_the_field(client, users):
    in_english(client)
    path = reset_link(client)
    for weak, message in (("abc", "at least 8"), ("iloveyou", "too common")):
        response = choose(client, path, password=weak)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(find_user("member@example.org").password_hash, PASSWORD)
    assert choose(client, path).status_code == 302  # the link is still good


def test_reset_ends_existing_sessions(app, users):
    other = app.test_client()
    login(other, users["member"])
    client = app.test_client()
    choose(client, reset_link(client))
    assert other.get("/me").status_code == 302


def test_reset_request_answers_the_same_for_unknown_addresses(client, users):
    known = request_reset(client, "member@example.org")
    unknown = request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert page_without_tokens(known) == page_without_tokens(unknown)
    assert len(mails_to("member@example.org")) == 1
    assert mails_to("nobody@example.org") == []


def test_deactivated_user_gets_no_reset_mail(client, users):
    users["member"].active = False
    db.session.commit()
    request_reset(client, "member@example.org")
    assert mails_to("member@example.org") == []


def test_login_answers_the_same_for_unknown_addresses_and_wrong_passwords(client, users):
    wrong = login(client, users["member"], password="not the password", follow=True)
    unknown = login(client, "nobody@example.org", password="not the password", follow=True)
    assert wrong.status_code == unknown.status_code == 200
    assert page_without_tokens(wrong).replace("member@example.org", "X") == page_without_tokens(
        unknown
    ).replace("nobody@example.org", "X")
    assert audit_actions().count("user.login_failed") == 2
