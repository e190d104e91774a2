"""`flask backup` and `flask restore`: one archive brings back every row and every file,
on SQLite and on PostgreSQL, and a damaged archive or a non-empty instance is refused."""
import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.storage import get_storage
from tests.conftest import _clean_postgres, make_app
from tests.core.storage_fixtures import s3_config, s3_server  # noqa: F401
from tests.core.test_dbcopy import (  # noqa: F401
    ALL_PLUGINS,
    checksums,
    engine_of,
    fresh_pg_url,
    load_demo_content,
    stored_files,
    table_contents,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def source_app(request, app_factory):
    """An instance with the demo content of the core and every plugin, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        app = app_factory(ENABLED_PLUGINS=ALL_PLUGINS)
    else:
        app = app_factory(ENABLED_PLUGINS=ALL_PLUGINS, SQLALCHEMY_DATABASE_URI=request.getfixturevalue("pg_migrated"))
        with app.app_context():
            _clean_postgres(app)
    load_demo_content(app)
    return app


def new_instance(folder, url=None):
    """An instance that has never run: no tables, no files."""
    settings = {"ENABLED_PLUGINS": ALL_PLUGINS}
    if url:
        settings["SQLALCHEMY_DATABASE_URI"] = url
    return make_app(Path(folder), **settings)


def back_up(app, path):
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return path


def restore(app, path, *options):
    return app.test_cli_runner().invoke(args=["restore", str(path), *options])


def rewrite_archive(source, target, change):
    """Copy a .tar.gz, passing each member's bytes through change(name, data)."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = change(member.name, old.extractfile(member).read())
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return target


def flip_a_byte(data, at=None):
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def assert_untouched(app):
    engine = engine_of(app)
    with engine.connect() as connection:
        assert sa.inspect(connection).get_table_names() == []
    assert stored_files(get_storage(app)) == {}
    engine.dispose()


def test_round_trip_brings_back_every_row_and_file(source_app, tmp_path, request):
    archive = back_up(source_app, tmp_path / "site.tar.gz")
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
    assert manifest["format"] == "guildhall-backup" and manifest["version"] == 1 and manifest["created_at"]
    assert manifest["tables"]["core_users"]["rows"] > 0 and len(manifest["tables"]["core_users"]["checksum"]) == 64
    assert manifest["files"] and all(len(item["sha256"]) == 64 for item in manifest["files"].values())

    url = request.getfixturevalue("fresh_pg_url") if source_app.config["SQLALCHEMY_DATABASE_URI"].startswith(
        "postgresql") else None
    restored = new_instance(tmp_path / "restored", url)
    result = restore(restored, archive)
    assert result.exit_code == 0, result.output
    assert "every checksum matches" in result.output

    source, target = engine_of(source_app), engine_of(restored)
    expected = table_contents(source)
    assert sum(len(rows) for rows in expected.values()) > 1000
    assert table_contents(target) == expected  # alembic_version and the search index included
    assert stored_files(get_storage(restored)) == stored_files(get_storage(source_app))
    with restored.app_context():  # the restored site takes new rows: sequences were moved on
        from core.users.service import create_user

        create_user("after@example.org", "After", "correct horse battery", roles=["member"], verified=True)
        db.session.commit()
        db.session.remove()
    target.dispose()


@pytest.mark.postgres
def test_a_sqlite_backup_restores_into_postgresql(app_factory, tmp_path, fresh_pg_url):
    source_app = app_factory(ENABLED_PLUGINS=ALL_PLUGINS)
    load_demo_content(source_app)
    archive = back_up(source_app, tmp_path / "site.tar.gz")
    restored = new_instance(tmp_path / "restored", fresh_pg_url)
    result = restore(restored, archive)
    assert result.exit_code == 0, result.output
    target = engine_of(restored)
    assert checksums(target) == checksums(engine_of(source_app))
    assert stored_files(get_storage(restored)) == stored_files(get_storage(source_app))
    target.dispose()


@pytest.fixture
def small_site(app_factory, tmp_path):
    """A site with a few users and files, and its backup."""
    from core.storage.backends import new_key
    from tests.conftest import make_user

    app = app_factory()
    with app.app_context():
        for role in ("admin", "member"):
            make_user(role)
        for number in range(3):
            get_storage().put(new_key(".txt"), f"file {number}".encode() * 100)
        db.session.remove()
    return back_up(app, tmp_path / "site.tar.gz")


def damage_a_file(name, data):
    return flip_a_byte(data) if name.startswith("files/") else data


def damage_a_table(name, data):
    return data.replace(b"admin@example.org", b"admin@example.orh") if name == "db/core_users.jsonl" else data


@pytest.mark.parametrize("damage, message", [
    (damage_a_file, "is damaged"),
    (damage_a_table, "table core_users in the archive is damaged"),
])
def test_a_changed_byte_is_refused_and_nothing_is_restored(small_site, tmp_path, damage, message):
    broken = rewrite_archive(small_site, tmp_path / "broken.tar.gz", damage)
    assert broken.read_bytes() != small_site.read_bytes()
    instance = new_instance(tmp_path / "restored")
    result = restore(instance, broken)
    assert result.exit_code != 0
    assert message in result.output
    assert_untouched(instance)


def test_a_damaged_or_cut_short_archive_file_is_refused(small_site, tmp_path):
    raw = small_site.read_bytes()
    instance = new_instance(tmp_path / "restored")
    flipped = tmp_path / "flipped.tar.gz"
    flipped.write_bytes(flip_a_byte(raw))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(raw[: len(raw) // 2])
    not_gzip = tmp_path / "notes.tar.gz"
    not_gzip.write_bytes(b"just some text")
    for path in (flipped, cut, not_gzip):
        result = restore(instance, path)
        assert result.exit_code != 0, path.name
        assert "cannot be read as a backup archive" in result.output or "damaged" in result.output, result.output
        assert "Traceback" not in result.output
    assert_untouched(instance)


def test_an_archive_with_a_file_missing_from_it_is_refused(small_site, tmp_path):
    with tarfile.open(small_site) as opened:
        victim = next(name for name in opened.getnames() if name.startswith("files/"))
    trimmed = tmp_path / "trimmed.tar.gz"
    with tarfile.open(small_site) as old, tarfile.open(trimmed, "w:gz") as new:
        for member in old:
            if member.name != victim:
                new.addfile(member, old.extractfile(member))
    instance = new_instance(tmp_path / "restored")
    result = restore(instance, trimmed)
    assert result.exit_code != 0 and "does not match its manifest" in result.output
    assert_untouched(instance)


def test_a_tar_with_paths_outside_the_layout_is_refused(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"hi"))
    instance = new_instance(tmp_path / "restored")
    result = restore(instance, evil)
    assert result.exit_code != 0 and "unexpected entry" in result.output
    assert not (tmp_path / "escaped.txt").exists()


def test_restore_into_a_non_empty_instance_is_refused_unless_forced(small_site, app_factory, tmp_path):
    from tests.conftest import make_user

    instance = new_instance(tmp_path / "restored")
    assert restore(instance, small_site).exit_code == 0
    expected = table_contents(engine_of(instance))
    with instance.app_context():
        make_user("editor", "someone.else@example.org")
        db.session.remove()
    with_more = table_contents(engine_of(instance))

    refused = restore(instance, small_site)
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "core_users (1 rows)" in refused.output and "--force" in refused.output
    assert table_contents(engine_of(instance)) == with_more

    forced = restore(instance, small_site, "--force")
    assert forced.exit_code == 0, forced.output
    assert table_contents(engine_of(instance)) == expected
    engine_of(instance).dispose()


def test_restore_refuses_a_database_at_other_revisions(small_site, tmp_path):
    instance = new_instance(tmp_path / "restored")
    with instance.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        db.session.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES ('core_0001')"))
        db.session.commit()
        db.engine.dispose()
    result = restore(instance, small_site)
    assert result.exit_code != 0 and "restore into a new, empty database" in result.output


def test_backup_goes_to_the_instance_folder_by_default(app_factory):
    app = app_factory()
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    made = list((Path(app.instance_path) / "backups").glob("guildhall-backup-*.tar.gz"))
    assert len(made) == 1 and str(made[0]) in result.output
    with gzip.open(made[0]) as stream:
        assert stream.read(1)  # a real gzip file
    assert not list(made[0].parent.glob("*.partial"))


def test_a_failure_while_loading_leaves_neither_rows_nor_files(small_site, tmp_path, monkeypatch):
    def fail(connection):
        raise RuntimeError("disk full")

    monkeypatch.setattr("core.ops.backup.searchindex.rebuild", fail)  # after every row and file is in
    instance = new_instance(tmp_path / "restored")
    result = restore(instance, small_site)
    assert result.exit_code != 0 and "disk full" in str(result.exception)
    engine = engine_of(instance)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM core_users")).scalar() == 0
    assert stored_files(get_storage(instance)) == {}
    engine.dispose()


def test_files_on_s3_are_backed_up_and_restored(app_factory, tmp_path, s3_server):
    from core.storage.backends import new_key

    app = app_factory(**s3_config(s3_server))
    with app.app_context():
        for number in range(3):
            get_storage().put(new_key(".pdf"), b"%PDF-1.4 " + bytes([number]) * 300_000)
    archive = back_up(app, tmp_path / "s3.tar.gz")
    restored = new_instance(tmp_path / "restored")
    assert restore(restored, archive).exit_code == 0
    assert stored_files(get_storage(restored)) == stored_files(get_storage(app))
    assert len(stored_files(get_storage(restored))) == 3
