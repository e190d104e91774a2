"""Competition set-up in the admin: who may open which page, every form's refusals
(nothing changes), new competitions usable at once, and copying last year's."""
from datetime import timedelta

from core.audit import AuditEntry
from core.extensions import db
from core.users.models import utcnow
from plugins.competitions import configuration
from plugins.competitions.models import (
    JUDGING,
    RESULTS,
    SCREENING,
    STAGE_KINDS,
    SUBMISSION,
    SUBMITTED,
    VOTING,
    Assignment,
    AwardTier,
    Category,
    Competition,
    Criterion,
    Entry,
    Score,
    SpecialAward,
)
from tests.conftest import login

FORMAT = "%Y-%m-%dT%H:%M"

def english(client):
    """Messages are asserted in English (the site's first language is Chinese)."""
    client.post("/language", data={"lang": "en"})
    return client


def sign_in(client, user):
    login(client, user)
    return english(client)



def admin_urls(competition_id):
    base = f"/admin/competitions/{competition_id}"
    return [base, f"{base}/stages", f"{base}/categories", f"{base}/rubric", f"{base}/awards", f"{base}/copy",
            "/admin/competitions/new"]


def snapshot(competition_id):
    """Everything a set-up form may change, to compare before and after a refused request."""
    db.session.expire_all()
    competition = db.session.get(Competition, competition_id)
    columns = {column.name: getattr(competition, column.key) for column in Competition.__table__.columns
               if column.name != "updated_at"}
    return (
        columns,
        sorted((s.kind, s.opens_at, s.closes_at) for s in competition.stages),
        [(c.id, c.name, c.code, c.position) for c in competition.categories],
        [(c.id, c.key, c.label, c.weight, c.min_score, c.max_score, c.step, c.position) for c in competition.criteria],
        [(t.id, t.name, t.quota, t.min_score, t.recommended_onward, t.position) for t in competition.tiers],
        [(a.id, a.name, a.basis, a.winners, a.per_category) for a in competition.special_awards],
        db.session.scalar(db.select(db.func.count(Competition.id))),
    )


