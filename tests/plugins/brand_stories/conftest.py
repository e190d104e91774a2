"""Fixtures for live finals: an app with competitions and brand_stories on, and a final
with two sessions (speech and short video), finalists from three companies, a host,
members and the audience.

The pure tests of this folder (likes, ledgers, broadcast) need none of this.
"""
from dataclasses import dataclass, field

import pytest

from core.extensions import db
from core.users.models import Membership, Organisation, Role, RolePermission
from plugins.brand_stories.models import DEVICES, LiveFinal, LiveSession, Slot
from plugins.competitions.models import PASSED, SUBMITTED, Category, Competition, Criterion, Entry
from tests.conftest import make_user, with_plugins

PLUGINS = ["announcements", "competitions", "brand_stories"]


@pytest.fixture
def app_factory(app_factory):
    """Apps with the plugin on, in English (assertions read English messages; the Chinese
    catalogue has its own completeness test in tests/core/test_i18n.py)."""
    return with_plugins(app_factory, PLUGINS, BABEL_DEFAULT_LOCALE="en")


@dataclass
class Final:
    final: LiveFinal
    competition: Competition
    sessions: list  # [speech, short video]
    entries: dict  # session index -> finalists in running order
    organisations: list
    members: list  # one member per organisation
    host: object  # holds brand_stories.host only
    admin: object
    extra: dict = field(default_factory=dict)

    @property
    def speech(self):
        return self.sessions[0]


def add_organisation(name):
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_final(*, likes_cap=1, viewers=DEVICES, per_session=3, **settings):
    competition = Competition(slug="brand-final-2021", title="2021 Brand Story Final", summary="Live final.",
                              description="<p>Finalists present on stage.</p>", year=2021, listed=True,
                              vote_weight=0.3)
    competition.categories = [Category(name="Speech", code="SP", position=1),
                              Category(name="Short video", code="SV", position=2)]
    competition.criteria = [Criterion(key="story", label="Story", weight=1.0, min_score=0, max_score=10, step=0.5,
                                      position=1)]
    db.session.add(competition)
    organisations = [add_organisation(name) for name in ("Pengcheng Electronics", "Nanshan Logistics",
                                                         "Futian Water")]
    final = LiveFinal(competition=competition, likes_cap=likes_cap, viewers=viewers, **settings)
    db.session.add(final)
    sessions, entries = [], {}
    for index, category in enumerate(competition.categories):
        session = LiveSession(final=final, category=category, title=f"{category.name} final", position=index)
        db.session.add(session)
        entries[index] = []
        for number in range(per_session):
            entry = Entry(competition=competition, category=category, organisation=organisations[number % 3],
                          title=f"{category.name} story {number + 1}", number=f"{category.code}-{number + 1:03d}",
                          status=SUBMITTED, screening=PASSED)
            db.session.add(entry)
            session.slots.append(Slot(entry=entry, position=number, presenter=f"Presenter {number + 1}"))
            entries[index].append(entry)
        sessions.append(session)
    db.session.commit()
    return final, competition, sessions, entries, organisations


@pytest.fixture
def world(app):
    final, competition, sessions, entries, organisations = make_final()
    members = []
    for index, organisation in enumerate(organisations):
        user = make_user("member", email=f"member{index}@example.org")
        db.session.add(Membership(user=user, organisation=organisation))
        members.append(user)
    host = make_user("member", email="host@example.org")
    role = Role(name="contest-host", title="Contest host",
                grants=[RolePermission(permission="brand_stories.host", granted=True)])
    host.roles = [*host.roles, role]
    admin = make_user("admin", email="final-admin@example.org")
    db.session.commit()
    return Final(final, competition, sessions, entries, organisations, members, host, admin)
