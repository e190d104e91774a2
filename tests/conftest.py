"""Shared fixtures: an app on a migrated database, users of every role, service variants.

Under CI=true the PostgreSQL and Redis variants must run: an unreachable
service fails the run instead of skipping it.
"""
import os
import shutil
import socket
import uuid

import pytest
from flask import g
from flask_migrate import upgrade

from core.app import create_app
from core.extensions import db

REQUIRE_SERVICES = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("GUILDHALL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("GUILDHALL_TEST_REDIS", "redis://127.0.0.1:6379")
PASSWORD = "correct horse battery"
ROLES = ("admin", "editor", "judge", "member")

BASE_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "PLUGIN_STATE_TTL": 0,
    "SERVER_NAME": None,
    # Core tests run with the example plugin only; each plugin's tests turn their plugin on.
    "ENABLED_PLUGINS": ["announcements"],
}


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Argon2 with its production cost makes every test user take ~100 ms; the tests check
    behaviour, not hash strength, so they hash with the cheapest parameters."""
    from argon2 import PasswordHasher

    from core.users import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    saved = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher, passwords._DUMMY_HASH = cheap, cheap.hash("guildhall-timing-equaliser")
    yield
    passwords._hasher, passwords._DUMMY_HASH = saved


def service_missing(what, reason):
    message = f"{what} not available: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (CI=true requires it)", pytrace=False)
    pytest.skip(message)


def worker_id():
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def make_app(tmp_path, **config):
    settings = dict(BASE_CONFIG)
    settings.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'guildhall.db'}")
    settings.update(config)
    return create_app(settings, instance_path=tmp_path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once per session; each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    app = make_app(folder)
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return folder / "guildhall.db"


@pytest.fixture
def app_factory(tmp_path, sqlite_template):
    """Build apps on this test's SQLite copy; several calls share the database."""
    target = tmp_path / "guildhall.db"
    shutil.copy(sqlite_template, target)
    apps = []

    def factory(**config):
        app = fresh_g_per_request(make_app(tmp_path, **config))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def fresh_g_per_request(app):
    """Requests made while the fixture's app context is pushed reuse it, and so its `g`,
    where Flask-Login keeps the signed-in user: one client's login would show through
    to every other client. Start each request with an empty `g`, as a server does."""

    def clear_g():
        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, clear_g)
    return app


def with_plugins(app_factory, plugins, **defaults):
    """An app factory whose apps have ``plugins`` on (a plugin's test folder overrides its
    ``app_factory`` fixture with this; ``app`` and the other fixtures then follow)."""

    def factory(**config):
        config.setdefault("ENABLED_PLUGINS", plugins)
        for key, value in defaults.items():
            config.setdefault(key, value)
        return app_factory(**config)

    return factory


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def make_user(role, email=None, password=PASSWORD, **fields):
    from core.users.service import create_user

    user = create_user(email or f"{role}@example.org", f"{role.title()} User", password, roles=[role], verified=True)
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.commit()
    return user


def make_member_with_role(email, role_name, title, permissions):
    """A member who also holds role `role_name`, made on first use with `permissions` granted."""
    from core.users.models import Role, RolePermission

    role = db.session.scalar(db.select(Role).filter_by(name=role_name))
    if role is None:
        role = Role(name=role_name, title=title,
                    grants=[RolePermission(permission=name, granted=True) for name in permissions])
        db.session.add(role)
        db.session.commit()
    user = make_user("member", email=email)
    user.roles.append(role)
    db.session.commit()
    return user


@pytest.fixture
def users(app):
    """One user per built-in role, keyed by role name."""
    return {role: make_user(role) for role in ROLES}


def login(client, user_or_email, password=PASSWORD, follow=False):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=follow)


# -- PostgreSQL and Redis variants ------------------------------------------


def _reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test session (and xdist worker)."""
    if not _reachable("127.0.0.1", 5432):
        service_missing("PostgreSQL", "nothing listens on 127.0.0.1:5432")
    import sqlalchemy as sa

    name = f"guildhall_test_{worker_id()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        service_missing("PostgreSQL", str(error).splitlines()[0])
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_migrated(pg_database_url, tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("pg"), SQLALCHEMY_DATABASE_URI=pg_database_url)
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return pg_database_url


def _clean_postgres(app):
    import sqlalchemy as sa

    tables = [t.name for t in db.metadata.sorted_tables if t.name != "core_roles"]
    with db.engine.begin() as connection:
        existing = set(sa.inspect(connection).get_table_names())
        names = ", ".join(f'"{t}"' for t in tables if t in existing)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.execute(sa.text("DELETE FROM core_roles WHERE builtin = false"))


@pytest.fixture
def redis_url():
    if not _reachable("127.0.0.1", 6379):
        service_missing("Redis", "nothing listens on 127.0.0.1:6379")
    import redis

    # One logical database per xdist worker, emptied before each test.
    number = 15 - int(worker_id().removeprefix("gw") or 0) % 8
    url = f"{REDIS_BASE_URL}/{number}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_app(request, tmp_path, app_factory):
    """The app on SQLite and again on PostgreSQL."""
    if request.param == "sqlite":
        app = app_factory()
    else:
        url = request.getfixturevalue("pg_migrated")
        app = app_factory(SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            _clean_postgres(app)
    with app.app_context():
        yield app
        db.session.remove()
