"""Pages, news and the things around them: sections, tags, revisions, old slugs, menus, settings.

A page without a section is a fixed page in the tree (about, membership, ...);
a page with a section is a news post. Both share one table so that revisions,
slugs, search and the API treat them alike.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlalchemy.orm import query_expression

from core.extensions import db
from core.users.models import utcnow

STATUSES = {
    "draft": _l("Draft"),
    "scheduled": _l("Scheduled"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}

page_tags = db.Table(
    "core_page_tags",
    db.Column("page_id", db.ForeignKey("core_pages.id", ondelete="CASCADE"), primary_key=True),
    db.Column("tag_id", db.ForeignKey("core_tags.id", ondelete="CASCADE"), primary_key=True),
)


class Section(db.Model):
    """A news section such as 要闻 NEWS or 封面关注 COVER FOCUS."""

    __tablename__ = "core_sections"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), unique=True, nullable=False)
    title = db.Column(db.String(120), nullable=False)
    title_en = db.Column(db.String(120), nullable=False, default="")
    description = db.Column(db.Text, nullable=False, default="")
    position = db.Column(db.Integer, nullable=False, default=0)
    on_home = db.Column(db.Boolean, nullable=False, default=True)  # a "latest in section" block
    # A permission that lets its holders write news here without content.edit (core.pages.scope).
    edit_permission = db.Column(db.String(80), index=True)

    def display_title(self, locale=None):
        if locale and not str(locale).startswith("zh") and self.title_en:
            return self.title_en
        return self.title


class Tag(db.Model):
    __tablename__ = "core_tags"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), unique=True, nullable=False)
    slug = db.Column(db.String(120), unique=True, nullable=False)


class Page(db.Model):
    __tablename__ = "core_pages"
    id = db.Column(db.Integer, primary_key=True)
    parent_id = db.Column(db.ForeignKey("core_pages.id", ondelete="SET NULL"), index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    section_id = db.Column(db.ForeignKey("core_sections.id", ondelete="SET NULL"), index=True)
    title = db.Column(db.String(200), nullable=False)
    slug = db.Column(db.String(200), unique=True, nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")
    body = db.Column(db.Text, nullable=False, default="")  # sanitised HTML only
    cover_id = db.Column(db.ForeignKey("core_media.id", ondelete="SET NULL"))
    author_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    byline = db.Column(db.String(120), nullable=False, default="")  # shown instead of the author's name
    seo_title = db.Column(db.String(200), nullable=False, default="")
    seo_description = db.Column(db.String(300), nullable=False, default="")
    status = db.Column(db.String(16), nullable=False, default="draft", index=True)
    publish_at = db.Column(db.DateTime, index=True)  # UTC; when a scheduled page goes live
    featured = db.Column(db.Boolean, nullable=False, default=False)
    # On a subtree root: holders of this permission may edit it and the pages under it (core.pages.scope).
    edit_permission = db.Column(db.String(80), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    parent = db.relationship("Page", remote_side=[id], backref=db.backref("children", order_by="Page.position"))
    section = db.relationship("Section", backref=db.backref("pages", lazy="dynamic"))
    tags = db.relationship("Tag", secondary=page_tags, backref=db.backref("pages", lazy="dynamic"), order_by="Tag.name")
    cover = db.relationship("Media")
    author = db.relationship("User")
    revisions = db.relationship(
        "PageRevision", back_populates="page", cascade="all, delete-orphan", order_by="PageRevision.number.desc()"
    )
    gallery = db.relationship(
        "PageGalleryItem", back_populates="page", cascade="all, delete-orphan", order_by="PageGalleryItem.position"
    )
    # Whether the page has a gallery, when the query that loaded it asked (core.pages.public.find_fixed_page);
    # None otherwise. Spares the gallery query on the many pages that have none.
    has_gallery = query_expression()

    @property
    def is_news(self):
        return self.section_id is not None

    @classmethod
    def visible_filter(cls, now=None):
        """Published, or scheduled with its time come: what anonymous visitors may read.
        now may be a bound parameter (a statement built once, core.pages.public.neighbours)."""
        if now is None:
            now = utcnow()
        return or_(
            cls.status == "published",
            db.and_(cls.status == "scheduled", cls.publish_at <= now),
        )

    def is_visible(self, now=None):
        now = now or utcnow()
        if self.status == "published":
            return True
        return self.status == "scheduled" and self.publish_at is not None and self.publish_at <= now

    @property
    def path(self):
        """The URL path of a fixed page: its ancestors' slugs and its own."""
        parts, node, seen = [], self, set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            parts.append(node.slug)
            node = node.parent
        return "/".join(reversed(parts))

    def ancestors(self):
        node, chain = self.parent, []
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def url(self):
        """The public URL path: /news/<slug> for news, /<ancestors>/<slug> for fixed pages."""
        from core.pages.urls import url_for

        if self.is_news:
            return url_for("pages.news_post", slug=self.slug)
        return url_for("pages.page", path=self.path)

    @property
    def display_date(self):
        return self.publish_at or self.created_at


