"""Backups: one .tar.gz with the database, the stored files and a manifest; and restoring one.

Layout of an archive:
    db/<table>.jsonl   one portable row per line (core.ops.dump), primary-key order
    files/<key>        each stored file, byte for byte
    manifest.json      format and version, created_at, the Alembic revisions, per table its
                       columns, row count, checksum and the sha256 of its .jsonl; per file
                       its size and sha256

The database part is the same portable form on SQLite and PostgreSQL (read from a consistent
snapshot: the sqlite3 backup API, or one REPEATABLE READ transaction), so an archive of
either restores into either. pg_dump is not used: its output restores into PostgreSQL only.

A restore checks the whole archive against its manifest before it writes anything, then
loads every table in one transaction and verifies the result before committing.
"""
import datetime as dt
import hashlib
import io
import json
import mimetypes
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path

from core.ops import dump, searchindex
from core.ops.dbcopy import sha256_of
from core.storage.backends import KEY_PATTERN

FORMAT = "guildhall-backup"
VERSION = 1
MEMBER = re.compile(r"manifest\.json|db/[a-z0-9_]+\.jsonl|files/(?:" + KEY_PATTERN.pattern + ")")


class ArchiveError(dump.DumpError):
    """The archive is unreadable, incomplete or does not match its manifest."""


class RestoreRefused(dump.DumpError):
    pass


def default_name(now=None):
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"guildhall-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"


class HashingReader:
    def __init__(self, stream):
        self.stream, self.digest = stream, hashlib.sha256()

    def read(self, size=-1):
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _add_bytes(archive, name, data, mtime):
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), mtime
    archive.addfile(info, io.BytesIO(data))


def _dump_table(source, table, path):
    tally, digest = dump.Tally(), hashlib.sha256()
    with path.open("wb") as out:
        for rows in dump.read_rows(source, table):
            for row in rows:
                tally.add(row)
                line = (dump.canonical(row) + "\n").encode("utf-8")
                digest.update(line)
                out.write(line)
    return {**tally.as_dict(), "sha256": digest.hexdigest(), "columns": dump.column_names(table)}


