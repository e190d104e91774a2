"""The public vote: daily limits (also under races), eligibility, stages, hidden counts,
the anomaly report, voiding, the rate limit and who may open which page."""
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.audit import AuditEntry
from core.extensions import db
from core.users.models import Membership, utcnow
from plugins.competitions import voting
from plugins.competitions.models import (
    DRAFT,
    JUDGING,
    PASSED,
    REJECTED,
    SUBMITTED,
    Competition,
    Entry,
    Vote,
)
from plugins.competitions.voting import VoteError, VoteRow
from tests.conftest import login, make_user
from tests.plugins.competitions.conftest import PLUGINS, RESULTS, VOTING, schedule, setup_competition, stage_now

JSON = {"Accept": "application/json"}


def add_entry(competition, category, organisation, number, title, status=SUBMITTED, screening=PASSED):
    entry = Entry(competition=competition, category=category, organisation=organisation, number=number,
                  title=title, summary=f"Summary of {title}.", status=status, screening=screening,
                  submitted_at=utcnow() if status == SUBMITTED else None)
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def vw(world):
    """The world with its public vote open and entries: two admitted, one rejected, one draft."""
    competition = world.competition
    schedule(competition, VOTING, with_vote=True)
    cats, orgs = world.categories, world.organisations
    world.extra.update(
        a=add_entry(competition, cats[0], orgs[0], "SS-001", "Cutting scrap on line 3"),
        b=add_entry(competition, cats[1], orgs[1], "LM-001", "Pallet flow redesign"),
        rejected=add_entry(competition, cats[0], orgs[2], "SS-002", "Late paperwork", screening=REJECTED),
        draft=add_entry(competition, cats[0], orgs[2], None, "Unfinished", status=DRAFT),
    )
    return world


def vote_url(world, entry):
    return f"/competitions/{world.competition.slug}/vote/{entry.id}"


def valid_votes(entry):
    return db.session.scalar(db.select(db.func.count(Vote.id)).where(Vote.entry_id == entry.id,
                                                                      Vote.voided_at.is_(None)))


def all_votes():
    return db.session.scalar(db.select(db.func.count(Vote.id)))


def stage_time(world, hours):
    return world.competition.stage(VOTING).opens_at + timedelta(hours=hours)


def next_local_midnight(moment):
    """The first naive-UTC instant of the next day in Shenzhen after ``moment``."""
    zone = ZoneInfo("Asia/Shanghai")
    local = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return midnight.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


# -- the daily limit ---------------------------------------------------------------


def test_one_vote_per_entry_per_day_by_default_and_again_the_next_local_day(vw):
    voter, entry = vw.members[1], vw.extra["a"]
    # Six in the morning in Shenzhen, whatever the hour the test runs: minutes later is still the same
    # day, and the next midnight still falls inside the two-day vote.
    first = next_local_midnight(stage_time(vw, 0)) + timedelta(hours=6)
    vote, remaining = voting.cast_vote(vw.competition, entry, voter, "10.0.0.1", now=first)
    db.session.commit()
    assert (vote.slot, remaining) == (1, 0)
    with pytest.raises(VoteError) as refused:
        voting.cast_vote(vw.competition, entry, voter, "10.0.0.1", now=first + timedelta(minutes=5))
    assert refused.value.status == 429 and "tomorrow" in refused.value.message
    # Another entry is a separate allowance.
    voting.cast_vote(vw.competition, vw.extra["b"], voter, "10.0.0.1", now=first + timedelta(minutes=6))
    # The next day in the site's time zone (Asia/Shanghai), not in UTC.
    midnight = next_local_midnight(first)
    with pytest.raises(VoteError):
        voting.cast_vote(vw.competition, entry, voter, None, now=midnight - timedelta(minutes=1))
    vote, _ = voting.cast_vote(vw.competition, entry, voter, None, now=midnight + timedelta(minutes=1))
    db.session.commit()
    assert vote.day == voting.local_day(midnight) and vote.slot == 1
    assert valid_votes(entry) == 2


