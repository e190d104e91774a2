"""Eligibility screening through real requests: counts per category, filters, single and bulk decisions,
the rules (submitted only, a reason to reject, no rejection once judging started), audit and access."""
import itertools
import re

import pytest

from core.audit import AuditEntry
from core.extensions import db
from plugins.competitions.models import (
    DRAFT,
    PASSED,
    PENDING,
    REJECTED,
    SUBMITTED,
    WITHDRAWN,
    Assignment,
    Category,
    Competition,
    Entry,
)
from tests.plugins.competitions.test_entries import ensure_linked_endpoints, member_client


@pytest.fixture
def screener(app, world):
    ensure_linked_endpoints(app)
    return member_client(app, world.screener)


SEQUENCE = itertools.count(1)


def add_entry(world, title, *, category=0, organisation=0, status=SUBMITTED, screening=PENDING, number=None):
    category = world.categories[category]
    entry = Entry(competition_id=world.competition.id, category_id=category.id,
                  organisation_id=world.organisations[organisation].id, title=title, status=status,
                  screening=screening, summary=f"Summary of {title}")
    if status != DRAFT:
        entry.number = number or f"{category.code}-{next(SEQUENCE):03d}"
    db.session.add(entry)
    db.session.commit()
    return entry


def list_url(world, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/admin/competitions/{world.competition.id}/entries" + (f"?{query}" if query else "")


def entry_url(world, entry):
    return f"/admin/competitions/{world.competition.id}/entries/{entry.id}"


def bulk(client, world, ids, action, reason=""):
    return client.post(f"/admin/competitions/{world.competition.id}/entries/bulk",
                       data={"entry_ids": [str(i) for i in ids], "action": action, "reason": reason})


def state(*entries):
    db.session.expire_all()
    return [(e.status, e.screening, e.screening_reason) for e in entries]


def flows(html):
    return re.findall(r'<span class="count-flow">(\d+) → (\d+)</span>', html)


def test_counts_per_category_after_bulk_screening(app, world, screener):
    ss = [add_entry(world, f"Six sigma {i:03d}", organisation=i % 3) for i in range(5)]
    lm = [add_entry(world, f"Lean {i:03d}", category=1, organisation=i % 3) for i in range(3)]
    add_entry(world, "Draft 001", status=DRAFT)
    add_entry(world, "Withdrawn 001", status=WITHDRAWN)

    page = screener.get(list_url(world))
    assert page.status_code == 200
    assert flows(page.text) == [("5", "0"), ("3", "0"), ("8", "0")]
    assert "Draft 001" not in page.text and "Withdrawn 001" in page.text

    assert bulk(screener, world, [e.id for e in ss[:4]] + [e.id for e in lm[:2]], "pass").status_code == 302
    assert bulk(screener, world, [ss[4].id], "reject", "Outside the programme's scope").status_code == 302
    page = screener.get(list_url(world))
    assert flows(page.text) == [("5", "4"), ("3", "2"), ("8", "6")]
    assert state(ss[4]) == [(SUBMITTED, REJECTED, "Outside the programme's scope")]
    assert ss[0].screened_by_id == world.screener.id and ss[0].screened_at is not None
    audited = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "competitions.entry_screened")).all()
    assert len(audited) == 7 and {a.actor_id for a in audited} == {world.screener.id}

    # Reset puts an entry back to awaiting screening.
    assert bulk(screener, world, [lm[0].id], "reset").status_code == 302
    assert state(lm[0]) == [(SUBMITTED, PENDING, "")] and lm[0].screened_by_id is None
    assert flows(screener.get(list_url(world)).text)[-1] == ("8", "5")


