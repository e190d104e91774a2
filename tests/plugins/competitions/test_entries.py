"""Members' entries through real requests: the whole walk, every refusal, numbering, attachments, access."""
import io
from datetime import timedelta

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.storage.models import Media
from core.users.models import Membership, utcnow
from plugins.competitions import entries as service
from plugins.competitions.models import (
    DRAFT,
    PASSED,
    PENDING,
    RESULTS,
    SCREENING,
    SUBMITTED,
    WITHDRAWN,
    Assignment,
    Category,
    Competition,
    Conflict,
    Entry,
    EntryAttachment,
    Result,
    Score,
)
from tests.conftest import login, make_user
from tests.core import media_samples as samples
from tests.plugins.competitions.conftest import stage_now

STUB_ENDPOINTS = {"competitions.index": "/competitions", "competitions.admin_list": "/admin/competitions"}


def ensure_linked_endpoints(app):
    """Pages link to endpoints other parts of the plugin provide; stand-ins while those are absent."""
    from core.permissions import public

    for endpoint, rule in STUB_ENDPOINTS.items():
        if endpoint not in app.view_functions:
            app.add_url_rule(rule, endpoint, public(lambda: "stub"))


def english(client):
    """Messages in English, so that assertions read the msgids (the site's default is Chinese)."""
    assert client.post("/language", data={"lang": "en"}).status_code == 302
    return client


@pytest.fixture
def client(app, world):
    ensure_linked_endpoints(app)
    return english(app.test_client())


def member_client(app, user):
    client = english(app.test_client())
    login(client, user)
    return client


def entry_form(competition, **fields):
    data = {"title": "Cutting rework in SMT lines", "category_id": competition.categories[0].id,
            "team_members": "Li Wei\nZhang Min", "summary": "Rework fell by 40%."}
    data.update(fields)
    return data


def enter(client, competition, submit=False, **fields):
    data = entry_form(competition, **fields)
    data["submit" if submit else "save"] = "1"
    return client.post(f"/competitions/{competition.slug}/enter", data=data, content_type="multipart/form-data")


def entries_of(organisation):
    return db.session.scalars(db.select(Entry).where(Entry.organisation_id == organisation.id)
                              .order_by(Entry.id)).all()


def snapshot():
    db.session.expire_all()
    return [(e.id, e.title, e.status, e.number, e.screening, e.organisation_id, e.category_id, e.summary)
            for e in db.session.scalars(db.select(Entry).order_by(Entry.id))]


def pdf(name="plan.pdf"):
    return (io.BytesIO(samples.PDF), name)


# -- the walk ------------------------------------------------------------------


