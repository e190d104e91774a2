"""Fixtures for partner_recruitment: an app with the plugin on (English), a programme with a
published form that has every field type, a manager, and helpers to fill the form."""
import re
import time
from dataclasses import dataclass

import pytest

from core.extensions import db
from core.users.models import Membership, Organisation, Role, RolePermission
from plugins.partner_recruitment import builder
from plugins.partner_recruitment.models import Programme
from tests.conftest import make_user, with_plugins

PLUGINS = ["announcements", "partner_recruitment"]
AREAS = ["环卫保洁", "市容巡查", "垃圾分类", "其他"]


@pytest.fixture
def app_factory(app_factory):
    return with_plugins(app_factory, PLUGINS, BABEL_DEFAULT_LOCALE="en", PARTNER_RECRUITMENT_MIN_SECONDS=0)


def make_programme(slug="city-partners", title="City partners", managers=(), **settings):
    programme = Programme(slug=slug, title=title, summary="Join us.", advantages="Brand\nSupport\nShared income",
                          conditions="Experience", hotline="400-000-0000", published=True, **settings)
    builder.add_default_statuses(programme)
    builder.set_steps(programme, "Framework agreement | sign\nCooperation agreement\nBid support\nImplementation")
    add = builder.new_field
    add(programme, "text", "Organisation", key="organisation", required=True, max_length=100)
    add(programme, "textarea", "Resources", key="resources", max_length=500)
    add(programme, "email", "E-mail", key="email", required=True)
    add(programme, "phone", "Mobile", key="mobile", required=True)
    add(programme, "number", "Projects", key="projects", min="0", max="100")
    add(programme, "date", "Start", key="start", min="2020-01-01", max="2030-12-31")
    add(programme, "single", "Type", key="org_type", required=True, options=["Company", "Team"])
    add(programme, "multiple", "Areas", key="areas", required=True, options=AREAS)
    add(programme, "text", "Other area", key="areas_other", required=True, show_if={"field": "areas", "value": "其他"})
    add(programme, "region", "Region", key="region", required=True)
    add(programme, "file", "Licence", key="licence", kinds=["pdf"])
    add(programme, "consent", "I agree", key="consent", required=True)
    add(programme, "hidden", "Source", key="source", default="web")
    programme.managers = list(managers)
    db.session.add(programme)
    db.session.flush()
    builder.publish(programme)
    db.session.commit()
    return programme


def make_reviewer(email):
    """A user whose role holds only the review permission (and the admin area)."""
    role = db.session.scalar(db.select(Role).where(Role.name == "reviewer"))
    if role is None:
        role = Role(name="reviewer", title="Reviewer", grants=[
            RolePermission(permission="partner_recruitment.review", granted=True),
            RolePermission(permission="admin.access", granted=True)])
    user = make_user("member", email=email)
    user.roles = [*user.roles, role]
    db.session.commit()
    return user


def good_values(**overrides):
    values = {
        "f-organisation": "Pengcheng Environmental Co.",
        "f-resources": "Two county contracts",
        "f-email": "apply@example.org",
        "f-mobile": "138 0013 8000",
        "f-projects": "3",
        "f-start": "2026-03-01",
        "f-org_type": "Company",
        "f-areas": ["环卫保洁", "垃圾分类"],
        "f-region-province": "44",
        "f-region-city": "4403",
        "f-region-county": "440305",
        "f-consent": "yes",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def answer_of(question):
    """The answer to a challenge question, read as a visitor reads it."""
    a, b = map(int, re.findall(r"\d+", question))
    return str(a + b)


def with_challenge(app, values, now=None):
    """Add a honeypot-free challenge and its answer, as the browser would after reading the question."""
    from plugins.partner_recruitment import spam

    with app.test_request_context():
        token, question = spam.new_challenge(now=time.time() - 10 if now is None else now)
    return {**values, "challenge_token": token, "challenge_answer": answer_of(question)}


@dataclass
class World:
    programme: Programme
    manager: object
    other_manager: object
    outsider: object


@pytest.fixture
def world(app):
    manager = make_reviewer("manager@example.org")
    other = make_reviewer("other@example.org")
    outsider = make_reviewer("outsider@example.org")
    programme = make_programme(managers=[manager, other])
    return World(programme, manager, other, outsider)


def add_member(organisation_name, email):
    organisation = Organisation(name=organisation_name)
    user = make_user("member", email=email)
    db.session.add(Membership(user=user, organisation=organisation))
    db.session.commit()
    return user, organisation
