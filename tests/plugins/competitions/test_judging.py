"""Judging through real requests: panels, conflicts, assignment, the scoring screen, locking, reminders."""
import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.mail import OutboxMessage
from core.users.models import Membership, utcnow
from plugins.competitions import judging
from plugins.competitions.models import (
    JUDGING,
    PASSED,
    RESULTS,
    SCREENING,
    SUBMITTED,
    Assignment,
    Competition,
    Conflict,
    Criterion,
    Entry,
    Panel,
    PanelJudge,
    Score,
)
from tests.conftest import login, make_user
from tests.plugins.competitions.conftest import add_organisation, stage_now


@pytest.fixture
def jw(world):
    """The world in its judging stage: two entries per organisation (one per category), a panel per
    category (Six Sigma: judges 0-2, Lean: judges 1-3), two judges per entry, nobody assigned yet."""
    competition = world.competition
    entries = []
    for index, organisation in enumerate(world.organisations):
        for category in world.categories:
            entry = Entry(competition=competition, category=category, organisation=organisation,
                          created_by=world.members[index], number=f"{category.code}-{index + 1:03d}",
                          title=f"{organisation.name} {category.name}", summary="What we improved.",
                          status=SUBMITTED, screening=PASSED, submitted_at=utcnow())
            db.session.add(entry)
            entries.append(entry)
    panels = [Panel(competition=competition, category_id=world.categories[0].id, name="Six Sigma panel",
                    position=1),
              Panel(competition=competition, category_id=world.categories[1].id, name="Lean panel", position=2)]
    db.session.add_all(panels)
    db.session.flush()
    panels[0].members = [PanelJudge(user_id=judge.id) for judge in world.judges[:3]]
    panels[1].members = [PanelJudge(user_id=judge.id) for judge in world.judges[1:]]
    db.session.commit()
    stage_now(competition, JUDGING)
    world.extra.update(entries=entries, panels=panels)
    return world


def assign(entry, judge):
    assignment = Assignment(entry_id=entry.id, judge_id=judge.id)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def scores_of(assignment):
    return {score.criterion_id: score.value for score in
            db.session.scalars(db.select(Score).where(Score.assignment_id == assignment.id))}


