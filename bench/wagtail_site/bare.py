"""bench_wagtail.py's reference: bare Flask rendering the same news page from a plain Jinja
template, with no database, sessions or plugins. The content comes from the JSON file named by
WAGTAIL_BENCH_CONTENT (what bench_wagtail.py copied out of Guildhall's demo database)."""
import datetime
import json
import os
from pathlib import Path

from flask import Flask, render_template
from jinja2 import DictLoader
from markupsafe import Markup

LAYOUT = """<!doctype html>
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

NEWS = """{% extends "layout" %}{% block title %}{{ post.title }}{% endblock %}{% block content %}
<article class="news-post"><h1>{{ post.title }}</h1>
<p class="meta"><time datetime="{{ post.date.isoformat() }}">{{ post.date.strftime('%Y年%m月%d日') }}</time></p>
<p class="summary">{{ post.intro }}</p><div class="body">{{ post.body }}</div></article>
{% endblock %}"""

content = json.loads(Path(os.environ["WAGTAIL_BENCH_CONTENT"]).read_text())
post = dict(content["post"], date=datetime.date.fromisoformat(content["post"]["date"]),
            body=Markup(content["post"]["body"]))
common = {"site_name": content["site_name"], "menu": content["menus"]["main"], "footer": content["menus"]["footer"]}

app = Flask("bare", static_folder=str(Path(__file__).resolve().parents[2] / "core" / "static"))
app.jinja_loader = DictLoader({"layout": LAYOUT, "news": NEWS})


@app.route(f"/news/{post['slug']}/")
def news():
    return render_template("news", post=post, **common)


@app.route("/healthz")
def healthz():
    return "ok"
