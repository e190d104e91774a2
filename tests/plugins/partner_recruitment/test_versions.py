"""Editing a form after applications exist: old applications keep their version, keys stay."""
from core.extensions import db
from plugins.partner_recruitment import builder
from plugins.partner_recruitment.models import Application
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import good_values, with_challenge

URL = "/partners/city-partners/apply"


def test_a_form_edited_after_applications_keeps_old_applications_intact(app, client, world, users):
    assert client.post(URL, data=with_challenge(app, good_values())).status_code == 302
    first = db.session.scalar(db.select(Application))
    before = (first.form_version_id, dict(first.data), list(first.form_version.fields))

    login(client, users["admin"])
    programme = world.programme
    mobile = next(f for f in programme.draft_fields if f.key == "mobile")
    # relabel a field through the builder: the key stays
    response = client.post(f"/admin/partners/{programme.id}/form/fields/{mobile.id}",
                           data={"label": "Contact mobile", "type": "phone", "required": "y"})
    assert response.status_code == 302
    # remove one field and add another
    resources = next(f for f in programme.draft_fields if f.key == "resources")
    assert client.post(f"/admin/partners/{programme.id}/form/fields/{resources.id}/delete").status_code == 302
    response = client.post(f"/admin/partners/{programme.id}/form/fields",
                           data={"label": "员工人数", "type": "number", "min_value": "1"})
    assert response.status_code == 302
    assert client.post(f"/admin/partners/{programme.id}/form/publish").status_code == 302
    client.post("/logout")

    db.session.expire_all()
    assert programme.current_version.number == 2
    keys = [spec["key"] for spec in programme.current_version.fields]
    assert "mobile" in keys and "resources" not in keys and "yuan_gong_ren_shu" in keys
    assert next(s for s in programme.current_version.fields if s["key"] == "mobile")["label"] == "Contact mobile"
    first = db.session.get(Application, first.id)
    assert (first.form_version_id, first.data, first.form_version.fields) == before

    # a new application uses version 2 and its new field
    data = with_challenge(app, good_values(**{"f-resources": None, "f-yuan_gong_ren_shu": "12"}))
    assert client.post(URL, data=data).status_code == 302
    second = db.session.scalar(db.select(Application).order_by(Application.id.desc()))
    assert second.form_version.number == 2 and second.data["yuan_gong_ren_shu"] == 12

    # the reviewer's page shows the old application with its own labels
    login(client, world.manager)
    text = client.get(f"/admin/partners/applications/{first.id}").get_data(as_text=True)
    assert "Resources" in text and "Two county contracts" in text and "Contact mobile" not in text


def test_publishing_an_unchanged_draft_makes_no_version(app, world):
    assert builder.publish(world.programme) is None
    assert len(world.programme.versions) == 1


def test_a_deleted_key_is_never_reused(app, world):
    programme = world.programme
    builder.remove(programme, next(f for f in programme.draft_fields if f.key == "resources"))
    field = builder.new_field(programme, "text", "Resources")
    assert field.key != "resources"


def test_a_condition_must_point_to_an_earlier_field(app, client, world, users):
    login(client, users["admin"])
    programme = world.programme
    other = next(f for f in programme.draft_fields if f.key == "areas_other")
    # moving the dependant above the field it depends on is refused
    areas_position = next(f for f in programme.draft_fields if f.key == "areas").position
    assert other.position == areas_position + 1
    client.post(f"/admin/partners/{programme.id}/form/fields/{other.id}/move/up", follow_redirects=True)
    db.session.expire_all()
    assert next(f for f in programme.draft_fields if f.key == "areas_other").position == areas_position + 1
    # removing a field others depend on is refused
    areas = next(f for f in programme.draft_fields if f.key == "areas")
    response = client.post(f"/admin/partners/{programme.id}/form/fields/{areas.id}/delete", follow_redirects=True)
    assert "Other fields depend on this one" in response.get_data(as_text=True)
