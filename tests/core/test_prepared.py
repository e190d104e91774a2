"""core.prepared.PreparedRead: the same rows as SQLAlchemy's execution, on SQLite and PostgreSQL,
with SQLAlchemy's errors and its listeners kept."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import bindparam, event, exc, select

from core.extensions import db
from core.pages import public
from core.pages.models import Page
from core.prepared import PreparedRead
from core.users.models import utcnow
from tests.core.public_helpers import make_page, make_section


def _posts():
    news = make_section(title="要闻")
    for days, slug in ((3, "older"), (1, "middle"), (0, "newer")):
        make_page(f"新闻 {slug}", slug=slug, section=news, days_ago=days, tags=["质量月", "评审"])
    db.session.commit()
    return db.session.scalar(select(Page).filter_by(slug="middle"))


def test_rows_equal_sqlalchemys_with_dates_as_datetimes(backend_app):
    middle = _posts()
    connection = db.session.connection()
    news_post = PreparedRead(public._news_post_statement)
    fast = news_post.rows(connection, slug="middle")
    ordinary = [tuple(row) for row in connection.execute(news_post.statement, {"slug": "middle"})]
    assert fast == ordinary and len(fast) == 2  # a row per tag
    assert any(isinstance(value, datetime) for value in fast[0])

    neighbours = PreparedRead(public._neighbours_statement)
    values = {"section_id": middle.section_id, "page_id": middle.id, "date": middle.display_date, "now": utcnow()}
    fast = neighbours.rows(connection, **values)
    assert fast == [tuple(row) for row in connection.execute(neighbours.statement, values)]
    assert sorted((newer, slug) for newer, _id, _title, slug, *_ in fast) == [(0, "older"), (1, "newer")]
    # a bound datetime is compared as the database stores it: a day later, "middle" is older
    values["date"] += timedelta(days=1)
    values["page_id"] = 0
    assert {row[3] for row in neighbours.rows(connection, **values) if row[0] == 0} == {"middle"}
    assert news_post.rows(connection, slug="nothing") == []


def test_a_driver_error_is_sqlalchemys_error(backend_app):
    broken = PreparedRead(lambda: select(Page.id).where(Page.slug == bindparam("slug")).limit(1))
    connection = db.session.connection()
    assert broken.rows(connection, slug="none") == []
    broken._compiled[connection.dialect.name].sql = "SELECT id FROM no_such_table"
    with pytest.raises(exc.DBAPIError) as raised:
        broken.rows(connection, slug="none")
    assert isinstance(raised.value, (exc.OperationalError, exc.ProgrammingError))
    assert "no_such_table" in str(raised.value)


def test_listeners_and_echo_see_every_statement(backend_app):
    _posts()
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    news_post = PreparedRead(public._news_post_statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = news_post.rows(db.session.connection(), slug="middle")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) == 1 and "core_pages" in seen[0] and len(rows) == 2
    seen.clear()
    news_post.rows(db.session.connection(), slug="middle")
    assert seen == []  # no listener now: the driver's cursor, compiled once


def test_a_list_parameter_runs_through_sqlalchemy(backend_app):
    _posts()
    by_slugs = PreparedRead(lambda: select(Page.slug).where(Page.slug.in_(bindparam("slugs", expanding=True))))
    rows = by_slugs.rows(db.session.connection(), slugs=["older", "newer"])
    assert sorted(rows) == [("newer",), ("older",)]
    assert by_slugs._compiled[db.engine.dialect.name] is False


def test_read_uses_the_sessions_transaction_or_else_builds_no_session(backend_app):
    _posts()
    news_post = PreparedRead(public._news_post_statement)
    db.session.remove()
    assert [row[4] for row in news_post.read(slug="middle")] == ["新闻 middle"] * 2  # the title, a row per tag
    assert not db.session.registry.has()  # a pool connection of its own, given back: no session built

    section_id = db.session.scalar(select(Page.section_id).filter_by(slug="middle"))
    db.session.add(Page(title="未提交的新闻", slug="pending", section_id=section_id, status="published", body=""))
    db.session.flush()  # not committed: only the session's own transaction sees it
    assert [row[4] for row in news_post.read(slug="pending")] == ["未提交的新闻"]
    db.session.rollback()
    assert news_post.read(slug="pending") == []


def test_a_page_gives_its_read_connection_back_when_the_request_ends(backend_app):
    _posts()
    db.session.commit()
    db.session.remove()
    pool = db.engine.pool
    before = pool.checkedout()
    client = backend_app.test_client()
    for _ in range(3):
        assert "新闻 middle" in client.get("/news/middle").get_data(as_text=True)
        db.session.remove()  # the fixture's app context outlives requests: so would the session's connection
        assert pool.checkedout() == before