def write_backup(engine, storage, output):
    """Write the archive to output (atomically: a failed backup leaves no file); returns the manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    mtime = int(now.timestamp())
    manifest = {"format": FORMAT, "version": VERSION, "created_at": now.isoformat(timespec="seconds")}
    partial = output.with_name(output.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(prefix="guildhall-backup-") as folder, dump.snapshot(engine) as source:
            manifest["database"] = source.dialect.name
            manifest["alembic_revisions"] = dump.revisions(source)
            manifest["tables"], manifest["files"] = {}, {}
            with tarfile.open(partial, "w:gz") as archive:
                for table in dump.ordered_tables(dump.reflect(source)):
                    path = Path(folder) / f"{table.name}.jsonl"
                    manifest["tables"][table.name] = _dump_table(source, table, path)
                    archive.add(path, arcname=f"db/{table.name}.jsonl", recursive=False)
                    path.unlink()
                for key in sorted(storage.keys()):
                    info = tarfile.TarInfo(f"files/{key}")
                    info.size, info.mtime = storage.size(key), mtime
                    with storage.open(key) as stream:
                        reader = HashingReader(stream)
                        archive.addfile(info, reader)
                    manifest["files"][key] = {"size": info.size, "sha256": reader.digest.hexdigest()}
                text = json.dumps(manifest, indent=2, ensure_ascii=False)
                _add_bytes(archive, "manifest.json", text.encode("utf-8"), mtime)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


# -- reading and checking an archive ------------------------------------------------


def _sha256_file(path):
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def read_table(path, batch=dump.BATCH):
    """Batches of portable rows from a .jsonl file of an archive."""
    rows = []
    with path.open("rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                rows.append(json.loads(line))
            except ValueError as error:
                raise ArchiveError(f"{path.name}, line {number}: not a row ({error})") from None
            if len(rows) >= batch:
                yield rows
                rows = []
    if rows:
        yield rows


def _extract(path, folder):
    names = set()
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if not member.isfile() or not MEMBER.fullmatch(member.name) or member.name in names:
                    raise ArchiveError(f"{path} holds an unexpected entry {member.name!r}: not a backup archive")
                names.add(member.name)
                target = folder / member.name
                target.parent.mkdir(exist_ok=True)
                with archive.extractfile(member) as stream, target.open("wb") as out:
                    shutil.copyfileobj(stream, out)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveError(f"{path} cannot be read as a backup archive: {error}") from None
    return names


def _load_manifest(folder, names):
    if "manifest.json" not in names:
        raise ArchiveError("the archive has no manifest.json: not a backup archive, or cut short")
    try:
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        if manifest.get("format") != FORMAT:
            raise ArchiveError("manifest.json does not describe a Guildhall backup")
        if manifest.get("version") != VERSION:
            raise ArchiveError(f"backup format version {manifest.get('version')} is not supported (this is {VERSION})")
        tables, files = manifest["tables"], manifest["files"]
        manifest["alembic_revisions"] = sorted(manifest["alembic_revisions"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ArchiveError(f"manifest.json is damaged: {error}") from None
    expected = {"manifest.json", *(f"db/{name}.jsonl" for name in tables), *(f"files/{key}" for key in files)}
    if names != expected:
        odd = sorted(names ^ expected)
        raise ArchiveError(f"the archive does not match its manifest: {', '.join(odd[:5])}")
    return manifest


def open_archive(path, folder):
    """Extract the archive into folder and check every table and file against the manifest.
    Returns the manifest; raises ArchiveError naming the first damaged part."""
    folder = Path(folder)
    manifest = _load_manifest(folder, _extract(path, folder))
    for name, expected in manifest["tables"].items():
        table_path = folder / "db" / f"{name}.jsonl"
        if _sha256_file(table_path) != expected["sha256"]:
            raise ArchiveError(f"table {name} in the archive is damaged (its sha256 does not match the manifest)")
        tally = dump.Tally()
        for rows in read_table(table_path):
            for row in rows:
                tally.add(row)
        if tally.as_dict() != {"rows": expected["rows"], "checksum": expected["checksum"]}:
            raise ArchiveError(f"table {name} in the archive does not match its row count and checksum")
    for key, expected in manifest["files"].items():
        file_path = folder / "files" / key
        if file_path.stat().st_size != expected["size"] or _sha256_file(file_path) != expected["sha256"]:
            raise ArchiveError(f"file {key} in the archive is damaged (its sha256 does not match the manifest)")
    return manifest


# -- restoring ------------------------------------------------------------------------


def _instance_only(target, metadata, storage, folder, manifest):
    """What the instance holds that the archive does not: ({table: rows}, [file keys])."""
    rows = {}
    for table in dump.ordered_tables(metadata):
        if not dump.count_rows(target, table):
            continue
        known = set()
        if table.name in manifest["tables"]:
            known = dump.digests(read_table(folder / "db" / f"{table.name}.jsonl"))
        extra = dump.rows_not_in(target, table, known)
        if extra:
            rows[table.name] = extra
    files = []
    for key in sorted(storage.keys()):
        expected = manifest["files"].get(key)
        if expected is None or sha256_of(storage, key) != expected["sha256"]:
            files.append(key)
    return rows, files


def _put_files(storage, folder, manifest, added):
    for key, expected in manifest["files"].items():
        if storage.exists(key) and sha256_of(storage, key) == expected["sha256"]:
            continue
        with (folder / "files" / key).open("rb") as stream:
            storage.put(key, stream, mimetypes.guess_type(key)[0] or "application/octet-stream")
        added.append(key)


def _load_tables(target, metadata, folder, manifest):
    dump.clear(target, metadata)
    for table in dump.ordered_tables(metadata):
        loader = dump.TableLoader(target, table)
        if table.name in manifest["tables"]:
            for rows in read_table(folder / "db" / f"{table.name}.jsonl"):
                loader.insert(rows)
        loader.finish()
        expected = manifest["tables"].get(table.name, {"rows": 0, "checksum": dump.Tally().checksum})
        found = dump.tally_table(target, table)
        if (found.rows, found.checksum) != (expected["rows"], expected["checksum"]):
            raise dump.DumpError(f"table {table.name} does not match the archive after loading; nothing was restored")
    dump.reset_sequences(target, metadata)
    searchindex.rebuild(target)


def restore_backup(path, engine, storage, migrate, force=False):
    """Bring an archive back into this instance; returns its manifest.

    migrate(revisions) brings a database without tables to the archive's revisions.
    Refuses (RestoreRefused) when the database or the storage holds something the archive
    does not, unless force. Nothing is left half-restored: the tables load in one transaction,
    and files added before a failure are removed again."""
    with tempfile.TemporaryDirectory(prefix="guildhall-restore-") as temp:
        folder = Path(temp)
        manifest = open_archive(path, folder)
        wanted = manifest["alembic_revisions"]
        with engine.connect() as connection:
            current = dump.revisions(connection)
        if not current:
            migrate(wanted)
        elif current != wanted:
            raise RestoreRefused(
                f"this database is at revisions {', '.join(current)} but the archive was made at "
                f"{', '.join(wanted)}: restore into a new, empty database (it is migrated to the archive's "
                "revisions, restored, then upgraded)"
            )
        added = []
        try:
            with engine.begin() as target:
                metadata = dump.reflect(target)
                tables = {name: info["columns"] for name, info in manifest["tables"].items()}
                dump.check_same_tables(tables, metadata.tables, "the archive")
                if not force:
                    rows, files = _instance_only(target, metadata, storage, folder, manifest)
                    if rows or files:
                        listed = [f"{name} ({count} rows)" for name, count in rows.items()]
                        if files:
                            listed.append(f"{len(files)} stored files")
                        raise RestoreRefused(
                            "this instance is not empty; it holds what the archive does not: "
                            f"{', '.join(listed)}. Nothing was restored; use --force to replace it."
                        )
                _put_files(storage, folder, manifest, added)
                _load_tables(target, metadata, folder, manifest)
        except BaseException:
            for key in added:
                storage.delete(key)
            raise
    return manifest
