"""The same submission, search, one-per-organisation rule and anonymisation on SQLite and PostgreSQL."""
import pytest
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from plugins.partner_recruitment import retention
from plugins.partner_recruitment.applications import organisation_hash
from plugins.partner_recruitment.models import Application
from tests.conftest import login
from tests.plugins.partner_recruitment.conftest import add_member, good_values, make_programme, make_reviewer, with_challenge


def test_submit_search_and_anonymise(backend_app):
    app = backend_app
    manager = make_reviewer("manager@example.org")
    programme = make_programme(managers=[manager], one_per_organisation=True)
    member, organisation = add_member("Pengcheng Water", "member@example.org")
    client = app.test_client()
    login(client, member)
    url = "/partners/city-partners/apply"
    assert client.post(url, data=with_challenge(app, good_values(**{"f-organisation": "Pengcheng 水务"}))).status_code == 302
    # a second application of the same organisation is refused by the rule (and the unique constraint)
    assert client.post(url, data=with_challenge(app, good_values())).status_code == 403
    duplicate = Application(programme_id=programme.id, form_version_id=programme.current_version.id, reference="X-1",
                            token="t" * 32, org_key=organisation_hash(organisation.id), data={}, status_key="submitted")
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

    reviewer = app.test_client()
    login(reviewer, manager)
    text = reviewer.get(f"/admin/partners/{programme.id}/applications", query_string={"q": "水务"}).get_data(as_text=True)
    assert "Pengcheng 水务" in text
    application = db.session.scalar(db.select(Application))
    assert application.data["areas"] == ["环卫保洁", "垃圾分类"]
    programme.retention_days = 0
    db.session.commit()
    assert retention.anonymise_expired() == 1
    db.session.expire_all()
    assert db.session.scalar(db.select(Application)).data.get("organisation") is None


def test_replays_and_reference_clashes(backend_app, monkeypatch):
    from plugins.partner_recruitment import applications

    app = backend_app
    make_programme()
    url = "/partners/city-partners/apply"
    data = with_challenge(app, good_values())
    assert [app.test_client().post(url, data=data).status_code for _ in range(2)] == [302, 400]
    taken = db.session.scalar(db.select(Application.reference))
    references = iter([taken, "2611-NEW001"])
    monkeypatch.setattr(applications, "_reference", lambda: next(references))
    assert app.test_client().post(url, data=with_challenge(app, good_values())).status_code == 302
    assert sorted(db.session.scalars(db.select(Application.reference))) == sorted([taken, "2611-NEW001"])
