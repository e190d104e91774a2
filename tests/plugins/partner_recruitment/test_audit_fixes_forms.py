"""The builder refuses forms that cannot work; the public form copes with odd query values;
members of several organisations choose one; the one-per-organisation rule; collisions of
random references; the attachments ZIP with a file missing; changing a published address."""
import io
import zipfile

import pytest

from core.extensions import db
from core.storage.backends import get_storage
from plugins.partner_recruitment import applications, builder
from plugins.partner_recruitment.models import Application, Programme
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import add_member, good_values, with_challenge
from tests.plugins.partner_recruitment.test_admin import programme_form
from tests.plugins.partner_recruitment.test_apply import pdf

URL = "/partners/city-partners/apply"


def post(client, app, url=URL, **overrides):
    return client.post(url, data=with_challenge(app, good_values(**overrides)))


def count():
    return db.session.scalar(db.select(db.func.count(Application.id)))


# -- the builder ---------------------------------------------------------------------------


def test_a_hidden_field_cannot_be_required(app, client, world, users):
    login(client, users["admin"])
    programme = world.programme
    response = client.post(f"/admin/partners/{programme.id}/form/fields",
                           data={"label": "Campaign", "type": "hidden", "required": "y", "default": "x"})
    assert "A hidden field cannot be required" in response.get_data(as_text=True)
    db.session.expire_all()
    assert "Campaign" not in [f.label for f in programme.draft_fields]


@pytest.mark.parametrize("source, condition, message", [
    ("number", {"value": "3"}, "A field can only depend on a choice, consent, short text or hidden field."),
    ("region", {"value": "44"}, "A field can only depend on a choice, consent, short text or hidden field."),
    ("single", {"value": "Gov"}, "must be one of its options"),
    ("multiple", {"value": "其它"}, "must be one of its options"),
    ("consent", {"value": "no"}, "A condition on a consent checkbox uses the value yes."),
])
def test_conditions_that_can_never_be_met_are_refused(app, world, source, condition, message):
    key = {"number": "projects", "region": "region", "single": "org_type", "multiple": "areas",
           "consent": "consent"}[source]
    with pytest.raises(builder.SetupError, match=message):
        builder.new_field(world.programme, "text", "Depends", show_if={"field": key, **condition})


def test_conditions_on_choices_text_and_hidden_fields_work(app, world):
    for key, value in (("org_type", "Team"), ("areas", "其他"), ("consent", "yes"), ("organisation", "x"),
                       ("source", "qr")):
        builder.new_field(world.programme, "text", f"Depends on {key}", show_if={"field": key, "value": value})


def test_editing_a_field_others_depend_on_is_refused_naming_them(app, client, world, users):
    login(client, users["admin"])
    programme = world.programme
    areas = next(f for f in programme.draft_fields if f.key == "areas")
    url = f"/admin/partners/{programme.id}/form/fields/{areas.id}"
    for data in ({"label": "Areas", "type": "multiple", "required": "y", "options": "环卫保洁\n市容巡查"},
                 {"label": "Areas", "type": "textarea", "required": "y"}):
        text = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
        assert "This change would break the condition of these fields: Other area." in text
        db.session.expire_all()
        areas = db.session.get(type(areas), areas.id)
        assert areas.type == "multiple" and "其他" in areas.settings["options"]
    # a change that keeps the condition possible is saved
    client.post(url, data={"label": "Areas", "type": "multiple", "required": "y", "options": "垃圾分类\n其他"})
    db.session.expire_all()
    assert db.session.get(type(areas), areas.id).settings["options"] == ["垃圾分类", "其他"]


# -- the public form -----------------------------------------------------------------------


def test_an_overlong_query_value_is_cut_not_an_error(app, client, world):
    response = post(client, app, url=URL + "?source=" + "q" * 500)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(db.select(Application)).data["source"] == "q" * 200
    assert client.get(URL + "?source=" + "q" * 500).status_code == 200


def test_a_member_of_several_organisations_chooses_one(app, world):
    member, first = add_member("Alpha Water", "member@example.org")
    from core.users.models import Membership, Organisation

    second = Organisation(name="Beta Gardens")
    db.session.add(Membership(user=member, organisation=second))
    db.session.commit()
    client = app.test_client()
    login(client, member)
    form = client.get(URL).get_data(as_text=True)
    assert 'name="applicant_organisation"' in form
    assert f'<option value="{first.id}" selected>Alpha Water' in form  # the oldest membership first
    stranger = Organisation(name="Not mine")
    db.session.add(stranger)
    db.session.commit()
    response = post(client, app, applicant_organisation=str(stranger.id))
    assert response.status_code == 400 and "Choose one of your organisations." in response.get_data(as_text=True)
    assert post(client, app, applicant_organisation=str(second.id)).status_code == 302
    assert db.session.scalar(db.select(Application)).organisation_id == second.id


