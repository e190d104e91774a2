"""The demo site's anonymous pages with and without the page cache, against bare Flask, same run.

Three apps answer the same two pages, called in-process through WSGI (no sockets), one request
at a time, for the same number of seconds each:

- Guildhall with the page cache (PAGE_CACHE on, the default), on the demo site;
- Guildhall without it (PAGE_CACHE off), on the same database;
- bare Flask rendering the same content (copied out of the demo database once) from a plain
  Jinja template, with no database, no sessions, no plugins: the floor for "render a page".

Every request carries the session cookie a returning visitor's browser would send (the first
answer sets it), so the cached pages are measured as a visitor sees them, CSRF token included.
The ratios printed are Guildhall / bare Flask and cached / uncached.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask, render_template
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEWS_SLUG = "quan-guo-cheng-guo-jiao-liu-jie-guo"  # the news item with the results table

BARE_LAYOUT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · {{ site_name }}</title>
<link rel="stylesheet" href="{{ url_for('static', filename='css/site.css') }}"></head>
<body><a class="skip-link" href="#main">跳到正文</a>
<header class="site-header"><div class="wrap"><a class="brand" href="/">{{ site_name }}</a>
<nav class="main-nav" aria-label="主菜单"><ul>{% for label, url in menu %}<li><a href="{{ url }}">{{ label }}</a></li>{% endfor %}</ul></nav>
</div></header>
<main id="main" class="wrap">{% block content %}{% endblock %}</main>
<footer class="site-footer"><div class="wrap"><nav aria-label="页脚菜单">{% for label, url in footer %}<a href="{{ url }}">{{ label }}</a>{% endfor %}</nav>
<p>© {{ site_name }}</p></div></footer></body></html>"""

BARE_NEWS = """{% extends "layout" %}{% block title %}{{ post.title }}{% endblock %}{% block content %}
<article class="news-post"><p class="section">{{ post.section }}</p><h1>{{ post.title }}</h1>
<p class="meta"><time datetime="{{ post.date.isoformat() }}">{{ post.date.strftime('%Y年%m月%d日') }}</time> {{ post.byline }}</p>
<p class="summary">{{ post.summary }}</p><div class="body">{{ post.body|safe }}</div>
<ul class="tags">{% for tag in post.tags %}<li><a href="/tag/{{ tag.slug }}/">{{ tag.name }}</a></li>{% endfor %}</ul></article>
{% endblock %}"""

BARE_HOME = """{% extends "layout" %}{% block title %}首页{% endblock %}{% block content %}
<section class="hero"><h1>{{ site_name }}</h1></section><div class="home-blocks">
{% for block in blocks %}<section class="block"><h2>{{ block.title }}</h2><ul>
{% for item in block["items"] %}<li><a href="/news/{{ item.slug }}">{{ item.title }}</a> <time>{{ item.date.strftime('%Y-%m-%d') }}</time>
<p>{{ item.summary }}</p></li>{% endfor %}</ul></section>{% endfor %}</div>{% endblock %}"""


def guildhall_apps(instance):
    """(cached, uncached): two apps on one demo database."""
    from flask_migrate import upgrade

    from core.app import create_app
    from core.demo import load_demo

    cached = create_app({"RATELIMIT_ENABLED": True, "PAGE_CACHE": True}, instance_path=instance)
    with cached.app_context():
        upgrade(revision="heads")
        load_demo()
    uncached = create_app({"RATELIMIT_ENABLED": True, "PAGE_CACHE": False}, instance_path=instance)
    return cached, uncached


def demo_snapshot(app):
    """The content of the two pages as plain data, read once from the demo database."""
    from core.extensions import db
    from core.pages import public
    from core.pages.models import MenuItem, Page, Section

    with app.app_context():
        post = db.session.scalar(db.select(Page).filter_by(slug=NEWS_SLUG))
        news = {
            "title": post.title,
            "summary": post.summary,
            "body": post.body,
            "byline": post.byline,
            "date": post.display_date,
            "section": post.section.title,
            "tags": [{"name": tag.name, "slug": tag.slug} for tag in post.tags],
        }
        blocks = []
        for section in db.session.scalars(db.select(Section).order_by(Section.position)):
            items = db.session.scalars(public.visible_news(section).limit(5)).all()
            blocks.append(
                {
                    "title": section.title,
                    "items": [
                        {"slug": i.slug, "title": i.title, "summary": i.summary, "date": i.display_date} for i in items
                    ],
                }
            )
        menus = {"main": [], "footer": []}
        for item in db.session.scalars(db.select(MenuItem).order_by(MenuItem.position)):
            target = item.page or item.section
            label = item.label or getattr(target, "title", "") or item.plugin_entry or ""
            menus.setdefault(item.menu, []).append((label, item.url or "/"))
    return {"news": news, "blocks": blocks, "menus": menus}


def bare_app(snapshot):
    app = Flask("bare", static_folder=str(ROOT / "core" / "static"))
    from jinja2 import DictLoader

    app.jinja_loader = DictLoader({"layout": BARE_LAYOUT, "news": BARE_NEWS, "home": BARE_HOME})
    common = {"site_name": "深圳市质量协会", "menu": snapshot["menus"]["main"], "footer": snapshot["menus"]["footer"]}

    @app.route("/")
    def home():
        return render_template("home", blocks=snapshot["blocks"], **common)

    @app.route(f"/news/{NEWS_SLUG}")
    def news():
        return render_template("news", post=snapshot["news"], **common)

    return app


def requests_per_second(app, path, seconds):
    """Requests per second for path, sending back the cookie of the first answer like a browser."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    def environ(cookie=None):
        headers = {"Cookie": cookie} if cookie else {}
        return EnvironBuilder(path=path, base_url="http://127.0.0.1:5000", headers=headers).get_environ()

    b"".join(app(environ(), start_response))
    cookies = [value.split(";", 1)[0] for name, value in seen["headers"] if name.lower() == "set-cookie"]
    template = environ("; ".join(cookies) or None)
    for _ in range(20):  # warm up caches and lazy imports
        b"".join(app(dict(template), start_response))
    if not seen["status"].startswith("200"):
        raise SystemExit(f"{path} answered {seen['status']}")
    outcome = dict(seen["headers"]).get("X-Cache", "-")
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        b"".join(app(dict(template), start_response))
        count += 1
    return count / (time.perf_counter() - started), outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cached, uncached = guildhall_apps(Path(folder))
        bare = bare_app(demo_snapshot(uncached))
        pages = [("home", "/"), ("news page", f"/news/{NEWS_SLUG}")]
        print(f"{'page':<11}{'bare flask':>12}{'no cache':>11}{'cache':>11}{'no cache/bare':>15}"
              f"{'cache/bare':>12}{'cache/no cache':>16}   (requests per second)")
        for name, path in pages:
            base, _ = requests_per_second(bare, path, args.seconds)
            plain, plain_outcome = requests_per_second(uncached, path, args.seconds)
            fast, fast_outcome = requests_per_second(cached, path, args.seconds)
            if fast_outcome != "HIT" or plain_outcome != "-":
                raise SystemExit(f"{path}: expected a hit and an uncached answer, got {fast_outcome}/{plain_outcome}")
            print(f"{name:<11}{base:>12.0f}{plain:>11.0f}{fast:>11.0f}{plain / base:>15.2f}"
                  f"{fast / base:>12.2f}{fast / plain:>16.2f}")


if __name__ == "__main__":
    main()
