"""Volunteers apply, committee editors approve, the roster shows only what each agreed to show;
demonstration bases with photos through the core's uploads, listed with filters."""
import io

import pytest
from PIL import Image

from core.extensions import db
from core.storage.models import Media
from plugins.youth_committee.models import Base, Volunteer
from tests.conftest import login

SECRET_BIO = "曾任某集团质量总监三十年"
SECRET_PHONE = "13912345678"


def application(**fields):
    data = {"name": "刘建华", "background": "quality_veteran", "expertise": "PDCA, QC工具",
            "availability": "每周二上午", "bio": SECRET_BIO, "phone": SECRET_PHONE,
            "show_name": "y", "show_expertise": "y"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_apply_approve_and_the_roster_shows_only_consented_fields(app, users, committee_editor):
    member = signed_in(app, users["member"])
    assert member.post("/youth/volunteers/apply", data=application()).status_code == 302
    volunteer = db.session.scalar(db.select(Volunteer))
    assert volunteer.status == "pending" and volunteer.phone == SECRET_PHONE
    assert "刘建华" not in app.test_client().get("/youth/volunteers").get_data(as_text=True)  # not yet approved

    editor = signed_in(app, committee_editor)
    listing = editor.get("/admin/youth/volunteers").get_data(as_text=True)
    assert SECRET_PHONE in listing  # the committee sees everything
    editor.post(f"/admin/youth/volunteers/{volunteer.id}/approved")
    roster = app.test_client().get("/youth/volunteers").get_data(as_text=True)
    assert "刘建华" in roster and "QC工具" in roster
    for hidden in (SECRET_BIO, SECRET_PHONE, "每周二上午", "Veteran quality worker", users["member"].email):
        assert hidden not in roster

    # Withdrawing consent to the name: the card stays, anonymous.
    member.post("/youth/volunteers/apply", data=application(show_name=None))
    editor.post(f"/admin/youth/volunteers/{volunteer.id}/approved")
    roster = app.test_client().get("/youth/volunteers").get_data(as_text=True)
    assert "刘建华" not in roster and "A volunteer" in roster and "QC工具" in roster


def test_public_card_holds_nothing_unconsented(app, users):
    volunteer = Volunteer(user_id=users["member"].id, name="王", background="model_worker", expertise="精益",
                          availability="周末", bio="简介", phone=SECRET_PHONE, show_bio=True, status="approved")
    assert volunteer.public_card() == {"bio": "简介"}


def test_bad_applications_are_refused(app, users):
    member = signed_in(app, users["member"])
    for data in (application(background="astronaut"), application(phone="not a phone"), application(name=""),
                 application(expertise="x" * 600)):
        assert member.post("/youth/volunteers/apply", data=data).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Volunteer.id))) == 0
    assert app.test_client().post("/youth/volunteers/apply", data=application()).status_code == 302  # sign in


def test_only_committee_editors_decide(app, users):
    volunteer = Volunteer(user_id=users["judge"].id, name="王", background="model_worker", expertise="精益",
                          availability="周末", status="pending")
    db.session.add(volunteer)
    db.session.commit()
    assert signed_in(app, users["member"]).post(f"/admin/youth/volunteers/{volunteer.id}/approved").status_code == 403
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).status == "pending"


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def base_form(**fields):
    data = {"name": "青少年质量教育示范基地", "host_organisation": "鹏程精密制造有限公司", "address": "光明区",
            "themes": "防错, 首件检验", "description": "开放参观", "designated_on": "2021-10-15",
            "status": "active"}
    data.update(fields)
    return data


def test_bases_with_photos_and_filters(app, committee_editor):
    editor = signed_in(app, committee_editor)
    response = editor.post("/admin/youth/bases/new", content_type="multipart/form-data",
                           data=base_form(photos=[(jpeg(), "site.jpg")]))
    assert response.status_code == 302
    base = db.session.scalar(db.select(Base))
    assert len(base.photos) == 1 and base.photos[0].media.kind == "image"
    editor.post("/admin/youth/bases/new", data=base_form(name="电子装配基地", themes="QC小组", status="preparing"))
    client = app.test_client()
    page = client.get(f"/youth/bases/{base.slug}").get_data(as_text=True)
    assert "鹏程精密制造有限公司" in page and 'id="base-photos"' in page
    assert "电子装配基地" not in client.get("/youth/bases?theme=防错").get_data(as_text=True)
    assert "青少年质量教育示范基地" not in client.get("/youth/bases?status=preparing").get_data(as_text=True)
    assert client.get("/youth/bases/no-such-base").status_code == 404


def test_a_base_with_a_file_that_is_no_image_is_refused_whole(app, committee_editor):
    editor = signed_in(app, committee_editor)
    response = editor.post("/admin/youth/bases/new", content_type="multipart/form-data",
                           data=base_form(photos=[(io.BytesIO(b"%PDF-1.4 not an image"), "x.jpg")]))
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Base.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Media.id))) == 0


@pytest.mark.parametrize("fields", [{"designated_on": "1800-01-01"}, {"status": "secret"}, {"name": ""}])
def test_bad_base_input_is_refused(app, committee_editor, fields):
    editor = signed_in(app, committee_editor)
    assert editor.post("/admin/youth/bases/new", data=base_form(**fields)).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Base.id))) == 0
