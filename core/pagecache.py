"""Whole-page cache for anonymous visitors.

Contract used by the rest of the core:
    content_changed()   call when something visitors can see changes (page saved, menu, theme, ...);
                        every worker and host drops its cached pages.
    skip()              a view that must never be cached (live counts, per-visitor output) calls it;
    @never              the same declared on the view, so that its requests skip the lookup too.
    memo(key, build)    a value derived from content alone (a home block's HTML, the menus' rows),
                        kept per process until the content version changes, the next scheduled
                        page goes live or PAGE_CACHE_SECONDS pass; signed-in pages use it too.

What is cached: GET/HEAD answers with status 200 and an HTML or XML body, for visitors who are
not signed in and have no flashed messages waiting, on public paths whose query string is empty
or only ``page=N``. The key holds the scheme and host, path, page number, the visitor's language (kept in
the session cookie by the language switch), the theme, the enabled-plugin set and a content
version. The version lives in the database (core_settings), or in Redis when REDIS_URL is set,
so every worker and host sees a bump; workers re-read it at most every PLUGIN_STATE_TTL seconds.
An entry lives at most PAGE_CACHE_SECONDS and never past the next scheduled publish time, so a
scheduled post appears on time.

Pages carry a CSRF token (the language switch form). The stored copy holds a placeholder that is
replaced by the visitor's own token when served, so one visitor's token never reaches another.

Hits are answered by HitLane, a WSGI layer in front of Flask: it reads the session cookie itself
and answers a stored page without a request context, login, limiter or template (a cached page
then costs about what a bare Flask page does). Anything it is not sure of (no session cookie yet,
a signed-in or flashed session, a bad signature, a route declared @never) goes on to Flask,
whose before_request lookup below stays the reference and serves the same entries.
"""
import hashlib
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import formatdate

from flask import current_app, g, has_app_context, request, session
from flask.globals import _cv_app
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, func
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.http import HTTP_STATUS_CODES, http_date, parse_cookie

from core.extensions import csrf, db
from core.kept import keep
from core.web import SECURITY_HEADERS

log = logging.getLogger(__name__)

EXTENSION = "guildhall.pagecache"
VERSION_SETTING = "page_cache_version"
REDIS_PREFIX = "guildhall:pagecache:"
CSRF_PLACEHOLDER = b"\x00guildhall-csrf\x00"

CACHEABLE_TYPES = {
    "text/html",
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
}
# Paths that are personal, private, or forms that make no sense to keep.
NEVER_CACHED = (
    "/admin", "/api", "/me", "/files", "/login", "/logout", "/register", "/reset",
    "/language", "/healthz", "/static", "/theme", "/media", "/search",
)  # fmt: skip
# Headers that belong to one answer, never to the stored copy.
NOT_STORED = {"set-cookie", "content-length", "date", "etag", "last-modified", "x-cache", "retry-after"}
# Session keys that rendering an anonymous page may set without making it personal.
HARMLESS_SESSION_KEYS = {"csrf_token", "_fresh"}
MAX_BODY = 2 * 1024 * 1024
REDIS_RETRY_SECONDS = 5  # after Redis failed, pages skip it this long rather than wait on every call

# Session.info flags: whether this transaction wrote anything, and whether it carries a bump
# (the version row written in it, or with Redis an increment due at its commit).
WROTE = "guildhall.pagecache.wrote"
PENDING = "guildhall.pagecache.pending"
CORE_CONTENT_TABLES = {
    "core_pages", "core_sections", "core_tags", "core_menu_items", "core_settings", "core_media",
    "core_organisations", "core_page_gallery",
}  # fmt: skip


@dataclass
class Entry:
    status: int
    headers: list
    body: bytes
    stored_at: float
    etag: str

    def dumps(self):
        head = json.dumps({"s": self.status, "h": self.headers, "t": self.stored_at, "e": self.etag})
        return head.encode() + b"\n" + self.body

    @classmethod
    def loads(cls, raw):
        head, _, body = raw.partition(b"\n")
        meta = json.loads(head)
        return cls(meta["s"], [tuple(h) for h in meta["h"]], body, meta["t"], meta["e"])


