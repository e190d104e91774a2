"""Field types of the application form: reading, checking and showing their values.

A form is a list of field specs (dicts): key, type, label, help, required, and per type
options, min, max, max_length, kinds (file), default (hidden), show_if
({"field": key, "value": text}). Input names are ``f-<key>`` (``f-<key>-province`` etc.
for a region).

Conditional visibility is decided here from the submitted values, in form order: a
field is visible when it has no condition, or when the field it depends on is visible
and has the value (for multiple choice: includes it). A hidden field is never
required and whatever was sent for it is dropped, so a forged value never reaches
the application.
"""
import re
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from plugins.partner_recruitment import regions

TYPES = {
    "text": _l("Short text"),
    "textarea": _l("Long text"),
    "email": _l("E-mail address"),
    "phone": _l("Mobile number (mainland China)"),
    "number": _l("Numeric value"),
    "date": _l("Date"),
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "region": _l("Region (province / city / county)"),
    "file": _l("File upload"),
    "consent": _l("Consent checkbox"),
    "hidden": _l("Hidden value"),
}
CHOICE_TYPES = ("single", "multiple")
FILE_KINDS = {"pdf": _l("PDF files"), "image": _l("Images"), "document": _l("Office documents")}
TEXT_MAX = {"text": 300, "textarea": 5000, "hidden": 200}
MOBILE = re.compile(r"1[3-9]\d{9}")
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def text_limit(spec):
    kind = spec["type"]
    return min(int(spec.get("max_length") or TEXT_MAX[kind]), TEXT_MAX[kind])


def input_name(spec, part=None):
    return f"f-{spec['key']}" + (f"-{part}" if part else "")


# -- reading the raw values -------------------------------------------------------


def raw_values(fields, form, args=None):
    """What was sent for each field, cleaned of surrounding spaces; lists for multiple choice,
    a (province, city, county) triple for a region. A hidden field falls back to the query
    string (?source=qr) and then to its default."""
    raw = {}
    for spec in fields:
        name, kind = input_name(spec), spec["type"]
        if kind == "multiple":
            raw[spec["key"]] = [value.strip() for value in form.getlist(name) if value.strip()]
        elif kind == "region":
            raw[spec["key"]] = tuple((form.get(input_name(spec, part)) or "").strip()
                                     for part in ("province", "city", "county"))
        elif kind == "file":
            raw[spec["key"]] = None
        elif kind == "hidden":
            value = form.get(name)
            if value is None and args is not None:
                value = args.get(spec["key"])
            # Nobody can correct an invisible field: an overlong value (?source=...) is cut.
            raw[spec["key"]] = (value if value is not None else spec.get("default") or "").strip()[:text_limit(spec)]
        else:
            raw[spec["key"]] = (form.get(name) or "").strip()
    return raw


def visible_keys(fields, raw):
    """The keys of the fields shown for these values (conditions evaluated in form order)."""
    shown = set()
    for spec in fields:
        condition = spec.get("show_if")
        if not condition or not condition.get("field"):
            shown.add(spec["key"])
            continue
        other = condition["field"]
        if other not in shown:
            continue
        value = raw.get(other)
        wanted = str(condition.get("value", ""))
        if (isinstance(value, list) and wanted in value) or value == wanted:
            shown.add(spec["key"])
    return shown


# -- checking ---------------------------------------------------------------------------


class Invalid(Exception):
    pass


def _number(text):
    try:
        value = float(text)
    except ValueError:
        raise Invalid(_("Enter a number.")) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid(_("Enter a number."))
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value


def _bound(spec, name):
    value = spec.get(name)
    return None if value in (None, "") else value


def check(spec, value):
    """The clean value of one visible field, None when empty; raises Invalid with a message."""
    kind = spec["type"]
    empty = value in ("", None, [], ("", "", ""))
    if kind == "file":
        return None  # files are checked and stored by the caller (core storage sniffs their type)
    if kind == "consent":
        if value not in ("", "yes", "on", "1"):
            raise Invalid(_("Not a valid choice."))
        if spec.get("required") and not value:
            raise Invalid(_("Please give your consent to continue."))
        return True if value else None
    if empty:
        if spec.get("required"):
            raise Invalid(_("This field is required."))
        return None
    if kind in ("text", "textarea", "hidden"):
        limit = text_limit(spec)
        if len(value) > limit:
            raise Invalid(_("At most %(count)d characters.", count=limit))
        if spec.get("min_length") and len(value) < int(spec["min_length"]):
            raise Invalid(_("At least %(count)d characters.", count=int(spec["min_length"])))
        return value
    if kind == "email":
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise Invalid(_("Enter a valid e-mail address.")) from None
    if kind == "phone":
        digits = re.sub(r"[\s\-]", "", value)
        digits = digits.removeprefix("+86").removeprefix("0086")
        if not MOBILE.fullmatch(digits):
            raise Invalid(_("Enter an 11-digit mainland mobile number starting with 1."))
        return digits
    if kind == "number":
        number = _number(value)
        low, high = _bound(spec, "min"), _bound(spec, "max")
        if low is not None and number < float(low):
            raise Invalid(_("At least %(min)s.", min=low))
        if high is not None and number > float(high):
            raise Invalid(_("At most %(max)s.", max=high))
        return number
    if kind == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise Invalid(_("Enter a date as YYYY-MM-DD.")) from None
        low, high = _bound(spec, "min"), _bound(spec, "max")
        if low and day < date.fromisoformat(low):
            raise Invalid(_("Not before %(date)s.", date=low))
        if high and day > date.fromisoformat(high):
            raise Invalid(_("Not after %(date)s.", date=high))
        return day.isoformat()
    if kind == "single":
        if value not in spec.get("options", []):
            raise Invalid(_("Not a valid choice."))
        return value
    if kind == "multiple":
        options = spec.get("options", [])
        if any(item not in options for item in value):
            raise Invalid(_("Not a valid choice."))
        return [option for option in options if option in value]  # form order, no duplicates
    if kind == "region":
        names, error = regions.resolve(*value)
        if error:
            raise Invalid({"province": _("Choose a province from the list."),
                           "city": _("Choose a city of that province."),
                           "county": _("Choose a county or district of that city.")}[error])
        return {"codes": [code for code in value if code], "names": names}
    raise Invalid(_("Unknown field type."))


def validate(fields, form, args=None):
    """(values, errors, visible keys): clean values of the visible, non-file fields; errors by key."""
    raw = raw_values(fields, form, args)
    shown = visible_keys(fields, raw)
    values, errors = {}, {}
    for spec in fields:
        if spec["key"] not in shown:
            continue
        try:
            value = check(spec, raw[spec["key"]])
        except Invalid as error:
            errors[spec["key"]] = str(error.args[0])
            continue
        if value is not None:
            values[spec["key"]] = value
    return values, errors, shown


# -- showing -----------------------------------------------------------------------------


def display(spec, value):
    """A stored value as text (lists joined, regions as names, files by name)."""
    if value is None:
        return ""
    if spec and spec.get("type") == "consent" or isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if isinstance(value, dict):
        if "names" in value:
            return " ".join(value["names"])
        if "name" in value:
            return value["name"]
    return str(value)


def label_of(spec):
    return spec.get("label") or spec.get("key")