def test_local_day_follows_the_site_time_zone(app):
    assert voting.local_day(datetime(2026, 3, 1, 15, 59)).day == 1  # 23:59 in Shenzhen
    assert voting.local_day(datetime(2026, 3, 1, 16, 1)).day == 2  # 00:01 the next day


def test_votes_per_day_three_allows_three(vw, client):
    vw.competition.votes_per_day = 3
    db.session.commit()
    login(client, vw.members[1])
    answers = [client.post(vote_url(vw, vw.extra["a"]), headers=JSON) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.get_json().get("remaining") for a in answers[:3]] == [2, 1, 0]
    assert "error" in answers[3].get_json()
    assert valid_votes(vw.extra["a"]) == 3


def test_a_slot_taken_by_a_racing_request_moves_to_the_next_slot_or_refuses(vw, monkeypatch):
    """Simulate the race: the free-slot read is stale, the insert hits the unique constraint."""
    competition, entry, voter = vw.competition, vw.extra["a"], vw.members[1]
    now = stage_time(vw, 2)
    db.session.add(Vote(competition_id=competition.id, entry_id=entry.id, voter_id=voter.id,
                        day=voting.local_day(now), slot=1, created_at=now))
    db.session.commit()
    monkeypatch.setattr(voting, "used_slots", lambda *args: set())  # as if read before the other insert
    with pytest.raises(VoteError) as refused:
        voting.cast_vote(competition, entry, voter, None, now=now)
    assert refused.value.status == 429
    db.session.commit()  # the session is still usable: only the savepoint was rolled back
    assert all_votes() == 1

    competition.votes_per_day = 2
    db.session.commit()
    vote, remaining = voting.cast_vote(competition, entry, voter, None, now=now)
    db.session.commit()
    assert (vote.slot, remaining) == (2, 0)
    with pytest.raises(VoteError):
        voting.cast_vote(competition, entry, voter, None, now=now)
    assert all_votes() == 2