def full_sheet(world, values=(8, 7.5, 9), **extra):
    data = {f"score-{criterion.id}": str(value) for criterion, value in zip(world.criteria, values)}
    data.update(extra)
    return data


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def actions(action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def admin_url(world, path=""):
    return f"/admin/competitions/{world.competition.id}/judging{path}"


# -- permissions ---------------------------------------------------------------------


def routes(world, assignment):
    cid = world.competition.id
    return {
        "admin_get": [admin_url(world), admin_url(world, "/panels"), admin_url(world, "/conflicts")],
        "admin_post": [admin_url(world, "/panels"), admin_url(world, "/conflicts"), admin_url(world, "/auto-assign"),
                       admin_url(world, "/assign"), admin_url(world, f"/assignments/{assignment.id}/unassign"),
                       admin_url(world, f"/sheets/{assignment.id}/reopen"), admin_url(world, "/reminders")],
        "judge_get": ["/judging", f"/judging/sheets/{assignment.id}"],
        "judge_post": [f"/judging/sheets/{assignment.id}", f"/judging/sheets/{assignment.id}/conflict"],
        "cid": cid,
    }


def test_anonymous_visitors_are_sent_to_sign_in(client, jw):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    r = routes(jw, assignment)
    for url in r["admin_get"] + r["judge_get"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url
    for url in r["admin_post"] + r["judge_post"]:
        response = client.post(url, data={"reason": "x", "action": "create", **full_sheet(jw)})
        assert response.status_code == 302 and "/login" in response.location, url
    assert count(Assignment) == 1 and count(Score) == 0 and count(Panel) == 2


@pytest.mark.parametrize("who", ["member", "screener"])
def test_members_and_screeners_may_neither_manage_nor_judge(client, jw, who):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    user = jw.members[1] if who == "member" else jw.screener
    login(client, user)
    r = routes(jw, assignment)
    for url in r["admin_get"] + r["judge_get"]:
        assert client.get(url).status_code == 403, url
    for url in r["admin_post"] + r["judge_post"]:
        assert client.post(url, data={"reason": "x", "action": "create", "create-name": "P",
                                      **full_sheet(jw)}).status_code == 403, url
    assert count(Assignment) == 1 and count(Score) == 0 and count(Panel) == 2 and count(Conflict) == 0


def test_judges_may_judge_but_not_manage(client, jw):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.judges[1])
    r = routes(jw, assignment)
    for url in r["admin_get"]:
        assert client.get(url).status_code == 403, url
    for url in r["admin_post"]:
        assert client.post(url, data={"reason": "x", "action": "create", "create-name": "P"}).status_code == 403
    for url in r["judge_get"]:
        assert client.get(url).status_code == 200, url
    assert count(Panel) == 2 and count(Assignment) == 1


def test_managers_see_every_admin_page(client, jw):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.manager)
    for url in routes(jw, assignment)["admin_get"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert jw.competition.title in response.get_data(as_text=True)
    # A manager holds the judge permission too, but another judge's sheet is not theirs: 404.
    assert client.get("/judging").status_code == 200
    assert client.get(f"/judging/sheets/{assignment.id}").status_code == 404


def test_admin_pages_of_an_unknown_competition_are_404(client, jw):
    login(client, jw.manager)
    assert client.get("/admin/competitions/999/judging").status_code == 404
    assert client.get(f"/admin/competitions/{2**40}/judging/panels").status_code == 404
    other = Competition(slug="other", title="Other")
    db.session.add(other)
    db.session.commit()
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    # An assignment id under another competition's URL reveals nothing.
    assert client.post(f"/admin/competitions/{other.id}/judging/assignments/{assignment.id}/unassign"
                       ).status_code == 404
    assert count(Assignment) == 1


# -- what a judge may open -----------------------------------------------------------


def test_a_judge_cannot_open_an_entry_by_guessing_an_id(client, jw):
    entries = jw.extra["entries"]
    mine = assign(entries[2], jw.judges[1])
    theirs = assign(entries[3], jw.judges[2])
    login(client, jw.judges[1])
    assert client.get(f"/judging/sheets/{mine.id}").status_code == 200
    for assignment_id in (theirs.id, theirs.id + 100, 0, 2**40):
        assert client.get(f"/judging/sheets/{assignment_id}").status_code == 404
    assert client.post(f"/judging/sheets/{theirs.id}", data=full_sheet(jw, save="Save")).status_code == 404
    assert client.post(f"/judging/sheets/{theirs.id}/conflict", data={"reason": "x"}).status_code == 404
    home = client.get("/judging").get_data(as_text=True)
    assert entries[2].title in home and entries[3].title not in home
    assert scores_of(theirs) == {} and count(Conflict) == 0


def test_a_conflict_declared_after_assignment_hides_the_entry(client, jw):
    entry = jw.extra["entries"][2]
    assignment = assign(entry, jw.judges[1])
    db.session.add(Conflict(competition_id=jw.competition.id, judge_id=jw.judges[1].id,
                            organisation_id=entry.organisation_id, reason="Former employer"))
    db.session.commit()
    login(client, jw.judges[1])
    assert client.get(f"/judging/sheets/{assignment.id}").status_code == 404
    assert client.post(f"/judging/sheets/{assignment.id}", data=full_sheet(jw, save="Save")).status_code == 404
    assert entry.title not in client.get("/judging").get_data(as_text=True)
    assert scores_of(assignment) == {}


def test_a_judge_who_joins_the_entrys_organisation_loses_sight_of_it(client, jw):
    entry = jw.extra["entries"][2]
    assignment = assign(entry, jw.judges[1])
    db.session.add(Membership(user=jw.judges[1], organisation=entry.organisation))
    db.session.commit()
    login(client, jw.judges[1])
    assert client.get(f"/judging/sheets/{assignment.id}").status_code == 404


def test_the_scoring_screen_shows_the_entry_and_one_input_per_criterion(client, jw):
    entry = jw.extra["entries"][2]
    assignment = assign(entry, jw.judges[1])
    login(client, jw.judges[1])
    html = client.get(f"/judging/sheets/{assignment.id}").get_data(as_text=True)
    assert entry.title in html and entry.organisation.name in html and "What we improved." in html
    for criterion in jw.criteria:
        assert f'name="score-{criterion.id}"' in html and criterion.label in html
    assert 'min="0" max="10"' in html and 'step="0.5"' in html and "autofocus" in html
    assert "judging.js" in html and "<script>" not in html and 'style="' not in html


# -- saving, submitting, validating -----------------------------------------------------


def test_a_judge_saves_a_draft_then_submits_and_the_sheet_locks(client, jw):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    c1, c2, c3 = jw.criteria
    login(client, jw.judges[1])
    response = client.post(f"/judging/sheets/{assignment.id}",
                           data={f"score-{c1.id}": "8.5", f"comment-{c1.id}": "Clear gains", "save": "Save"})
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert scores_of(assignment) == {c1.id: 8.5} and assignment.saved_at and not assignment.locked
    # Saving again updates in place (one score per criterion).
    client.post(f"/judging/sheets/{assignment.id}", data={f"score-{c1.id}": "9", "save": "Save"})
    assert scores_of(assignment) == {c1.id: 9.0}
    response = client.post(f"/judging/sheets/{assignment.id}",
                           data=full_sheet(jw, (9, 7, 6.5), comment="Solid work", submit_sheet="Submit"))
    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.locked and assignment.comment == "Solid work"
    assert scores_of(assignment) == {c1.id: 9.0, c2.id: 7.0, c3.id: 6.5}
    assert actions("competitions.sheet_submitted")
    # After the lock nothing changes: 409 and the same scores.
    response = client.post(f"/judging/sheets/{assignment.id}", data=full_sheet(jw, (1, 1, 1), save="Save"))
    assert response.status_code == 409
    assert "locked" in response.get_data(as_text=True)
    db.session.refresh(assignment)
    assert scores_of(assignment) == {c1.id: 9.0, c2.id: 7.0, c3.id: 6.5}


BAD_VALUES = [("11", "between"), ("-1", "between"), ("7.3", "steps of"), ("abc", "number"), ("nan", "number"),
              ("inf", "number"), ("1e400", "number")]


@pytest.mark.parametrize("value, message", BAD_VALUES)
@pytest.mark.parametrize("button", ["save", "submit_sheet"])
def test_bad_scores_are_refused_and_nothing_is_stored(client, jw, value, message, button):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.judges[1])
    data = full_sheet(jw, (8, value, 9), **{button: "go"})
    response = client.post(f"/judging/sheets/{assignment.id}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(assignment)
    assert scores_of(assignment) == {} and assignment.saved_at is None and not assignment.locked


def test_a_bad_score_leaves_an_earlier_draft_untouched(client, jw):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.judges[1])
    client.post(f"/judging/sheets/{assignment.id}", data=full_sheet(jw, (5, 5, 5), save="Save"))
    client.post(f"/judging/sheets/{assignment.id}", data=full_sheet(jw, (6, 6, 60), save="Save"))
    assert sorted(scores_of(assignment).values()) == [5.0, 5.0, 5.0]


