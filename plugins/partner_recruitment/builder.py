"""The form builder and programme set-up: draft fields, publishing versions, statuses, steps.

The builder edits the draft (FormField rows); applicants always see the latest published
FormVersion. Publishing copies the draft into a new version only when it differs, so
earlier applications keep the version they were made with, unchanged.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypinyin import lazy_pinyin

from core.extensions import db
from core.users.models import User
from plugins.partner_recruitment.fields import KEY, TYPES
from plugins.partner_recruitment.models import FormField, FormVersion, ProcessStep, Status

DEFAULT_STATUSES = [
    ("submitted", _l("Submitted"), True),
    ("under_review", _l("Under review"), True),
    ("framework_signed", _l("Framework agreement signed"), True),
    ("cooperation_signed", _l("Cooperation agreement signed"), True),
    ("bid_support", _l("Bid support"), True),
    ("in_progress", _l("In progress"), True),
    ("declined", _l("Declined"), True),
]


# The types a condition may depend on: their values can be compared as the form sends them.
CONDITION_TYPES = ("single", "multiple", "consent", "text", "hidden")


class SetupError(Exception):
    pass


def add_default_statuses(programme):
    programme.statuses = [Status(key=key, label=str(label), position=index, shared=shared)
                          for index, (key, label, shared) in enumerate(DEFAULT_STATUSES)]


def make_key(programme, label, wanted=None):
    taken = {field.key for field in programme.draft_fields}
    taken |= {spec["key"] for version in programme.versions for spec in version.fields}
    if wanted:
        if not KEY.fullmatch(wanted):
            raise SetupError(_("A key is lower-case letters, digits and _, starting with a letter."))
        if wanted in taken:
            raise SetupError(_("This key is already used in this form."))
        return wanted
    base = re.sub(r"[^a-z0-9]+", "_", "_".join(lazy_pinyin(label or "")).lower()).strip("_")[:30]
    if not base or not base[0].isalpha():
        base = "field_" + base if base else "field"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def check_field(programme, field):
    if field.type not in TYPES:
        raise SetupError(_("Unknown field type."))
    settings = field.settings or {}
    if field.type in ("single", "multiple") and not settings.get("options"):
        raise SetupError(_("A choice field needs at least one option."))
    if field.type == "hidden" and field.required:
        raise SetupError(_("A hidden field cannot be required: nobody could fill it in."))
    condition = settings.get("show_if")
    if condition:
        earlier = {other.key: other for other in programme.draft_fields if other.position < field.position}
        source = earlier.get(condition.get("field"))
        if source is None:
            raise SetupError(_("A field can only depend on a field above it."))
        _check_condition(source, str(condition.get("value", "")))


def _check_condition(source, value):
    """Whether a condition on ``source`` having ``value`` can ever be met."""
    if source.type not in CONDITION_TYPES:
        raise SetupError(_("A field can only depend on a choice, consent, short text or hidden field."))
    if source.type in ("single", "multiple") and value not in (source.settings or {}).get("options", []):
        raise SetupError(_("The value of a condition on %(field)s must be one of its options.", field=source.label))
    if source.type == "consent" and value != "yes":
        raise SetupError(_("A condition on a consent checkbox uses the value yes."))


def check_dependants(programme, field):
    """After ``field`` was edited: the fields whose condition it would break (refused, naming them)."""
    broken = []
    for other in programme.draft_fields:
        if other is not field and ((other.settings or {}).get("show_if") or {}).get("field") == field.key:
            try:
                check_field(programme, other)
            except SetupError:
                broken.append(other.label)
    if broken:
        raise SetupError(_("This change would break the condition of these fields: %(fields)s. Change their "
                           "conditions first.", fields="、".join(broken)))


def draft_specs(programme):
    return [field.as_spec() for field in programme.draft_fields]


def has_unpublished_changes(programme):
    current = programme.current_version
    return current is None or current.fields != draft_specs(programme)


def publish(programme, actor=None):
    """A new FormVersion from the draft; None when the draft equals the current version."""
    for field in programme.draft_fields:
        check_field(programme, field)
    if not programme.draft_fields:
        raise SetupError(_("Add at least one field before publishing."))
    if not has_unpublished_changes(programme):
        return None
    number = (programme.current_version.number if programme.current_version else 0) + 1
    version = FormVersion(number=number, fields=draft_specs(programme), created_by_id=getattr(actor, "id", None))
    programme.versions.append(version)
    return version


def renumber(programme):
    for index, field in enumerate(programme.draft_fields):
        field.position = index


def move(programme, field, offset):
    fields = list(programme.draft_fields)
    index = fields.index(field)
    target = index + offset
    if 0 <= target < len(fields):
        fields[index], fields[target] = fields[target], fields[index]
        for position, item in enumerate(fields):
            item.position = position
        # A field moved above the one it depends on would break the condition: refuse.
        for item in fields:
            condition = (item.settings or {}).get("show_if")
            if condition and condition.get("field") not in [f.key for f in fields[:fields.index(item)]]:
                raise SetupError(_("A field can only depend on a field above it."))


def remove(programme, field):
    dependants = [other.label for other in programme.draft_fields
                  if ((other.settings or {}).get("show_if") or {}).get("field") == field.key]
    if dependants:
        raise SetupError(_("Other fields depend on this one: %(fields)s", fields="、".join(dependants)))
    programme.draft_fields.remove(field)
    renumber(programme)


# -- programme settings written as lines -----------------------------------------------------


def parse_steps(text):
    steps = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        title, _sep, description = line.partition("|")
        if not title.strip():
            raise SetupError(_("Each step needs a title."))
        steps.append((title.strip()[:200], description.strip()))
    return steps


def set_steps(programme, text):
    parsed = parse_steps(text)
    programme.steps = [ProcessStep(position=index, title=title, description=description)
                       for index, (title, description) in enumerate(parsed)]


def steps_text(programme):
    return "\n".join(f"{step.title} | {step.description}" if step.description else step.title
                     for step in programme.steps)


def parse_statuses(text):
    statuses, seen = [], set()
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or not parts[1]:
            raise SetupError(_("Write each status as: key | label | shared or internal."))
        key = parts[0]
        if not KEY.fullmatch(key) or key in seen:
            raise SetupError(_("Status keys are lower-case letters, digits and _, each used once: %(key)s",
                               key=key))
        seen.add(key)
        shared = (parts[2].lower() if len(parts) > 2 else "shared") not in ("internal", "内部")
        statuses.append((key, parts[1][:120], shared))
    if not statuses:
        raise SetupError(_("Keep at least one status."))
    return statuses


def set_statuses(programme, text, used_keys):
    parsed = parse_statuses(text)
    missing = sorted(set(used_keys) - {key for key, _label, _shared in parsed})
    if missing:
        raise SetupError(_("Applications still have these statuses: %(keys)s", keys=", ".join(missing)))
    existing = {status.key: status for status in programme.statuses}
    kept = []
    for index, (key, label, shared) in enumerate(parsed):
        status = existing.get(key) or Status(key=key)
        status.label, status.position, status.shared = label, index, shared
        kept.append(status)
    programme.statuses = kept


def statuses_text(programme):
    return "\n".join(f"{s.key} | {s.label} | {'shared' if s.shared else 'internal'}" for s in programme.statuses)


def set_managers(programme, text):
    emails = [line.strip().lower() for line in re.split(r"[\s,;]+", text or "") if line.strip()]
    users = []
    for email in emails:
        user = db.session.scalar(db.select(User).where(db.func.lower(User.email) == email))
        if user is None:
            raise SetupError(_("No user with the e-mail address %(email)s.", email=email))
        if user not in users:
            users.append(user)
    programme.managers = users


def new_field(programme, type_, label, **settings):
    """Append a draft field (used by the demo and the builder)."""
    field = FormField(key=make_key(programme, label, settings.pop("key", None)), type=type_, label=label,
                      help_text=settings.pop("help", ""), required=settings.pop("required", False),
                      position=len(programme.draft_fields), settings=settings)
    programme.draft_fields.append(field)
    check_field(programme, field)
    return field
