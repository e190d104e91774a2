"""The anomaly report (non-stop tappers, bursts from one network) and voiding a viewer's likes
before the final's results are final."""
import pytest

from core.audit import AuditEntry
from core.extensions import db
from plugins.brand_stories import anomalies, live
from plugins.brand_stories.likes import LikeBatch, device_viewer
from plugins.brand_stories.models import LikeTotal, ViewerLikes, Void
from plugins.brand_stories.runtime import get_runtime
from plugins.competitions import results as competition_results
from tests.conftest import login

T0 = 1_800_000_000.0  # seconds


def send(session, entry, viewer, count, batch_id, at, network="203.0.113.0/24"):
    get_runtime().ledger.record(LikeBatch(session.id, entry.id, viewer, count, batch_id, network=network), now=at)


@pytest.fixture
def suspicious(world):
    """The first speech finalist's 20-second window: a script tapping every half-second, a person
    tapping now and then, and 25 new devices from one network within seconds."""
    session, entry = world.speech, world.entries[0][0]
    live.open_window(session, session.slots[0], None)
    script = device_viewer("script-0001")
    for tick in range(41):
        send(session, entry, script, 8, f"script-{tick:04d}", T0 + tick * 0.5)
    person = device_viewer("person-0001")
    for index, second in enumerate((1, 6, 12, 19)):
        send(session, entry, person, 3, f"person-{index:04d}", T0 + second)
    for index in range(25):
        send(session, entry, device_viewer(f"farm-{index:04d}"), 1, f"farm-{index:04d}", T0 + 2 + index * 0.2,
             network="198.51.100.0/24")
    live.end_session(session, None)
    return world


def test_the_report_finds_the_script_and_the_burst_not_the_person(suspicious):
    report = anomalies.report(suspicious.speech)
    assert [(tapper.viewer, tapper.batches, tapper.coverage) for tapper in report.tappers] == [
        ("d:script-0001", 41, 1.0)]
    assert [(burst.network, burst.viewers, burst.peak, burst.scoring) for burst in report.bursts] == [
        ("198.51.100.0/24", 25, 25, 25)]
    assert report.total_scoring == 1 + 1 + 25  # K = 1


def test_voiding_takes_the_viewers_likes_out_of_the_totals_and_the_ranking(suspicious):
    world = suspicious
    session, entry = world.speech, world.entries[0][0]
    before = db.session.get(LikeTotal, (session.id, entry.id))
    assert (before.hearts, before.scoring) == (41 * 8 + 12 + 25, 27)

    void = anomalies.void_viewer(session, "d:script-0001", "Tapped every half-second for the whole window.",
                                 world.admin)
    assert (void.hearts, void.scoring) == (328, 1)
    db.session.expire_all()
    after = db.session.get(LikeTotal, (session.id, entry.id))
    assert (after.hearts, after.scoring) == (37, 26)
    assert competition_results.vote_counts(world.competition) == {entry.id: 26}
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "brand_stories.likes_voided"))
    assert anomalies.report(session).tappers[0].voided

    with pytest.raises(anomalies.VoidRefused, match="already voided"):
        anomalies.void_viewer(session, "d:script-0001", "Again.", world.admin)
    anomalies.restore_viewer(session, void, world.admin)
    db.session.expire_all()
    assert db.session.get(LikeTotal, (session.id, entry.id)).scoring == 27
    assert db.session.scalar(db.select(db.func.count(Void.id))) == 0


@pytest.mark.parametrize("reason, message", [("", "Give the reason"), ("x" * 501, "at most 500")])
def test_a_void_needs_a_reason(suspicious, reason, message):
    with pytest.raises(anomalies.VoidRefused, match=message):
        anomalies.void_viewer(suspicious.speech, "d:script-0001", reason, suspicious.admin)