def test_submitting_needs_every_criterion(client, jw):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    c1, c2, _ = jw.criteria
    login(client, jw.judges[1])
    response = client.post(f"/judging/sheets/{assignment.id}",
                           data={f"score-{c1.id}": "8", f"score-{c2.id}": "7", "submit_sheet": "Submit"})
    assert response.status_code == 400 and "Score every criterion" in response.get_data(as_text=True)
    db.session.refresh(assignment)
    assert scores_of(assignment) == {} and not assignment.locked


def test_a_criterion_of_another_competition_is_refused(client, jw):
    other = Competition(slug="other", title="Other", criteria=[Criterion(key="x", label="X")])
    db.session.add(other)
    db.session.commit()
    foreign = other.criteria[0]
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.judges[1])
    for forged in (str(foreign.id), "abc", "99999"):
        response = client.post(f"/judging/sheets/{assignment.id}",
                               data=full_sheet(jw, **{f"score-{forged}": "5", "save": "Save"}))
        assert response.status_code == 400
    db.session.refresh(assignment)
    assert scores_of(assignment) == {} and count(Score) == 0


@pytest.mark.parametrize("stage", [SCREENING, RESULTS])
def test_scoring_outside_the_judging_stage_is_refused(client, jw, stage):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    stage_now(jw.competition, stage)
    login(client, jw.judges[1])
    page = client.get(f"/judging/sheets/{assignment.id}").get_data(as_text=True)
    assert "judging stage is not open" in page and "disabled" in page
    response = client.post(f"/judging/sheets/{assignment.id}", data=full_sheet(jw, submit_sheet="Submit"))
    assert response.status_code == 409
    db.session.refresh(assignment)
    assert scores_of(assignment) == {} and not assignment.locked and assignment.saved_at is None


