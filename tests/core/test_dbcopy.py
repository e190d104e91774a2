"""`flask db copy --to URL`: every table of the core and of every plugin, and the stored files,
moved to another database and storage, verified, and safe to run again."""
import datetime as dt
import decimal
import re
import time
import uuid
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.ops import dump
from core.storage import get_storage
from tests.conftest import PG_ADMIN_URL, make_app
from tests.core.storage_fixtures import s3_config, s3_server  # noqa: F401

PLUGIN_FOLDER = Path(__file__).resolve().parents[2] / "plugins"
ALL_PLUGINS = sorted(
    path.name for path in PLUGIN_FOLDER.iterdir() if (path / "__init__.py").is_file() and not path.name.startswith("_")
)
FTS_SHADOW = "core_search_fts_"  # SQLite's internal FTS5 pages: their layout may differ, their content may not


# -- helpers shared with test_backup -------------------------------------------------


@pytest.fixture
def fresh_pg_url(pg_database_url):
    """A new PostgreSQL database without any table, dropped after the test."""
    name = f"guildhall_ops_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def load_demo_content(app):
    """The core's demo and every plugin's, a page whose parent was made after it, and a file
    no row refers to. Returns the demo admin's password."""
    from core.demo import load_demo
    from core.storage.backends import new_key

    with app.app_context():
        password = load_demo()
        first, last = db.session.execute(sa.text("SELECT min(id), max(id) FROM core_pages")).one()
        db.session.execute(sa.text("UPDATE core_pages SET parent_id = :last WHERE id = :first"),
                           {"first": first, "last": last})
        db.session.commit()
        get_storage().put(new_key(".bin"), bytes(range(256)) * 10)
        db.session.remove()
    return password


