"""Rebuild each database's own token index for the search entries just loaded.

core_search_entries travels between databases; its token index does not (SQLite's FTS5 table,
PostgreSQL's tsvector column). Tokens and weights are made as core.search makes them.
"""
import sqlalchemy as sa

from core.search import FTS_TABLE
from core.search_text import tokenize

ENTRIES = "core_search_entries"


def _token_rows(connection):
    for entry_id, title, text in connection.execute(sa.text(f"SELECT id, title, text FROM {ENTRIES}")):
        yield {"id": entry_id, "title": " ".join(tokenize(title or "")), "body": " ".join(tokenize(text or ""))}


def rebuild(connection):
    inspector = sa.inspect(connection)
    if not inspector.has_table(ENTRIES):
        return
    rows = list(_token_rows(connection))
    if connection.dialect.name == "postgresql":
        statement = sa.text(
            f"UPDATE {ENTRIES} SET search_vector = "
            "setweight(to_tsvector('simple'::regconfig, :title), 'A') || "
            "setweight(to_tsvector('simple'::regconfig, :body), 'B') WHERE id = :id"
        )
    elif inspector.has_table(FTS_TABLE):
        connection.execute(sa.text(f"DELETE FROM {FTS_TABLE}"))
        statement = sa.text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (:id, :title, :body)")
    else:
        return
    if rows:
        connection.execute(statement, rows)