def test_forged_lock_fields_are_ignored(client, jw):
    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.judges[1])
    client.post(f"/judging/sheets/{assignment.id}",
                data=full_sheet(jw, save="Save", submitted_at="2020-01-01", judge_id=jw.judges[2].id))
    db.session.refresh(assignment)
    assert not assignment.locked and assignment.judge_id == jw.judges[1].id


def test_the_next_entry_link_leads_to_the_next_unscored_sheet(client, jw):
    entries = jw.extra["entries"]
    first, second = assign(entries[2], jw.judges[1]), assign(entries[4], jw.judges[1])
    login(client, jw.judges[1])
    assert f"/judging/sheets/{second.id}" in client.get(f"/judging/sheets/{first.id}").get_data(as_text=True)
    response = client.post(f"/judging/sheets/{first.id}", data=full_sheet(jw, submit_sheet="Submit"))
    assert response.location.endswith(f"/judging/sheets/{second.id}")


# -- reopening ---------------------------------------------------------------------------


def submitted_sheet(client, world, entry, judge):
    assignment = assign(entry, judge)
    login(client, judge)
    assert client.post(f"/judging/sheets/{assignment.id}", data=full_sheet(world, submit_sheet="Submit")
                       ).status_code == 302
    client.get("/logout")
    client.post("/logout")
    db.session.refresh(assignment)
    assert assignment.locked
    return assignment


def test_only_a_manager_reopens_with_a_reason_and_an_audit_record(client, jw):
    assignment = submitted_sheet(client, jw, jw.extra["entries"][2], jw.judges[1])
    url = admin_url(jw, f"/sheets/{assignment.id}/reopen")
    login(client, jw.judges[1])
    assert client.post(url, data={"reason": "Typo"}).status_code == 403
    client.post("/logout")
    login(client, jw.manager)
    client.post(url, data={"reason": "   "})
    db.session.refresh(assignment)
    assert assignment.locked and not actions("competitions.sheet_reopened")
    assert client.post(url, data={"reason": "Judge mistyped a score"}).status_code == 302
    db.session.refresh(assignment)
    assert not assignment.locked
    [record] = actions("competitions.sheet_reopened")
    assert record.detail["reason"] == "Judge mistyped a score"
    assert record.detail["scores"] == {"innovation": 8.0, "results": 7.5, "presentation": 9.0}
    assert record.actor_id == jw.manager.id


def test_a_submitted_sheet_cannot_be_unassigned_until_reopened(client, jw):
    assignment = submitted_sheet(client, jw, jw.extra["entries"][2], jw.judges[1])
    login(client, jw.manager)
    client.post(admin_url(jw, f"/assignments/{assignment.id}/unassign"))
    assert db.session.get(Assignment, assignment.id) is not None
    client.post(admin_url(jw, f"/sheets/{assignment.id}/reopen"), data={"reason": "Swap judges"})
    client.post(admin_url(jw, f"/assignments/{assignment.id}/unassign"))
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id) is None
    assert actions("competitions.unassigned")[0].detail["scores"]["innovation"] == 8.0


# -- assignment through the admin -------------------------------------------------------------


def test_auto_assign_gives_each_entry_n_judges_without_conflicts(client, jw):
    login(client, jw.manager)
    response = client.post(admin_url(jw, "/auto-assign"), follow_redirects=True)
    assert response.status_code == 200
    entries = jw.extra["entries"]
    for entry in entries:
        judges = db.session.scalars(db.select(Assignment.judge_id).where(Assignment.entry_id == entry.id)).all()
        assert len(judges) == 2 == len(set(judges))
        panel = db.session.get(Panel, entry.panel_id)
        assert set(judges) <= {member.user_id for member in panel.members}
        if entry.organisation_id == jw.organisations[0].id:
            assert jw.judges[0].id not in judges
    loads = db.session.execute(db.select(Assignment.judge_id, db.func.count()).group_by(Assignment.judge_id)).all()
    assert sum(n for _, n in loads) == 12
    # Running it again changes nothing.
    client.post(admin_url(jw, "/auto-assign"))
    assert count(Assignment) == 12
    assert actions("competitions.auto_assigned")