def table_contents(engine):
    """Every row of every table (Alembic's included) as the database returns it, order-free."""
    contents = {}
    with engine.connect() as connection:
        metadata = sa.MetaData()
        metadata.reflect(connection, only=lambda name, _: not name.startswith(FTS_SHADOW))
        for table in metadata.sorted_tables:
            rows = connection.execute(sa.select(table)).all()
            contents[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return contents


def stored_files(storage):
    return {key: storage.get(key) for key in storage.keys()}


def checksums(engine):
    with engine.connect() as connection:
        return dump.summarize(connection, dump.reflect(connection))


def engine_of(app):
    with app.app_context():
        return db.engine


@pytest.fixture
def demo_app(app_factory):
    app = app_factory(ENABLED_PLUGINS=ALL_PLUGINS)
    app.demo_password = load_demo_content(app)
    return app


def copy(app, url, *options):
    return app.test_cli_runner().invoke(args=["db", "copy", "--to", url, *options])


# -- tests --------------------------------------------------------------------------


def test_copy_to_a_new_database_copies_every_table_and_file_and_can_run_again(demo_app, tmp_path):
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    files = tmp_path / "target-files"
    result = copy(demo_app, target_url, "--files-to", str(files))
    assert result.exit_code == 0, result.output
    assert "all match" in result.output and "DIFFERS" not in result.output

    source, target = engine_of(demo_app), sa.create_engine(target_url)
    expected = table_contents(source)
    assert sum(len(rows) for rows in expected.values()) > 1000  # the demo, not an empty site
    assert any(name.startswith("competitions_") and rows for name, rows in expected.items())
    assert table_contents(target) == expected  # alembic_version and the FTS index included
    source_files = stored_files(get_storage(demo_app))
    assert len(source_files) > 1
    assert {path.name: path.read_bytes() for path in files.iterdir()} == source_files

    again = copy(demo_app, target_url, "--files-to", str(files))
    assert again.exit_code == 0, again.output
    assert f"0 copied (0 bytes), {len(source_files)} already there" in again.output
    assert table_contents(target) == expected  # nothing duplicated
    target.dispose()


def test_copy_refuses_a_target_with_rows_of_its_own_until_told_to_replace(demo_app, tmp_path):
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    assert copy(demo_app, target_url).exit_code == 0
    target = sa.create_engine(target_url)
    with target.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO core_users (email, name, password_hash, active, session_version, created_at, totp_enabled) "
            "VALUES ('only@target.example', 'x', 'x', 1, 1, '2026-01-01 00:00:00.000000', 0)"
        ))
    before = table_contents(target)

    refused = copy(demo_app, target_url)
    assert refused.exit_code != 0
    assert "core_users (1)" in refused.output and "--replace" in refused.output
    assert table_contents(target) == before  # untouched

    replaced = copy(demo_app, target_url, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert table_contents(target) == table_contents(engine_of(demo_app))
    target.dispose()


def test_rows_a_migration_inserted_do_not_make_the_target_count_as_full(app_factory, tmp_path):
    """A target that only ran `flask db upgrade` holds the built-in roles: the copy goes ahead."""
    source = app_factory()
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    migrated = make_app(tmp_path / "target-instance", SQLALCHEMY_DATABASE_URI=target_url)
    assert migrated.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with migrated.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM core_roles")).scalar() == 4
        db.engine.dispose()
    result = copy(source, target_url)
    assert result.exit_code == 0, result.output
    assert re.search(r"^core_roles\s+4\s+4\s+match$", result.output, re.MULTILINE)


def test_an_error_halfway_leaves_the_target_as_it_was(app_factory, tmp_path, monkeypatch):
    from tests.conftest import make_user

    source = app_factory()
    with source.app_context():
        make_user("member")
        db.session.remove()
    target_url = f"sqlite:///{tmp_path / 'target.db'}"

    def fail(connection):
        raise RuntimeError("connection lost")

    monkeypatch.setattr("core.ops.dbcopy.searchindex.rebuild", fail)  # after every row is in
    result = copy(source, target_url)
    assert result.exit_code != 0 and "connection lost" in str(result.exception)
    target = sa.create_engine(target_url)
    with target.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM core_users")).scalar() == 0
    target.dispose()


def test_copy_refuses_a_source_behind_the_code(app_factory, tmp_path):
    source = app_factory()
    with source.app_context():
        db.session.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('core_0001')"))
        db.session.commit()
        db.session.remove()
    result = copy(source, f"sqlite:///{tmp_path / 'target.db'}")
    assert result.exit_code != 0 and "run `flask db upgrade` on the source first" in result.output


def test_copy_refuses_its_own_database(demo_app):
    result = copy(demo_app, demo_app.config["SQLALCHEMY_DATABASE_URI"])
    assert result.exit_code != 0 and "the target is the source" in result.output


def test_a_hundred_thousand_rows_copy_in_seconds(app_factory, tmp_path):
    app = app_factory()
    now = dt.datetime(2026, 5, 1, 8, 30, 0, 123456)
    rows = [
        {"at": now + dt.timedelta(seconds=i), "action": "bench.row", "target": f"t{i}",
         "detail": {"i": i, "ok": i % 2 == 0}}
        for i in range(100_000)
    ]
    with app.app_context():
        log = sa.table("core_audit_log", sa.column("at"), sa.column("action"), sa.column("target"),
                       sa.column("detail", sa.JSON))
        db.session.execute(log.insert(), rows)
        db.session.commit()
        db.session.remove()
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    started = time.monotonic()
    result = copy(app, target_url)
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "core_audit_log" in result.output and "100000    100000  match" in result.output
    assert elapsed < 40, f"100,000 rows took {elapsed:.1f} s"  # about 10 s on a loaded 2-core machine


@pytest.mark.postgres
def test_copy_of_the_full_demo_to_postgresql_and_s3_matches_and_works_there(demo_app, fresh_pg_url, s3_server):
    settings = s3_config(s3_server, prefix="moved")
    s3_options = [
        "--files-to", "s3", "--s3-bucket", settings["S3_BUCKET"], "--s3-prefix", "moved",
        "--s3-endpoint-url", s3_server, "--s3-region", "us-east-1",
        "--s3-access-key-id", "testing", "--s3-secret-access-key", "testing",
    ]
    result = copy(demo_app, fresh_pg_url, *s3_options)
    assert result.exit_code == 0, result.output
    assert "all match" in result.output

    source, target = engine_of(demo_app), sa.create_engine(fresh_pg_url)
    expected = checksums(source)
    assert checksums(target) == expected
    with target.connect() as connection:
        for name, summary in expected.items():  # counted by the database itself, too
            assert connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar() == summary["rows"], name
        with source.connect() as original:
            revisions = "SELECT version_num FROM alembic_version ORDER BY 1"
            assert connection.execute(sa.text(revisions)).all() == original.execute(sa.text(revisions)).all()

    again = copy(demo_app, fresh_pg_url, *s3_options)
    assert again.exit_code == 0, again.output
    assert checksums(target) == expected

    moved = make_app(Path(demo_app.instance_path) / "moved", SQLALCHEMY_DATABASE_URI=fresh_pg_url,
                     ENABLED_PLUGINS=ALL_PLUGINS, **settings)
    assert stored_files(get_storage(moved)) == stored_files(get_storage(demo_app))
    bucket = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    objects = bucket.list_objects_v2(Bucket=settings["S3_BUCKET"])["Contents"]
    assert objects and all(item["Key"].startswith("moved/") for item in objects)

    client = moved.test_client()
    signed_in = client.post("/login", data={"email": "admin@demo.example.org", "password": demo_app.demo_password})
    assert signed_in.status_code == 302 and "/login" not in signed_in.headers["Location"]
    with moved.test_request_context("/"):
        from core.search import search
        from core.users.service import create_user

        user = create_user("new@example.org", "New", "correct horse battery", roles=["member"], verified=True)
        db.session.commit()  # the id sequence was moved past the copied ids
        assert user.id > expected["core_users"]["rows"]
        title = db.session.execute(sa.text("SELECT title FROM core_pages WHERE status = 'published' LIMIT 1")).scalar()
        assert search(title).total >= 1  # the search index was rebuilt for PostgreSQL
        db.session.remove()
        db.engine.dispose()

    in_use = copy(demo_app, fresh_pg_url)  # the new site has rows of its own now
    assert in_use.exit_code != 0 and "core_users (2)" in in_use.output  # the new user, the admin who signed in
    target.dispose()


@pytest.mark.postgres
def test_a_hundred_thousand_rows_copy_to_postgresql_in_seconds(app_factory, fresh_pg_url):
    app = app_factory()
    with app.app_context():
        db.session.execute(
            sa.text("INSERT INTO core_audit_log (at, action, target, detail) VALUES (:at, 'bench.row', :target, '{}')"),
            [{"at": dt.datetime(2026, 5, 1) + dt.timedelta(seconds=i), "target": f"t{i}"} for i in range(100_000)],
        )
        db.session.commit()
        db.session.remove()
    started = time.monotonic()
    result = copy(app, fresh_pg_url)
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "100000    100000  match" in result.output
    assert elapsed < 60, f"100,000 rows took {elapsed:.1f} s"


def test_values_compare_equal_across_databases():
    """What SQLite and PostgreSQL hand back for the same stored value has one portable form."""
    aware = dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert dump.to_portable("datetime", aware) == dump.to_portable("datetime", dt.datetime(2026, 3, 1, 8, 0))
    assert dump.to_portable("bool", 1) is True and dump.to_portable("bool", False) is False
    assert dump.to_portable("decimal", decimal.Decimal("12.50")) == dump.to_portable("decimal", decimal.Decimal("12.5"))
    assert dump.to_portable("decimal", decimal.Decimal("100")) == "100"
    assert dump.to_portable("float", 3) == 3.0
    assert dump.row_digest({"a": {"y": 1, "x": [1, 2]}}) == dump.row_digest({"a": {"x": [1, 2], "y": 1}})
    for kind, value in [("datetime", dt.datetime(2026, 1, 2, 3, 4, 5, 6)), ("date", dt.date(2026, 1, 2)),
                        ("binary", b"\x00\xff"), ("decimal", decimal.Decimal("1.5"))]:
        assert dump.from_portable(kind, dump.to_portable(kind, value)) == value


def test_checksums_do_not_depend_on_row_order_but_count_every_row():
    rows = [{"id": i, "name": f"n{i}"} for i in range(5)]
    forward, backward, doubled = dump.Tally(), dump.Tally(), dump.Tally()
    for row in rows:
        forward.add(row)
    for row in reversed(rows):
        backward.add(row)
    for row in rows + rows[:1]:
        doubled.add(row)
    assert forward.checksum == backward.checksum
    assert doubled.checksum != forward.checksum and doubled.rows == 6
