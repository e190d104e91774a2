"""Setting programmes up: settings, statuses, managers, the builder, QR codes; the demo."""
from core.extensions import db
from plugins.partner_recruitment.models import Application, Programme
from tests.conftest import login


def programme_form(**overrides):
    data = {"title": "Rural toilets", "slug": "rural-toilets", "summary": "Intro", "advantages": "One\nTwo",
            "conditions": "Experience", "steps": "Sign | first\nBuild", "contact": "Office", "hotline": "400-1",
            "statuses": "new | New | shared\nchecking | Checking | internal\nno | Declined",
            "managers": "admin@example.org", "published": "y", "open_for_applications": "y",
            "allow_anonymous": "y", "retention_days": "365"}
    data.update(overrides)
    return data


def test_a_manager_of_the_site_creates_a_programme(app, client, users):
    login(client, users["admin"])
    response = client.post("/admin/partners/new", data=programme_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    programme = db.session.scalar(db.select(Programme).where(Programme.slug == "rural-toilets"))
    assert [(s.key, s.label, s.shared) for s in programme.statuses] == [
        ("new", "New", True), ("checking", "Checking", False), ("no", "Declined", True)]
    assert [s.title for s in programme.steps] == ["Sign", "Build"]
    assert [u.email for u in programme.managers] == ["admin@example.org"]
    # bad input re-renders with a message and changes nothing
    response = client.post(f"/admin/partners/{programme.id}/edit",
                           data=programme_form(managers="nobody@example.org", title="Changed"))
    assert response.status_code == 200 and "No user with the e-mail address" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).title == "Rural toilets"
    response = client.post("/admin/partners/new", data=programme_form())
    assert "Another programme uses this address." in response.get_data(as_text=True)


def test_a_status_in_use_cannot_be_dropped(app, client, world, users):
    from tests.plugins.partner_recruitment.conftest import good_values, with_challenge

    assert app.test_client().post("/partners/city-partners/apply",
                                  data=with_challenge(app, good_values())).status_code == 302
    login(client, users["admin"])
    response = client.post(f"/admin/partners/{world.programme.id}/edit",
                           data=programme_form(slug="city-partners", statuses="new | New"))
    assert "Applications still have these statuses: submitted" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(Application)).status_key == "submitted"


def test_the_builder_refuses_bad_fields(app, client, world, users):
    login(client, users["admin"])
    url = f"/admin/partners/{world.programme.id}/form/fields"
    response = client.post(url, data={"label": "Choose", "type": "single", "options": ""})
    assert response.status_code == 400 and "A choice field needs at least one option." in response.get_data(as_text=True)
    response = client.post(url, data={"label": "Twice", "key": "mobile", "type": "text"})
    assert "This key is already used in this form." in response.get_data(as_text=True)
    response = client.post(url, data={"label": "Bad key", "key": "Bad Key", "type": "text"})
    assert "A key is lower-case letters" in response.get_data(as_text=True)
    response = client.post(url, data={"label": "Size", "type": "number", "min_value": "ten"})
    assert "must be numbers" in response.get_data(as_text=True)
    assert len(world.programme.draft_fields) == 13
    response = client.post(url, data={"label": "Plan", "type": "textarea", "min_length": "20", "max_length": "800"})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.programme.draft_fields[-1].settings == {"min_length": 20, "max_length": 800}


def test_qr_codes_point_to_the_form(app, client, world):
    png = client.get("/partners/city-partners/qr.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = client.get("/partners/city-partners/qr.svg?download=1")
    assert svg.status_code == 200 and b"<svg" in svg.data
    assert "attachment" in svg.headers["Content-Disposition"]
    from PIL import Image
    import io

    assert Image.open(io.BytesIO(png.data)).size[0] > 200
    landing = client.get("/partners/city-partners").get_data(as_text=True)
    assert "qr.svg" in landing and "400-000-0000" in landing and "Framework agreement" in landing


def test_the_demo_loads_once(app):
    from core.users.service import create_user
    from plugins.partner_recruitment import demo

    create_user("admin@demo.example.org", "Demo Admin", "correct horse battery", roles=["admin"], verified=True)
    demo.load()
    db.session.commit()
    demo.load()
    db.session.commit()
    programme = db.session.scalar(db.select(Programme).where(Programme.slug == demo.SLUG))
    applications = db.session.scalars(db.select(Application)).all()
    assert len(applications) == len(demo.APPLICATIONS)
    assert {a.status_key for a in applications} >= {"submitted", "framework_signed", "bid_support", "declined"}
    assert len(programme.steps) == 4 and len(programme.lines("advantages")) == 3
    areas = next(s for s in programme.current_version.fields if s["key"] == "areas")
    assert len(areas["options"]) == 12 and areas["options"][-1] == "其他"


def test_the_field_editor_keeps_the_key_and_offers_only_earlier_fields(app, client, world, users):
    login(client, users["admin"])
    programme = world.programme
    other = next(f for f in programme.draft_fields if f.key == "areas_other")
    url = f"/admin/partners/{programme.id}/form/fields/{other.id}"
    text = client.get(url).get_data(as_text=True)
    condition = text.split('name="show_if_field"')[1].split("</select>")[0]
    assert '<option selected value="areas">' in condition and 'value="consent"' not in condition
    response = client.post(url, data={"label": "Another area", "key": "sneaky", "type": "text", "required": "y",
                                      "show_if_field": "consent", "show_if_value": "yes"})
    assert "A field can only depend on a field above it." in response.get_data(as_text=True)
    db.session.expire_all()
    other = next(f for f in programme.draft_fields if f.id == other.id)
    assert (other.key, other.label, other.settings["show_if"]["field"]) == ("areas_other", "Other area", "areas")


def test_published_programmes_are_searchable(app, world):
    import plugins.partner_recruitment as plugin

    documents = list(plugin.register_search_documents())
    assert [d.url for d in documents] == ["/partners/city-partners"]
    world.programme.published = False
    db.session.commit()
    assert list(plugin.register_search_documents()) == []


def test_the_qr_code_uses_the_canonical_address(app_factory):
    from plugins.partner_recruitment import qr
    from tests.plugins.partner_recruitment.conftest import make_programme

    app = app_factory(SITE_URL="https://www.example.org")
    with app.app_context():
        make_programme()
        svg = app.test_client().get("/partners/city-partners/qr.svg").data
        assert svg == qr.svg("https://www.example.org/partners/city-partners/apply?source=qr")
        db.session.remove()
