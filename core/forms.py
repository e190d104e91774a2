"""Form helpers shared by the core areas and plugins."""
try:  # WTForms 3.3 deprecates (value, label) tuples; older versions know only tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None


def choice(value, label):
    """One option of a SelectField, in the form the installed WTForms prefers."""
    return SelectChoice(value, label) if SelectChoice else (value, label)


def strip(value):
    """A WTForms filter: surrounding whitespace removed from text, other values untouched."""
    return value.strip() if isinstance(value, str) else value