def test_no_void_before_the_session_ends_for_an_unknown_viewer_or_after_publication(suspicious):
    world = suspicious
    session = world.speech
    with pytest.raises(anomalies.VoidRefused, match="no likes in this session"):
        anomalies.void_viewer(session, "d:nobody-00001", "Why not.", world.admin)
    session.status = "live"  # likes could still arrive: a voided viewer could add more
    db.session.commit()
    with pytest.raises(anomalies.VoidRefused, match="End the session first"):
        anomalies.void_viewer(session, "d:script-0001", "Script.", world.admin)
    session.status = "ended"
    from core.users.models import utcnow

    world.competition.results_published_at = utcnow()
    db.session.commit()
    with pytest.raises(anomalies.VoidRefused, match="results are published"):
        anomalies.void_viewer(session, "d:script-0001", "Script.", world.admin)
    assert db.session.scalar(db.select(db.func.count(Void.id))) == 0


def test_a_restore_puts_back_exactly_what_the_void_took_out(suspicious):
    world = suspicious
    session, entry = world.speech, world.entries[0][0]
    void = anomalies.void_viewer(session, "d:script-0001", "A script.", world.admin)
    assert void.amounts == {str(entry.id): [328, 1]}
    # The viewer's rows change afterwards (as a later flush could make them): restore ignores them.
    db.session.execute(db.update(ViewerLikes).where(ViewerLikes.viewer == "d:script-0001").values(hearts=999))
    anomalies.restore_viewer(session, void, world.admin)
    db.session.expire_all()
    total = db.session.get(LikeTotal, (session.id, entry.id))
    assert (total.hearts, total.scoring) == (41 * 8 + 12 + 25, 27)


def test_the_report_page_voids_a_whole_burst_and_only_managers_see_it(app, suspicious):
    world = suspicious
    url = f"/admin/live/sessions/{world.speech.id}/anomalies"
    for user in (world.members[0], world.host):
        client = app.test_client()
        login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(f"/admin/live/sessions/{world.speech.id}/void",
                           data={"viewer": "d:script-0001", "reason": "x"}).status_code == 403
    client = app.test_client()
    login(client, world.admin)
    page = client.get(url).get_data(as_text=True)
    assert "d:script-0001" in page and "198.51.100.0/24" in page and "d:person-0001" not in page
    viewers = [f"d:farm-{index:04d}" for index in range(25)]
    response = client.post(f"/admin/live/sessions/{world.speech.id}/void",
                           data={"viewer": viewers, "reason": "25 new devices from one network in 5 seconds."},
                           follow_redirects=True)
    assert "The likes of 25 viewer(s) are voided." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LikeTotal, (world.speech.id, world.entries[0][0].id)).scoring == 2
    refused = client.post(f"/admin/live/sessions/{world.speech.id}/void", data={"viewer": "d:script-0001"},
                          follow_redirects=True)
    assert "Give the reason" in refused.get_data(as_text=True)


def test_a_void_reaches_the_live_counts_and_a_new_version(suspicious):
    session, entry = suspicious.speech, suspicious.entries[0][0]
    before = live.snapshot(session)
    anomalies.void_viewer(session, "d:script-0001", "A script.", suspicious.admin)
    after = live.snapshot(session)
    assert after.counts[entry.id] == (37, 26) and after.version == before.version + 1


def test_a_burst_across_a_ten_second_mark_is_found(world):
    """Thirty new devices within three seconds, from 8.5 s to 11.4 s after a round ten: a window
    that slides finds them; fixed ten-second buckets would split them 15/15."""
    session, entry = world.speech, world.entries[0][0]
    live.open_window(session, session.slots[0], None)
    start = 1_800_000_000.0  # a multiple of ten seconds
    for index in range(30):
        send(session, entry, device_viewer(f"edge-{index:04d}"), 1, f"edge-{index:04d}", start + 8.5 + index * 0.1,
             network="192.0.2.0/24")
    live.end_session(session, None)
    bursts = anomalies.report(session).bursts
    assert [(burst.network, burst.peak) for burst in bursts] == [("192.0.2.0/24", 30)]
