"""Results: ranking from the database, tie-breaks, tiers, special awards, publication, public page,
and every role against every results route."""
from datetime import timedelta

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.users.models import utcnow
from plugins.competitions import results as service
from plugins.competitions.models import (
    JUDGING,
    PASSED,
    RESULTS,
    SUBMITTED,
    Assignment,
    AwardTier,
    Entry,
    Result,
    Score,
    SpecialAward,
    SpecialAwardWinner,
    Vote,
)
from tests.conftest import login
from tests.plugins.competitions.conftest import stage_now

# -- test data, built through the models -------------------------------------------


def add_entry(world, title, *, category=0, organisation=0, number=None, submitted_at=None, in_judging=True):
    competition = world.competition
    count = db.session.scalar(db.select(db.func.count(Entry.id)).where(Entry.competition_id == competition.id))
    cat = world.categories[category]
    entry = Entry(
        competition_id=competition.id, category_id=cat.id, organisation_id=world.organisations[organisation].id,
        created_by_id=world.members[organisation].id, number=number or f"{cat.code}-{count + 1:03d}", title=title,
        team_members="Li Lei\nHan Meimei", summary="A project.", status=SUBMITTED,
        submitted_at=submitted_at or utcnow() - timedelta(days=10 - count),
        screening=PASSED if in_judging else "pending",
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def score(world, entry, judge, values, *, submitted=True, comment="", criterion_comment=""):
    """One judge's sheet: ``values`` is (innovation, results, presentation) or one number for all three."""
    if not isinstance(values, (tuple, list)):
        values = (values,) * len(world.criteria)
    assignment = Assignment(entry_id=entry.id, judge_id=judge.id, comment=comment, saved_at=utcnow(),
                            submitted_at=utcnow() if submitted else None)
    assignment.scores = [Score(criterion_id=criterion.id, value=value, comment=criterion_comment)
                         for criterion, value in zip(world.criteria, values)]
    db.session.add(assignment)
    db.session.commit()
    return assignment


def scored_world(world):
    """Six entries: three per category, each scored by judges 1 and 2 (judge 0 is a member of org 0)."""
    judges = world.judges[1:3]
    entries = {}
    plan = [
        ("a1", 0, 0, (9, 9, 9), (8, 8, 8)),
        ("a2", 0, 1, (7, 7, 7), (7, 7, 7)),
        ("a3", 0, 2, (5, 5, 5), (6, 6, 6)),
        ("b1", 1, 0, (8, 8, 8), (8, 8, 8)),
        ("b2", 1, 1, (6, 6, 6), (6, 6, 6)),
        ("b3", 1, 2, (4, 4, 4), (4, 4, 4)),
    ]
    for title, category, organisation, first, second in plan:
        entry = add_entry(world, f"Project {title}", category=category, organisation=organisation)
        score(world, entry, judges[0], first)
        score(world, entry, judges[1], second)
        entries[title] = entry
    return entries


def client_for(app, user):
    """A fresh test client signed in as ``user`` (anonymous for None)."""
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client


def close_judging(world):
    stage_now(world.competition, RESULTS)


def rows_by_title(preview):
    return {row.entry.title: row for row in preview.rows}


# -- computing ---------------------------------------------------------------------


def test_preview_ranks_per_category_with_tiers_by_quota(world):
    entries = scored_world(world)
    preview = service.compute(world.competition)
    assert preview.errors == [] and preview.unscored == []
    rows = rows_by_title(preview)
    assert [row.entry.title for row in preview.categories[0].rows] == ["Project a1", "Project a2", "Project a3"]
    assert rows["Project a1"].score.final_score == pytest.approx(8.5)
    assert [rows[f"Project a{i}"].tier for i in (1, 2, 3)] == ["Exemplary", "Professional", "Improvement"]
    assert rows["Project a1"].recommended_onward and not rows["Project a2"].recommended_onward
    assert rows["Project b1"].rank == 1 and rows["Project b1"].judges == 2
    assert preview.categories[0].tier_counts == {"Exemplary": 1, "Professional": 1, "Improvement": 1}
    assert preview.tier_totals == {"Exemplary": 2, "Professional": 2, "Improvement": 2}
    assert entries["a1"].id == rows["Project a1"].entry.id


def test_unsubmitted_sheets_are_ignored_and_counted(world):
    entries = scored_world(world)
    score(world, entries["a3"], world.judges[3], (10, 10, 10), submitted=False)
    preview = service.compute(world.competition)
    assert preview.missing_sheets == 1
    assert rows_by_title(preview)["Project a3"].judges == 2
    assert rows_by_title(preview)["Project a3"].rank == 3


def test_ties_decided_by_the_chain_then_shared(world):
    world.competition.tie_breaks = ["criterion:innovation", "earlier_submission"]
    db.session.commit()
    judge1, judge2 = world.judges[1:3]
    # Same final 7.0; x wins on innovation; y and z equal on innovation, y submitted earlier.
    x = add_entry(world, "x", submitted_at=utcnow() - timedelta(days=1))
    y = add_entry(world, "y", submitted_at=utcnow() - timedelta(days=5))
    z = add_entry(world, "z", submitted_at=utcnow() - timedelta(days=3))
    score(world, x, judge1, (8, 6.5, 6)), score(world, x, judge2, (8, 6.5, 6))
    for entry in (y, z):
        score(world, entry, judge1, (7, 7, 7)), score(world, entry, judge2, (7, 7, 7))
    preview = service.compute(world.competition)
    rows = rows_by_title(preview)
    assert [row.entry.title for row in preview.categories[0].rows] == ["x", "y", "z"]
    assert rows["y"].decided_by == "criterion:innovation" and rows["z"].decided_by == "earlier_submission"
    assert [rows[t].rank for t in "xyz"] == [1, 2, 3] and not any(rows[t].tied for t in "xyz")

    # Without the submission tie-break y and z share rank 2 and are flagged tied.
    world.competition.tie_breaks = ["criterion:innovation"]
    db.session.commit()
    first = service.compute(world.competition)
    again = service.compute(world.competition)
    rows = rows_by_title(first)
    assert (rows["y"].rank, rows["z"].rank) == (2, 2) and rows["y"].tied and rows["z"].tied
    assert [(r.entry.id, r.rank, r.tied, r.tier) for r in first.rows] == \
        [(r.entry.id, r.rank, r.tied, r.tier) for r in again.rows]
    # Tied entries never get different tiers; the group moves as a block past the quota (default policy).
    assert rows["y"].tier == rows["z"].tier == "Professional" and rows["y"].boundary_tie


def test_tiers_overall_and_by_threshold(world):
    scored_world(world)
    world.competition.tiers_per_category = False
    db.session.commit()
    preview = service.compute(world.competition)
    rows = rows_by_title(preview)
    assert rows["Project a1"].tier == "Exemplary" and rows["Project a1"].overall_rank == 1
    assert rows["Project b1"].tier == "Professional" and rows["Project b1"].rank == 1
    assert preview.tier_totals == {"Exemplary": 1, "Professional": 1, "Improvement": 4}

    world.competition.tiers_per_category = True
    world.competition.tiers = [AwardTier(name="Gold", min_score=7.5, position=1),
                               AwardTier(name="Silver", min_score=5.5, position=2)]
    db.session.commit()
    rows = rows_by_title(service.compute(world.competition))
    assert [rows[f"Project {t}"].tier for t in ("a1", "a2", "a3", "b1", "b2", "b3")] == \
        ["Gold", "Silver", "Silver", "Gold", "Silver", None]


def test_special_awards_by_votes_and_by_hand(world):
    entries = scored_world(world)
    world.competition.special_awards.append(SpecialAward(name="Most popular", basis="votes", winners=1,
                                                         per_category=False, position=2))
    db.session.commit()
    voter = world.members[2]
    today = utcnow().date()
    for slot in (1, 2, 3):
        db.session.add(Vote(competition_id=world.competition.id, entry_id=entries["b3"].id, voter_id=voter.id,
                            day=today, slot=slot))
    db.session.add(Vote(competition_id=world.competition.id, entry_id=entries["a2"].id, voter_id=voter.id,
                        day=today, slot=1))
    # Voided votes do not count.
    for slot in (1, 2, 3, 4):
        db.session.add(Vote(competition_id=world.competition.id, entry_id=entries["a3"].id, voter_id=voter.id,
                            day=today - timedelta(days=1), slot=slot, voided_at=utcnow()))
    db.session.commit()
    manual = world.competition.special_awards[0]
    service.add_special_winner(manual, entries["a2"], world.manager)
    db.session.commit()
    preview = service.compute(world.competition)
    by_name = {special.award.name: [entry.title for entry in special.entries] for special in preview.specials}
    assert by_name == {"Best on-site presentation": ["Project a2"], "Most popular": ["Project b3"]}
    assert rows_by_title(preview)["Project b3"].special_awards == ["Most popular"]
    # The manual award has one winner: a second one is refused.
    with pytest.raises(service.ResultsError):
        service.add_special_winner(manual, entries["a1"], world.manager)


def test_unscored_entries_are_listed_and_library_errors_shown(world):
    scored_world(world)
    lonely = add_entry(world, "Nobody scored me", category=1)
    preview = service.compute(world.competition)
    assert [entry.id for entry in preview.unscored] == [lonely.id]
    assert preview.blockers
    world.competition.tie_breaks = ["coin_toss"]
    db.session.commit()
    preview = service.compute(world.competition)
    assert preview.errors and "coin_toss" in preview.errors[0] and preview.rows == []


# -- admin pages and publication ------------------------------------------------------


def preview_url(world):
    return f"/admin/competitions/{world.competition.id}/results"


def test_preview_page_shows_ranking_ties_and_counts(client, world):
    scored_world(world)
    world.competition.tie_breaks = ["criterion:innovation"]
    db.session.commit()
    # Two entries at 3.0 in the second category: one wins on innovation; two more stay tied at 2.0.
    for title, values in (("c1", (4, 2.5, 2)), ("c2", (3, 3, 3)), ("d1", 2), ("d2", 2)):
        entry = add_entry(world, f"Project {title}", category=1, organisation=2)
        score(world, entry, world.judges[1], values), score(world, entry, world.judges[2], values)
    add_entry(world, "Project unscored", category=1)
    login(client, world.manager)
    response = client.get(preview_url(world))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Project a1" in page and "Pengcheng Electronics" in page and "8.50" in page
    assert "decided by: Criterion: Innovation" in page
    assert page.count(">tied</span>") == 2
    assert "2/2/6" in page  # counts per tier over all categories
    assert "Project unscored" in page and "no submitted score sheet" in page


def test_public_page_cache_follows_publication(app, world):
    entries = scored_world(world)
    close_judging(world)
    service.publish(world.competition, world.manager)
    db.session.commit()
    visitor = client_for(app, None)
    page = visitor.get("/competitions/exchange-2021/results").get_data(as_text=True)
    assert page.index("Project a1") < page.index("Project a3")
    for sheet in db.session.scalars(db.select(Assignment).where(Assignment.entry_id == entries["a3"].id)):
        for value in sheet.scores:
            value.value = 10
    db.session.commit()
    service.publish(world.competition, world.manager)
    db.session.commit()
    page = visitor.get("/competitions/exchange-2021/results").get_data(as_text=True)
    assert page.index("Project a3") < page.index("Project a1")


def test_preview_page_survives_bad_settings(client, world):
    scored_world(world)
    world.competition.aggregation_method = "median"
    db.session.commit()
    login(client, world.manager)
    response = client.get(preview_url(world))
    assert response.status_code == 200
    assert "median" in response.get_data(as_text=True)


def test_publish_freezes_results_until_published_again(client, world):
    entries = scored_world(world)
    close_judging(world)
    login(client, world.manager)
    response = client.post(f"{preview_url(world)}/publish")
    assert response.status_code == 302
    db.session.expire_all()
    assert world.competition.results_published
    assert db.session.scalar(db.select(db.func.count(Result.id))) == 6
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "competitions.results_published"))
    page = client.get("/competitions/exchange-2021/results").get_data(as_text=True)
    assert page.index("Project a1") < page.index("Project a2")

    # A sheet reopened and changed after publication: the public page does not move...
    for sheet in db.session.scalars(db.select(Assignment).where(Assignment.entry_id == entries["a3"].id)):
        for value in sheet.scores:
            value.value = 10
    db.session.commit()
    assert service.compute(world.competition).categories[0].rows[0].entry.title == "Project a3"
    page = client.get("/competitions/exchange-2021/results").get_data(as_text=True)
    assert page.index("Project a1") < page.index("Project a3")
    assert db.session.scalar(db.select(Result).where(Result.entry_id == entries["a1"].id)).tier == "Exemplary"
    # ...until published again.
    client.post(f"{preview_url(world)}/publish")
    db.session.expire_all()
    assert db.session.scalar(db.select(Result).where(Result.entry_id == entries["a3"].id)).tier == "Exemplary"
    assert db.session.scalar(db.select(db.func.count(Result.id))) == 6
    page = client.get("/competitions/exchange-2021/results").get_data(as_text=True)
    assert page.index("Project a3") < page.index("Project a1")

    # Unpublishing hides the page; the rows stay.
    client.post(f"{preview_url(world)}/unpublish")
    db.session.expire_all()
    assert not world.competition.results_published
    assert client.get("/competitions/exchange-2021/results").status_code == 404
    assert db.session.scalar(db.select(db.func.count(Result.id))) == 6