def settings_data(competition, **changes):
    data = {
        "title": competition.title, "slug": competition.slug, "summary": competition.summary,
        "description": competition.description, "year": str(competition.year), "listed": "y",
        "title_label": "", "team_members": "optional", "entry_summary": "required", "attachments": "optional",
        "max_attachments": "5", "attachment_kinds": ["pdf", "document"], "entry_limit_per_org": "5",
        "judges_per_entry": "3", "aggregation_method": "trimmed_mean", "vote_weight": "0",
        "tie_breaks": ["criterion:innovation", "first_places", "earlier_submission"],
        "quota_policy": "ties_take_higher_tier", "tiers_per_category": "y", "votes_per_day": "1",
        "vote_members_only": "y", "hide_vote_counts": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def stage_data(times):
    data = {}
    for kind in STAGE_KINDS:
        opens, closes = times.get(kind, (None, None))
        data[f"{kind}_opens"] = opens.strftime(FORMAT) if opens else ""
        data[f"{kind}_closes"] = closes.strftime(FORMAT) if closes else ""
    return data


def good_times(base=None, vote=False):
    base = (base or utcnow()).replace(second=0, microsecond=0) + timedelta(days=1)
    day = timedelta(days=1)
    times = {
        SUBMISSION: (base, base + 10 * day),
        SCREENING: (base + 5 * day, base + 12 * day),
        JUDGING: (base + 12 * day, base + 20 * day),
        RESULTS: (base + 25 * day, base + 400 * day),
    }
    if vote:
        times[VOTING] = (base + 12 * day, base + 24 * day)
    return times


def score_something(world):
    """One submitted, admitted entry with a score on the first criterion."""
    entry = Entry(competition=world.competition, category=world.categories[0], organisation=world.organisations[1],
                  title="Scored", status=SUBMITTED, screening="passed", submitted_at=utcnow())
    assignment = Assignment(entry=entry, judge_id=world.judges[1].id)
    assignment.scores = [Score(criterion=world.criteria[0], value=7.5)]
    db.session.add(entry)
    db.session.commit()
    return entry


# -- access -------------------------------------------------------------------


def test_every_admin_page_by_role(app, world):
    client = app.test_client()
    urls = admin_urls(world.competition.id) + ["/admin/competitions"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url

    sign_in(client, world.members[0])
    for url in urls:
        assert client.get(url).status_code == 403, url

    screener = app.test_client()
    sign_in(screener, world.screener)
    for url in admin_urls(world.competition.id):
        assert screener.get(url).status_code == 403, url
        if not url.endswith("/awards"):
            assert screener.post(url, data={"title": "x", "slug": "hacked"}).status_code == 403, url
    listing = screener.get("/admin/competitions")
    assert listing.status_code == 200
    assert world.competition.title in listing.text
    assert "/admin/competitions/new" not in listing.text
    assert f"/admin/competitions/{world.competition.id}/copy" not in listing.text

    judge = app.test_client()
    sign_in(judge, world.judges[1])
    for url in urls:
        assert judge.get(url).status_code == 403, url

    manager = app.test_client()
    sign_in(manager, world.manager)
    for url in urls:
        assert manager.get(url).status_code == 200, url
    listing = manager.get("/admin/competitions").text
    assert "/admin/competitions/new" in listing and f"/admin/competitions/{world.competition.id}/copy" in listing


def test_unknown_and_huge_ids_are_404(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    for url in ("/admin/competitions/999999", "/admin/competitions/99999999999999999999/stages",
                "/admin/competitions/0/rubric"):
        assert client.get(url).status_code == 404
    other = configuration.new_competition(title="Other", slug="other", year=2022)
    db.session.add(other)
    db.session.commit()
    foreign_category = other.categories[0].id
    # A child of another competition is not reachable through this one.
    response = client.post(f"/admin/competitions/{world.competition.id}/categories/{foreign_category}/delete")
    assert response.status_code == 404
    assert db.session.get(Category, foreign_category) is not None


# -- new and copy -------------------------------------------------------------


def test_new_competition_is_usable_at_once(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    response = client.post("/admin/competitions/new", data={"title": "Model markets 2022", "slug": "markets-2022",
                                                            "year": "2022"})
    assert response.status_code == 302
    competition = db.session.scalar(db.select(Competition).where(Competition.slug == "markets-2022"))
    assert response.headers["Location"].endswith(f"/admin/competitions/{competition.id}")
    assert competition.stage_open(SUBMISSION)
    assert [stage.kind for stage in configuration.ordered_stages(competition)] == [SUBMISSION, SCREENING, JUDGING,
                                                                                  RESULTS]
    assert len(competition.criteria) == 3 and len(competition.categories) == 1
    assert not competition.listed
    assert configuration.stage_errors({s.kind: (s.opens_at, s.closes_at) for s in competition.stages}) == {}
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "competitions.created"))
    # Every set-up page renders for it.
    for url in admin_urls(competition.id):
        assert client.get(url).status_code == 200


BAD_SLUGS = ["exchange-2021", "new", "Bad Slug", "x--y", "-x", "标题", "a" * 121]


def test_new_competition_refuses_bad_slugs(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    for slug in BAD_SLUGS:
        before = db.session.scalar(db.select(db.func.count(Competition.id)))
        response = client.post("/admin/competitions/new", data={"title": "Whatever", "slug": slug, "year": "2022"})
        assert response.status_code == 200, slug
        assert "has-error" in response.text, slug
        assert db.session.scalar(db.select(db.func.count(Competition.id))) == before, slug


def test_copy_makes_an_independent_competition_without_entries(app, world):
    source = world.competition
    source.tie_breaks = ["criterion:results", "earlier_submission"]
    source.aggregation_method = "trimmed_mean"
    source.vote_weight = 0.3
    source.entry_fields = {**source.entry_fields, "attachments": "required", "attachment_kinds": ["pdf"]}
    source.results_published_at = utcnow()
    db.session.commit()
    score_something(world)
    client = app.test_client()
    sign_in(client, world.manager)
    form = client.get(f"/admin/competitions/{source.id}/copy").text
    assert "2022" in form  # the year and title are proposed for next year

    response = client.post(f"/admin/competitions/{source.id}/copy",
                           data={"title": "2022 Exchange", "slug": "exchange-2022", "year": "2022",
                                 "shift_days": "365"})
    assert response.status_code == 302
    db.session.expire_all()
    source = db.session.get(Competition, source.id)
    copy = db.session.scalar(db.select(Competition).where(Competition.slug == "exchange-2022"))
    assert copy.copied_from_id == source.id and copy.id != source.id
    assert copy.title == "2022 Exchange" and copy.year == 2022 and not copy.listed
    assert copy.results_published_at is None
    for name in configuration.SETTINGS:
        assert getattr(copy, name) == getattr(source, name), name
    assert copy.tie_breaks == source.tie_breaks and copy.entry_fields == source.entry_fields
    shift = timedelta(days=365)
    assert sorted((s.kind, s.opens_at, s.closes_at) for s in copy.stages) == sorted(
        (s.kind, s.opens_at + shift, s.closes_at + shift) for s in source.stages)
    assert [(c.name, c.code) for c in copy.categories] == [(c.name, c.code) for c in source.categories]
    assert [(c.key, c.weight, c.min_score, c.max_score, c.step) for c in copy.criteria] == [
        (c.key, c.weight, c.min_score, c.max_score, c.step) for c in source.criteria]
    assert [(t.name, t.quota, t.recommended_onward) for t in copy.tiers] == [
        (t.name, t.quota, t.recommended_onward) for t in source.tiers]
    assert [a.name for a in copy.special_awards] == [a.name for a in source.special_awards]
    assert {c.id for c in copy.criteria}.isdisjoint({c.id for c in source.criteria})
    assert db.session.scalar(db.select(db.func.count(Entry.id)).where(Entry.competition_id == copy.id)) == 0
    # Independent: changing the copy leaves the source alone (and vice versa).
    copy.criteria[0].weight = 0.9
    copy.entry_fields["attachment_kinds"].append("video")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Competition, source.id).criteria[0].weight == 0.4
    assert db.session.get(Competition, source.id).entry_fields["attachment_kinds"] == ["pdf"]
    # The copy's criteria have no scores, so its keys are editable.
    assert not configuration.criterion_scored(db.session.get(Competition, copy.id).criteria[0])


def test_copy_refuses_a_slug_in_use(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    before = snapshot(world.competition.id)
    response = client.post(f"/admin/competitions/{world.competition.id}/copy",
                           data={"title": "Again", "slug": "exchange-2021", "year": "2022", "shift_days": "365"})
    assert response.status_code == 200 and "already uses" in response.text
    assert snapshot(world.competition.id) == before


# -- general settings -------------------------------------------------------------


def test_settings_save_and_are_audited(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    competition = world.competition
    data = settings_data(competition, title="Renamed", slug="renamed-2021",
                         description='<p>Hello <script>alert(1)</script><a href="javascript:x">x</a></p>',
                         attachments="required", judges_per_entry="5", vote_weight="0.25",
                         status="published", results_published_at="2020-01-01", copied_from_id="1")
    response = client.post(f"/admin/competitions/{competition.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    competition = db.session.get(Competition, competition.id)
    assert competition.title == "Renamed" and competition.slug == "renamed-2021"
    assert "<script" not in competition.description and "javascript:" not in competition.description
    assert competition.judges_per_entry == 5 and competition.aggregation_method == "trimmed_mean"
    assert competition.vote_weight == 0.25
    assert competition.tie_breaks == ["criterion:innovation", "first_places", "earlier_submission"]
    assert competition.entry_fields["attachments"] == "required"
    assert competition.entry_fields["attachment_kinds"] == ["pdf", "document"]
    assert competition.results_published_at is None and competition.copied_from_id is None  # forged: ignored
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "competitions.updated"))
    page = client.get(f"/admin/competitions/{competition.id}").text
    assert "Renamed" in page and 'value="criterion:innovation" selected' in page


BAD_SETTINGS = [
    ({"vote_weight": "2"}, None),
    ({"vote_weight": "nan"}, None),
    ({"vote_weight": "-0.1"}, None),
    ({"judges_per_entry": "0"}, None),
    ({"judges_per_entry": "16"}, None),
    ({"votes_per_day": "0"}, None),
    ({"votes_per_day": "101"}, None),
    ({"tie_breaks": ["criterion:nonexistent"]}, "names no criterion"),
    ({"tie_breaks": ["coin_toss"]}, "Unknown tie-break"),
    ({"tie_breaks": ["votes", "votes"]}, "listed twice"),
    ({"slug": "new"}, "reserved"),
    ({"slug": "UPPER case"}, None),
    ({"title": "   "}, None),
    ({"aggregation_method": "median"}, None),
    ({"quota_policy": "lottery"}, None),
    ({"team_members": "sometimes"}, None),
    ({"attachment_kinds": ["exe"]}, None),
    ({"attachment_kinds": None, "attachments": "optional"}, "at least one kind"),
]


def test_settings_refuse_bad_input(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    for changes, message in BAD_SETTINGS:
        before = snapshot(world.competition.id)
        response = client.post(f"/admin/competitions/{world.competition.id}",
                               data=settings_data(world.competition, **{"title": "Changed title", **changes}))
        assert response.status_code == 200, changes
        assert "has-error" in response.text, changes
        if message:
            assert message in response.text, changes
        assert snapshot(world.competition.id) == before, changes


def test_settings_refuse_a_slug_clash(app, world):
    other = configuration.new_competition(title="Other", slug="other-2022", year=2022)
    db.session.add(other)
    db.session.commit()
    client = app.test_client()
    sign_in(client, world.manager)
    before = snapshot(world.competition.id)
    response = client.post(f"/admin/competitions/{world.competition.id}",
                           data=settings_data(world.competition, slug="other-2022"))
    assert response.status_code == 200 and "already uses" in response.text
    assert snapshot(world.competition.id) == before


# -- stages -----------------------------------------------------------------------


def test_stages_save_in_local_time(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    times = good_times(vote=True)
    response = client.post(f"/admin/competitions/{world.competition.id}/stages", data=stage_data(times))
    assert response.status_code == 302
    db.session.expire_all()
    competition = db.session.get(Competition, world.competition.id)
    assert competition.has_vote
    # The site's time zone is applied: what was typed is local, what is stored is UTC.
    from flask_babel import to_utc
    with app.test_request_context():
        expected = {kind: (to_utc(opens), to_utc(closes)) for kind, (opens, closes) in times.items()}
    assert {s.kind: (s.opens_at, s.closes_at) for s in competition.stages} == expected
    page = client.get(f"/admin/competitions/{competition.id}/stages").text
    assert times[SUBMISSION][0].strftime(FORMAT) in page
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "competitions.stages_updated"))

    # Leaving the vote empty removes it again.
    response = client.post(f"/admin/competitions/{competition.id}/stages", data=stage_data(good_times()))
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Competition, competition.id).has_vote


def _shifted(times, kind, opens=None, closes=None):
    changed = dict(times)
    o, c = changed[kind]
    changed[kind] = (opens or o, closes or c)
    return changed


BAD_SCHEDULES = [
    (lambda t: _shifted(t, SUBMISSION, closes=t[SUBMISSION][0] - timedelta(hours=1)), "close after it opens"),
    (lambda t: _shifted(t, JUDGING, opens=t[SUBMISSION][1] - timedelta(days=1)), "before the call for entries closes"),
    (lambda t: _shifted(t, SCREENING, opens=t[SUBMISSION][0] - timedelta(days=1)), "Screening cannot open"),
    (lambda t: _shifted(t, RESULTS, opens=t[JUDGING][1] - timedelta(days=1)), "Results cannot open"),
    (lambda t: {**t, VOTING: (t[JUDGING][0], t[RESULTS][0] + timedelta(days=1))}, "must close before the results"),
    (lambda t: {**t, VOTING: (t[JUDGING][0], None)}, "or neither"),
    (lambda t: {k: v for k, v in t.items() if k != SCREENING}, "needs an opening and a closing time"),
]


def test_stages_refuse_bad_schedules(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    for mutate, message in BAD_SCHEDULES:
        before = snapshot(world.competition.id)
        response = client.post(f"/admin/competitions/{world.competition.id}/stages",
                               data=stage_data(mutate(good_times())))
        assert response.status_code == 200, mutate
        assert message in response.text, mutate
        assert snapshot(world.competition.id) == before, mutate


def test_stages_refuse_nonsense_dates(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    before = snapshot(world.competition.id)
    data = stage_data(good_times())
    data["judging_opens"] = "not a date"
    assert client.post(f"/admin/competitions/{world.competition.id}/stages", data=data).status_code == 200
    data = stage_data(good_times())
    data["results_closes"] = "9999-01-01T00:00"
    response = client.post(f"/admin/competitions/{world.competition.id}/stages", data=data)
    assert response.status_code == 200 and "1900" in response.text
    assert snapshot(world.competition.id) == before


# -- categories ----------------------------------------------------------------------


def test_categories_add_rename_reorder_delete(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    assert client.post(f"/admin/competitions/{cid}/categories",
                       data={"new-name": "Quality control circles", "new-code": "qc"}).status_code == 302
    db.session.expire_all()
    competition = db.session.get(Competition, cid)
    names = [c.name for c in competition.categories]
    assert names == ["Six Sigma", "Lean management", "Quality control circles"]
    added = competition.categories[-1]
    assert added.code == "QC"
    first = competition.categories[0]
    assert client.post(f"/admin/competitions/{cid}/categories/{first.id}",
                       data={f"c{first.id}-name": "Six Sigma projects", f"c{first.id}-code": "SS"}).status_code == 302
    assert client.post(f"/admin/competitions/{cid}/categories/{added.id}/move/up").status_code == 302
    db.session.expire_all()
    competition = db.session.get(Competition, cid)
    assert [c.name for c in competition.categories] == ["Six Sigma projects", "Quality control circles",
                                                        "Lean management"]
    assert client.post(f"/admin/competitions/{cid}/categories/{added.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Category, added.id) is None
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"competitions.category_added", "competitions.category_updated", "competitions.category_moved",
            "competitions.category_deleted"} <= actions


def test_categories_refuse_duplicates_and_deleting_used_ones(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    before = snapshot(cid)
    response = client.post(f"/admin/competitions/{cid}/categories", data={"new-name": "Six Sigma", "new-code": "X"})
    assert response.status_code == 200 and "already called" in response.text
    second = world.categories[1]
    response = client.post(f"/admin/competitions/{cid}/categories/{second.id}",
                           data={f"c{second.id}-name": "Lean", f"c{second.id}-code": "SS"})
    assert response.status_code == 200 and "already uses the code" in response.text
    response = client.post(f"/admin/competitions/{cid}/categories", data={"new-name": "", "new-code": ""})
    assert response.status_code == 200 and "has-error" in response.text
    score_something(world)  # an entry in the first category
    before = snapshot(cid)
    response = client.post(f"/admin/competitions/{cid}/categories/{world.categories[0].id}/delete",
                           follow_redirects=True)
    assert "has entries and cannot be deleted" in response.text
    assert snapshot(cid) == before


# -- rubric -----------------------------------------------------------------------


def criterion_data(prefix, **values):
    data = {"key": "impact", "label": "Impact", "description": "", "weight": "0.5", "min_score": "0",
            "max_score": "10", "step": "0.5"}
    data.update(values)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_rubric_add_edit_delete(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    assert client.post(f"/admin/competitions/{cid}/rubric", data=criterion_data("new")).status_code == 302
    db.session.expire_all()
    competition = db.session.get(Competition, cid)
    impact = competition.criteria[-1]
    assert (impact.key, impact.weight, impact.max_score) == ("impact", 0.5, 10)
    # Rename the key of an unscored criterion: the tie-break chain follows.
    competition.tie_breaks = ["criterion:impact", "votes"]
    db.session.commit()
    response = client.post(f"/admin/competitions/{cid}/rubric/{impact.id}",
                           data=criterion_data(f"r{impact.id}", key="social-impact", max_score="100", step="1"))
    assert response.status_code == 302
    db.session.expire_all()
    competition = db.session.get(Competition, cid)
    assert competition.tie_breaks == ["criterion:social-impact", "votes"]
    impact = db.session.get(Criterion, impact.id)
    assert (impact.key, impact.max_score, impact.step) == ("social-impact", 100, 1)
    # A tie-break criterion is not deleted behind the chain's back.
    response = client.post(f"/admin/competitions/{cid}/rubric/{impact.id}/delete", follow_redirects=True)
    assert "is a tie-break" in response.text and db.session.get(Criterion, impact.id) is not None
    competition.tie_breaks = []
    db.session.commit()
    assert client.post(f"/admin/competitions/{cid}/rubric/{impact.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Criterion, impact.id) is None


BAD_CRITERIA = [
    ({"min_score": "10", "max_score": "10"}, "above the lowest score"),
    ({"min_score": "10", "max_score": "5"}, "above the lowest score"),
    ({"weight": "0"}, "above 0"),
    ({"weight": "-1"}, "above 0"),
    ({"weight": "inf"}, None),
    ({"step": "0"}, "above 0"),
    ({"step": "20"}, "larger than the score range"),
    ({"key": "innovation"}, "already has the key"),
    ({"key": "Not a key!"}, "lowercase letters"),
    ({"label": ""}, None),
    ({"max_score": "ten"}, None),
]


def test_rubric_refuses_bad_criteria(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    for values, message in BAD_CRITERIA:
        cid = world.competition.id
        before = snapshot(cid)
        response = client.post(f"/admin/competitions/{cid}/rubric", data=criterion_data("new", **values))
        assert response.status_code == 200 and "has-error" in response.text, values
        if message:
            assert message in response.text, values
        existing = world.criteria[1]
        response = client.post(f"/admin/competitions/{cid}/rubric/{existing.id}",
                               data=criterion_data(f"r{existing.id}", **{"key": "results", **values}))
        assert response.status_code == 200 and "has-error" in response.text, values
        assert snapshot(cid) == before, values


def test_scored_criteria_keep_their_key_range_and_existence(app, world):
    score_something(world)
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    scored = world.criteria[0]
    before = snapshot(cid)
    response = client.post(f"/admin/competitions/{cid}/rubric/{scored.id}",
                           data=criterion_data(f"r{scored.id}", key="novelty"))
    assert response.status_code == 200 and "cannot change once judges have scored" in response.text
    response = client.post(f"/admin/competitions/{cid}/rubric/{scored.id}",
                           data=criterion_data(f"r{scored.id}", key="innovation", max_score="5"))
    assert response.status_code == 200 and "as high as 7.5" in response.text
    response = client.post(f"/admin/competitions/{cid}/rubric/{scored.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.text
    assert snapshot(cid) == before
    # The label and weight of a scored criterion may still change.
    response = client.post(f"/admin/competitions/{cid}/rubric/{scored.id}",
                           data=criterion_data(f"r{scored.id}", key="innovation", label="Novelty", weight="0.3"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Criterion, scored.id).label == "Novelty"


def test_rubric_keeps_one_criterion(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    for criterion in world.criteria[1:]:
        assert client.post(f"/admin/competitions/{cid}/rubric/{criterion.id}/delete").status_code == 302
    response = client.post(f"/admin/competitions/{cid}/rubric/{world.criteria[0].id}/delete", follow_redirects=True)
    assert "at least one criterion" in response.text
    db.session.expire_all()
    assert len(db.session.get(Competition, cid).criteria) == 1


# -- awards -----------------------------------------------------------------------


def tier_data(prefix, **values):
    data = {"name": "Excellent", "quota": "", "min_score": ""}
    data.update(values)
    return {f"{prefix}-{key}": value for key, value in data.items() if value is not None}


def test_tiers_like_the_national_table(app, world):
    """Quotas such as 19/24/30/30 (demonstration, professional, improvement, excellent)."""
    competition = world.competition
    competition.tiers = []
    db.session.commit()
    client = app.test_client()
    sign_in(client, world.manager)
    for name, quota, onward in (("示范级", 19, True), ("专业级", 24, False), ("改进级", 30, False), ("优秀", 30, False)):
        data = tier_data("tier", name=name, quota=str(quota))
        if onward:
            data["tier-recommended_onward"] = "y"
        assert client.post(f"/admin/competitions/{competition.id}/awards/tiers", data=data).status_code == 302
    db.session.expire_all()
    competition = db.session.get(Competition, competition.id)
    assert [(t.name, t.quota, t.recommended_onward) for t in competition.tiers] == [
        ("示范级", 19, True), ("专业级", 24, False), ("改进级", 30, False), ("优秀", 30, False)]
    last = competition.tiers[-1]
    response = client.post(f"/admin/competitions/{competition.id}/awards/tiers/{last.id}",
                           data=tier_data(f"t{last.id}", name="优秀", quota="", min_score="60"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(AwardTier, last.id).quota, db.session.get(AwardTier, last.id).min_score) == (None, 60)
    assert client.post(f"/admin/competitions/{competition.id}/awards/tiers/{last.id}/move/up").status_code == 302
    db.session.expire_all()
    assert [t.name for t in db.session.get(Competition, competition.id).tiers] == ["示范级", "专业级", "优秀", "改进级"]
    assert client.post(f"/admin/competitions/{competition.id}/awards/tiers/{last.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(AwardTier, last.id) is None


BAD_TIERS = [
    ({"name": "Exemplary"}, "already called"),
    ({"quota": "-1"}, "0 or more"),
    ({"quota": "1.5"}, None),
    ({"min_score": "nan"}, None),
    ({"name": ""}, None),
]


def test_tiers_refuse_bad_input(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    for values, message in BAD_TIERS:
        cid = world.competition.id
        before = snapshot(cid)
        response = client.post(f"/admin/competitions/{cid}/awards/tiers", data=tier_data("tier", **values))
        assert response.status_code == 200 and "has-error" in response.text, values
        if message:
            assert message in response.text, values
        second = world.competition.tiers[1]
        response = client.post(f"/admin/competitions/{cid}/awards/tiers/{second.id}",
                               data=tier_data(f"t{second.id}", **{"name": "Professional", **values}))
        assert response.status_code == 200 and "has-error" in response.text, values
        assert snapshot(cid) == before, values


def test_special_awards(app, world):
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    data = {"award-name": "Most popular", "award-description": "By public vote", "award-basis": "votes",
            "award-winners": "3", "award-per_category": "y"}
    assert client.post(f"/admin/competitions/{cid}/awards/special", data=data).status_code == 302
    db.session.expire_all()
    award = db.session.get(Competition, cid).special_awards[-1]
    assert (award.name, award.basis, award.winners, award.per_category) == ("Most popular", "votes", 3, True)
    before = snapshot(cid)
    for bad in ({"award-name": "Best on-site presentation"}, {"award-basis": "lottery"}, {"award-winners": "0"}):
        response = client.post(f"/admin/competitions/{cid}/awards/special", data={**data, **bad})
        assert response.status_code == 200 and "has-error" in response.text
    assert snapshot(cid) == before
    response = client.post(f"/admin/competitions/{cid}/awards/special/{award.id}",
                           data={f"s{award.id}-name": "Audience award", f"s{award.id}-basis": "votes",
                                 f"s{award.id}-winners": "1"})
    assert response.status_code == 302
    assert client.post(f"/admin/competitions/{cid}/awards/special/{award.id}/move/up").status_code == 302
    assert client.post(f"/admin/competitions/{cid}/awards/special/{award.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(SpecialAward, award.id) is None
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"competitions.special_award_added", "competitions.special_award_updated",
            "competitions.special_award_deleted"} <= actions


def test_member_cannot_post_to_any_setup_action(app, world):
    client = app.test_client()
    sign_in(client, world.members[0])
    cid = world.competition.id
    before = snapshot(cid)
    category, criterion, tier = world.categories[0], world.criteria[0], world.competition.tiers[0]
    award = world.competition.special_awards[0]
    for url in (f"/admin/competitions/{cid}/categories/{category.id}/delete",
                f"/admin/competitions/{cid}/rubric/{criterion.id}/delete",
                f"/admin/competitions/{cid}/awards/tiers/{tier.id}/delete",
                f"/admin/competitions/{cid}/awards/special/{award.id}/delete",
                f"/admin/competitions/{cid}/awards/tiers", f"/admin/competitions/{cid}/stages"):
        assert client.post(url, data={}).status_code == 403, url
    assert snapshot(cid) == before


def test_stage_errors_accept_the_fixture_schedule(app, world):
    """The conftest schedule (stages back to back, with or without a vote) is a valid schedule."""
    from tests.plugins.competitions.conftest import stage_now

    for kind in (SUBMISSION, JUDGING):
        stage_now(world.competition, kind)
        times = {s.kind: (s.opens_at, s.closes_at) for s in world.competition.stages}
        assert configuration.stage_errors(times) == {}


def test_inline_forms_carry_their_csrf_token(app_factory, world):
    """With CSRF protection on, the prefixed inline forms and the one-click buttons post as rendered."""
    import re

    from tests.conftest import PASSWORD
    from tests.plugins.competitions.conftest import PLUGINS

    protected = app_factory(ENABLED_PLUGINS=PLUGINS, WTF_CSRF_ENABLED=True)
    client = protected.test_client()

    def token(page, name="csrf_token"):
        tag = next(tag for tag in re.findall(r"<input[^>]*>", page) if f'name="{name}"' in tag)
        return re.search(r'value="([^"]+)"', tag).group(1)

    login_page = client.get("/login").text
    client.post("/login", data={"email": world.manager.email, "password": PASSWORD,
                                "csrf_token": token(login_page)})
    cid, category = world.competition.id, world.categories[0]
    page = client.get(f"/admin/competitions/{cid}/categories").text
    url = f"/admin/competitions/{cid}/categories/{category.id}"
    data = {f"c{category.id}-name": "Six Sigma (green belt)", f"c{category.id}-code": "SS"}
    assert client.post(url, data=data).status_code == 400  # no token: refused
    data[f"c{category.id}-csrf_token"] = token(page, f"c{category.id}-csrf_token")
    assert client.post(url, data=data).status_code == 302
    second = world.categories[1]
    move = client.post(f"/admin/competitions/{cid}/categories/{second.id}/move/up",
                       data={"csrf_token": token(page)})
    assert move.status_code == 302
    db.session.expire_all()
    assert [c.name for c in db.session.get(Competition, cid).categories] == ["Lean management",
                                                                            "Six Sigma (green belt)"]


def test_rubric_criteria_cannot_be_added_or_deleted_once_sheets_are_submitted(app, world):
    """Audit E: adding or deleting a criterion after scoring broke ranking; labels stay editable."""
    entry = score_something(world)
    entry.assignments[0].submitted_at = utcnow()
    db.session.commit()
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    before = snapshot(cid)
    response = client.post(f"/admin/competitions/{cid}/rubric", data=criterion_data("new"))
    assert response.status_code == 409 and "can no longer be added or removed" in response.text
    unscored = world.criteria[1]
    response = client.post(f"/admin/competitions/{cid}/rubric/{unscored.id}/delete", follow_redirects=True)
    assert "can no longer be added or removed" in response.text
    assert snapshot(cid) == before
    page = client.get(f"/admin/competitions/{cid}/rubric").text
    assert 'id="add-criterion"' not in page and "/delete" not in page
    response = client.post(f"/admin/competitions/{cid}/rubric/{unscored.id}",
                           data=criterion_data(f"r{unscored.id}", key="results", label="Benefits",
                                               description="Measured savings"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Criterion, unscored.id).label == "Benefits"


def test_rubric_criteria_cannot_be_added_or_deleted_once_a_score_exists(app, world):
    score_something(world)  # a saved, not yet submitted sheet
    client = app.test_client()
    sign_in(client, world.manager)
    cid = world.competition.id
    before = snapshot(cid)
    response = client.post(f"/admin/competitions/{cid}/rubric", data=criterion_data("new"))
    assert response.status_code == 409 and "can no longer be added or removed" in response.text
    response = client.post(f"/admin/competitions/{cid}/rubric/{world.criteria[2].id}/delete", follow_redirects=True)
    assert "can no longer be added or removed" in response.text
    assert snapshot(cid) == before
