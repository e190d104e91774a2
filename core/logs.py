"""Log lines that say which request they belong to.

Every request gets an id (a sane incoming ``X-Request-ID``, from nginx or a load balancer,
or a new one), sent back in the ``X-Request-ID`` header. While the request runs, every log
record carries ``request_id``, ``method`` and ``path``; ``LOG_FORMAT = "json"`` writes one
JSON object per line (for a log shipper), ``"text"`` a readable line. ``ACCESS_LOG`` adds a
line per request (logger ``guildhall.access``) with its status and duration.

Handlers go on the root logger, so the core's, the plugins' and the libraries' records all
come out the same way; ``LOG_LEVEL`` (default WARNING) is the root's level, the access log
has INFO of its own.
"""
import contextvars
import json
import logging
import os
import random
import re
import sys
from datetime import datetime, timezone

ACCESS_LOGGER = "guildhall.access"
FORMATS = ("text", "json")
# Letters, digits and . _ : - only, 8 to 128 of them: safe to echo in a header and a log line.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

# (request id, method, path) of the request this thread or greenlet is serving, or None.
current = contextvars.ContextVar("guildhall_request", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is written out.
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "context", "request_id", "method",
                                                             "path"}


# New ids: 128 random bits as 32 hex digits, like uuid4().hex, from a generator of this process
# seeded from the OS (again in every forked worker). An id names a request in the logs; it is no
# secret, and uuid4 would ask the OS for fresh bytes on every request (a system call that lets go
# of the GIL, a thread switch under gthread).
_ids = random.Random()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ids.seed)


def request_id_for(incoming):
    """The incoming id when it is sane, else a new one."""
    if incoming and SANE_ID.fullmatch(incoming):
        return incoming
    return "%032x" % _ids.getrandbits(128)


def request_id():
    """The id of the request being served, or None outside requests."""
    fields = current.get()
    return fields[0] if fields else None


class RequestFields(logging.Filter):
    """Adds request_id, method and path (None outside a request) to every record."""

    def filter(self, record):
        fields = current.get()
        record.request_id, record.method, record.path = fields or (None, None, None)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request's fields,
    any ``extra=`` values, and the traceback of an exception."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            entry.update(request_id=record.request_id, method=record.method, path=record.path)
        fields = record.__dict__
        for key in sorted(fields.keys() - STANDARD_ATTRIBUTES):
            if not key.startswith("_"):
                entry[key] = fields[key]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record):
        record_id = getattr(record, "request_id", None)
        record.context = f" [{record_id} {record.method} {record.path}]" if record_id else ""
        return super().format(record)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners and CLI runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(app):
    """Install this app's log format on the root logger (replacing an earlier app's)."""
    kind = app.config.get("LOG_FORMAT") or "text"
    if kind not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be text or json, not {kind!r}")
    handler = StderrHandler()
    handler.guildhall = True
    handler.addFilter(RequestFields())
    handler.setFormatter(JsonFormatter() if kind == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "guildhall", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((app.config.get("LOG_LEVEL") or "WARNING").upper())
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)  # the root's handler writes the app's records too
    access = logging.getLogger(ACCESS_LOGGER)
    access.setLevel(logging.INFO if app.config.get("ACCESS_LOG", True) else logging.WARNING)
    werkzeug = logging.getLogger("werkzeug")
    if werkzeug.level == logging.NOTSET:  # the development server's address and its own request lines
        werkzeug.setLevel(logging.INFO)