def test_publishing_refused_before_judging_closes(client, world):
    scored_world(world)
    stage_now(world.competition, JUDGING)
    login(client, world.manager)
    response = client.post(f"{preview_url(world)}/publish", follow_redirects=True)
    assert "judging stage has closed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not world.competition.results_published
    assert db.session.scalar(db.select(db.func.count(Result.id))) == 0


def test_publishing_refused_with_unscored_entries(client, world):
    scored_world(world)
    add_entry(world, "Nobody scored me")
    close_judging(world)
    login(client, world.manager)
    response = client.post(f"{preview_url(world)}/publish", follow_redirects=True)
    assert "no submitted score sheet" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not world.competition.results_published
    assert db.session.scalar(db.select(db.func.count(Result.id))) == 0


def test_manual_special_award_through_the_form(client, world):
    entries = scored_world(world)
    award = world.competition.special_awards[0]
    login(client, world.manager)
    url = f"{preview_url(world)}/special"
    response = client.post(url, data={"award_id": award.id, "entry_id": entries["b2"].id, "action": "add"})
    assert response.status_code == 302
    assert db.session.get(SpecialAwardWinner, (award.id, entries["b2"].id)) is not None
    # Over the limit, an entry outside judging, forged actions: refused, nothing changes.
    outsider = add_entry(world, "Not admitted", in_judging=False)
    for data in ({"award_id": award.id, "entry_id": entries["b1"].id, "action": "add"},
                 {"award_id": award.id, "entry_id": outsider.id, "action": "add"},
                 {"award_id": award.id, "entry_id": entries["b1"].id, "action": "promote"},
                 {"award_id": award.id, "entry_id": "x", "action": "add"}):
        assert client.post(url, data=data).status_code == 422
    assert client.post(url, data={"award_id": award.id, "entry_id": 2**40, "action": "add"}).status_code == 422
    assert client.post(url, data={"award_id": 999, "entry_id": entries["b1"].id, "action": "add"}).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(SpecialAwardWinner)) == 1
    response = client.post(url, data={"award_id": award.id, "entry_id": entries["b2"].id, "action": "remove"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(SpecialAwardWinner)) == 0
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"competitions.special_award_given", "competitions.special_award_removed"} <= actions