class MemoryStore:
    """A bounded LRU in this process; entries carry their own expiry."""

    def __init__(self, max_entries):
        self.max_entries = max_entries
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, entry = item
            if time.time() >= expires:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return entry

    def set(self, key, entry, expires):
        with self._lock:
            self._items[key] = (expires, entry)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()

    def __len__(self):
        return len(self._items)


class RedisGuard:
    """The Redis client, not asked for REDIS_RETRY_SECONDS after it failed: a hanging Redis would
    otherwise cost its timeout several times per page (version, lookup, store, memos)."""

    def __init__(self, client):
        self.client = client
        self.down_until = 0.0

    def __getattr__(self, name):
        method = getattr(self.client, name)
        if not callable(method):
            return method

        def call(*args, **kwargs):
            from redis.exceptions import ConnectionError as RedisConnectionError
            from redis.exceptions import TimeoutError as RedisTimeoutError

            if time.monotonic() < self.down_until:
                raise RedisConnectionError("page cache: Redis failed a moment ago")
            try:
                return method(*args, **kwargs)
            except (RedisConnectionError, RedisTimeoutError):
                self.down_until = time.monotonic() + REDIS_RETRY_SECONDS
                raise

        return call


class RedisStore:
    """Entries in Redis, shared by every worker; Redis drops them when they expire."""

    def __init__(self, client):
        self.client = client

    def get(self, key):
        raw = self.client.get(REDIS_PREFIX + "page:" + key)
        return Entry.loads(raw) if raw else None

    def set(self, key, entry, expires):
        milliseconds = max(1, int((expires - time.time()) * 1000))
        self.client.set(REDIS_PREFIX + "page:" + key, entry.dumps(), px=milliseconds)

    def clear(self):
        """Nothing to do: entries of an old version are never asked for and expire by themselves."""


@dataclass
class PageCache:
    app: object
    store: object
    redis: object = None  # client holding the version when REDIS_URL is set
    _version: str = ""
    _next_publish: float | None = None  # epoch seconds of the earliest future scheduled page
    _read_at: float = field(default=-1e9)
    _bump_owed: bool = False  # a Redis bump failed: it is made as soon as Redis answers again
    _lock: threading.Lock = field(default_factory=threading.Lock)
    memos: dict = field(default_factory=dict)  # key -> (version, expires at, value)

    # -- the shared content version -----------------------------------------

    def state(self):
        """(version, next scheduled publish time), re-read at most every PLUGIN_STATE_TTL seconds
        and at once when the scheduled time has come."""
        now = time.monotonic()
        ttl = self.app.config["PLUGIN_STATE_TTL"]
        due = self._next_publish is not None and time.time() >= self._next_publish
        if now - self._read_at > ttl or due:
            version, next_publish = self._read_version(), self._read_next_publish()
            with self._lock:
                if version != self._version:
                    self.store.clear()  # entries of the old version are unreachable now
                self._version, self._next_publish, self._read_at = version, next_publish, now
        return self._version, self._next_publish

    def forget(self):
        self._read_at = -1e9

    def expires(self, now):
        """When something stored now must go: after PAGE_CACHE_SECONDS, or when the next scheduled page goes live."""
        _, next_publish = self.state()
        expires = now + self.app.config["PAGE_CACHE_SECONDS"]
        return expires if next_publish is None else min(expires, next_publish)

    def _read_version(self):
        if self.redis is not None:
            if self._bump_owed:  # pages cached before a change made while Redis was away must go
                self.redis.incr(REDIS_PREFIX + "version")
                self._bump_owed = False
            raw = self.redis.get(REDIS_PREFIX + "version")
            return raw.decode() if raw else "0"
        from core.pages.models import Setting

        # A column query, not get_setting(): the session's identity map may hold an old copy.
        value = db.session.scalar(db.select(Setting.value).where(Setting.key == VERSION_SETTING))
        return str(value or "0")

    def _read_next_publish(self):
        from core.pages.models import Page
        from core.users.models import utcnow

        earliest = db.session.scalar(
            db.select(func.min(Page.publish_at)).where(Page.status == "scheduled", Page.publish_at > utcnow())
        )
        if earliest is None:
            return None
        return earliest.replace(tzinfo=timezone.utc).timestamp()

    def bump_in_transaction(self, session):
        """Change the version as part of the session's transaction (DB), or after its commit (Redis)."""
        if session.info.get(PENDING):
            return
        if self.redis is None:
            from core.pages.models import Setting

            connection = session.connection()
            connection.execute(_upsert(connection.dialect.name, Setting.__table__, uuid.uuid4().hex))
        session.info[PENDING] = True

    def bump_now(self):
        if self.redis is not None:
            return self.committed()
        session = db.session()
        self.bump_in_transaction(session)
        session.commit()

    def committed(self):
        self.forget()
        if self.redis is not None:
            try:
                self.redis.incr(REDIS_PREFIX + "version")
            except Exception:
                self._bump_owed = True
                raise


