"""Files in the media library and private uploads; the bytes live in a storage backend."""
from core.extensions import db
from core.users.models import utcnow

KINDS = ("image", "pdf", "document", "video")


class Media(db.Model):
    __tablename__ = "core_media"
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(200), unique=True, nullable=False)  # random name in the backend
    thumb_key = db.Column(db.String(200))  # images only
    original_name = db.Column(db.String(255), nullable=False, default="")
    content_type = db.Column(db.String(120), nullable=False)
    kind = db.Column(db.String(16), nullable=False, index=True)
    size = db.Column(db.Integer, nullable=False)
    width = db.Column(db.Integer)
    height = db.Column(db.Integer)
    duration = db.Column(db.Float)  # videos: seconds, read from the file's headers; None when unreadable
    sha256 = db.Column(db.String(64), nullable=False, index=True)
    alt = db.Column(db.String(300), nullable=False, default="")
    caption = db.Column(db.String(500), nullable=False, default="")
    private = db.Column(db.Boolean, nullable=False, default=False, index=True)
    owner_id = db.Column(db.ForeignKey("core_users.id", ondelete="SET NULL"), index=True)
    # A private file that a plugin serves through its own permission check (an applicant's
    # attachment for the programme's managers only): /files/<id> leaves it to that plugin.
    plugin = db.Column(db.String(64))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    owner = db.relationship("User")

    def shows_on_pages(self):
        """A private file is never on a public page: storing one leaves the page cache alone."""
        return not self.private
