"""gunicorn settings for the scale-out mode (PostgreSQL + Redis, several workers).

    GUILDHALL_DATABASE_URL=postgresql+psycopg://... GUILDHALL_REDIS_URL=redis://... \
        .venv/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app

The serving model was decided in bench/sse_lab (README.md, "What it found"): gevent
workers hold thousands of Server-Sent-Event streams each (a thread per stream does not),
two workers keep pages fast, Redis pub/sub carries live snapshots between them.

Settings only. Nothing here imports the app, psycopg or anything that imports them, and
there is no preload: each worker imports the app after gevent has patched the standard
library, which is what makes psycopg 3 cooperative (bench/sse_lab/check_psycopg_gevent.py).
"""
import os

bind = os.environ.get("GUILDHALL_BIND", "127.0.0.1:8000")  # e.g. "0.0.0.0:8000" or "unix:/run/guildhall.sock"
worker_class = "gevent"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_connections = 5000  # open SSE streams plus requests per worker
timeout = 30
graceful_timeout = 10
keepalive = 5
backlog = 4096
preload_app = False  # see above: the app is imported in each worker, after gevent's patching