class PageRevision(db.Model):
    """A snapshot taken at every save: who, when and every editable field."""

    __tablename__ = "core_page_revisions"
    id = db.Column(db.Integer, primary_key=True)
    page_id = db.Column(db.ForeignKey("core_pages.id", ondelete="CASCADE"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    author_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"))
    note = db.Column(db.String(200), nullable=False, default="")
    data = db.Column(db.JSON, nullable=False)

    page = db.relationship("Page", back_populates="revisions")
    author = db.relationship("User")

    __table_args__ = (db.UniqueConstraint("page_id", "number", name="uq_core_page_revisions_page_number"),)


class PageGalleryItem(db.Model):
    """One picture of a page's photo gallery (core.pages.gallery): a public image in the editors' order."""

    __tablename__ = "core_page_gallery"
    page_id = db.Column(db.ForeignKey("core_pages.id", ondelete="CASCADE"), primary_key=True)
    media_id = db.Column(db.ForeignKey("core_media.id", ondelete="CASCADE"), primary_key=True, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    caption = db.Column(db.String(500), nullable=False, default="")  # empty: the image's own caption

    page = db.relationship("Page", back_populates="gallery")
    media = db.relationship("Media")


class SlugRedirect(db.Model):
    """An old URL path of a page, answered with a permanent redirect."""

    __tablename__ = "core_slug_redirects"
    id = db.Column(db.Integer, primary_key=True)
    old_path = db.Column(db.String(400), unique=True, nullable=False)
    page_id = db.Column(db.ForeignKey("core_pages.id", ondelete="CASCADE"), nullable=False, index=True)

    page = db.relationship("Page")


MENUS = {"main": _l("Main menu"), "footer": _l("Footer")}


class MenuItem(db.Model):
    """One entry an editor placed in a menu: a page, a section, an address or a plugin's entry."""

    __tablename__ = "core_menu_items"
    id = db.Column(db.Integer, primary_key=True)
    menu = db.Column(db.String(16), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    label = db.Column(db.String(120), nullable=False, default="")  # empty: the target's own title
    label_en = db.Column(db.String(120), nullable=False, default="")
    page_id = db.Column(db.ForeignKey("core_pages.id", ondelete="CASCADE"))
    section_id = db.Column(db.ForeignKey("core_sections.id", ondelete="CASCADE"))
    url = db.Column(db.String(400))
    plugin_entry = db.Column(db.String(200))  # "<endpoint>" of a plugin's NavItem
    hidden = db.Column(db.Boolean, nullable=False, default=False)

    page = db.relationship("Page")
    section = db.relationship("Section")


class Setting(db.Model):
    """Site settings that editors change at run time (theme, home page blocks)."""

    __tablename__ = "core_settings"
    key = db.Column(db.String(80), primary_key=True)
    value = db.Column(db.JSON)


def get_setting(key, default=None):
    row = db.session.get(Setting, key)
    return default if row is None else row.value


def set_setting(key, value):
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