def test_auto_assign_reports_entries_that_cannot_reach_n(client, jw):
    jw.competition.judges_per_entry = 3
    db.session.commit()
    login(client, jw.manager)
    html = client.post(admin_url(jw, "/auto-assign"), follow_redirects=True).get_data(as_text=True)
    # Six Sigma panel has judges 0-2 and judge 0 belongs to organisation 0: SS-001 reaches only 2.
    assert "cannot reach 3 judges" in html and "SS-001" in html
    board = client.get(admin_url(jw)).get_data(as_text=True)
    assert "Entries short of judges" in board and "judging-row-short" in board


def test_manual_assignment_refuses_a_conflicted_judge(client, jw):
    entry = jw.extra["entries"][0]  # organisation 0, Six Sigma
    login(client, jw.manager)
    response = client.post(admin_url(jw, "/assign"), data={"entry_id": entry.id, "judge_id": jw.judges[0].id})
    assert response.status_code == 400 and "conflict of interest" in response.get_data(as_text=True)
    assert count(Assignment) == 0
    response = client.post(admin_url(jw, "/assign"), data={"entry_id": entry.id, "judge_id": jw.judges[1].id})
    assert response.status_code == 302 and count(Assignment) == 1
    # Twice the same judge: refused.
    assert client.post(admin_url(jw, "/assign"), data={"entry_id": entry.id, "judge_id": jw.judges[1].id}
                       ).status_code == 400
    # A user who is not offered (a member) or an entry of nowhere: refused.
    assert client.post(admin_url(jw, "/assign"), data={"entry_id": entry.id, "judge_id": jw.members[1].id}
                       ).status_code == 400
    assert client.post(admin_url(jw, "/assign"), data={"entry_id": 9999, "judge_id": jw.judges[2].id}
                       ).status_code == 400
    assert count(Assignment) == 1


# -- conflicts of interest -----------------------------------------------------------------


def test_a_judge_declaring_a_conflict_is_replaced_and_the_entry_keeps_n(client, jw):
    login(client, jw.manager)
    client.post(admin_url(jw, "/auto-assign"))
    client.post("/logout")
    entry = jw.extra["entries"][3]  # organisation 1, Lean: panel judges 1-3
    before = set(db.session.scalars(db.select(Assignment.judge_id).where(Assignment.entry_id == entry.id)))
    leaving = db.session.get(type(jw.judges[0]), min(before))
    assignment = db.session.scalar(db.select(Assignment).where(Assignment.entry_id == entry.id,
                                                               Assignment.judge_id == leaving.id))
    login(client, leaving)
    assert client.post(f"/judging/sheets/{assignment.id}/conflict", data={"reason": " "}).status_code == 303
    assert count(Conflict) == 0
    assert client.post(f"/judging/sheets/{assignment.id}/conflict",
                       data={"reason": "My brother leads this team"}).status_code == 302
    db.session.expire_all()
    after = set(db.session.scalars(db.select(Assignment.judge_id).where(Assignment.entry_id == entry.id)))
    assert len(after) == 2 and leaving.id not in after and after > (before - {leaving.id})
    [conflict] = db.session.scalars(db.select(Conflict)).all()
    assert conflict.entry_id == entry.id and conflict.judge_id == leaving.id and conflict.declared_by_id == leaving.id
    assert client.get(f"/judging/sheets/{assignment.id}").status_code == 404
    assert actions("competitions.conflict_added") and actions("competitions.assignment_removed_for_conflict")


