"""Fixtures for the competitions plugin: an app with the plugin on, and a competition
set up like the 2021 results exchange (small), with members, judges and a manager.

``setup_competition`` builds everything through the models (not the admin forms,
which have their own tests); ``stage_now`` moves the schedule so that one stage is open.
"""
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from core.extensions import db
from core.users.models import Membership, Organisation, utcnow
from plugins.competitions.models import (
    RESULTS,
    SCREENING,
    STAGE_KINDS,
    SUBMISSION,
    VOTING,
    AwardTier,
    Category,
    Competition,
    Criterion,
    SpecialAward,
    Stage,
)
from tests.conftest import make_user, with_plugins

PLUGINS = ["announcements", "competitions"]


@pytest.fixture
def app_factory(app_factory):
    """Apps with the plugin on, in English (assertions read English messages; the Chinese
    catalogue has its own completeness test in tests/core/test_i18n.py)."""
    return with_plugins(app_factory, PLUGINS, BABEL_DEFAULT_LOCALE="en")


@dataclass
class World:
    competition: Competition
    categories: list
    criteria: list
    organisations: list  # three member companies
    members: list  # one member per organisation, same order
    judges: list  # four judges; judges[0] belongs to organisations[0]
    manager: object  # holds competitions.manage (an admin)
    screener: object  # holds competitions.screen only
    extra: dict = field(default_factory=dict)


def add_organisation(name):
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def add_member(organisation, email, role="member"):
    user = make_user(role, email=email)
    db.session.add(Membership(user=user, organisation=organisation))
    db.session.commit()
    return user


def schedule(competition, open_stage, *, with_vote=False):
    """Lay out the stages one day apart so that ``open_stage`` is open now; earlier ones have closed."""
    kinds = [kind for kind in STAGE_KINDS if with_vote or kind != VOTING]
    now = utcnow().replace(microsecond=0)
    current = kinds.index(open_stage)
    competition.stages = []  # delete the old rows first: (competition_id, kind) is unique
    db.session.flush()
    competition.stages = [
        Stage(kind=kind, opens_at=now + timedelta(days=2 * (index - current) - 1),
              closes_at=now + timedelta(days=2 * (index - current) + 1))
        for index, kind in enumerate(kinds)
    ]
    db.session.commit()


def stage_now(competition, open_stage):
    schedule(competition, open_stage, with_vote=competition.has_vote)


def setup_competition(*, open_stage=SUBMISSION, with_vote=False, judges_per_entry=2, **settings):
    competition = Competition(
        slug="exchange-2021",
        title="2021 Quality Innovation and Technology Results Exchange",
        summary="Four categories, expert screening, on-site judging.",
        description="<p>Projects from member companies.</p>",
        year=2021,
        listed=True,
        judges_per_entry=judges_per_entry,
        entry_limit_per_org=settings.pop("entry_limit_per_org", 5),
        **settings,
    )
    competition.categories = [
        Category(name="Six Sigma", code="SS", position=1),
        Category(name="Lean management", code="LM", position=2),
    ]
    competition.criteria = [
        Criterion(key="innovation", label="Innovation", weight=0.4, min_score=0, max_score=10, step=0.5, position=1),
        Criterion(key="results", label="Results", weight=0.4, min_score=0, max_score=10, step=0.5, position=2),
        Criterion(key="presentation", label="Presentation", weight=0.2, min_score=0, max_score=10, step=0.5,
                  position=3),
    ]
    competition.tiers = [
        AwardTier(name="Exemplary", quota=1, recommended_onward=True, position=1),
        AwardTier(name="Professional", quota=1, position=2),
        AwardTier(name="Improvement", position=3),
    ]
    competition.special_awards = [SpecialAward(name="Best on-site presentation", basis="manual", winners=1)]
    db.session.add(competition)
    db.session.commit()
    schedule(competition, open_stage, with_vote=with_vote)
    return competition


@pytest.fixture
def world(app):
    """A competition open for entries, three member companies, four judges, a manager and a screener."""
    competition = setup_competition()
    organisations = [add_organisation(name) for name in ("Pengcheng Electronics", "Nanshan Logistics",
                                                         "Futian Water")]
    members = [add_member(org, f"member{index}@example.org") for index, org in enumerate(organisations)]
    judges = [make_user("judge", email=f"judge{index}@example.org") for index in range(4)]
    db.session.add(Membership(user=judges[0], organisation=organisations[0]))
    manager = make_user("admin", email="manager@example.org")
    screener = make_user("member", email="screener@example.org")
    from core.users.models import Role, RolePermission

    role = Role(name="screener", title="Screener", grants=[RolePermission(permission="competitions.screen",
                                                                          granted=True),
                                                           RolePermission(permission="admin.access", granted=True)])
    screener.roles = [*screener.roles, role]
    db.session.commit()
    return World(competition, list(competition.categories), list(competition.criteria), organisations, members,
                 judges, manager, screener)


__all__ = ["RESULTS", "SCREENING", "SUBMISSION", "VOTING", "World", "add_member", "add_organisation",
           "schedule", "setup_competition", "stage_now"]