def _upsert(dialect, table, token):
    """One statement that stores the version whether or not its row exists (no race on the first save)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project runs on SQLite and PostgreSQL
        raise RuntimeError(f"page cache: no upsert for {dialect}")
    statement = insert(table).values(key=VERSION_SETTING, value=token)
    return statement.on_conflict_do_update(index_elements=[table.c.key], set_={"value": statement.excluded.value})


def init_app(app):
    """Install the cache on app; with PAGE_CACHE off only the version is kept (content_changed)."""
    redis_url = app.config.get("REDIS_URL")
    redis_client = None
    if redis_url:
        import redis

        redis_client = RedisGuard(redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1))
        store = RedisStore(redis_client)
    else:
        store = MemoryStore(app.config.get("PAGE_CACHE_MAX_ENTRIES", 1000))
    app.extensions[EXTENSION] = PageCache(app=app, store=store, redis=redis_client)
    if app.config.get("PAGE_CACHE", True):
        app.before_request(_serve_from_cache)
        app.after_request(_store_in_cache)
        app.wsgi_app = HitLane(app, app.wsgi_app)


def get_cache(app=None):
    if app is None and not has_app_context():
        return None
    return (app or current_app).extensions.get(EXTENSION)


def content_changed():
    """Drop every cached page on every worker and host.

    Inside a transaction that wrote something, the bump goes with that transaction's commit
    (so no worker caches the old content under the new version in between); otherwise it is
    stored at once."""
    cache = get_cache()
    if cache is None:
        return
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get(WROTE):
        cache.bump_in_transaction(session)
        return
    try:
        cache.bump_now()
    except Exception:  # the change itself is stored; pages still expire after PAGE_CACHE_SECONDS
        log.exception("page cache: could not bump the content version")


def skip():
    """Keep this request's answer out of the cache."""
    g._pagecache_skip = True


def never(view):
    """Decorator: this view's answers are never cached, and its requests do not even look in the
    cache (no round trip to Redis in scale-out)."""
    view.pagecache_never = True
    return view


MAX_MEMOS = 512


def memo(key, build):
    """build(), or its value from an earlier call while the content has not changed.

    The value must not depend on the visitor, and must be plain data or Markup (never ORM
    objects, which belong to one request's session)."""
    app_context = _cv_app.get(None)  # asked a dozen times a page: no LocalProxy hops
    cache = app_context.app.extensions.get(EXTENSION) if app_context is not None else None
    if cache is None or not app_context.app.config.get("MEMO_CACHE", True):
        return build()
    try:
        version, _ = cache.state()
    except Exception:  # the version lives in Redis, which may be down: build it, as without a cache
        log.warning("page cache unavailable; building %s without it", key, exc_info=True)
        return build()
    now = time.time()
    found = cache.memos.get(key)
    if found is not None and found[0] == version and found[1] > now:
        return found[2]
    value = build()
    keep(cache.memos, key, (version, cache.expires(now), value), MAX_MEMOS)
    return value


# -- transaction tracking -------------------------------------------------------


