"""Personal API tokens on the account page: create (shown once), list, revoke."""
import re

from core.extensions import db
from core.users.models import ApiToken, hash_token
from tests.conftest import login
from tests.core.acc_helpers import audit_actions, in_english


def create(client, name="Reporting script"):
    return client.post("/me/account/tokens", data={"token_name": name})


def raw_token_in(response):
    match = re.search(r"gh_[A-Za-z0-9_-]{20,}", response.get_data(as_text=True))
    assert match, "the new token is not shown"
    return match.group(0)


def test_token_is_shown_once_and_stored_only_as_a_hash(client, users):
    login(client, users["member"])
    response = create(client)
    assert response.status_code == 200
    raw = raw_token_in(response)
    token = db.session.scalar(db.select(ApiToken))
    assert token.token_hash == hash_token(raw)
    assert token.user_id == users["member"].id
    assert ApiToken.find_active(raw) == token
    page = client.get("/me/account").get_data(as_text=True)
    assert "Reporting script" in page
    assert token.hint in page
    assert raw not in page
    assert "token.created" in audit_actions()


def test_revoking_a_token_stops_it(client, users):
    in_english(client)
    login(client, users["member"])
    raw = raw_token_in(create(client))
    token = db.session.scalar(db.select(ApiToken))
    response = client.post(f"/me/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert token.revoked_at is not None
    assert ApiToken.find_active(raw) is None
    assert "revoked" in client.get("/me/account").get_data(as_text=True)
    assert "token.revoked" in audit_actions()


def test_nobody_revokes_another_users_token(app, users):
    owner, stranger = app.test_client(), app.test_client()
    login(owner, users["member"])
    create(owner)
    token = db.session.scalar(db.select(ApiToken))
    login(stranger, users["judge"])
    assert stranger.post(f"/me/account/tokens/{token.id}/revoke").status_code == 404
    assert stranger.post("/me/account/tokens/999999/revoke").status_code == 404
    db.session.expire_all()
    assert token.revoked_at is None


def test_token_needs_a_sensible_name(client, users):
    login(client, users["member"])
    for name in ("", "x" * 101, "bad\x00name"):
        response = create(client, name=name)
        assert response.status_code == 200
        assert "has-error" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_tokens_need_sign_in_and_post(client, users):
    assert create(client).headers["Location"].startswith("/login")
    login(client, users["member"])
    assert client.get("/me/account/tokens").status_code == 405
