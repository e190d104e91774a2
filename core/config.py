"""Configuration: defaults here, then instance/config.py, then GUILDHALL_* variables."""
import os
import secrets
import tempfile
from pathlib import Path

# Settings that may come from the environment, with the type they are parsed as.
ENV_SETTINGS = {
    "SECRET_KEY": str,
    "SQLALCHEMY_DATABASE_URI": str,
    "REDIS_URL": str,
    "ENABLED_PLUGINS": list,
    "THEME": str,
    "REGISTRATION_MODE": str,
    "BABEL_DEFAULT_LOCALE": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_DEFAULT_SENDER": str,
    "REQUIRE_TOTP_FOR_ROLES": list,
    "SESSION_COOKIE_SECURE": bool,
    "TRUSTED_PROXIES": int,
    "PLUGIN_STATE_TTL": float,
    "SANITIZER": str,
    "SITE_NAME": str,
    "SERVER_NAME": str,
    "SITE_URL": str,
    "STORAGE_BACKEND": str,
    "UPLOAD_FOLDER": str,
    "S3_BUCKET": str,
    "S3_ENDPOINT_URL": str,
    "S3_REGION": str,
    "S3_ACCESS_KEY_ID": str,
    "S3_SECRET_ACCESS_KEY": str,
    "S3_PREFIX": str,
    "S3_ADDRESSING_STYLE": str,
    "PAGE_CACHE": bool,
    "PAGE_CACHE_SECONDS": int,
    "DATABASE_CONNECT_TIMEOUT": int,
    "DATABASE_POOL_TIMEOUT": int,
    "LOG_FORMAT": str,
    "LOG_LEVEL": str,
    "ACCESS_LOG": bool,
    "METRICS_TOKEN": str,
}

# Friendlier aliases for the most common variables.
ENV_ALIASES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "LANGUAGE": "BABEL_DEFAULT_LOCALE",
    "PLUGINS": "ENABLED_PLUGINS",
}


class Defaults:
    SITE_NAME = "深圳市质量协会"
    SECRET_KEY = None  # generated into the instance folder on first run
    SQLALCHEMY_DATABASE_URI = None  # sqlite:///<instance>/guildhall.db unless configured
    # pool_pre_ping: a SELECT 1 before each checkout replaces connections a database server dropped.
    # SQLite opens a local file that cannot drop them, so it goes without (load_config below).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL: an unreachable server fails a request in seconds (503), not psycopg's 130 s default.
    DATABASE_CONNECT_TIMEOUT = 3  # seconds to open a connection (libpq's minimum is 2)
    DATABASE_POOL_TIMEOUT = 5  # seconds a request waits for a pooled connection
    REDIS_URL = None
    ENABLED_PLUGINS = ["announcements", "competitions", "brand_stories", "youth_committee", "partner_recruitment"]
    THEME = "default"
    REGISTRATION_MODE = "open"  # open | invite | closed
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}
    REQUIRE_TOTP_FOR_ROLES = []  # e.g. ["admin", "judge"]
    PLUGIN_STATE_TTL = 0.5  # seconds a worker trusts its cached plugin states
    SANITIZER = "nh3"  # nh3 | bleach

    MAIL_SERVER = None  # no SMTP: messages stay in the outbox
    MAIL_PORT = 587
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = True
    MAIL_DEFAULT_SENDER = "noreply@guildhall.local"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS (production checklist)
    # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto/-Host are then
    # believed, so rate limits and the live finals' network budgets see the visitor's address.
    TRUSTED_PROXIES = 0
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # limits keep working per process if Redis is down
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    RESET_RATE_LIMIT = "5 per minute;20 per hour"
    REGISTER_RATE_LIMIT = "5 per minute;30 per hour"
    API_RATE_LIMIT = "300 per minute"  # per API token, or per IP address without one

    # Content and media (issue 3).
    SITE_URL = None  # canonical base such as "https://www.example.org"; the request's host otherwise
    STORAGE_BACKEND = "local"  # local | s3
    UPLOAD_FOLDER = None  # <instance>/uploads unless configured; never under a static folder
    S3_BUCKET = None
    S3_ENDPOINT_URL = None  # any S3-compatible server; None means AWS
    S3_REGION = None
    S3_ACCESS_KEY_ID = None
    S3_SECRET_ACCESS_KEY = None
    S3_PREFIX = ""
    S3_ADDRESSING_STYLE = None  # "path" for servers without bucket subdomains (e.g. MinIO)
    UPLOAD_LIMITS = {  # bytes per kind of file
        "image": 10 * 1024 * 1024,
        "pdf": 30 * 1024 * 1024,
        "document": 30 * 1024 * 1024,
        "video": 200 * 1024 * 1024,
    }
    IMAGE_MAX_PIXELS = 40_000_000  # larger images are refused (decompression bombs)
    THUMBNAIL_SIZE = (480, 480)
    PAGE_CACHE = True  # cache whole pages for anonymous visitors
    PAGE_CACHE_SECONDS = 300
    PAGE_CACHE_MAX_ENTRIES = 1000  # in-process cache only; Redis evicts by its own policy
    NEWS_PER_PAGE = 12
    SEARCH_PER_PAGE = 10
    SEARCH_MAX_QUERY = 100  # characters of a search query that are used
    SEARCH_REFRESH_SECONDS = 600  # plugin search documents older than this are re-read

    TOKEN_MAX_AGE_VERIFY = 60 * 60 * 24 * 3
    TOKEN_MAX_AGE_RESET = 60 * 60 * 2
    INVITATION_MAX_AGE_DAYS = 14

    # Observability (core/logs.py, core/observability.py; docs/deployment.md).
    LOG_FORMAT = "text"  # text | json (one JSON object per line: production, with a log shipper)
    LOG_LEVEL = "WARNING"  # the root logger's; the access log has INFO of its own
    ACCESS_LOG = False  # a line per request with status and duration (gunicorn's default too: nginx logs requests)
    METRICS_TOKEN = None  # bearer token for /metrics (Prometheus); administrators may read it signed in


