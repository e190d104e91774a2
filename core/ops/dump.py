"""Tables in dependency order, rows in a portable form, order-independent checksums.

Shared by `db copy` (database to database) and backups (database to JSON lines and back).
A row's portable form maps column names to JSON values, normalised so that SQLite and
PostgreSQL give the same form for the same data: datetimes as naive UTC ISO text with
microseconds, booleans as true/false, decimals as plain digits, binary as base64, JSON
columns as their JSON value. A table's checksum is the sum (mod 2**256) of the sha256 of
each row's canonical JSON: the order rows come in does not matter, a duplicated row does.
"""
import base64
import datetime as dt
import decimal
import hashlib
import json
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from core.search import include_in_autogenerate

VERSION_TABLE = "alembic_version"
# Columns each database derives from the others; they are rebuilt after loading (core.ops.searchindex).
DERIVED_COLUMNS = {"core_search_entries": {"search_vector"}}
BATCH = 1000
MODULUS = 2**256


class DumpError(Exception):
    """Something about the databases or an archive that stops the operation; nothing was written."""


def copied_table(name, _metadata=None):
    """Every table except Alembic's bookkeeping and what Alembic itself leaves alone (SQLite's FTS index)."""
    return name != VERSION_TABLE and include_in_autogenerate(name, "table", None)


def reflect(connection):
    metadata = sa.MetaData()
    metadata.reflect(connection, only=copied_table)
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sa.JSON) and column.nullable:
                column.type.none_as_null = True  # keep SQL NULL as NULL, not the JSON text 'null'
    return metadata


def ordered_tables(metadata):
    """Referenced tables before the tables that refer to them."""
    return list(metadata.sorted_tables)


def columns(table):
    derived = DERIVED_COLUMNS.get(table.name, ())
    return [column for column in table.columns if column.name not in derived]


def column_names(table):
    return sorted(column.name for column in columns(table))


def kind_of(type_):
    for kind, base in (
        ("bool", sa.Boolean),
        ("datetime", sa.DateTime),
        ("date", sa.Date),
        ("time", sa.Time),
        ("float", sa.Float),
        ("decimal", sa.Numeric),
        ("int", sa.Integer),
        ("json", sa.JSON),
        ("binary", sa.LargeBinary),
    ):
        if isinstance(type_, base):
            return kind
    return "text"


def _datetime_out(value):
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _text_out(value):
    return value if type(value) is str else str(value)


# Each kind's conversion of a non-NULL value to its portable form, and back.
TO_PORTABLE = {
    "datetime": _datetime_out,
    "date": lambda value: value.isoformat(),
    "time": lambda value: value.isoformat(),
    "bool": bool,
    "int": int,
    "float": float,
    "decimal": lambda value: format(decimal.Decimal(value).normalize(), "f"),
    "binary": lambda value: base64.b64encode(bytes(value)).decode("ascii"),
    "json": lambda value: value,
    "text": _text_out,
}
FROM_PORTABLE = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "decimal": decimal.Decimal,
    "binary": base64.b64decode,
}


def to_portable(kind, value):
    return None if value is None else TO_PORTABLE[kind](value)


def from_portable(kind, value):
    convert = FROM_PORTABLE.get(kind)
    return value if value is None or convert is None else convert(value)


def canonical(row):
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_digest(row):
    return int.from_bytes(hashlib.sha256(canonical(row).encode("utf-8")).digest(), "big")


class Tally:
    """Row count and order-independent checksum of one table."""

    def __init__(self):
        self.rows = 0
        self.total = 0

    def add(self, row):
        self.rows += 1
        self.total = (self.total + row_digest(row)) % MODULUS

    @property
    def checksum(self):
        return f"{self.total:064x}"

    def as_dict(self):
        return {"rows": self.rows, "checksum": self.checksum}


def read_rows(connection, table, batch=BATCH):
    """Batches of portable rows, in primary-key order."""
    wanted = columns(table)
    converters = [(column.name, TO_PORTABLE[kind_of(column.type)]) for column in wanted]
    query = sa.select(*wanted).order_by(*table.primary_key.columns)
    result = connection.execute(query, execution_options={"stream_results": True, "max_row_buffer": batch})
    for part in result.partitions(batch):
        yield [
            {name: None if value is None else convert(value) for (name, convert), value in zip(converters, row)}
            for row in part
        ]


def tally_table(connection, table):
    tally = Tally()
    for rows in read_rows(connection, table):
        for row in rows:
            tally.add(row)
    return tally


