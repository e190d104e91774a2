"""Copy every table from one database to another (the embedded SQLite to PostgreSQL, say),
and the stored files from one storage backend to another.

The target must already be migrated to the same Alembic revisions as the source (the
command runs `db upgrade` on it first). The copy is one transaction on the target: it
deletes what the target holds, inserts every source row in batches, resets PostgreSQL
sequences, rebuilds the search index, reads the target back and compares row counts and
checksums; any difference rolls everything back.

Re-running is safe: a target whose rows all exist, identical, in the source (a previous
copy, or the rows the migrations themselves insert) is overwritten without asking; a target
holding rows the source lacks is refused unless `replace` is given.
"""
import hashlib
import mimetypes
from dataclasses import dataclass, field

from core.ops import dump, searchindex


class CopyRefused(dump.DumpError):
    pass


class CopyMismatch(dump.DumpError):
    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


@dataclass
class TableReport:
    name: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self):
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass
class CopyReport:
    tables: list = field(default_factory=list)
    files_copied: int = 0
    files_skipped: int = 0
    files_bytes: int = 0
    files_checked: bool = False

    @property
    def ok(self):
        return all(table.ok for table in self.tables)

    def lines(self):
        width = max([len(t.name) for t in self.tables] + [5])
        yield f"{'table':<{width}}  {'source':>8}  {'target':>8}  checksum"
        for t in sorted(self.tables, key=lambda t: t.name):
            verdict = "match" if t.ok else f"DIFFERS ({t.source_checksum[:12]} vs {t.target_checksum[:12]})"
            yield f"{t.name:<{width}}  {t.source_rows:>8}  {t.target_rows:>8}  {verdict}"
        total = sum(t.source_rows for t in self.tables)
        yield f"{len(self.tables)} tables, {total} rows: {'all match' if self.ok else 'DIFFERENCES FOUND'}"
        if self.files_checked:
            yield (
                f"files: {self.files_copied} copied ({self.files_bytes} bytes), "
                f"{self.files_skipped} already there; every file's sha256 checked"
            )


def target_only_rows(source, target, source_meta, target_meta):
    """{table: number of target rows that the source does not have}."""
    found = {}
    for table in dump.ordered_tables(target_meta):
        if not dump.count_rows(target, table):
            continue
        source_table = source_meta.tables.get(table.name)
        known = dump.digests(dump.read_rows(source, source_table)) if source_table is not None else set()
        extra = dump.rows_not_in(target, table, known)
        if extra:
            found[table.name] = extra
    return found


def copy_database(source_engine, target_engine, replace=False, batch=dump.BATCH):
    """Copy and verify; returns a CopyReport. Raises CopyRefused (nothing written) or
    DumpError when the verification fails (rolled back)."""
    report = CopyReport()
    with dump.snapshot(source_engine) as source, target_engine.begin() as target:
        source_revisions, target_revisions = dump.revisions(source), dump.revisions(target)
        if source_revisions != target_revisions:
            raise CopyRefused(
                f"the source database is at revisions {', '.join(source_revisions) or 'none'} but the target at "
                f"{', '.join(target_revisions)}: run `flask db upgrade` on the source first"
            )
        source_meta, target_meta = dump.reflect(source), dump.reflect(target)
        dump.check_same_tables(
            {t.name: dump.column_names(t) for t in source_meta.tables.values()}, target_meta.tables
        )
        extra = target_only_rows(source, target, source_meta, target_meta)
        if extra and not replace:
            listed = ", ".join(f"{name} ({count})" for name, count in extra.items())
            raise CopyRefused(
                f"the target database holds rows the source does not have: {listed}. "
                "Nothing was copied; use --replace to overwrite the target."
            )
        dump.clear(target, target_meta)
        for table in dump.ordered_tables(target_meta):
            source_table = source_meta.tables.get(table.name)
            loader = dump.TableLoader(target, table)
            if source_table is not None:
                for rows in dump.read_rows(source, source_table, batch):
                    loader.insert(rows)
            sent = loader.finish()
            received = dump.tally_table(target, table)
            report.tables.append(
                TableReport(table.name, sent.rows, received.rows, sent.checksum, received.checksum)
            )
        dump.reset_sequences(target, target_meta)
        searchindex.rebuild(target)
        if not report.ok:
            bad = ", ".join(t.name for t in report.tables if not t.ok)
            raise CopyMismatch(f"the copy does not match the source in {bad}; the target was rolled back", report)
    return report


def sha256_of(storage, key):
    digest = hashlib.sha256()
    with storage.open(key) as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def content_type_of(key):
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def copy_files(source, target, report):
    """Every stored file to the target backend; files already there with the same bytes are kept."""
    for key in sorted(source.keys()):
        expected = sha256_of(source, key)
        if target.exists(key) and sha256_of(target, key) == expected:
            report.files_skipped += 1
            continue
        with source.open(key) as stream:
            target.put(key, stream, content_type_of(key))
        if sha256_of(target, key) != expected:
            raise dump.DumpError(f"file {key} differs after copying")
        report.files_copied += 1
        report.files_bytes += source.size(key)
    report.files_checked = True
    return report