def test_the_unique_constraint_holds_the_limit(vw):
    from sqlalchemy.exc import IntegrityError

    entry, voter = vw.extra["a"], vw.members[1]
    day = voting.local_day(utcnow())
    for _ in range(2):
        db.session.add(Vote(competition_id=vw.competition.id, entry_id=entry.id, voter_id=voter.id, day=day,
                            slot=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.fixture
def pg_vote_app(app_factory, request):
    url = request.getfixturevalue("pg_migrated")
    from tests.conftest import _clean_postgres

    app = app_factory(ENABLED_PLUGINS=PLUGINS, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        _clean_postgres(app)
        yield app
        db.session.remove()


@pytest.mark.postgres
def test_concurrent_votes_never_exceed_the_limit_on_postgresql(pg_vote_app, monkeypatch):
    from tests.plugins.competitions.conftest import add_member, add_organisation

    competition = setup_competition(open_stage=VOTING, with_vote=True, votes_per_day=2)
    organisation = add_organisation("Racing Co")
    voter = add_member(organisation, "racer@example.org")
    entry = add_entry(competition, competition.categories[0], organisation, "SS-001", "Raced")
    ids = competition.id, entry.id, voter.id
    db.session.remove()
    # Every request reads "no slot used yet", so all of them race for slot 1 and then slot 2:
    # only the unique constraint keeps the limit.
    monkeypatch.setattr(voting, "used_slots", lambda *args: set())
    threads, outcomes, barrier = 6, [], threading.Barrier(6)

    def attempt():
        with pg_vote_app.app_context():
            competition, entry = db.session.get(Competition, ids[0]), db.session.get(Entry, ids[1])
            from core.users.models import User

            user = db.session.get(User, ids[2])
            competition.stages  # noqa: B018 - load before the race
            barrier.wait()
            try:
                voting.cast_vote(competition, entry, user, "10.0.0.9")
                db.session.commit()
                outcomes.append("ok")
            except VoteError as error:
                db.session.rollback()
                outcomes.append(error.status)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert outcomes.count("ok") == 2 and outcomes.count(429) == 4
    slots = db.session.scalars(db.select(Vote.slot).where(Vote.entry_id == ids[1]).order_by(Vote.slot)).all()
    assert slots == [1, 2]


# -- who may vote, when, for what ----------------------------------------------------


def test_eligibility_rules(vw):
    competition, entry = vw.competition, vw.extra["a"]
    unverified = vw.members[2]
    unverified.email_verified_at = None
    outsider = make_user("member", email="outsider@example.org")  # verified, no membership
    db.session.commit()
    for user, words in ((unverified, "confirm your e-mail"), (outsider, "Only members")):
        with pytest.raises(VoteError) as refused:
            voting.cast_vote(competition, entry, user, None)
        assert refused.value.status == 403 and words in refused.value.message
    competition.vote_members_only = False  # any registered user with a confirmed address
    db.session.commit()
    voting.cast_vote(competition, entry, outsider, None)
    with pytest.raises(VoteError):
        voting.cast_vote(competition, entry, unverified, None)
    db.session.commit()
    assert all_votes() == 1


def test_refused_outside_the_vote_stage_and_for_entries_not_in_the_vote(vw, client):
    login(client, vw.members[1])
    stage_now(vw.competition, JUDGING)  # the vote comes after judging: not yet
    answer = client.post(vote_url(vw, vw.extra["a"]), headers=JSON)
    assert answer.status_code == 409 and "not opened" in answer.get_json()["error"]["message"]
    stage_now(vw.competition, RESULTS)
    answer = client.post(vote_url(vw, vw.extra["a"]), headers=JSON)
    assert answer.status_code == 409 and "closed" in answer.get_json()["error"]["message"]
    stage_now(vw.competition, VOTING)
    for entry in (vw.extra["rejected"], vw.extra["draft"]):
        assert client.post(vote_url(vw, entry), headers=JSON).status_code == 404
    other = setup_competition_copy(vw)
    foreign = add_entry(other, other.categories[0], vw.organisations[0], "SS-001", "Elsewhere")
    assert client.post(vote_url(vw, foreign), headers=JSON).status_code == 404
    assert client.post(f"/competitions/{vw.competition.slug}/vote/99999999999", headers=JSON).status_code == 404
    # A form post (no JSON) is refused with a message and sent back to the page.
    answer = client.post(vote_url(vw, vw.extra["rejected"]), follow_redirects=True)
    assert "not in the public vote" in answer.get_data(as_text=True)
    assert all_votes() == 0


def setup_competition_copy(vw):
    other = Competition(slug="other-2022", title="Other", listed=True)
    from plugins.competitions.models import Category

    other.categories = [Category(name="Six Sigma", code="SS")]
    db.session.add(other)
    db.session.commit()
    schedule(other, VOTING, with_vote=True)
    return other


def test_form_vote_flashes_and_redirects_back(vw, client):
    login(client, vw.members[1])
    answer = client.post(vote_url(vw, vw.extra["a"]))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/vote#entry-{vw.extra['a'].id}")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "your vote for" in page
    assert valid_votes(vw.extra["a"]) == 1


# -- counts -------------------------------------------------------------------------


def test_hidden_counts_stay_out_of_page_and_json_until_the_vote_closes(vw, client):
    login(client, vw.members[1])
    answer = client.post(vote_url(vw, vw.extra["a"]), headers=JSON)
    assert answer.get_json() == {"ok": True, "remaining": 0, "count": None}
    page = client.get(f"/competitions/{vw.competition.slug}/vote").get_data(as_text=True)
    assert "vote-count" not in page and "Vote counts are shown when the vote has closed" in page
    assert "Cutting scrap on line 3" in page and "Late paperwork" not in page and "Unfinished" not in page
    stage_now(vw.competition, RESULTS)
    page = client.get(f"/competitions/{vw.competition.slug}/vote").get_data(as_text=True)
    assert 'class="num vote-count">1<' in page and 'class="num vote-count">0<' in page


def test_counts_shown_while_open_when_not_hidden(vw, client):
    vw.competition.hide_vote_counts = False
    db.session.commit()
    login(client, vw.members[1])
    assert client.post(vote_url(vw, vw.extra["a"]), headers=JSON).get_json()["count"] == 1
    assert voting.counts_visible(vw.competition)
    assert voting.vote_counts(vw.competition) == {vw.extra["a"].id: 1}


def test_vote_page_for_anonymous_and_for_voters(vw, client):
    page = client.get(f"/competitions/{vw.competition.slug}/vote")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sign in to vote" in text and "vote-form" not in text
    assert "Six Sigma" in text and "Lean management" in text and "Pengcheng Electronics" in text
    login(client, vw.members[1])
    text = client.get(f"/competitions/{vw.competition.slug}/vote").get_data(as_text=True)
    assert text.count('class="vote-form"') == 2 and "1 left today" in text
    client.post(vote_url(vw, vw.extra["a"]))
    text = client.get(f"/competitions/{vw.competition.slug}/vote").get_data(as_text=True)
    assert "0 left today" in text and "disabled" in text


def test_vote_page_404_without_vote_stage_or_unlisted(world, client):
    assert client.get(f"/competitions/{world.competition.slug}/vote").status_code == 404  # no vote stage
    schedule(world.competition, VOTING, with_vote=True)
    assert client.get(f"/competitions/{world.competition.slug}/vote").status_code == 200
    world.competition.listed = False
    db.session.commit()
    assert client.get(f"/competitions/{world.competition.slug}/vote").status_code == 404
    assert client.get("/competitions/no-such-thing/vote").status_code == 404


# -- anomalies (pure) --------------------------------------------------------------------

T0 = datetime(2026, 5, 1, 8, 0)


def rows_steady(entry_id=1, count=48, every=timedelta(hours=1), start_id=1, voter_start=1000):
    return [VoteRow(start_id + i, entry_id, voter_start + i, T0 + every * i, f"10.1.{i}.1", T0 - timedelta(days=300))
            for i in range(count)]


def test_bursts_are_found_and_steady_voting_is_not():
    steady = rows_steady()
    burst = [VoteRow(500 + i, 1, 5000 + i, T0 + timedelta(hours=10, seconds=2 * i), f"10.2.{i}.1",
                     T0 - timedelta(days=300)) for i in range(25)]
    other_entry = rows_steady(entry_id=2, start_id=900, voter_start=9000)
    findings = voting.detect_bursts(steady + burst + other_entry, window=60, threshold=20, factor=5,
                                    span_seconds=48 * 3600)
    assert len(findings) == 1
    finding = findings[0]
    assert finding.kind == voting.BURST and finding.entry_id == 1
    assert set(range(500, 525)) <= set(finding.vote_ids) and len(finding.vote_ids) <= 26
    assert finding.voters == len(finding.vote_ids)
    assert voting.detect_bursts(steady + other_entry, window=60, threshold=20, factor=5) == []


def test_a_popular_entry_voting_evenly_fast_is_not_a_burst():
    """Many votes a minute all along is the entry's normal rate, not a burst."""
    rows = [VoteRow(i, 1, i, T0 + timedelta(seconds=2 * i), None, None) for i in range(600)]
    assert voting.detect_bursts(rows, window=60, threshold=20, factor=5) == []


def test_clusters_of_new_accounts():
    old = rows_steady(count=10)
    young = [VoteRow(100 + i, 1, 7000 + i, T0 + timedelta(hours=5, minutes=i), "10.3.0.%d" % i,
                     T0 + timedelta(hours=4, minutes=i)) for i in range(6)]
    few_young_elsewhere = [VoteRow(200 + i, 2, 8000 + i, T0 + timedelta(hours=5), None,
                                   T0 + timedelta(hours=4)) for i in range(3)]
    findings = voting.detect_new_account_clusters(old + young + few_young_elsewhere, new_account_hours=24,
                                                  min_accounts=5)
    assert [(f.kind, f.entry_id, f.vote_ids, f.voters) for f in findings] == [
        (voting.NEW_ACCOUNTS, 1, list(range(100, 106)), 6)]


def test_many_voters_sharing_one_address():
    shared = [VoteRow(300 + i, 3, 6000 + i, T0 + timedelta(minutes=7 * i), "203.0.113.7", None) for i in range(5)]
    same_voter = [VoteRow(400 + i, 4, 6100, T0 + timedelta(days=i), "203.0.113.8", None) for i in range(6)]
    other_entry_same_ip = [VoteRow(450, 4, 6200, T0, "203.0.113.7", None)]
    findings = voting.detect_shared_ips(shared + same_voter + other_entry_same_ip, min_voters=5)
    assert len(findings) == 1
    assert findings[0].detail["ip"] == "203.0.113.7" and findings[0].vote_ids == list(range(300, 305))


# -- the report and voiding ------------------------------------------------------------------


def crafted_votes(vw, *, voters=6, entry=None, ip="198.51.100.4"):
    """``voters`` fresh members voting for one entry from one address within a minute."""
    entry = entry or vw.extra["a"]
    now = utcnow() - timedelta(minutes=30)
    votes = []
    for index in range(voters):
        user = make_user("member", email=f"fresh{index}@example.org")
        user.created_at = now - timedelta(hours=1)
        db.session.add(Membership(user=user, organisation=vw.organisations[2]))
        vote = Vote(competition_id=vw.competition.id, entry_id=entry.id, voter_id=user.id,
                    day=voting.local_day(now), slot=1, created_at=now + timedelta(seconds=index), ip=ip)
        db.session.add(vote)
        votes.append(vote)
    db.session.commit()
    return votes


def test_anomaly_report_reads_thresholds_from_config(vw, app):
    votes = crafted_votes(vw)
    kinds = {f.kind for f in voting.anomaly_report(vw.competition)}
    assert kinds == {voting.NEW_ACCOUNTS, voting.SHARED_IP}  # six votes are no burst at the default 20
    app.config["COMPETITIONS_VOTE_BURST_THRESHOLD"] = 5
    findings = voting.anomaly_report(vw.competition)
    assert {f.kind for f in findings} == {voting.BURST, voting.NEW_ACCOUNTS, voting.SHARED_IP}
    assert all(f.vote_ids == sorted(v.id for v in votes) for f in findings)
    app.config["COMPETITIONS_VOTE_SHARED_IP_MIN"] = 7
    app.config["COMPETITIONS_VOTE_NEW_ACCOUNT_HOURS"] = 0.5
    assert {f.kind for f in voting.anomaly_report(vw.competition)} == {voting.BURST}


def test_manager_voids_a_finding_audited_and_excluded_from_counts(vw, client):
    votes = crafted_votes(vw)
    voting.cast_vote(vw.competition, vw.extra["a"], vw.members[1], "10.0.0.1")
    db.session.commit()
    assert voting.vote_counts(vw.competition) == {vw.extra["a"].id: 7}
    login(client, vw.manager)
    page = client.get(f"/admin/competitions/{vw.competition.id}/votes")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cluster of new accounts" in text and "198.51.100.4" in text
    ids = ",".join(str(v.id) for v in votes)
    answer = client.post(f"/admin/competitions/{vw.competition.id}/votes/void",
                         data={"vote_ids": ids, "reason": "Accounts registered together, same address"})
    assert answer.status_code == 302
    assert voting.vote_counts(vw.competition) == {vw.extra["a"].id: 1}
    voided = db.session.scalars(db.select(Vote).where(Vote.voided_at.is_not(None))).all()
    assert {v.id for v in voided} == {v.id for v in votes}
    assert {(v.voided_by_id, v.void_reason) for v in voided} == {
        (vw.manager.id, "Accounts registered together, same address")}
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "competitions.votes_voided"))
    assert entry.actor_id == vw.manager.id and entry.target == str(vw.competition.id)
    assert entry.detail["vote_ids"] == sorted(v.id for v in votes)
    assert entry.detail["reason"] == "Accounts registered together, same address"
    text = client.get(f"/admin/competitions/{vw.competition.id}/votes").get_data(as_text=True)
    assert "No anomalies found" in text and "Accounts registered together" in text  # in the voided list


def test_a_voided_vote_keeps_its_daily_slot(vw):
    vote, _ = voting.cast_vote(vw.competition, vw.extra["a"], vw.members[1], None)
    db.session.commit()
    voting.void_votes(vw.competition, [vote.id], "test", vw.manager)
    db.session.commit()
    with pytest.raises(VoteError) as refused:
        voting.cast_vote(vw.competition, vw.extra["a"], vw.members[1], None)
    assert refused.value.status == 429


def test_voiding_refused_without_reason_for_other_competitions_and_after_publishing(vw, client):
    votes = crafted_votes(vw, voters=2)
    other = setup_competition_copy(vw)
    foreign_entry = add_entry(other, other.categories[0], vw.organisations[0], "SS-001", "Elsewhere")
    foreign = Vote(competition_id=other.id, entry_id=foreign_entry.id, voter_id=vw.members[0].id,
                   day=voting.local_day(utcnow()), slot=1)
    db.session.add(foreign)
    db.session.commit()
    login(client, vw.manager)
    url = f"/admin/competitions/{vw.competition.id}/votes/void"
    attempts = [
        {"vote_ids": str(votes[0].id), "reason": "  "},
        {"vote_ids": f"{votes[0].id},{foreign.id}", "reason": "mixed"},
        {"vote_ids": "1;DROP", "reason": "junk"},
        {"vote_ids": "", "reason": "nothing"},
        {"vote_ids": "99999999999", "reason": "out of range"},
    ]
    for data in attempts:
        answer = client.post(url, data=data)
        assert answer.status_code == 400, data
    assert "do not belong to this competition" in client.post(url, data=attempts[1]).get_data(as_text=True)
    # Another competition's report cannot void them either.
    assert client.post(f"/admin/competitions/{other.id}/votes/void",
                       data={"vote_ids": str(votes[0].id), "reason": "x"}).status_code == 400
    vw.competition.results_published_at = utcnow()
    db.session.commit()
    answer = client.post(url, data={"vote_ids": str(votes[0].id), "reason": "too late"})
    assert answer.status_code == 409 and "can no longer be voided" in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Vote.id)).where(Vote.voided_at.is_not(None))) == 0
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))
                             .where(AuditEntry.action == "competitions.votes_voided")) == 0
    with pytest.raises(VoteError):
        voting.void_votes(vw.competition, [votes[0].id], "late", vw.manager)