def shows_on_pages(obj):
    """Whether a change to this row may change what visitors see.

    Core tables count only when they hold content; a plugin's tables always count unless
    its model says ``__pagecache_ignore__ = True`` (say, a like counter on a page that skip()s)."""
    model = type(obj)
    if getattr(model, "__pagecache_ignore__", False):
        return False
    if hasattr(obj, "shows_on_pages"):  # the row itself knows (a private file never shows)
        return obj.shows_on_pages()
    table = getattr(model, "__tablename__", "") or ""
    if table.startswith("core_"):
        return table in CORE_CONTENT_TABLES
    return True


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    """Any flushed change to content bumps the version with the same commit, so plugins and
    editors that forget content_changed() never leave a stale page behind."""
    session.info[WROTE] = True
    if session.info.get(PENDING):
        return
    changed = any(shows_on_pages(obj) for obj in (*session.new, *session.dirty, *session.deleted))
    cache = get_cache() if changed else None
    if cache is not None:
        cache.bump_in_transaction(session)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction, and its bump, go on
    session.info.pop(WROTE, None)
    if session.info.pop(PENDING, False):
        cache = get_cache()
        if cache is not None:
            try:
                cache.committed()
            except Exception:
                log.exception("page cache: could not bump the content version")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    if session.in_nested_transaction():
        # Only a savepoint went: the outer transaction's writes stand, but the version row may
        # have gone with it, so the next content write stores it again. (A Redis bump is still
        # due at the commit.)
        cache = get_cache()
        if cache is not None and cache.redis is None:
            session.info.pop(PENDING, None)
        return
    for flag in (WROTE, PENDING):
        session.info.pop(flag, None)


# -- serving and storing --------------------------------------------------------


def _signed_in():
    if "_user_id" in session or "Authorization" in request.headers:
        return True
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return remember in request.cookies


def _page_number(args, query_string):
    """'' for no query string, the number for ?page=N, None for anything else."""
    if not query_string:
        return ""
    if len(args) == 1:
        page = args.get("page", "")
        if page.isdigit() and len(page) <= 5 and len(args.getlist("page")) == 1:
            return page
    return None


