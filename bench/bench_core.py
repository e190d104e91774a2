"""Guildhall's overhead: anonymous home page and /healthz against bare Flask, same run.

Both apps are called in-process through WSGI (no sockets), one request at a
time, for the same number of seconds each; the ratio is Guildhall / bare.
"""
import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask, jsonify
from flask_login import AnonymousUserMixin
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def guildhall_app(instance):
    from flask_migrate import upgrade

    from core.app import create_app
    from core.demo import load_demo

    # Without the page cache: this measures the framework's own overhead (bench_content.py has the cache).
    app = create_app({"RATELIMIT_ENABLED": True, "PAGE_CACHE": False}, instance_path=instance)
    with app.app_context():
        upgrade(revision="heads")
        load_demo()
    return app


def bare_app(db_path):
    """Plain Flask rendering core/templates/pages/home.html with stand-ins for the helpers."""
    app = Flask("bare", template_folder=str(ROOT / "core" / "templates"), static_folder=str(ROOT / "core" / "static"))
    app.config.update(REGISTRATION_MODE="open", SECRET_KEY="bench")
    app.url_build_error_handlers.append(lambda error, endpoint, values: "/" + endpoint)
    app.jinja_env.globals["_"] = lambda text, **values: text % values if values else text

    @app.context_processor
    def stand_ins():
        return {
            "nav_items": lambda menu: [],
            "slot": lambda name, **context: "",
            "current_locale": "zh_CN",
            "languages": {"zh_CN": "中文", "en": "English"},
            "site_name": "深圳市质量协会",
            "can": lambda permission: False,
            "current_user": AnonymousUserMixin(),
            "csrf_token": lambda: "token",
            "menu_links": lambda menu: [],
            "site_description": lambda: "",
            "site_contact": lambda: {},
            "canonical_url": lambda: "http://127.0.0.1:5000/",
            "absolute_url": lambda path: "http://127.0.0.1:5000" + path,
            "theme_name": lambda: "default",
        }

    @app.route("/")
    def home():
        from flask import render_template

        return render_template("pages/home.html", blocks=[])

    @app.route("/healthz")
    def healthz():
        started = time.perf_counter()
        connection = sqlite3.connect(db_path)
        connection.execute("SELECT 1").fetchone()
        connection.close()
        return jsonify({"status": "ok", "database": {"ok": True, "latency_ms": (time.perf_counter() - started) * 1000}})

    return app


def requests_per_second(app, path, seconds):
    environ = EnvironBuilder(path=path, base_url="http://127.0.0.1:5000").get_environ()
    status_seen = []

    def start_response(status, headers, exc_info=None):
        status_seen.append(status)

    # Warm up caches and lazy imports first.
    for _ in range(20):
        b"".join(app(dict(environ), start_response))
    if not status_seen[-1].startswith("200"):
        raise SystemExit(f"{path} answered {status_seen[-1]}")
    count = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        b"".join(app(dict(environ), start_response))
        count += 1
    return count / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        guildhall = guildhall_app(Path(folder))
        bare = bare_app(Path(folder) / "guildhall.db")
        print(f"{'path':<12}{'guildhall req/s':>18}{'bare flask req/s':>20}{'ratio':>9}")
        for path in ("/", "/healthz"):
            ours = requests_per_second(guildhall, path, args.seconds)
            base = requests_per_second(bare, path, args.seconds)
            print(f"{path:<12}{ours:>18.0f}{base:>20.0f}{ours / base:>9.2f}")


if __name__ == "__main__":
    main()