def test_bulk_refusals_change_nothing(app, world, screener):
    first, second = add_entry(world, "Entry 001"), add_entry(world, "Entry 002")
    draft = add_entry(world, "Draft 003", status=DRAFT)
    before = state(first, second, draft)
    response = bulk(screener, world, [first.id, second.id], "reject", "   ")
    assert "Give the reason" in screener.get(response.location).text
    response = bulk(screener, world, [first.id, draft.id], "pass")
    assert "only submitted entries are screened" in screener.get(response.location).text
    response = bulk(screener, world, [], "pass")
    assert "Select at least one entry" in screener.get(response.location).text
    bulk(screener, world, [first.id], "promote")
    assert state(first, second, draft) == before
    # An id of another competition is not found, and nothing is applied.
    other = Competition(slug="other", title="Other", categories=[Category(name="X", code="X")])
    db.session.add(other)
    db.session.flush()
    foreign = Entry(competition_id=other.id, category_id=other.categories[0].id,
                    organisation_id=world.organisations[0].id, title="Foreign", status=SUBMITTED, number="X-001")
    db.session.add(foreign)
    db.session.commit()
    assert bulk(screener, world, [first.id, foreign.id], "pass").status_code == 404
    assert bulk(screener, world, [first.id, 99999999999], "pass").status_code == 404
    assert state(first, second, draft, foreign)[:3] == before and foreign.screening == PENDING


def test_single_decision_with_history(app, world, screener):
    entry = add_entry(world, "Entry 001")
    page = screener.get(entry_url(world, entry))
    assert page.status_code == 200 and "Summary of Entry 001" in page.text and "Nothing recorded yet" in page.text
    decide = entry_url(world, entry) + "/decide"

    response = screener.post(decide, data={"action": "reject", "reason": ""})
    assert response.status_code == 400 and "Give the reason" in response.text
    assert state(entry) == [(SUBMITTED, PENDING, "")]
    response = screener.post(decide, data={"action": "reject", "reason": "x" * 1001})
    assert response.status_code == 400 and state(entry) == [(SUBMITTED, PENDING, "")]

    assert screener.post(decide, data={"action": "reject", "reason": "No results data"}).status_code == 302
    assert state(entry) == [(SUBMITTED, REJECTED, "No results data")]
    assert screener.post(decide, data={"action": "pass", "reason": ""}).status_code == 302
    assert state(entry) == [(SUBMITTED, PASSED, "")]
    page = screener.get(entry_url(world, entry))
    assert "No results data" in page.text and "screener@example.org" in page.text
    assert page.text.count("Screening decision") >= 2

    # The member sees the decision and its reason on the entry page.
    member = member_client(app, world.members[0])
    screener.post(decide, data={"action": "reject", "reason": "Project finished before 2019"})
    page = member.get(f"/competitions/entries/{entry.id}")
    assert "Not admitted" in page.text and "Project finished before 2019" in page.text


def test_only_submitted_entries_are_screened(app, world, screener):
    draft = add_entry(world, "Draft 001", status=DRAFT)
    withdrawn = add_entry(world, "Withdrawn 002", status=WITHDRAWN)
    for entry in (draft, withdrawn):
        response = screener.post(entry_url(world, entry) + "/decide", data={"action": "pass"})
        assert response.status_code == 400 and "only submitted entries" in response.text
    assert state(draft, withdrawn) == [(DRAFT, PENDING, ""), (WITHDRAWN, PENDING, "")]


def test_passed_entry_in_judging_cannot_be_rejected(app, world, screener):
    entry = add_entry(world, "Entry 001", screening=PASSED)
    other = add_entry(world, "Entry 002", screening=PASSED)
    assignment = Assignment(entry=entry, judge=world.judges[1])
    db.session.add(assignment)
    db.session.commit()
    decide = entry_url(world, entry) + "/decide"
    for action in ("reject", "reset"):
        response = screener.post(decide, data={"action": action, "reason": "Late doubts"})
        assert response.status_code == 400 and "already being judged" in response.text
    response = bulk(screener, world, [entry.id, other.id], "reject", "Late doubts")
    assert "already being judged" in screener.get(response.location).text
    assert state(entry, other) == [(SUBMITTED, PASSED, ""), (SUBMITTED, PASSED, "")]
    db.session.delete(assignment)
    db.session.commit()
    assert screener.post(decide, data={"action": "reject", "reason": "Late doubts"}).status_code == 302
    assert state(entry) == [(SUBMITTED, REJECTED, "Late doubts")]


