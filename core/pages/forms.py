"""Forms for editing pages, news posts and sections. The service does the checks that need the database."""
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.forms import choice, strip
from core.pages.models import STATUSES

TEXT_FIELDS = ("title", "slug", "summary", "body", "byline", "seo_title", "seo_description")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]  # seconds shown: re-saving must not move a scheduled time



class PageForm(FlaskForm):
    kind = HiddenField()
    base_revision = HiddenField()
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Slug (web address)"),
        filters=[strip],
        validators=[Optional(), Length(max=120)],
        description=_l("Lowercase letters, digits and hyphens. Left empty, it is made from the title in pinyin."),
    )
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)])
    body = TextAreaField(_l("Text"))
    cover_id = HiddenField(_l("Cover image"))
    section_id = SelectField(_l("Section"), coerce=int)
    parent_id = SelectField(_l("Parent page"), coerce=int)
    tags = StringField(
        _l("Tags"), filters=[strip], validators=[Optional(), Length(max=500)],
        description=_l("Separate tags with commas."),
    )
    byline = StringField(
        _l("Byline"), filters=[strip], validators=[Optional(), Length(max=120)],
        description=_l("Shown as the author, for example the reporting department."),
    )
    seo_title = StringField(_l("Title for search engines"), filters=[strip], validators=[Optional(), Length(max=200)])
    seo_description = TextAreaField(
        _l("Description for search engines"), validators=[Optional(), Length(max=300)]
    )
    featured = BooleanField(_l("Featured on the home page"))
    status = SelectField(_l("Status"))
    publish_at = DateTimeLocalField(
        _l("Publish time"),
        format=LOCAL_FORMATS,
        validators=[Optional()],
        description=_l("Beijing time. A scheduled page appears at this time."),
    )
    note = StringField(
        _l("Note for this revision"), filters=[strip], validators=[Optional(), Length(max=200)],
        description=_l("What changed, for the revision history (optional)."),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, sections=(), parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [choice(value, label) for value, label in STATUSES.items()]
        self.section_id.choices = [choice(0, _l("Choose a section"))] + [
            choice(section.id, section.title) for section in sections
        ]
        self.parent_id.choices = [choice(0, _l("None (top level)"))] + [
            choice(page.id, label) for page, label in parents
        ]

    def load(self, page, data):
        """Fill the form from stored revision-style data (times shown in local time)."""
        for name in TEXT_FIELDS + ("featured", "status"):
            self[name].data = data.get(name)
        self.cover_id.data = data.get("cover_id") or ""
        for name in ("section_id", "parent_id"):
            if name in self:
                self[name].data = data.get(name) or 0
        self.tags.data = ", ".join(data.get("tags") or [])
        self.publish_at.data = to_user_timezone(page.publish_at).replace(tzinfo=None) if page.publish_at else None

    def service_data(self):
        """The form's values for core.pages.service.save_page, which turns empty values into None or "" itself."""
        names = ("kind", "base_revision", *TEXT_FIELDS, "cover_id", "tags", "featured", "status")
        data = {name: self[name].data for name in names}
        # Only one of the two is in the form: the other is cleared.
        data["section_id"] = self.section_id.data if "section_id" in self else None
        data["parent_id"] = self.parent_id.data if "parent_id" in self else None
        local = self.publish_at.data
        data["publish_at"] = to_utc(local) if local else None
        return data


class SectionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    title_en = StringField(_l("English title"), filters=[strip], validators=[Optional(), Length(max=120)])
    slug = StringField(
        _l("Slug (web address)"),
        filters=[strip],
        validators=[Optional(), Length(max=120)],
        description=_l("Lowercase letters, digits and hyphens. Left empty, it is made from the title in pinyin."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    on_home = BooleanField(_l("Show the latest posts of this section on the home page"), default=True)
    submit = SubmitField(_l("Save"))


class SectionDeleteForm(FlaskForm):
    move_to = SelectField(_l("Move its posts to"), coerce=int)
    submit = SubmitField(_l("Delete section"))
