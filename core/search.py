"""Site search over pages, news and what plugins contribute (``register_search_documents``).

Contract used by the rest of the core:
    index_page(page)       (re)index one page; called after every save, whatever its status
    remove_page(page_id)   drop a page from the index (deleted pages)

One table, ``core_search_entries``, holds every searchable document with its
original text (for snippets). Text is tokenized in Python (core.search_text:
CJK bigrams, lowercased words) and the database indexes the tokens:

- SQLite: the FTS5 table ``core_search_fts`` (rowid = entry id), ranked by bm25.
  It is created by the migration and kept out of the SQLAlchemy models
  (``include_in_autogenerate`` tells Alembic to leave it alone).
- PostgreSQL: the tsvector column ``search_vector`` ('simple' configuration, so
  no stemming or stop words get between us and the tokens) with a GIN index,
  ranked by ts_rank. pg_trgm was the alternative; trigrams cannot match a
  two-character Chinese word, and bigrams over the same tokens keep both
  databases answering alike.

Each worker decides at query time what may be shown: scheduled pages once
their time has come, plugin documents only while their plugin is enabled.
Plugin documents are re-read when older than SEARCH_REFRESH_SECONDS or when
their plugin was switched since (``flask search reindex`` re-reads everything).
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.dialects import postgresql

from core.extensions import db
from core.search_text import collapse_spaces, highlight, html_to_text, query_terms, snippet, tokenize
from core.users.models import utcnow

log = logging.getLogger(__name__)

CORE = "core"
FTS_TABLE = "core_search_fts"
MAX_TEXT = 50_000  # characters of a document that are indexed and kept for snippets
TITLE_WEIGHT = 10.0  # a title match against a body match: bm25 column weights, ts_rank weights A vs B
SAFE_URL_SCHEMES = frozenset({"http", "https"})


class SearchEntry(db.Model):
    """One searchable document: a page, or a plugin's SearchDocument."""

    __tablename__ = "core_search_entries"
    id = db.Column(db.Integer, primary_key=True)
    source = db.Column(db.String(100), nullable=False)  # "core" or the plugin's name
    ref = db.Column(db.String(500), nullable=False)  # the page id, or a plugin document's URL
    kind = db.Column(db.String(40), nullable=False)  # "news", "page", or what the plugin says
    url = db.Column(db.String(500))  # plugin documents only: a page's URL follows its slugs
    title = db.Column(db.String(300), nullable=False)
    text = db.Column(db.Text, nullable=False)
    visible_from = db.Column(db.DateTime)  # UTC; a scheduled page is hidden before it
    updated_at = db.Column(db.DateTime, nullable=False)
    # PostgreSQL only (always NULL on SQLite, where core_search_fts does the work).
    search_vector = db.Column(db.Text().with_variant(postgresql.TSVECTOR(), "postgresql"))

    __table_args__ = (
        db.UniqueConstraint("source", "ref", name="uq_core_search_entries_source_ref"),
        db.Index("ix_core_search_entries_visible_from", "visible_from"),
        db.Index("ix_core_search_entries_search_vector", "search_vector", postgresql_using="gin"),
    )


class SearchSource(db.Model):
    """When a plugin's documents were last read into the index."""

    __tablename__ = "core_search_sources"
    name = db.Column(db.String(100), primary_key=True)
    refreshed_at = db.Column(db.DateTime, nullable=False)