# -- the rate limit ------------------------------------------------------------------------


def test_vote_posts_are_rate_limited(vw, app_factory):
    vw.competition.votes_per_day = 10  # so that only the rate limit refuses
    db.session.commit()
    limited = app_factory(ENABLED_PLUGINS=PLUGINS, RATELIMIT_ENABLED=True, COMPETITIONS_VOTE_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    login(client, vw.members[1])
    statuses = [client.post(vote_url(vw, vw.extra["a"]), headers=JSON).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert valid_votes(vw.extra["a"]) == 3
    assert client.post(vote_url(vw, vw.extra["b"]), headers=JSON).status_code == 429
    other = limited.test_client()
    login(other, vw.members[0])  # limits are per user
    assert other.post(vote_url(vw, vw.extra["b"]), headers=JSON).status_code == 200


# -- every role against every route ------------------------------------------------------------


def test_permissions_of_every_route(vw, app):
    from tests.plugins.competitions.conftest import add_member

    slug, cid = vw.competition.slug, vw.competition.id
    page, report = f"/competitions/{slug}/vote", f"/admin/competitions/{cid}/votes"
    cast, void = vote_url(vw, vw.extra["a"]), f"/admin/competitions/{cid}/votes/void"
    member2 = add_member(vw.organisations[1], "member-b@example.org")
    voting.cast_vote(vw.competition, vw.extra["b"], member2, None)
    db.session.commit()
    a_vote = db.session.scalar(db.select(Vote.id))
    anonymous = app.test_client()
    assert anonymous.get(page).status_code == 200
    assert anonymous.post(cast).status_code == 302 and "/login" in anonymous.post(cast).headers["Location"]
    assert anonymous.post(cast, headers=JSON).status_code == 401
    assert anonymous.get(report).status_code == 302
    assert anonymous.post(void, data={"vote_ids": str(a_vote), "reason": "x"}).status_code == 302
    expected_cast = {"member": 200, "judge": 200, "screener": 403, "manager": 403}  # judges[0] is a member
    for role, user in (("member", vw.members[1]), ("judge", vw.judges[0]), ("screener", vw.screener),
                       ("manager", vw.manager)):
        client = app.test_client()
        login(client, user)
        assert client.get(page).status_code == 200, role
        assert client.post(cast, headers=JSON).status_code == expected_cast[role], role
        allowed = role == "manager"
        assert client.get(report).status_code == (200 if allowed else 403), role
        if not allowed:
            assert client.post(void, data={"vote_ids": str(a_vote), "reason": "x"}).status_code == 403, role
    manager = app.test_client()
    login(manager, vw.manager)
    assert manager.get("/admin/competitions/99999999999/votes").status_code == 404
    assert manager.get("/admin/competitions/0/votes").status_code == 404
    no_vote = setup_competition_copy(vw)
    no_vote.stages = [s for s in no_vote.stages if s.kind != VOTING]
    db.session.commit()
    assert manager.get(f"/admin/competitions/{no_vote.id}/votes").status_code == 404
    assert db.session.scalar(db.select(db.func.count(Vote.id)).where(Vote.voided_at.is_not(None))) == 0


def test_vote_page_is_never_served_stale_from_the_page_cache(vw, client, app):
    vw.competition.hide_vote_counts = False
    db.session.commit()
    url = f"/competitions/{vw.competition.slug}/vote"
    assert 'class="num vote-count">0<' in client.get(url).get_data(as_text=True)
    voter = app.test_client()
    login(voter, vw.members[1])
    assert voter.post(vote_url(vw, vw.extra["a"]), headers=JSON).get_json()["count"] == 1
    assert 'class="num vote-count">1<' in client.get(url).get_data(as_text=True)


def test_vote_and_void_forms_need_the_csrf_token(vw, app_factory):
    strict = app_factory(ENABLED_PLUGINS=PLUGINS, WTF_CSRF_ENABLED=True)
    votes = crafted_votes(vw, voters=1)
    client = strict.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"email": vw.members[1].email, "password": "correct horse battery",
                                "csrf_token": token})
    answer = client.post(vote_url(vw, vw.extra["a"]), headers=JSON)
    assert answer.status_code == 400
    assert valid_votes(vw.extra["a"]) == 1  # only the crafted vote
    manager = strict.test_client()
    page = manager.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    manager.post("/login", data={"email": vw.manager.email, "password": "correct horse battery", "csrf_token": token})
    answer = manager.post(f"/admin/competitions/{vw.competition.id}/votes/void",
                          data={"vote_ids": str(votes[0].id), "reason": "forged"})
    assert answer.status_code == 400
    assert db.session.get(Vote, votes[0].id).voided_at is None


def test_no_votes_once_results_are_published(vw, client):
    """Audit C: votes were accepted after the results were published."""
    login(client, vw.members[1])
    assert client.post(vote_url(vw, vw.extra["a"]), headers=JSON).status_code == 200
    vw.competition.results_published_at = utcnow()
    db.session.commit()
    answer = client.post(vote_url(vw, vw.extra["b"]), headers=JSON)
    assert answer.status_code == 409 and "results have been published" in answer.get_json()["error"]["message"]
    answer = client.post(vote_url(vw, vw.extra["b"]), follow_redirects=True)
    assert "results have been published" in answer.get_data(as_text=True)
    with pytest.raises(VoteError) as refused:
        voting.cast_vote(vw.competition, vw.extra["b"], vw.members[2], None)
    assert refused.value.status == 409
    assert all_votes() == 1
    page = client.get(f"/competitions/{vw.competition.slug}/vote").get_data(as_text=True)
    assert "vote-form" not in page and "results have been published" in page
    anonymous = client.application.test_client()
    page = anonymous.get(f"/competitions/{vw.competition.slug}/vote").get_data(as_text=True)
    assert "Sign in to vote" not in page and "results have been published" in page
