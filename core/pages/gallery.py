"""Photo galleries on pages and news posts: an ordered list of public images from the media library.

The page editor sends the gallery with the rest of the page; core.admin.content puts it into the
session before service.save_page, so both are stored by one commit (or neither). Galleries are
not part of the page's revisions: restoring a revision leaves the gallery as it is.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import inspect
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.pages.models import PageGalleryItem
from core.storage import media_url
from core.storage.models import Media

MAX_IMAGES = 60
CAPTION_LIMIT = 500
RECENT_CHOICES = 24  # images offered in the editor besides those already in the gallery
# A form without this field (the API, an older form) leaves the gallery alone.
MARKER = "gallery-present"
IDS = "gallery_media"


class GalleryError(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Pick:
    """One image as the editor shows it: ticked (in the gallery) or offered."""

    media: Media
    position: int
    caption: str
    selected: bool

    @property
    def thumb(self):
        return media_url(self.media, thumb=bool(self.media.thumb_key))


def may_show(media):
    """Only public images go into a gallery: a private file is never on a public page."""
    return media is not None and not media.private and media.kind == "image"


def submitted(form):
    """[(media_id, position, caption)] from the editor's form in the editors' order, or None when
    the form carries no gallery. Raises GalleryError on ids that are no numbers or text too long."""
    if form.get(MARKER) is None:
        return None
    entries, seen = [], set()
    for index, raw in enumerate(form.getlist(IDS)):
        try:
            media_id = int(raw)
        except (TypeError, ValueError):
            raise GalleryError(_("Only public images from the media library can go into a gallery.")) from None
        if media_id in seen:
            continue
        seen.add(media_id)
        try:
            position = int(form.get(f"gallery_position_{media_id}") or index + 1)
        except ValueError:
            raise GalleryError(_("Enter the order of the gallery images as whole numbers.")) from None
        caption = " ".join(str(form.get(f"gallery_caption_{media_id}") or "").split())
        if len(caption) > CAPTION_LIMIT:
            raise GalleryError(_("A caption may have at most %(limit)s characters.", limit=CAPTION_LIMIT))
        entries.append((media_id, position, caption, index))
    if len(entries) > MAX_IMAGES:
        raise GalleryError(_("A gallery may hold at most %(limit)s images.", limit=MAX_IMAGES))
    entries.sort(key=lambda entry: (entry[1], entry[3]))
    return [(media_id, position, caption) for media_id, position, caption, _index in entries]


def checked(entries):
    """[(media, caption)] for submitted entries; raises GalleryError on forged ids, private files
    and files that are no images."""
    ids = [media_id for media_id, _position, _caption in entries]
    found = {m.id: m for m in db.session.scalars(db.select(Media).where(Media.id.in_(ids)))} if ids else {}
    result = []
    for media_id, _position, caption in entries:
        media = found.get(media_id)
        if not may_show(media):
            raise GalleryError(_("Only public images from the media library can go into a gallery."))
        result.append((media, caption))
    return result


def apply(page, images):
    """Make [(media, caption)] the page's gallery, numbered 1, 2, ...; rows that stay are updated
    in place. Nothing is committed: the page's save does that."""
    existing = {item.media_id: item for item in page.gallery} if page.id is not None else {}
    items = []
    for position, (media, caption) in enumerate(images, start=1):
        item = existing.get(media.id) or PageGalleryItem(media=media)
        item.position, item.caption = position, caption
        items.append(item)
    page.gallery = items


def set_gallery(page, entries):
    """Check and apply submitted entries (see submitted()); raises GalleryError."""
    apply(page, checked(entries))


def editor_picks(page, entries=None):
    """What the editor's gallery fieldset shows: the gallery (or what was just submitted) first,
    then recent public images to add."""
    picks = []
    if entries is not None:
        ids = [media_id for media_id, _position, _caption in entries]
        found = {m.id: m for m in db.session.scalars(db.select(Media).where(Media.id.in_(ids)))} if ids else {}
        for media_id, position, caption in entries:
            if may_show(found.get(media_id)):
                picks.append(Pick(found[media_id], position, caption, True))
    elif page is not None:
        picks = [Pick(item.media, item.position, item.caption, True) for item in page.gallery if may_show(item.media)]
    taken = {pick.media.id for pick in picks}
    recent = db.session.scalars(
        db.select(Media).where(Media.kind == "image", Media.private.is_(False))
        .order_by(Media.created_at.desc(), Media.id.desc()).limit(RECENT_CHOICES + len(taken))
    ).all()
    offered = [media for media in recent if media.id not in taken][:RECENT_CHOICES]
    following = len(picks) + 1
    picks += [Pick(media, following + number, "", False) for number, media in enumerate(offered)]
    return picks


def items(page):
    """The page's gallery items with their files, in one query (none when the page is known to have no gallery).

    `page` is an ORM Page or a plain read of one (core.pages.public.NewsPost) with id and has_gallery."""
    state = inspect(page, raiseerr=False)
    if state is None:
        known = page.has_gallery
    elif "gallery" not in state.unloaded:
        return page.gallery
    else:
        known = state.dict.get("has_gallery")  # asked by the query that loaded the page, else None
    if known is not None and not known:
        return []
    return db.session.scalars(
        db.select(PageGalleryItem)
        .where(PageGalleryItem.page_id == page.id)
        .options(joinedload(PageGalleryItem.media))
        .order_by(PageGalleryItem.position)
    ).all()


def public_images(page):
    """The gallery as visitors see it: [{url, thumb, alt, caption, width, height}]."""
    images = []
    for item in items(page):
        media = item.media
        if not may_show(media):
            continue
        images.append({
            "url": media_url(media),
            "thumb": media_url(media, thumb=bool(media.thumb_key)),
            "alt": media.alt,
            "caption": item.caption or media.caption,
            "width": media.width,
            "height": media.height,
        })
    return images