def test_one_per_organisation_with_several_organisations(app, world):
    world.programme.one_per_organisation = True
    db.session.commit()
    member, first = add_member("Alpha Water", "member@example.org")
    from core.users.models import Membership, Organisation

    second = Organisation(name="Beta Gardens")
    db.session.add(Membership(user=member, organisation=second))
    db.session.commit()
    client = app.test_client()
    login(client, member)
    assert post(client, app).status_code == 302  # the default: the first organisation
    assert f'<option value="{second.id}" selected>' in client.get(URL).get_data(as_text=True)
    response = post(client, app, applicant_organisation=str(first.id))
    assert response.status_code == 400 and "Alpha Water has already applied" in response.get_data(as_text=True)
    assert post(client, app, applicant_organisation=str(second.id)).status_code == 302
    assert client.get(URL).status_code == 403
    assert count() == 2


def test_turning_the_rule_on_later_counts_earlier_applications(app, world):
    member, organisation = add_member("Alpha Water", "member@example.org")
    client = app.test_client()
    login(client, member)
    assert post(client, app).status_code == 302
    assert post(client, app).status_code == 302  # the rule is off: a second one is fine
    assert {a.org_hash for a in db.session.scalars(db.select(Application))} == {
        applications.organisation_hash(organisation.id)}
    world.programme.one_per_organisation = True
    db.session.commit()
    assert client.get(URL).status_code == 403


def test_a_clash_of_the_random_reference_is_retried(app, world, monkeypatch):
    assert post(app.test_client(), app).status_code == 302
    taken = db.session.scalar(db.select(Application)).reference
    references = iter([taken, "2611-NEW001"])
    monkeypatch.setattr(applications, "_reference", lambda: next(references))
    assert post(app.test_client(), app).status_code == 302
    assert sorted(db.session.scalars(db.select(Application.reference))) == sorted([taken, "2611-NEW001"])


def test_only_the_organisation_clash_says_the_organisation_applied(app, world, monkeypatch):
    world.programme.one_per_organisation = True
    db.session.commit()
    member, _organisation = add_member("Alpha Water", "member@example.org")
    client = app.test_client()
    login(client, member)
    assert post(client, app).status_code == 302
    # a second request that passed the checks before the first one was committed:
    monkeypatch.setattr(applications, "existing_for_organisation", lambda programme, organisation: None)
    response = post(client, app)
    assert "Your organisation has already applied to this programme." in response.get_data(as_text=True)
    assert count() == 1


# -- exports and settings --------------------------------------------------------------------


def test_the_zip_skips_a_missing_file_and_says_so(app, client, world):
    for name in ("one.pdf", "two.pdf"):
        response = app.test_client().post(URL, data=with_challenge(app, good_values(**{"f-licence": pdf(name)})),
                                          content_type="multipart/form-data")
        assert response.status_code == 302
    first = db.session.scalars(db.select(Application).order_by(Application.id)).first()
    get_storage().delete(first.files[0].media.key)
    login(client, world.manager)
    response = client.get(f"/admin/partners/{world.programme.id}/export.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = archive.namelist()
    assert any(name.endswith("licence-two.pdf") for name in names)
    assert not any(name.endswith("licence-one.pdf") for name in names)
    note = archive.read("MISSING-FILES.txt").decode()
    assert f"{first.reference}/licence-one.pdf" in note


def test_the_address_of_a_published_programme_needs_a_confirmation(app, client, users):
    login(client, users["admin"])
    assert client.post("/admin/partners/new", data=programme_form()).status_code == 302
    programme = db.session.scalar(db.select(Programme))
    url = f"/admin/partners/{programme.id}/edit"
    response = client.post(url, data=programme_form(slug="toilets"))
    assert "Printed QR codes and shared links use the current address." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).slug == "rural-toilets"
    assert client.post(url, data=programme_form(slug="toilets", confirm_slug_change="y")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).slug == "toilets"


def test_an_unpublished_programme_changes_its_address_freely(app, client, users):
    login(client, users["admin"])
    assert client.post("/admin/partners/new", data=programme_form(published="")).status_code == 302
    programme = db.session.scalar(db.select(Programme))
    assert client.post(f"/admin/partners/{programme.id}/edit",
                       data=programme_form(published="", slug="toilets")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).slug == "toilets"