def test_public_page_layout_ties_onward_and_scores(client, world):
    entries = scored_world(world)
    world.competition.special_awards[0].holders.append(SpecialAwardWinner(entry=entries["b3"]))
    db.session.commit()
    close_judging(world)
    service.publish(world.competition, world.manager)
    db.session.commit()
    page = client.get("/competitions/exchange-2021/results").get_data(as_text=True)
    for text in ("No.", "Company", "Project", "Award", "Six Sigma", "Lean management", "recommended onward",
                 "Best on-site presentation", "Futian Water"):
        assert text in page
    assert "8.50" not in page
    world.competition.share_scores = True
    db.session.commit()
    assert "8.50" in client.get("/competitions/exchange-2021/results").get_data(as_text=True)


def test_public_page_hidden_until_published_and_for_unlisted(client, world):
    scored_world(world)
    assert client.get("/competitions/exchange-2021/results").status_code == 404
    assert client.get("/competitions/nothing/results").status_code == 404
    close_judging(world)
    service.publish(world.competition, world.manager)
    world.competition.listed = False
    db.session.commit()
    assert client.get("/competitions/exchange-2021/results").status_code == 404


# -- every role against every route --------------------------------------------------


def admin_routes(world, entry):
    base = preview_url(world)
    cid = world.competition.id
    return [
        ("get", base, None),
        ("post", f"{base}/publish", {}),
        ("get", f"{base}/certificates.pdf", None),
        ("post", f"{base}/unpublish", {}),
        ("post", f"{base}/special", {"award_id": world.competition.special_awards[0].id, "entry_id": entry.id,
                                     "action": "add"}),
        ("get", f"/admin/competitions/{cid}/export/entries.csv", None),
        ("get", f"/admin/competitions/{cid}/export/scores.xlsx", None),
        ("get", f"/admin/competitions/{cid}/export/results.csv", None),
    ]


