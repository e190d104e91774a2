"""Applying through the public form: checks on the server, files, conditions, confirmation."""
import io

from core.extensions import db
from core.mail import OutboxMessage
from plugins.partner_recruitment.models import Application
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import add_member, good_values, make_programme, with_challenge

URL = "/partners/city-partners/apply"


def pdf(name="licence.pdf"):
    return (io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), name)


def post(client, app, **overrides):
    return client.post(URL, data=with_challenge(app, good_values(**overrides)), content_type="multipart/form-data")


def only_application():
    return db.session.scalar(db.select(Application))


def test_a_good_application_is_stored_confirmed_and_followed_by_link(app, client, world):
    response = post(client, app, **{"f-licence": pdf()})
    assert response.status_code == 302, response.get_data(as_text=True)
    application = only_application()
    assert application.data["mobile"] == "13800138000"
    assert application.data["region"]["names"] == ["广东省", "深圳市", "南山区"]
    assert application.data["areas"] == ["环卫保洁", "垃圾分类"]
    assert application.data["source"] == "web"
    assert application.data["licence"]["name"] == "licence.pdf"
    assert application.files[0].media.private
    assert application.status_key == "submitted"
    assert application.form_version.number == 1
    mail = db.session.scalar(db.select(OutboxMessage))
    assert mail.recipient == "apply@example.org" and application.token in mail.body
    page = client.get(response.headers["Location"])
    assert "Thank you, your application has been received." in page.get_data(as_text=True)
    assert application.reference in page.get_data(as_text=True)


def test_the_qr_link_fills_the_hidden_source(app, client, world):
    data = with_challenge(app, good_values())
    client.post(URL + "?source=qr", data=data)
    assert only_application().data["source"] == "qr"


def test_bad_values_re_render_the_form_and_store_nothing(app, client, world):
    for overrides, message in [
        ({"f-mobile": "2380013800"}, "Enter an 11-digit mainland mobile number starting with 1."),
        ({"f-region-province": "44", "f-region-city": "9999", "f-region-county": ""}, "Choose a city of that province."),
        ({"f-region-province": "00"}, "Choose a province from the list."),
        ({"f-email": "nope"}, "Enter a valid e-mail address."),
        ({"f-consent": None}, "Please give your consent to continue."),
        ({"f-org_type": "Government"}, "Not a valid choice."),
    ]:
        response = post(client, app, **overrides)
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert message in text, overrides
        assert "Pengcheng Environmental Co." in text  # what was typed stays in the form
    assert only_application() is None


def test_a_file_of_the_wrong_type_is_refused_and_leaves_nothing(app, client, world):
    from core.storage.models import Media

    png = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "licence.pdf")
    response = post(client, app, **{"f-licence": png})
    assert response.status_code == 400
    assert "not accepted" in response.get_data(as_text=True)
    assert only_application() is None
    assert db.session.scalar(db.select(db.func.count(Media.id))) == 0


def test_a_hidden_required_field_is_not_required(app, client, world):
    response = post(client, app)  # "其他" not chosen, so "Other area" is hidden although required
    assert response.status_code == 302
    assert "areas_other" not in only_application().data


def test_a_shown_conditional_field_is_required(app, client, world):
    response = post(client, app, **{"f-areas": ["其他"]})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    response = post(client, app, **{"f-areas": ["其他"], "f-areas_other": "Village sewage"})
    assert response.status_code == 302
    assert only_application().data["areas_other"] == "Village sewage"


def test_a_forged_value_of_a_hidden_field_is_dropped(app, client, world):
    response = post(client, app, **{"f-areas_other": "=HYPERLINK(\"http://evil\")"})
    assert response.status_code == 302
    assert "areas_other" not in only_application().data


def test_signing_in_is_required_where_configured(app, client, world):
    world.programme.allow_anonymous = False
    db.session.commit()
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_one_application_per_organisation(app, client):
    make_programme(one_per_organisation=True)
    member, organisation = add_member("Futian Water", "member@example.org")
    colleague = add_member_to(organisation, "colleague@example.org")
    login(client, member)
    assert post(client, app).status_code == 302
    assert only_application().organisation_id == organisation.id
    client.post("/logout")
    login(client, colleague)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Futian Water has already applied" in response.get_data(as_text=True)
    assert post(client, app).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 1


def add_member_to(organisation, email):
    from core.users.models import Membership
    from tests.conftest import make_user

    user = make_user("member", email=email)
    db.session.add(Membership(user=user, organisation=organisation))
    db.session.commit()
    return user


def test_the_applicant_sees_their_application_on_the_dashboard(app, client, world):
    member, _organisation = add_member("Nanshan Logistics", "member@example.org")
    login(client, member)
    post(client, app)
    text = client.get("/me").get_data(as_text=True)
    assert "City partners" in text and only_application().reference in text


def test_an_unpublished_programme_is_not_found(app, client, world):
    world.programme.published = False
    db.session.commit()
    assert client.get("/partners/city-partners").status_code == 404
    assert client.get(URL).status_code == 404
