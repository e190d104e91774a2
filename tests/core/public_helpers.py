"""Helpers for the public-site tests: pages, news and covers made straight through the models."""
import re
from datetime import timedelta
from itertools import count

from core.extensions import db
from core.pages.models import Page, Section, Tag
from core.storage.models import Media
from core.users.models import utcnow

_numbers = count(1)


def make_section(slug="yaowen", title="要闻", title_en="News", position=0, on_home=True, **fields):
    section = Section(slug=slug, title=title, title_en=title_en, position=position, on_home=on_home, **fields)
    db.session.add(section)
    db.session.commit()
    return section


def make_page(title, slug=None, status="published", section=None, parent=None, days_ago=0, tags=(), **fields):
    """A page (a news post when section is given) dated days_ago days back."""
    moment = utcnow() - timedelta(days=days_ago)
    page = Page(
        title=title,
        slug=slug or f"page-{next(_numbers)}",
        status=status,
        section=section,
        parent=parent,
        body=fields.pop("body", "<p>正文内容。</p>"),
        publish_at=fields.pop("publish_at", moment),
        created_at=fields.pop("created_at", moment),
        **fields,
    )
    db.session.add(page)
    for name in tags:
        tag = db.session.scalar(db.select(Tag).filter_by(name=name))
        page.tags.append(tag or Tag(name=name, slug=re.sub(r"\W+", "-", name.lower())))
    db.session.commit()
    return page


def make_cover(alt="颁奖现场", caption="质量奖颁奖典礼现场", private=False):
    number = next(_numbers)
    media = Media(
        key=f"cover{number}.jpg",
        thumb_key=f"cover{number}-thumb.jpg",
        original_name="cover.jpg",
        content_type="image/jpeg",
        kind="image",
        size=1000,
        width=1200,
        height=800,
        sha256="0" * 64,
        alt=alt,
        caption=caption,
        private=private,
    )
    db.session.add(media)
    db.session.commit()
    return media


def html_of(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def meta(html, key):
    """The content of <meta property|name=key>, or None."""
    match = re.search(r'<meta (?:property|name)="' + re.escape(key) + r'" content="([^"]*)"', html)
    return match.group(1) if match else None


def in_english(client):
    assert client.post("/language", data={"lang": "en"}).status_code == 302
    return client


def make_scoped_editor(app, permission, email="club@example.org"):
    """A member whose only editing right is ``permission`` (a scope, core.pages.service.edit_scopes)."""
    from flask_babel import lazy_gettext as _l

    from core.contrib import Permission
    from core.permissions import register_permissions
    from tests.conftest import make_member_with_role

    register_permissions(app, [Permission(permission, _l("Edit the club's pages"), ("admin",))])
    return make_member_with_role(email, "club-editor", "Club editor", [permission])