@pytest.mark.parametrize("role", ["anonymous", "member", "judge", "screener"])
def test_admin_routes_refused_without_manage(client, world, role):
    entries = scored_world(world)
    close_judging(world)
    service.publish(world.competition, world.manager)
    db.session.commit()
    user = {"member": world.members[0], "judge": world.judges[1], "screener": world.screener}.get(role)
    if user:
        login(client, user)
    for method, url, data in admin_routes(world, entries["a1"]):
        response = getattr(client, method)(url, data=data)
        if user is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, (url, role)
    db.session.expire_all()
    assert world.competition.results_published
    assert db.session.scalar(db.select(db.func.count()).select_from(SpecialAwardWinner)) == 0


def test_admin_routes_for_the_manager(client, world):
    entries = scored_world(world)
    close_judging(world)
    login(client, world.manager)
    for method, url, data in admin_routes(world, entries["a1"]):
        response = getattr(client, method)(url, data=data)
        assert response.status_code in (200, 302), url
    assert client.get(f"/admin/competitions/{2**40}/results").status_code == 404
    assert client.get(f"/admin/competitions/{world.competition.id}/export/votes.csv").status_code == 404
    assert client.get(f"/admin/competitions/{world.competition.id}/export/entries.pdf").status_code == 404


def test_public_results_page_for_every_role(app, world):
    scored_world(world)
    close_judging(world)
    service.publish(world.competition, world.manager)
    db.session.commit()
    for user in (None, world.members[0], world.judges[1], world.screener, world.manager):
        assert client_for(app, user).get("/competitions/exchange-2021/results").status_code == 200


