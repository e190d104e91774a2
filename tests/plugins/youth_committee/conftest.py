"""Fixtures for the youth-work committee plugin: an app with the plugin on (in English), an
event factory, a committee editor (the committee's permission, nothing site-wide)."""
from datetime import timedelta

import pytest

from core.extensions import db
from core.users.models import utcnow
from plugins.youth_committee.models import Event
from tests.conftest import make_member_with_role, with_plugins

PLUGINS = ["announcements", "youth_committee"]


@pytest.fixture
def app_factory(app_factory):
    return with_plugins(app_factory, PLUGINS, BABEL_DEFAULT_LOCALE="en")


def make_event(title="PDCA入门课", capacity=3, days=7, **fields):
    starts = utcnow().replace(microsecond=0) + timedelta(days=days)
    event = Event(title=title, kind=fields.pop("kind", "talk"), area=fields.pop("area", "education"),
                  location=fields.pop("location", "协会培训室"), starts_at=starts,
                  ends_at=starts + timedelta(hours=2), capacity=capacity, seats_taken=0, **fields)
    db.session.add(event)
    db.session.commit()
    return event


def make_committee_editor(email="youth-editor@example.org"):
    return make_member_with_role(email, "youth-editor", "Committee editor",
                                 ["youth_committee.edit", "admin.access"])


@pytest.fixture
def event(app):
    return make_event()


@pytest.fixture
def committee_editor(app):
    return make_committee_editor()