def test_a_manager_conflict_removes_even_a_submitted_sheet_keeping_its_scores_in_the_audit(client, jw):
    entry = jw.extra["entries"][2]  # organisation 1, Six Sigma: judges 0-2
    assignment = submitted_sheet(client, jw, entry, jw.judges[1])
    assign(entry, jw.judges[2])
    login(client, jw.manager)
    response = client.post(admin_url(jw, "/conflicts"), data={
        "action": "add", "conflict-judge_id": jw.judges[1].id, "conflict-entry_id": "",
        "conflict-organisation_id": entry.organisation_id, "conflict-reason": "Consultant to the company"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id) is None
    [removed] = actions("competitions.assignment_removed_for_conflict")
    assert removed.detail["scores"] == {"innovation": 8.0, "results": 7.5, "presentation": 9.0}
    judges = set(db.session.scalars(db.select(Assignment.judge_id).where(Assignment.entry_id == entry.id)))
    assert judges == {jw.judges[2].id, jw.judges[0].id}  # judge 0's company is organisation 0: eligible here
    page = client.get(admin_url(jw, "/conflicts")).get_data(as_text=True)
    assert "Consultant to the company" in page and jw.organisations[0].name in page  # automatic: judge 0


def test_conflict_form_refuses_bad_input_and_removes_declared_ones(client, jw):
    entry = jw.extra["entries"][2]
    assign(entry, jw.judges[1])
    login(client, jw.manager)
    url = admin_url(jw, "/conflicts")
    bad = [
        {"conflict-judge_id": jw.judges[1].id, "conflict-reason": "Both empty"},
        {"conflict-judge_id": jw.judges[1].id, "conflict-entry_id": entry.id,
         "conflict-organisation_id": entry.organisation_id, "conflict-reason": "Both set"},
        {"conflict-judge_id": jw.judges[1].id, "conflict-entry_id": entry.id, "conflict-reason": ""},
        {"conflict-judge_id": jw.members[0].id, "conflict-entry_id": entry.id, "conflict-reason": "Not a judge"},
    ]
    for data in bad:
        assert client.post(url, data={"action": "add", **data}).status_code == 400
    assert count(Conflict) == 0 and count(Assignment) == 1
    client.post(url, data={"action": "add", "conflict-judge_id": jw.judges[1].id, "conflict-entry_id": entry.id,
                           "conflict-reason": "Co-author"})
    conflict = db.session.scalar(db.select(Conflict))
    assert conflict is not None
    assert client.post(url, data={"action": "add", "conflict-judge_id": jw.judges[1].id,
                                  "conflict-entry_id": entry.id, "conflict-reason": "Again"}).status_code == 400
    assert client.post(url, data={"action": "remove", "conflict_id": conflict.id}).status_code == 302
    assert count(Conflict) == 0 and actions("competitions.conflict_removed")


# -- panels --------------------------------------------------------------------------------


def test_a_manager_builds_panels_and_moves_an_entry_to_a_session(client, jw):
    login(client, jw.manager)
    url = admin_url(jw, "/panels")
    assert client.post(url, data={"action": "create", "create-name": "", "create-category_id": ""}
                       ).status_code == 400
    assert client.post(url, data={"action": "create", "create-name": "Session A", "create-category_id": "9999"}
                       ).status_code == 400
    assert count(Panel) == 2
    assert client.post(url, data={"action": "create", "create-name": "Session A", "create-category_id": ""}
                       ).status_code == 302
    session = db.session.scalar(db.select(Panel).where(Panel.name == "Session A"))
    assert session.category_id is None
    # Add judges by e-mail: only holders of the judge permission.
    assert client.post(url, data={"action": "add_judge", "panel_id": session.id, "email": jw.members[0].email}
                       ).status_code == 400
    assert client.post(url, data={"action": "add_judge", "panel_id": session.id, "email": "nobody@example.org"}
                       ).status_code == 400
    assert client.post(url, data={"action": "add_judge", "panel_id": session.id, "email": jw.judges[3].email}
                       ).status_code == 302
    db.session.refresh(session)
    assert [member.user_id for member in session.members] == [jw.judges[3].id]
    entry = jw.extra["entries"][0]
    assert client.post(url, data={"action": "move_entry", "move-entry_id": entry.id, "move-panel_id": session.id}
                       ).status_code == 302
    db.session.refresh(entry)
    assert entry.panel_id == session.id
    client.post(url, data={"action": "rename", "panel_id": session.id, "name": "Session A (morning)"})
    client.post(url, data={"action": "remove_judge", "panel_id": session.id, "user_id": jw.judges[3].id})
    db.session.refresh(session)
    assert session.name == "Session A (morning)" and session.members == []
    client.post(url, data={"action": "delete", "panel_id": session.id})
    db.session.expire_all()
    assert db.session.get(Panel, session.id) is None and db.session.get(Entry, entry.id).panel_id is None
    assert client.post(url, data={"action": "delete", "panel_id": 99999}).status_code == 404
    for verb in ("panel_created", "panel_judge_added", "entry_moved", "panel_renamed", "panel_judge_removed",
                 "panel_deleted"):
        assert actions(f"competitions.{verb}"), verb


def test_entries_join_their_category_panel_automatically(client, jw):
    login(client, jw.manager)
    client.post(admin_url(jw, "/auto-assign"))
    for entry in jw.extra["entries"]:
        db.session.refresh(entry)
        panel = db.session.get(Panel, entry.panel_id)
        assert panel.category_id == entry.category_id


# -- progress and reminders ----------------------------------------------------------------


def test_the_board_counts_per_judge_and_entry(client, jw):
    entries = jw.extra["entries"]
    submitted_sheet(client, jw, entries[2], jw.judges[1])
    draft = assign(entries[4], jw.judges[1])
    draft.saved_at = utcnow()
    assign(entries[4], jw.judges[2])
    db.session.commit()
    panels, short, totals = judging.progress(jw.competition)
    row = next(row for group in panels for row in group.judges if row.judge.id == jw.judges[1].id)
    assert (row.assigned, row.saved, row.submitted) == (2, 1, 1)
    assert totals == {"entries": 6, "assignments": 3, "submitted": 1, "short": 5, "conflicted": 0}
    login(client, jw.manager)
    html = client.get(admin_url(jw)).get_data(as_text=True)
    assert "judging-row-short" in html and "1 of 3 score sheets submitted" in html


def test_reminders_go_to_the_outbox_once_per_judge_with_open_sheets(client, jw):
    entries = jw.extra["entries"]
    submitted_sheet(client, jw, entries[2], jw.judges[1])  # judge 1: nothing open
    assign(entries[3], jw.judges[2])
    assign(entries[5], jw.judges[2])
    assign(entries[4], jw.judges[3])
    login(client, jw.manager)
    response = client.post(admin_url(jw, "/reminders"), follow_redirects=True)
    assert "2 reminders queued" in response.get_data(as_text=True)
    messages = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.recipient)).all()
    assert [m.recipient for m in messages] == [jw.judges[2].email, jw.judges[3].email]
    assert "LM-002" in messages[0].body and "/judging" in messages[0].body
    assert actions("competitions.reminders_sent")