# -- audit fixes: conflicted sheets, open sheets and an open vote block or drop out -----------------


def test_sheets_of_a_judge_now_in_conflict_are_ignored_and_reported(client, world):
    from core.users.models import Membership

    entries = scored_world(world)
    # Judge 1 joins organisation 0 after scoring: their sheets of a1 and b1 no longer count.
    db.session.add(Membership(user_id=world.judges[1].id, organisation_id=world.organisations[0].id))
    db.session.commit()
    preview = service.compute(world.competition)
    rows = rows_by_title(preview)
    assert rows["Project a1"].judges == 1 and rows["Project a1"].score.expert_score == pytest.approx(8)
    assert rows["Project a2"].judges == 2
    assert sorted(a.entry_id for a in preview.conflicted_sheets) == sorted([entries["a1"].id, entries["b1"].id])
    assert [row[0] for row in service.submitted_score_rows([entries["a1"].id])] == [entries["a1"].id] * 3
    login(client, world.manager)
    page = client.get(preview_url(world)).get_data(as_text=True)
    assert "2 score sheets come from a judge with a conflict of interest" in page
    close_judging(world)
    service.publish(world.competition, world.manager)
    db.session.commit()
    assert db.session.scalar(db.select(Result).where(Result.entry_id == entries["a1"].id)).judges == 1


def test_publishing_refused_while_score_sheets_are_open(client, world):
    entries = scored_world(world)
    score(world, entries["a3"], world.judges[3], (10, 10, 10), submitted=False)
    close_judging(world)
    login(client, world.manager)
    assert "1 score sheets are still open" in client.get(preview_url(world)).get_data(as_text=True)
    response = client.post(f"{preview_url(world)}/publish", follow_redirects=True)
    assert "1 score sheets are still open" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not world.competition.results_published
    assert db.session.scalar(db.select(db.func.count(Result.id))) == 0


def test_publishing_refused_while_the_public_vote_is_open(client, world):
    from tests.plugins.competitions.conftest import schedule

    scored_world(world)
    schedule(world.competition, service.VOTING, with_vote=True)  # judging closed, vote open
    login(client, world.manager)
    assert "public vote" in client.get(preview_url(world)).get_data(as_text=True)
    response = client.post(f"{preview_url(world)}/publish", follow_redirects=True)
    assert "once the public vote has closed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not world.competition.results_published
    with pytest.raises(service.ResultsError):
        service.publish(world.competition, world.manager)
    db.session.rollback()
    schedule(world.competition, RESULTS, with_vote=True)  # the vote has closed
    service.publish(world.competition, world.manager)
    db.session.commit()
    assert world.competition.results_published
