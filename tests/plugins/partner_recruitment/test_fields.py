"""Every field type with good and bad values, checked by fields.check (the server's rules)."""
import pytest

from plugins.partner_recruitment.fields import Invalid, check, visible_keys


def spec(type_, **settings):
    return {"key": "x", "type": type_, "label": "X", "required": settings.pop("required", True), **settings}


GOOD = [
    (spec("text", max_length=10), "深圳质协", "深圳质协"),
    (spec("textarea"), "line\nline", "line\nline"),
    (spec("email"), "Someone@Example.org", "Someone@example.org"),
    (spec("phone"), "+86 138-0013-8000", "13800138000"),
    (spec("number", min="0", max="10"), "7", 7),
    (spec("number"), "2.5", 2.5),
    (spec("date", min="2020-01-01"), "2026-02-28", "2026-02-28"),
    (spec("single", options=["A", "B"]), "B", "B"),
    (spec("multiple", options=["A", "B", "C"]), ["C", "A", "A"], ["A", "C"]),
    (spec("region"), ("44", "4403", "440305"), {"codes": ["44", "4403", "440305"], "names": ["广东省", "深圳市", "南山区"]}),
    (spec("region"), ("44", "4419", ""), {"codes": ["44", "4419"], "names": ["广东省", "东莞市"]}),
    (spec("region"), ("11", "1101", "110105"), {"codes": ["11", "1101", "110105"], "names": ["北京市", "北京市", "朝阳区"]}),
    (spec("consent"), "yes", True),
    (spec("hidden"), "qr", "qr"),
]

BAD = [
    (spec("text", max_length=3), "four", "At most 3 characters."),
    (spec("text"), "", "This field is required."),
    (spec("textarea", min_length=5), "abc", "At least 5 characters."),
    (spec("email"), "not-an-address", "Enter a valid e-mail address."),
    (spec("phone"), "12800138000", "Enter an 11-digit mainland mobile number starting with 1."),
    (spec("phone"), "1380013800", "Enter an 11-digit mainland mobile number starting with 1."),
    (spec("phone"), "0755-83000000", "Enter an 11-digit mainland mobile number starting with 1."),
    (spec("number"), "seven", "Enter a number."),
    (spec("number"), "nan", "Enter a number."),
    (spec("number", max="10"), "11", "At most 10."),
    (spec("date"), "28/02/2026", "Enter a date as YYYY-MM-DD."),
    (spec("date", max="2030-12-31"), "2031-01-01", "Not after 2030-12-31."),
    (spec("single", options=["A", "B"]), "C", "Not a valid choice."),
    (spec("multiple", options=["A", "B"]), ["A", "Z"], "Not a valid choice."),
    (spec("region"), ("99", "9901", "990101"), "Choose a province from the list."),
    (spec("region"), ("44", "1101", "110105"), "Choose a city of that province."),
    (spec("region"), ("44", "4403", ""), "Choose a county or district of that city."),
    (spec("region"), ("44", "4403", "110105"), "Choose a county or district of that city."),
    (spec("region"), ("44", "4419", "440305"), "Choose a county or district of that city."),
    (spec("consent"), "", "Please give your consent to continue."),
    (spec("consent"), "maybe", "Not a valid choice."),
]


@pytest.mark.parametrize("field, value, expected", GOOD)
def test_good_values_are_cleaned(app, field, value, expected):
    with app.test_request_context():
        assert check(field, value) == expected


@pytest.mark.parametrize("field, value, message", BAD)
def test_bad_values_are_refused_with_a_message(app, field, value, message):
    with app.test_request_context():
        with pytest.raises(Invalid) as refused:
            check(field, value)
        assert str(refused.value.args[0]) == message


def test_optional_empty_values_are_left_out(app):
    with app.test_request_context():
        for type_ in ("text", "email", "phone", "number", "date", "single", "region"):
            empty = ("", "", "") if type_ == "region" else ""
            assert check(spec(type_, required=False, options=["A"]), empty) is None


def test_conditions_follow_chains_in_form_order():
    fields = [{"key": "a", "type": "single"},
              {"key": "b", "type": "single", "show_if": {"field": "a", "value": "yes"}},
              {"key": "c", "type": "text", "show_if": {"field": "b", "value": "yes"}},
              {"key": "d", "type": "text", "show_if": {"field": "m", "value": "x"}},
              {"key": "m", "type": "multiple"}]
    assert visible_keys(fields, {"a": "yes", "b": "yes"}) == {"a", "b", "c", "m"}
    # b is hidden, so c is hidden even though b's forged value says yes.
    assert visible_keys(fields, {"a": "no", "b": "yes"}) == {"a", "m"}
    # a condition on a later field never shows the field (the builder refuses such forms)
    assert "d" not in visible_keys(fields, {"m": ["x"]})