def test_filters_search_and_pages(app, world, screener):
    add_entry(world, "Solder paste 001", organisation=0)
    add_entry(world, "Forklift routes 002", category=1, organisation=1, screening=PASSED)
    add_entry(world, "Water leaks 003", organisation=2, screening=REJECTED)
    add_entry(world, "Draft idea 004", status=DRAFT)

    def titles(**args):
        page = screener.get(list_url(world, **args))
        assert page.status_code == 200
        return sorted(re.findall(r'/entries/\d+">([^<]+)</a>', page.text))

    assert titles() == ["Forklift routes 002", "Solder paste 001", "Water leaks 003"]
    assert titles(status="all") == ["Draft idea 004", "Forklift routes 002", "Solder paste 001", "Water leaks 003"]
    assert titles(status="draft") == ["Draft idea 004"]
    assert titles(category=world.categories[1].id) == ["Forklift routes 002"]
    assert titles(screening="rejected") == ["Water leaks 003"]
    assert titles(q="solder") == ["Solder paste 001"]
    assert titles(q="Nanshan") == ["Forklift routes 002"]
    assert titles(q="100%") == []
    assert titles(category=999999, status="bogus", screening="bogus") == titles()

    for index in range(55):
        add_entry(world, f"Bulk {index:03d}")
    first, second = titles(), titles(page=2)
    assert len(first) == 50 and len(second) == 8 and not set(first) & set(second)


def test_routes_for_every_role(app, world, screener):
    entry = add_entry(world, "Entry 001")
    urls = [list_url(world), entry_url(world, entry)]
    posts = [(entry_url(world, entry) + "/decide", {"action": "pass"}),
             (f"/admin/competitions/{world.competition.id}/entries/bulk", {"entry_ids": [entry.id], "action": "pass"})]
    anonymous = app.test_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code in (302, 401) and "/login" in response.headers.get("Location", "/login")
    for url, data in posts:
        assert anonymous.post(url, data=data).status_code in (302, 401)
    for user in (world.members[0], world.judges[1]):
        client = member_client(app, user)
        for url in urls:
            assert client.get(url).status_code == 403, (user.email, url)
        for url, data in posts:
            assert client.post(url, data=data).status_code == 403, (user.email, url)
    assert state(entry) == [(SUBMITTED, PENDING, "")]
    manager = member_client(app, world.manager)
    for client in (screener, manager):
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert manager.post(posts[0][0], data=posts[0][1]).status_code == 302
    assert state(entry) == [(SUBMITTED, PASSED, "")]
    # Ids out of range, of no competition, or of an entry in another competition: 404.
    other = Competition(slug="other", title="Other", categories=[Category(name="X", code="X")])
    db.session.add(other)
    db.session.commit()
    assert screener.get(f"/admin/competitions/{other.id}/entries/{entry.id}").status_code == 404
    assert screener.post(f"/admin/competitions/{other.id}/entries/{entry.id}/decide",
                         data={"action": "reject", "reason": "x"}).status_code == 404
    assert screener.get("/admin/competitions/99999999999/entries").status_code == 404
    assert screener.get("/admin/competitions/0/entries").status_code == 404
    assert screener.get(f"/admin/competitions/{world.competition.id}/entries/99999999999").status_code == 404
    assert state(entry) == [(SUBMITTED, PASSED, "")]


def test_huge_or_negative_page_numbers_are_clamped(app, world, screener):
    """Audit G: ?page=99999999999999999999999 raised OverflowError (500)."""
    add_entry(world, "Only entry")
    for page in ("99999999999999999999999", "1000001", "-5", "0", "x"):
        response = screener.get(list_url(world, page=page))
        assert response.status_code == 200, page
    assert "Only entry" in screener.get(list_url(world, page="-5")).text


def test_no_screening_decisions_once_results_are_published(app, world, screener):
    """Audit F2: screening decisions are refused after publication."""
    from core.users.models import utcnow

    passed = add_entry(world, "Passed 001", screening=PASSED)
    pending = add_entry(world, "Pending 001")
    world.competition.results_published_at = utcnow()
    db.session.commit()
    before = state(passed, pending)
    audits = db.session.scalar(db.select(db.func.count(AuditEntry.id)))
    response = bulk(screener, world, [passed.id, pending.id], "reject", "Too late")
    assert response.status_code == 302
    assert "results are published" in screener.get(response.location).text
    response = screener.post(entry_url(world, pending) + "/decide", data={"action": "pass", "reason": ""})
    assert response.status_code == 400 and "results are published" in response.text
    assert state(passed, pending) == before
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == audits
    listing = screener.get(f"/admin/competitions/{world.competition.id}/entries").text
    assert 'name="apply"' not in listing  # the bulk actions are gone, not just refused