def _parse(kind, raw):
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    if kind is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def env_overrides(environ=None):
    """The settings given as GUILDHALL_* environment variables."""
    environ = os.environ if environ is None else environ
    found = {}
    for key, raw in environ.items():
        if not key.startswith("GUILDHALL_"):
            continue
        name = key[len("GUILDHALL_"):]
        name = ENV_ALIASES.get(name, name)
        if name in ENV_SETTINGS:
            found[name] = _parse(ENV_SETTINGS[name], raw)
    return found


def _write_exclusively(path, text):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def ensure_secret_key(instance_path):
    """Read the instance's secret key, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        # Several workers may start at once: each writes a whole key to a file of its own and
        # links it into place; the first link wins and every worker reads that one key.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            except OSError:  # a filesystem without hard links: create it exclusively instead
                _write_exclusively(path, Path(draft).read_text())
        finally:
            os.unlink(draft)
    return path.read_text().strip()


def server_engine_options(config):
    """The engine options for PostgreSQL: bounded waits for a connection and for the pool, on
    top of the configured options (which win); pool_pre_ping drops connections that died."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT"])
    connect_args = {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT"]}
    options["connect_args"] = {**connect_args, **options.get("connect_args", {})}
    return options


def sqlite_engine_options(options):
    """The default options without pool_pre_ping: a ping costs a query (and a GIL hand-off) per
    request and finds nothing to replace in a local file. Options an instance sets are kept."""
    if options is Defaults.SQLALCHEMY_ENGINE_OPTIONS:
        return {key: value for key, value in options.items() if key != "pool_pre_ping"}
    return options


def load_config(app, overrides=None):
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_overrides())
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "guildhall.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = ensure_secret_key(app.instance_path)
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):  # a hung Redis must not hang sign-ins
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 1, "socket_connect_timeout": 1})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = server_engine_options(app.config)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_engine_options(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if app.config["REGISTRATION_MODE"] not in {"open", "invite", "closed"}:
        raise ValueError("REGISTRATION_MODE must be open, invite or closed")
    if app.config["STORAGE_BACKEND"] not in {"local", "s3"}:
        raise ValueError("STORAGE_BACKEND must be local or s3")
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    if app.config["SANITIZER"] not in {"nh3", "bleach"}:
        raise ValueError(f"SANITIZER must be nh3 or bleach, not {app.config['SANITIZER']!r}")