def test_the_dashboard_card_counts_open_sheets(client, jw):
    assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.judges[1])
    html = client.get("/me").get_data(as_text=True)
    assert "1 score sheet to complete" in html and "/judging" in html


def test_judge_home_groups_and_statuses(client, jw):
    entries = jw.extra["entries"]
    submitted_sheet(client, jw, entries[2], jw.judges[1])
    assign(entries[4], jw.judges[1])
    login(client, jw.judges[1])
    html = client.get("/judging").get_data(as_text=True)
    assert jw.competition.title in html and "SS-002" in html and "SS-003" in html
    assert "Submitted" in html and "To do" in html and "Declare a conflict" in html


def test_a_new_judge_without_assignments_sees_an_empty_list(client, jw):
    judge = make_user("judge", email="fresh@example.org")
    login(client, judge)
    assert "no entries to judge" in client.get("/judging").get_data(as_text=True)


def test_a_withdrawn_entry_disappears_from_the_judges_view(client, jw):
    entry = jw.extra["entries"][2]
    assignment = assign(entry, jw.judges[1])
    entry.status = "withdrawn"
    db.session.commit()
    login(client, jw.judges[1])
    assert client.get(f"/judging/sheets/{assignment.id}").status_code == 404


def test_service_refuses_assignment_of_an_entry_not_in_judging(jw):
    organisation = add_organisation("Late Co")
    entry = Entry(competition=jw.competition, category=jw.categories[0], organisation=organisation,
                  title="Draft", status="draft")
    db.session.add(entry)
    db.session.commit()
    with pytest.raises(judging.JudgingError):
        judging.assign(entry, jw.judges[1])