def summarize(connection, metadata):
    return {table.name: tally_table(connection, table).as_dict() for table in ordered_tables(metadata)}


def digests(batches):
    return {row_digest(row) for rows in batches for row in rows}


def rows_not_in(connection, table, known_digests):
    """How many rows of table are not among known_digests (rows only the target has)."""
    return sum(1 for rows in read_rows(connection, table) for row in rows if row_digest(row) not in known_digests)


def count_rows(connection, table):
    return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()


class TableLoader:
    """Inserts portable rows into one table in batches (one executemany per batch).

    A nullable column that refers to its own table (a page's parent) is filled in afterwards,
    so rows may come in any order."""

    def __init__(self, connection, table):
        self.connection, self.table = connection, table
        self.kinds = {column.name: kind_of(column.type) for column in columns(table)}
        self.converters = [(name, FROM_PORTABLE[kind]) for name, kind in self.kinds.items() if kind in FROM_PORTABLE]
        self.primary_key = [column.name for column in table.primary_key.columns]
        self.deferred = sorted(
            {
                column.name
                for fk in table.foreign_key_constraints
                if fk.referred_table is table
                for column in fk.columns
                if column.nullable
            }
        )
        self.pending = []
        self.tally = Tally()

    def insert(self, rows):
        values = []
        for row in rows:
            unknown = set(row) - set(self.kinds)
            if unknown:
                raise DumpError(f"{self.table.name}: no column {', '.join(sorted(unknown))} in this database")
            self.tally.add(row)
            item = dict(row)
            for name, convert in self.converters:
                if item.get(name) is not None:
                    item[name] = convert(item[name])
            later = {name: item[name] for name in self.deferred if item.get(name) is not None}
            if later:
                self.pending.append({**{"pk_" + n: item[n] for n in self.primary_key}, **later})
                item.update(dict.fromkeys(later))
            values.append(item)
        if values:
            self.connection.execute(self.table.insert(), values)

    def finish(self):
        for name in self.deferred:
            updates = [
                {**{k: v for k, v in item.items() if k.startswith("pk_")}, "value": item[name]}
                for item in self.pending
                if name in item
            ]
            if updates:
                condition = sa.and_(*(self.table.c[n] == sa.bindparam("pk_" + n) for n in self.primary_key))
                statement = sa.update(self.table).where(condition).values({name: sa.bindparam("value")})
                self.connection.execute(statement, updates)
        return self.tally


def clear(connection, metadata):
    """Delete every row, referring tables first."""
    for table in reversed(ordered_tables(metadata)):
        connection.execute(table.delete())


def reset_sequences(connection, metadata):
    """PostgreSQL: move each serial/identity sequence past the largest id, so new rows get new ids."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for table in ordered_tables(metadata):
        for column in table.primary_key.columns:
            if kind_of(column.type) != "int":
                continue
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            ).scalar()
            if sequence:
                connection.execute(
                    sa.text(
                        f"SELECT setval(:sequence, COALESCE((SELECT MAX({quote(column.name)}) "
                        f"FROM {quote(table.name)}), 0) + 1, false)"
                    ),
                    {"sequence": sequence},
                )


def revisions(connection):
    """The Alembic revisions the database is at (sorted), [] for a database never migrated."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return []
    return sorted(connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def check_same_tables(source, target, source_name="the source"):
    """Every source table exists in the target with the same columns."""
    problems = []
    for name, table in source.items():
        if name not in target:
            problems.append(f"table {name} of {source_name} is not in the target database")
        elif set(table) != set(column_names(target[name])):
            problems.append(f"table {name} has other columns in {source_name} than in the target database")
    if problems:
        raise DumpError("; ".join(problems))


@contextmanager
def snapshot(engine):
    """A connection that sees the database as of one moment.

    SQLite: a copy made with the sqlite3 backup API (consistent while others write);
    PostgreSQL: one read-only REPEATABLE READ transaction."""
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="guildhall-snapshot-") as folder:
            path = Path(folder) / "snapshot.db"
            raw = engine.raw_connection()
            try:
                copy = sqlite3.connect(path)
                try:
                    raw.driver_connection.backup(copy)
                finally:
                    copy.close()
            finally:
                raw.close()
            snapshot_engine = sa.create_engine(f"sqlite:///{path}")
            try:
                with snapshot_engine.connect() as connection:
                    yield connection
            finally:
                snapshot_engine.dispose()
    else:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin():
                yield connection