def include_in_autogenerate(name, type_, parent_names):
    """Alembic ``include_name`` filter: the FTS5 table and its shadow tables are not models."""
    return not (type_ == "table" and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")))


def _on_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


# -- writing ------------------------------------------------------------------------


def _store(entry, *, source, ref, kind, url, title, text, visible_from, updated_at):
    """Create or update an entry and its tokens; nothing is committed."""
    title, text = collapse_spaces(title)[:300], collapse_spaces(text)[:MAX_TEXT]
    fields = dict(kind=kind, url=url, title=title, text=text, visible_from=visible_from, updated_at=updated_at)
    if entry is not None and all(getattr(entry, name) == value for name, value in fields.items()):
        return entry
    if entry is None:
        entry = SearchEntry(source=source, ref=ref)
        db.session.add(entry)
    for name, value in fields.items():
        setattr(entry, name, value)
    title_tokens, body_tokens = " ".join(tokenize(title)), " ".join(tokenize(text))
    if _on_postgresql():
        simple = sa.cast("simple", postgresql.REGCONFIG)
        title_vector = sa.func.setweight(sa.func.to_tsvector(simple, title_tokens), sa.literal_column("'A'"))
        body_vector = sa.func.setweight(sa.func.to_tsvector(simple, body_tokens), sa.literal_column("'B'"))
        entry.search_vector = title_vector.op("||")(body_vector)
        db.session.flush()
    else:
        db.session.flush()
        db.session.execute(sa.text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": entry.id})
        db.session.execute(
            sa.text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (:id, :title, :body)"),
            {"id": entry.id, "title": title_tokens, "body": body_tokens},
        )
    return entry


def _delete(entries):
    ids = [entry.id for entry in entries]
    if not ids:
        return
    if not _on_postgresql():
        db.session.execute(
            sa.text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        )
    db.session.execute(sa.delete(SearchEntry).where(SearchEntry.id.in_(ids)))


def _page_entry(page_id):
    return db.session.scalar(db.select(SearchEntry).filter_by(source=CORE, ref=str(page_id)))


def _visible_from(page):
    """None: visible now; a time: visible from then on; False: not to be found."""
    if page.status == "published":
        return None
    if page.status == "scheduled" and page.publish_at is not None:
        return page.publish_at
    return False


def index_page(page):
    """Index a page while anonymous visitors may read it (or will, once its time comes);
    remove it otherwise. Joins the caller's transaction: the caller commits."""
    if page.id is None:
        db.session.flush()
    visible_from = _visible_from(page)
    if visible_from is False:
        remove_page(page.id)
        return
    text = " ".join([page.summary or "", html_to_text(page.body), " ".join(tag.name for tag in page.tags)])
    _store(
        _page_entry(page.id),
        source=CORE,
        ref=str(page.id),
        kind="news" if page.is_news else "page",
        url=None,
        title=page.title,
        text=text,
        visible_from=visible_from,
        updated_at=page.updated_at or utcnow(),
    )


def remove_page(page_id):
    entry = _page_entry(page_id)
    if entry is not None:
        _delete([entry])


# -- plugin documents ---------------------------------------------------------------


def _plugin_hosts():
    from core.plugins import get_host

    return get_host()


def _valid_document(name, document):
    from core.contrib import SearchDocument
    from core.sanitize import url_is_allowed

    if not isinstance(document, SearchDocument):
        log.warning("plugin %s returned %r from register_search_documents; skipped", name, type(document).__name__)
        return False
    if not isinstance(document.url, str) or not document.url or len(document.url) > 500:
        log.warning("plugin %s returned a search document without a usable url; skipped", name)
        return False
    if not url_is_allowed(document.url, SAFE_URL_SCHEMES):
        log.warning("plugin %s returned a search document with an unsafe url; skipped", name)
        return False
    return True


def reindex_plugin(name, now=None):
    """Replace a plugin's documents in the index by what its hook returns now; commits."""
    now = now or utcnow()
    try:
        documents = list(_plugin_hosts().call_one(name, "register_search_documents") or [])
    except Exception:  # a failing plugin keeps its old documents and must not break search
        log.exception("plugin %s failed in register_search_documents", name)
        documents = None
    if documents is not None:
        existing = {e.ref: e for e in db.session.scalars(db.select(SearchEntry).filter_by(source=name))}
        seen = set()
        for document in documents:
            if not _valid_document(name, document) or document.url in seen:
                continue
            seen.add(document.url)
            updated_at = document.updated_at if isinstance(document.updated_at, datetime) else now
            _store(
                existing.get(document.url),
                source=name,
                ref=document.url,
                kind=str(document.kind or name)[:40],
                url=document.url,
                title=str(document.title or document.url),
                text=str(document.text or ""),
                visible_from=None,
                updated_at=updated_at,
            )
        _delete([entry for ref, entry in existing.items() if ref not in seen])
    source = db.session.get(SearchSource, name) or SearchSource(name=name)
    source.refreshed_at = now
    db.session.add(source)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another worker refreshed the same plugin at the same moment
        db.session.rollback()
        log.info("search documents of %s were refreshed concurrently", name)


def stale_plugins(now=None):
    """Enabled plugins whose documents are older than SEARCH_REFRESH_SECONDS, or that
    were switched on or off since they were last read."""
    from core.plugins import PluginState

    now = now or utcnow()
    max_age = timedelta(seconds=current_app.config.get("SEARCH_REFRESH_SECONDS", 600))
    refreshed = dict(db.session.execute(db.select(SearchSource.name, SearchSource.refreshed_at)).all())
    switched = dict(db.session.execute(db.select(PluginState.name, PluginState.updated_at)).all())
    stale = []
    for name in sorted(_plugin_hosts().enabled_names()):
        last = refreshed.get(name)
        if last is None or last <= now - max_age or (switched.get(name) is not None and switched[name] >= last):
            stale.append(name)
    return stale


def refresh_plugin_documents(force=False):
    names = sorted(_plugin_hosts().enabled_names()) if force else stale_plugins()
    for name in names:
        reindex_plugin(name)
    return names


def reindex_all():
    """Rebuild the whole index: every page, every enabled plugin. Returns (pages, plugins)."""
    from core.pages.models import Page

    _delete(db.session.scalars(db.select(SearchEntry)).all())  # every source, so all is tokenized afresh
    pages = db.session.scalars(db.select(Page).order_by(Page.id)).all()
    for page in pages:
        index_page(page)
    db.session.commit()
    indexed = db.session.scalar(db.select(sa.func.count(SearchEntry.id)).filter_by(source=CORE))
    return indexed, refresh_plugin_documents(force=True)


# -- searching ----------------------------------------------------------------------


@dataclass
class Hit:
    title: str  # Markup, matches highlighted
    url: str
    kind: str
    source: str
    snippet: str  # Markup
    date: datetime | None
    page: object = None  # the Page for core results


def _ranked_query(terms):
    """(select of SearchEntry ids with a score column, order for best first)."""
    if _on_postgresql():
        tsquery_text = " & ".join(f"'{token}'" + (":*" if prefix else "") for token, prefix in terms)
        tsquery = sa.func.to_tsquery(sa.cast("simple", postgresql.REGCONFIG), tsquery_text)
        # Weights of D, C, B (body), A (title); ts_rank's default {0.1, 0.2, 0.4, 1.0} would
        # make a title match worth 2.5 body matches instead of TITLE_WEIGHT as on SQLite.
        body = 1 / TITLE_WEIGHT
        weights = sa.cast(postgresql.array([body, body, body, 1.0]), postgresql.ARRAY(sa.REAL))
        score = sa.func.ts_rank(weights, SearchEntry.search_vector, tsquery).label("score")
        query = db.select(SearchEntry.id, score).where(SearchEntry.search_vector.op("@@")(tsquery))
        return query, [score.desc()]
    match_text = " AND ".join(f'"{token}"' + ("*" if prefix else "") for token, prefix in terms)
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    fts_ref = sa.literal_column(FTS_TABLE)
    score = sa.func.bm25(fts_ref, TITLE_WEIGHT, 1.0).label("score")
    query = (
        db.select(SearchEntry.id, score)
        .join(fts, fts.c.rowid == SearchEntry.id)
        .where(fts_ref.op("MATCH")(match_text))
    )
    return query, [score.asc()]


def search(text, page=1, per_page=None, now=None):
    """The ``page``-th page of what ``text`` finds, best first: a db.paginate Pagination of Hits,
    or None when the text holds nothing to look for.

    Re-reads stale plugin documents first, which commits the session."""
    config = current_app.config
    per_page = per_page or config.get("SEARCH_PER_PAGE", 10)
    text = (text or "").strip()[: config.get("SEARCH_MAX_QUERY", 100)]
    terms = query_terms(text)
    if not terms:
        return None
    refresh_plugin_documents()
    now = now or utcnow()
    query, order = _ranked_query(terms)
    sources = [CORE, *sorted(_plugin_hosts().enabled_names())]
    query = query.where(
        SearchEntry.source.in_(sources),
        sa.or_(SearchEntry.visible_from.is_(None), SearchEntry.visible_from <= now),
    ).order_by(*order, SearchEntry.updated_at.desc(), SearchEntry.id.desc())
    results = db.paginate(query, page=page, per_page=per_page, error_out=False)
    ids = results.items  # the first column: entry ids, best first
    entries = {e.id: e for e in db.session.scalars(db.select(SearchEntry).where(SearchEntry.id.in_(ids)))}
    results.items = _hits([entries[i] for i in ids if i in entries], text, now)
    return results


def _hits(entries, text, now):
    from core.pages.models import Page

    page_ids = [int(entry.ref) for entry in entries if entry.source == CORE]
    pages = {p.id: p for p in db.session.scalars(db.select(Page).where(Page.id.in_(page_ids)))} if page_ids else {}
    hits = []
    for entry in entries:
        found = pages.get(int(entry.ref)) if entry.source == CORE else None
        if entry.source == CORE and (found is None or not found.is_visible(now)):
            continue  # the index lags behind a change made without index_page
        hits.append(
            Hit(
                title=highlight(entry.title, text),
                url=found.url if found is not None else entry.url,
                kind=entry.kind,
                source=entry.source,
                snippet=snippet(entry.text, text),
                date=found.display_date if found is not None else entry.updated_at,
                page=found,
            )
        )
    return hits


# -- command line -------------------------------------------------------------------

search_cli = AppGroup("search", help="The site search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from every page and every enabled plugin."""
    pages, plugins = reindex_all()
    click.echo(f"indexed {pages} pages; plugins: {', '.join(plugins) or 'none'}")