def test_forms_carry_csrf_tokens_and_posts_without_one_are_refused(app, client, jw):
    import re

    assignment = assign(jw.extra["entries"][2], jw.judges[1])
    login(client, jw.judges[1])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/judging/sheets/{assignment.id}", data=full_sheet(jw, save="Save"))
        assert response.status_code == 400 and scores_of(assignment) == {}
        page = client.get(f"/judging/sheets/{assignment.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                          page)
        data = full_sheet(jw, save="Save", csrf_token=token.group(1) or token.group(2))
        assert client.post(f"/judging/sheets/{assignment.id}", data=data).status_code == 302
        assert len(scores_of(assignment)) == 3
        client.post("/logout", data={"csrf_token": token.group(1) or token.group(2)})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# -- audit fixes: a judge cannot drop a locked sheet; later conflicts are enforced -------------------


def test_a_judge_cannot_declare_a_conflict_on_a_submitted_sheet(client, jw):
    entry = jw.extra["entries"][2]
    assignment = submitted_sheet(client, jw, entry, jw.judges[1])
    login(client, jw.judges[1])
    response = client.post(f"/judging/sheets/{assignment.id}/conflict", data={"reason": "Changed my mind"},
                           follow_redirects=True)
    assert "ask a competition manager" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id) is not None and len(scores_of(assignment)) == 3
    assert count(Conflict) == 0 and count(Assignment) == 1
    assert not actions("competitions.assignment_removed_for_conflict")


def test_a_judge_cannot_declare_a_conflict_once_judging_has_closed(client, jw):
    entry = jw.extra["entries"][2]
    locked = submitted_sheet(client, jw, entry, jw.judges[1])
    draft = assign(jw.extra["entries"][4], jw.judges[1])
    stage_now(jw.competition, RESULTS)
    login(client, jw.judges[1])
    for assignment in (locked, draft):
        response = client.post(f"/judging/sheets/{assignment.id}/conflict", data={"reason": "Too late"},
                               follow_redirects=True)
        assert "ask a competition manager" in response.get_data(as_text=True)
    db.session.expire_all()
    assert count(Conflict) == 0 and count(Assignment) == 2 and len(scores_of(locked)) == 3
    # The form is no longer offered either.
    assert "Declare a conflict" not in client.get("/judging").get_data(as_text=True)


def test_auto_assign_replaces_a_judge_who_joined_the_entrys_organisation(client, jw):
    entry = jw.extra["entries"][2]  # organisation 1, Six Sigma: judges 0-2
    assignment = submitted_sheet(client, jw, entry, jw.judges[1])
    assign(entry, jw.judges[2])
    db.session.add(Membership(user_id=jw.judges[1].id, organisation_id=jw.organisations[1].id))
    db.session.commit()
    login(client, jw.manager)
    board = client.get(admin_url(jw)).get_data(as_text=True)
    assert "judging-sheet-conflict" in board
    panels, short, totals = judging.progress(jw.competition)
    assert totals["submitted"] == 0 and totals["conflicted"] == 1
    client.post(admin_url(jw, "/auto-assign"))
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id) is None
    judges = set(db.session.scalars(db.select(Assignment.judge_id).where(Assignment.entry_id == entry.id)))
    assert judges == {jw.judges[0].id, jw.judges[2].id}
    [removed] = actions("competitions.assignment_removed_for_conflict")
    assert removed.detail["scores"] == {"innovation": 8.0, "results": 7.5, "presentation": 9.0}
    assert removed.actor_id == jw.manager.id
    assert "judging-sheet-conflict" not in client.get(admin_url(jw)).get_data(as_text=True)


def test_reassigning_entries_drops_conflicted_assignments_first(jw):
    entry = jw.extra["entries"][2]
    stale = assign(entry, jw.judges[1])
    assign(entry, jw.judges[2])
    db.session.add(Conflict(competition_id=jw.competition.id, judge_id=jw.judges[1].id,
                            organisation_id=entry.organisation_id, reason="Added directly"))
    db.session.commit()
    plan = judging.reassign_entries(jw.competition, [entry.id], jw.manager)
    db.session.commit()
    assert plan.new == [(entry.id, jw.judges[0].id)]
    assert db.session.get(Assignment, stale.id) is None
    assert len(actions("competitions.assignment_removed_for_conflict")) == 1
