from core.demo import DEMO_DOMAIN, load_demo
from core.extensions import db
from core.users.models import Organisation, User
from tests.conftest import login


def test_demo_loader_creates_accounts_that_can_sign_in_and_is_idempotent(app):
    password = load_demo()
    assert password
    client = app.test_client()
    assert login(client, f"admin@{DEMO_DOMAIN}", password).headers["Location"].endswith("/me")
    users = db.session.query(User).count()
    organisations = db.session.query(Organisation).count()
    assert load_demo() is None
    assert db.session.query(User).count() == users
    assert db.session.query(Organisation).count() == organisations