def _cache_key(cache):
    """The key of this request, or None when it must not be cached."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.path
    if _never_cached_path(path):
        return None
    if getattr(current_app.view_functions.get(request.endpoint), "pagecache_never", False):
        return None
    page = _page_number(request.args, request.query_string)
    if page is None or _signed_in() or "_flashes" in session:
        return None
    from core.web import select_locale

    return _key(cache, request.host_url, path, page, select_locale())


def _key(cache, host_url, path, page, locale):
    """The key of a page: what the visitor asked for, in which language, theme, plugin set and
    content version. Inside an app context; shared by HitLane and the Flask path."""
    from core.plugins import get_host

    version, _ = cache.state()
    plugins = ",".join(sorted(get_host().enabled_names()))
    # host_url, not host: pages carry absolute links (canonical, feeds) in the visitor's scheme.
    parts = [host_url, path, page, locale, _theme(), plugins, version]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _theme():
    themes = current_app.extensions.get("guildhall.themes")
    return themes.current() if themes is not None else current_app.config["THEME"]


def _never_cached_path(path):
    return any(path == prefix or path.startswith(prefix + "/") for prefix in NEVER_CACHED)


def _serve_from_cache():
    if request.environ.get(LANE_FAILED):  # each attempt would wait out the connect timeout again
        return None
    cache = get_cache()
    try:
        key = _cache_key(cache)
        # HitLane looked already (a miss): no second round trip to the store.
        missed = key is not None and request.environ.get(LANE_MISSED) == key
        entry = cache.store.get(key) if key and not missed else None
    except SQLAlchemyError as error:  # e.g. a database not migrated yet
        log.warning("page cache unavailable; serving without it: %s", str(error).splitlines()[0])
        db.session.rollback()
        return None
    except Exception:
        log.exception("page cache unavailable; serving without it")
        db.session.rollback()
        return None
    if key is None:
        return None
    g._pagecache_key = key
    g._pagecache_session = {k: v for k, v in session.items() if k not in HARMLESS_SESSION_KEYS}
    if entry is None:
        return None
    g._pagecache_hit = True
    body = entry.body
    if CSRF_PLACEHOLDER in body:
        body = body.replace(CSRF_PLACEHOLDER, generate_csrf().encode())
    response = current_app.response_class(body, status=entry.status, headers=entry.headers)
    return _finish(response, entry, "HIT")


def _finish(response, entry, outcome, environ=None):
    response.set_etag(entry.etag)
    response.headers["Last-Modified"] = formatdate(int(entry.stored_at), usegmt=True)
    response.headers["X-Cache"] = outcome
    response.vary.add("Cookie")
    # Browsers keep the page but ask again each time; the ETag makes that a cheap 304.
    response.headers.setdefault("Cache-Control", "no-cache")
    return response.make_conditional(request.environ if environ is None else environ)


def _storable(header):
    name = header.lower()
    return name not in NOT_STORED and not name.startswith("x-ratelimit")


def _store_in_cache(response):
    key = g.pop("_pagecache_key", None)
    if key is None or g.get("_pagecache_hit"):
        return response
    before = g.pop("_pagecache_session", {})
    if (
        g.get("_pagecache_skip")
        or response.status_code != 200
        or response.mimetype not in CACHEABLE_TYPES
        or response.is_streamed
        or "Set-Cookie" in response.headers
        or "private" in (response.headers.get("Cache-Control") or "")
        or "no-store" in (response.headers.get("Cache-Control") or "")
        or {k: v for k, v in session.items() if k not in HARMLESS_SESSION_KEYS} != before
        or len(response.get_data()) > MAX_BODY
    ):
        response.headers["X-Cache"] = "MISS"
        return response
    body = response.get_data()
    token = g.get("csrf_token")
    stored_body = body.replace(token.encode(), CSRF_PLACEHOLDER) if token else body
    cache = get_cache()
    now = time.time()
    try:
        expires = cache.expires(now)
        headers = [(k, v) for k, v in response.headers.items() if _storable(k)]
        etag = hashlib.sha256(stored_body).hexdigest()[:32]
        entry = Entry(response.status_code, headers, stored_body, now, etag)
        if expires > now:
            cache.store.set(key, entry, expires)
    except Exception:
        log.exception("page cache unavailable; answer not stored")
        response.headers["X-Cache"] = "MISS"
        return response
    return _finish(response, entry, "MISS")


# -- answering hits before Flask ------------------------------------------------------

LANE_MISSED = "guildhall.pagecache.missed"  # environ: the key HitLane looked up in vain
LANE_FAILED = "guildhall.pagecache.failed"  # environ: HitLane could not reach the database
ENDPOINT_KEY = "guildhall.endpoint"  # environ: what metrics name a request by (core.observability reads it)


class HitLane:
    """WSGI middleware in front of Flask's ``wsgi_app``: a stored page for an anonymous visitor
    is answered from the session cookie and the store alone. It asks the same questions as the
    Flask path above (_cache_key, _finish) and adds what Flask's after-request hooks would (the
    security headers); whatever it cannot decide goes on to Flask.

    Session cookies are read through the app's session serializer, which remembers the ones it
    verified (core.web.RememberingSerializer); CSRF tokens are signed through csrf.signed_token.
    Per process the lane remembers the headers of each stored page and where each address routes."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._headers = {}  # (etag, stored at, status) -> the hit's headers but Date and Content-Length
        self._routes = {}  # (method, scheme, host, ..., path) -> (endpoint or None, host_url)

    def __call__(self, environ, start_response):
        try:
            answer = self._hit(environ)
        except SQLAlchemyError:  # the database is unreachable: Flask answers 503 without trying the cache again
            log.debug("page cache lane handed a request on", exc_info=True)
            environ[LANE_FAILED] = True
            answer = None
        except Exception:  # the Flask path meets the same trouble and answers it properly
            log.debug("page cache lane handed a request on", exc_info=True)
            answer = None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        return answer(environ, start_response)

    def _hit(self, environ):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in environ:
            return None
        app = self.app
        path = "/" + _wsgi_text(environ.get("PATH_INFO") or "").lstrip("/")  # as werkzeug's request.path
        if "\x00" in path or _never_cached_path(path):
            return None
        query = environ.get("QUERY_STRING", "")
        page = _page_number(app.request_class(environ).args, query) if query else ""
        cookies = parse_cookie(environ.get("HTTP_COOKIE") or "")
        if page is None or app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return None
        saved = self._session(cookies)
        if saved is None or "_user_id" in saved or "_flashes" in saved:
            return None
        endpoint, host_url = self._route(environ, path)
        if endpoint is None:
            return None
        chosen = saved.get("lang")
        locale = chosen if chosen in app.config["LANGUAGES"] else app.config["BABEL_DEFAULT_LOCALE"]
        cache = app.extensions[EXTENSION]
        with app.app_context():
            key = _key(cache, host_url, path, page, locale)
            entry = cache.store.get(key)
        if entry is None:
            environ[LANE_MISSED] = key
            return None
        body = entry.body
        if CSRF_PLACEHOLDER in body:
            token = self._csrf_token(saved)
            if token is None:  # a first visit: Flask starts the session that holds the token
                return None
            body = body.replace(CSRF_PLACEHOLDER, token.encode())
        environ[ENDPOINT_KEY] = endpoint
        if any(name in environ for name in CONDITIONAL_HEADERS):  # rare: werkzeug decides 304 or 412
            return _finish(self._response(entry, body), entry, "HIT", environ)
        return self._plain_answer(entry, body, environ["REQUEST_METHOD"] == "HEAD")

    def _response(self, entry, body):
        response = self.app.response_class(body, status=entry.status, headers=entry.headers)
        for name, value in SECURITY_HEADERS:  # core.web adds them after the page was stored
            response.headers.setdefault(name, value)
        return response

    def _plain_answer(self, entry, body, head):
        """The 200 a plain GET or HEAD gets: the headers _finish() gives, built once per page."""
        memo = (entry.etag, entry.stored_at, entry.status)
        headers = self._headers.get(memo)
        if headers is None:
            finished = _finish(self._response(entry, b""), entry, "HIT", {"REQUEST_METHOD": "GET"})
            headers = [(k, v) for k, v in finished.headers.items() if k.lower() not in ("date", "content-length")]
            keep(self._headers, memo, headers, LANE_MEMORY_ENTRIES)
        status = f"{entry.status} {HTTP_STATUS_CODES.get(entry.status, '')}".rstrip()
        full = [*headers, ("Content-Length", str(len(body))), ("Date", http_date())]

        def answer(_environ, start_response):
            start_response(status, full)
            return [] if head else [body]

        return answer

    def _session(self, cookies):
        """The visitor's session as Flask would load it; None when Flask must decide."""
        from flask.sessions import SecureCookieSessionInterface
        from itsdangerous import BadSignature

        app = self.app
        if type(app.session_interface) is not SecureCookieSessionInterface:
            return None
        raw = cookies.get(app.config["SESSION_COOKIE_NAME"])
        if not raw:
            return {}
        serializer = app.session_interface.get_signing_serializer(app)
        try:
            saved = serializer.loads(raw, max_age=int(app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return None
        if not isinstance(saved, dict) or (saved.get("_permanent") and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return None  # Flask would send the cookie again with this answer
        return saved

    def _route(self, environ, path):
        """(endpoint or None, the request's host_url), kept per host and path: the URL rules do not
        change once the app serves."""
        where = (environ.get("REQUEST_METHOD"), environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                 environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME", ""), path)
        found = self._routes.get(where)
        if found is None:
            request_ = self.app.request_class(environ)
            found = (self._endpoint(request_), request_.host_url)  # an untrusted host raises: Flask answers
            keep(self._routes, where, found, LANE_MEMORY_ENTRIES)
        return found

    def _endpoint(self, request_):
        """The endpoint this address routes to, or None: no route, a redirect, or a view that is
        never cached."""
        from werkzeug.exceptions import HTTPException
        from werkzeug.routing import RequestRedirect

        try:
            rule, _ = self.app.create_url_adapter(request_).match(return_rule=True)
        except (HTTPException, RequestRedirect):
            return None
        if getattr(self.app.view_functions.get(rule.endpoint), "pagecache_never", False):
            return None
        return rule.endpoint

    def _csrf_token(self, saved):
        """A token flask_wtf.csrf.generate_csrf() could have given this session, or None without one."""
        raw = saved.get(self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if not raw or not isinstance(raw, str):
            return None
        return csrf.signed_token(self.app, raw)


LANE_MEMORY_ENTRIES = 10_000
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_RANGE")


def _wsgi_text(value):
    """A WSGI string (the URL's bytes as latin-1) as text, the way werkzeug decodes it."""
    return value.encode("latin-1").decode("utf-8", "replace")