def test_draft_submit_edit_withdraw_resubmit(app, world, client):
    competition, member, org = world.competition, world.members[0], world.organisations[0]
    login(client, member)
    page = client.get(f"/competitions/{competition.slug}/enter")
    assert page.status_code == 200 and "Save draft" in page.text and "Submit" in page.text

    response = enter(client, competition, summary="")
    entry = entries_of(org)[0]
    assert response.status_code == 302 and response.location.endswith(f"/competitions/entries/{entry.id}")
    assert (entry.status, entry.number, entry.submitted_at, entry.created_by_id) == (DRAFT, None, None, member.id)

    page = client.get(f"/competitions/entries/{entry.id}")
    assert page.status_code == 200 and "Cutting rework in SMT lines" in page.text

    # Submitting without the required summary is refused; the draft stays a draft.
    response = client.post(f"/competitions/entries/{entry.id}/submit", follow_redirects=True)
    assert "not complete" in response.text
    db.session.expire_all()
    assert entry.status == DRAFT and entry.number is None

    response = client.post(f"/competitions/entries/{entry.id}", data=entry_form(competition, submit="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (entry.status, entry.number, entry.screening) == (SUBMITTED, "SS-001", PENDING)
    first_submitted = entry.submitted_at
    assert first_submitted is not None

    # Edits of a submitted entry keep it submitted, and are checked as complete.
    response = client.post(f"/competitions/entries/{entry.id}",
                           data=entry_form(competition, title="Cutting rework in SMT lines (2021)", save="1"))
    assert response.status_code == 302
    response = client.post(f"/competitions/entries/{entry.id}", data=entry_form(competition, summary="  ", save="1"))
    assert response.status_code == 200 and "not complete" in response.text
    db.session.expire_all()
    assert (entry.status, entry.title, entry.summary) == (SUBMITTED, "Cutting rework in SMT lines (2021)",
                                                          "Rework fell by 40%.")

    assert client.post(f"/competitions/entries/{entry.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert entry.status == WITHDRAWN and entry.withdrawn_at is not None

    assert client.post(f"/competitions/entries/{entry.id}/submit").status_code == 302
    db.session.expire_all()
    assert (entry.status, entry.number, entry.submitted_at, entry.withdrawn_at) == (SUBMITTED, "SS-001",
                                                                                     first_submitted, None)
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.target == f"entry:{entry.id}")).all()
    assert actions == ["competitions.entry_submitted", "competitions.entry_withdrawn", "competitions.entry_submitted"]

    listing = client.get("/me/competitions")
    assert listing.status_code == 200 and "SS-001" in listing.text and "Awaiting screening" in listing.text


def test_submit_directly_with_attachment_and_numbering(app, world, client):
    competition = world.competition
    ss, lm = world.categories
    login(client, world.members[0])
    data = entry_form(competition, submit="1", attachments=[pdf()])
    response = client.post(f"/competitions/{competition.slug}/enter", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    enter(client, competition, submit=True, title="Second")
    enter(client, competition, submit=True, title="Lean one", category_id=lm.id)
    enter(member_client(app, world.members[1]), competition, submit=True, title="Other company")
    numbers = [e.number for e in db.session.scalars(db.select(Entry).order_by(Entry.id))]
    assert numbers == ["SS-001", "SS-002", "LM-001", "SS-003"]
    first = db.session.scalars(db.select(Entry).order_by(Entry.id)).first()
    assert len(first.attachments) == 1 and first.attachments[0].media.private
    # Moving a submitted entry to another category gives it a number there.
    client.post(f"/competitions/entries/{first.id}", data=entry_form(competition, category_id=lm.id, save="1"))
    db.session.expire_all()
    assert (first.status, first.category_id, first.number) == (SUBMITTED, lm.id, "LM-002")


def test_number_race_is_retried(app, world, monkeypatch):
    """Two submissions computing the same number: the unique constraint trips and the next number is taken."""
    competition, org, member = world.competition, world.organisations[0], world.members[0]
    taken = Entry(competition_id=competition.id, organisation_id=org.id, category_id=world.categories[0].id,
                  title="Taken", status=SUBMITTED, number="SS-001")
    db.session.add(taken)
    db.session.commit()
    real = service.next_number
    calls = []

    def stale_first(entry):
        calls.append(1)
        return "SS-001" if len(calls) == 1 else real(entry)

    monkeypatch.setattr(service, "next_number", stale_first)
    with app.test_request_context():
        entry = service.save_entry(competition, org.id, member, entry_form(competition, title="New"), submit=True)
    assert entry.number == "SS-002" and len(calls) == 2
    assert db.session.scalar(db.select(db.func.count(Entry.id))) == 2


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize("stage", [SCREENING, "before"])
def test_outside_the_call_for_entries_nothing_changes(app, world, client, stage):
    competition = world.competition
    login(client, world.members[0])
    enter(client, competition, title="Draft before the deadline")
    draft = entries_of(world.organisations[0])[0]
    if stage == "before":
        submission = competition.stage("submission")
        submission.opens_at = utcnow().replace(microsecond=0) + timedelta(days=1)
        submission.closes_at = submission.opens_at + timedelta(days=1)
        db.session.commit()
        expected = "not opened yet"
    else:
        stage_now(competition, SCREENING)
        expected = "late entries"
    before = snapshot()
    page = client.get(f"/competitions/{competition.slug}/enter")
    assert expected in page.text and "Save draft" not in page.text
    response = enter(client, competition, submit=True, title="Too late")
    assert response.status_code == 200 and expected in response.text
    response = client.post(f"/competitions/entries/{draft.id}", data=entry_form(competition, submit="1"))
    assert expected in response.text
    client.post(f"/competitions/entries/{draft.id}/submit")
    client.post(f"/competitions/entries/{draft.id}/withdraw")
    client.post(f"/competitions/entries/{draft.id}/attachments", data={"file": pdf()},
                content_type="multipart/form-data")
    assert snapshot() == before
    assert db.session.scalar(db.select(db.func.count(EntryAttachment.id))) == 0


def test_over_the_limit_is_refused(app, world, client):
    competition = world.competition
    competition.entry_limit_per_org = 2
    db.session.commit()
    login(client, world.members[0])
    enter(client, competition, submit=True, title="One")
    enter(client, competition, title="Draft")  # drafts do not count
    enter(client, competition, submit=True, title="Two")
    before = snapshot()
    response = enter(client, competition, submit=True, title="Three")
    assert response.status_code == 200 and "already submitted 2 entries" in response.text
    assert snapshot() == before
    draft = next(e for e in entries_of(world.organisations[0]) if e.title == "Draft")
    response = client.post(f"/competitions/entries/{draft.id}/submit", follow_redirects=True)
    assert "already submitted 2 entries" in response.text
    assert snapshot() == before
    # A withdrawn entry frees its place; resubmitting it counts again.
    one = next(e for e in entries_of(world.organisations[0]) if e.title == "One")
    client.post(f"/competitions/entries/{one.id}/withdraw")
    assert client.post(f"/competitions/entries/{draft.id}/submit").status_code == 302
    db.session.expire_all()
    assert draft.status == SUBMITTED
    response = client.post(f"/competitions/entries/{one.id}/submit", follow_redirects=True)
    assert "already submitted 2 entries" in response.text
    db.session.expire_all()
    assert one.status == WITHDRAWN
    # Another organisation has its own limit.
    assert enter(member_client(app, world.members[1]), competition, submit=True, title="One").status_code == 302


def test_duplicate_title_is_refused(app, world, client):
    competition = world.competition
    login(client, world.members[0])
    enter(client, competition, submit=True, title="Cutting Rework in SMT lines")
    before = snapshot()
    response = enter(client, competition, title="  cutting   rework in smt LINES ")
    assert response.status_code == 200 and "already has an entry titled" in response.text
    assert snapshot() == before
    # Renaming another entry to a taken title is refused as well.
    enter(client, competition, title="Other")
    other = entries_of(world.organisations[0])[-1]
    response = client.post(f"/competitions/entries/{other.id}",
                           data=entry_form(competition, title="cutting rework in SMT lines", save="1"))
    assert "already has an entry titled" in response.text
    # Once the first is withdrawn, the title is free again; another organisation may use it anyway.
    first = entries_of(world.organisations[0])[0]
    client.post(f"/competitions/entries/{first.id}/withdraw")
    assert enter(client, competition, title="Cutting rework in SMT lines").status_code == 302
    other = member_client(app, world.members[1])
    assert enter(other, competition, title="Cutting rework in SMT lines").status_code == 302


def test_incomplete_submission_is_refused(app, world, client):
    competition = world.competition
    competition.entry_fields = {**competition.entry_fields, "attachments": "required", "team_members": "required"}
    db.session.commit()
    login(client, world.members[0])
    before = snapshot()
    response = enter(client, competition, submit=True, team_members="", summary="")
    assert response.status_code == 200
    assert "not complete" in response.text and "at least one attachment" in response.text
    assert snapshot() == before
    response = enter(client, competition, submit=True, title="")
    assert response.status_code == 200 and snapshot() == before
    # With the file attached it goes through; removing the only file of a submitted entry is refused.
    response = enter(client, competition, submit=True, attachments=[pdf()])
    assert response.status_code == 302
    entry = entries_of(world.organisations[0])[0]
    assert entry.status == SUBMITTED
    attachment = entry.attachments[0]
    response = client.post(f"/competitions/entries/{entry.id}/attachments/{attachment.id}/remove",
                           follow_redirects=True)
    assert "needs at least one attachment" in response.text
    db.session.expire_all()
    assert len(entry.attachments) == 1


def test_category_of_another_competition_is_refused(app, world, client):
    other = Competition(slug="titles-2020", title="Title review 2020", listed=True,
                        categories=[Category(name="Senior", code="SE")])
    db.session.add(other)
    db.session.commit()
    login(client, world.members[0])
    before = snapshot()
    response = enter(client, world.competition, submit=True, category_id=other.categories[0].id)
    assert response.status_code == 200 and "this competition&#39;s categories" in response.text
    assert snapshot() == before


def test_forged_fields_have_no_effect(app, world, client):
    competition, member = world.competition, world.members[0]
    stranger = world.organisations[1]
    login(client, member)
    forged = {"status": SUBMITTED, "screening": PASSED, "number": "SS-999", "organisation_id": stranger.id,
              "submitted_at": "2020-01-01 00:00:00", "created_by_id": world.manager.id}
    response = enter(client, competition, **forged)
    assert response.status_code == 302
    entry = entries_of(world.organisations[0])[0]
    assert (entry.status, entry.screening, entry.number, entry.submitted_at, entry.created_by_id) == (
        DRAFT, PENDING, None, None, member.id)
    assert entries_of(stranger) == []
    client.post(f"/competitions/entries/{entry.id}", data=entry_form(competition, submit="1", **forged))
    db.session.expire_all()
    assert (entry.status, entry.screening, entry.number, entry.organisation_id) == (SUBMITTED, PENDING, "SS-001",
                                                                                    world.organisations[0].id)


def test_member_of_two_organisations_chooses_and_cannot_forge(app, world, client):
    member = world.members[0]
    db.session.add(Membership(user=member, organisation=world.organisations[1]))
    db.session.commit()
    login(client, member)
    page = client.get(f"/competitions/{world.competition.slug}/enter")
    assert "Nanshan Logistics" in page.text and "Pengcheng Electronics" in page.text
    response = enter(client, world.competition, organisation_id=world.organisations[1].id)
    assert response.status_code == 302 and len(entries_of(world.organisations[1])) == 1
    before = snapshot()
    response = enter(client, world.competition, title="Elsewhere", organisation_id=world.organisations[2].id)
    assert response.status_code == 200 and snapshot() == before


def test_user_without_organisation_gets_a_message(app, world, client):
    loner = make_user("member", email="loner@example.org")
    login(client, loner)
    page = client.get(f"/competitions/{world.competition.slug}/enter")
    assert page.status_code == 200 and "does not belong to one" in page.text and "Save draft" not in page.text
    response = enter(client, world.competition)
    assert response.status_code == 200 and snapshot() == []
    assert client.get("/me/competitions").status_code == 200


# -- attachments -----------------------------------------------------------------


def test_attachments_upload_type_limit_remove_download(app, world, client):
    competition = world.competition
    competition.entry_fields = {**competition.entry_fields, "max_attachments": 2, "attachment_kinds": ["pdf"]}
    db.session.commit()
    login(client, world.members[0])
    enter(client, competition)
    entry = entries_of(world.organisations[0])[0]
    url = f"/competitions/entries/{entry.id}/attachments"

    response = client.post(url, data={"file": (io.BytesIO(samples.image_bytes("PNG")), "photo.png")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "not accepted here" in response.text
    assert db.session.scalar(db.select(db.func.count(Media.id))) == 0

    for name in ("a.pdf", "b.pdf"):
        assert client.post(url, data={"file": pdf(name)}, content_type="multipart/form-data").status_code == 302
    response = client.post(url, data={"file": pdf("c.pdf")}, content_type="multipart/form-data",
                           follow_redirects=True)
    assert "at most 2 attachments" in response.text
    db.session.expire_all()
    assert [a.media.original_name for a in entry.attachments] == ["a.pdf", "b.pdf"]
    assert db.session.scalar(db.select(db.func.count(Media.id))) == 2

    first = entry.attachments[0]
    download = client.get(f"{url}/{first.id}")
    assert download.status_code == 200 and download.data == samples.PDF
    assert download.headers["Content-Disposition"].startswith("attachment")

    # Too many files at once on the enter form: refused, nothing stored.
    response = enter(client, competition, title="Three files", attachments=[pdf("1.pdf"), pdf("2.pdf"),
                                                                              pdf("3.pdf")])
    assert response.status_code == 200 and "at most 2 attachments" in response.text
    assert db.session.scalar(db.select(db.func.count(Media.id))) == 2
    # A wrong type on the enter form: nothing stored, no entry.
    response = enter(client, competition, title="Wrong type",
                     attachments=[pdf("ok.pdf"), (io.BytesIO(samples.image_bytes("PNG")), "x.png")])
    assert response.status_code == 200 and "not accepted here" in response.text
    assert db.session.scalar(db.select(db.func.count(Media.id))) == 2
    assert len(entries_of(world.organisations[0])) == 1

    assert client.post(f"{url}/{first.id}/remove").status_code == 302
    db.session.expire_all()
    assert [a.media.original_name for a in entry.attachments] == ["b.pdf"]
    assert db.session.scalar(db.select(db.func.count(Media.id))) == 1


def test_attachment_download_access(app, world, client):
    competition = world.competition
    login(client, world.members[1])
    enter(client, competition, submit=True, attachments=[pdf()])
    entry = entries_of(world.organisations[1])[0]
    entry.screening = PASSED  # judges are assigned to admitted entries
    url = f"/competitions/entries/{entry.id}/attachments/{entry.attachments[0].id}"
    free_judge, conflicted_judge, unassigned_judge = world.judges[1], world.judges[3], world.judges[2]
    db.session.add_all([Assignment(entry_id=entry.id, judge_id=free_judge.id),
                        Assignment(entry_id=entry.id, judge_id=conflicted_judge.id),
                        Conflict(competition_id=competition.id, judge_id=conflicted_judge.id,
                                 organisation_id=world.organisations[1].id, reason="Former employer")])
    db.session.commit()
    expected = {world.members[1]: 200, world.members[0]: 404, free_judge: 200, conflicted_judge: 404,
                unassigned_judge: 404, world.judges[0]: 404, world.screener: 200, world.manager: 200}
    for user, status in expected.items():
        assert member_client(app, user).get(url).status_code == status, user.email
    assert app.test_client().get(url).status_code in (302, 401)
    assert client.get(f"/competitions/entries/{entry.id}/attachments/999999").status_code == 404
    assert client.get(f"/competitions/entries/{entry.id}/attachments/99999999999").status_code == 404


# -- what members see ---------------------------------------------------------------


def test_results_comments_and_scores_shown_only_when_shared(app, world, client):
    competition = world.competition
    login(client, world.members[0])
    enter(client, competition, submit=True)
    entry = entries_of(world.organisations[0])[0]
    entry.screening = PASSED
    sheets = [Assignment(entry=entry, judge=world.judges[1], comment="Clear data.", submitted_at=utcnow()),
              Assignment(entry=entry, judge=world.judges[2], comment="Open sheet, not shown.")]
    db.session.add_all(sheets)
    db.session.flush()
    criterion = world.criteria[0]
    db.session.add_all([Score(assignment=sheets[0], criterion=criterion, value=8.0, comment="Novel fixture."),
                        Score(assignment=sheets[1], criterion=criterion, value=2.0)])
    db.session.add(Result(competition_id=competition.id, entry_id=entry.id, category_id=entry.category_id, rank=1,
                          final_score=8.0, expert_score=8.0, tier="Exemplary"))
    competition.share_comments = competition.share_scores = True
    stage_now(competition, RESULTS)
    db.session.commit()

    page = client.get(f"/competitions/entries/{entry.id}")
    assert "Exemplary" not in page.text and "Clear data." not in page.text  # not yet published
    competition.results_published_at = utcnow()
    db.session.commit()
    page = client.get(f"/competitions/entries/{entry.id}")
    assert "Exemplary" in page.text and "Clear data." in page.text and "Judge 1" in page.text
    assert "Novel fixture." in page.text and "8.0" in page.text
    assert "Open sheet" not in page.text and world.judges[1].name not in page.text
    assert "Exemplary" in client.get("/me/competitions").text
    competition.share_comments = competition.share_scores = False
    db.session.commit()
    page = client.get(f"/competitions/entries/{entry.id}")
    assert "Exemplary" in page.text and "Clear data." not in page.text and "Mean score" not in page.text


def test_dashboard_card_lists_entries(app, world, client):
    login(client, world.members[0])
    enter(client, world.competition, title="Shown on the dashboard")
    page = client.get("/me")
    assert page.status_code == 200 and "Shown on the dashboard" in page.text and "Draft" in page.text


# -- access ---------------------------------------------------------------------------


def test_routes_for_every_role(app, world, client):
    competition = world.competition
    login(client, world.members[1])
    enter(client, competition, submit=True, attachments=[pdf()])
    entry = entries_of(world.organisations[1])[0]
    attachment_id = entry.attachments[0].id
    gets = [f"/competitions/{competition.slug}/enter", "/me/competitions", f"/competitions/entries/{entry.id}",
            f"/competitions/entries/{entry.id}/attachments/{attachment_id}"]
    posts = [f"/competitions/entries/{entry.id}", f"/competitions/entries/{entry.id}/submit",
             f"/competitions/entries/{entry.id}/withdraw", f"/competitions/entries/{entry.id}/attachments",
             f"/competitions/entries/{entry.id}/attachments/{attachment_id}/remove"]
    anonymous = app.test_client()
    for url in gets + posts:
        response = anonymous.post(url) if url in posts else anonymous.get(url)
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert "/login" in response.location
    # Members of other organisations, judges, screeners and managers: another organisation's entry is a 404.
    before = snapshot()
    for user in (world.members[0], world.judges[1], world.screener, world.manager):
        other = member_client(app, user)
        assert other.get("/me/competitions").status_code == 200
        assert other.get(f"/competitions/entries/{entry.id}").status_code == 404, user.email
        for url in posts:
            assert other.post(url, data={"title": "Hijacked"}).status_code == 404, (user.email, url)
    assert snapshot() == before
    assert client.get(f"/competitions/entries/{entry.id}").status_code == 200
    assert client.get("/competitions/entries/0").status_code == 404
    assert client.get("/competitions/entries/99999999999").status_code == 404
    assert client.get("/competitions/no-such-competition/enter").status_code == 404


def test_unlisted_competition_is_hidden_from_members(app, world, client):
    world.competition.listed = False
    db.session.commit()
    login(client, world.members[0])
    assert client.get(f"/competitions/{world.competition.slug}/enter").status_code == 404


def test_category_cannot_change_once_judges_are_assigned(app, world, client):
    """Audit F2: a member's change of category would leave number, panel and assignments stale."""
    competition = world.competition
    ss, lm = world.categories
    login(client, world.members[0])
    enter(client, competition, submit=True)
    entry = entries_of(world.organisations[0])[0]
    entry.screening = PASSED
    db.session.add(Assignment(entry_id=entry.id, judge_id=world.judges[1].id))
    db.session.commit()
    before = snapshot()
    response = client.post(f"/competitions/entries/{entry.id}",
                           data=entry_form(competition, category_id=lm.id, save="1"))
    assert response.status_code == 200 and "assigned to judges" in response.text
    assert snapshot() == before
    # Other edits are still accepted.
    response = client.post(f"/competitions/entries/{entry.id}",
                           data=entry_form(competition, title="Cutting rework (revised)", save="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (entry.title, entry.category_id, entry.number) == ("Cutting rework (revised)", ss.id, "SS-001")


@pytest.mark.parametrize("status, screening", [(WITHDRAWN, PASSED), (SUBMITTED, "rejected")])
def test_assigned_judge_cannot_open_files_of_an_entry_out_of_judging(app, world, client, status, screening):
    """Audit F5: a judge's access to attachments ends when the entry leaves judging."""
    login(client, world.members[1])
    enter(client, world.competition, submit=True, attachments=[pdf()])
    entry = entries_of(world.organisations[1])[0]
    entry.screening = PASSED
    judge = world.judges[1]
    db.session.add(Assignment(entry_id=entry.id, judge_id=judge.id))
    db.session.commit()
    url = f"/competitions/entries/{entry.id}/attachments/{entry.attachments[0].id}"
    assert member_client(app, judge).get(url).status_code == 200
    entry.status, entry.screening = status, screening
    db.session.commit()
    assert member_client(app, judge).get(url).status_code == 404
    assert member_client(app, world.members[1]).get(url).status_code == 200
    assert member_client(app, world.screener).get(url).status_code == 200


def test_saving_a_draft_keeps_the_public_page_cache_but_submitting_drops_it(app, world, client):
    from core import pagecache
    from core.pages.models import Setting

    def version():
        db.session.expire_all()
        return db.session.scalar(db.select(Setting.value).where(Setting.key == pagecache.VERSION_SETTING))

    competition, member, org = world.competition, world.members[0], world.organisations[0]
    login(client, member)
    before = version()
    assert enter(client, competition, summary="").status_code == 302
    entry = entries_of(org)[0]
    response = client.post(f"/competitions/entries/{entry.id}", data=entry_form(competition, title="Less rework", save="1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (entry.status, entry.title) == (DRAFT, "Less rework")
    assert version() == before  # two draft saves: no visitor's page changed
    assert client.post(f"/competitions/entries/{entry.id}/submit").status_code == 302
    submitted = version()
    assert submitted != before
    assert client.post(f"/competitions/entries/{entry.id}/withdraw").status_code == 302
    assert version() != submitted  # a withdrawn entry leaves the public lists
