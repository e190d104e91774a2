"""The live final end to end through HTTP: the host opens windows, the audience likes,
the counts, the refusals, the API, and the ranking hook for the final's results."""
import re

from core.extensions import db
from plugins.brand_stories import live
from plugins.brand_stories.models import ENDED, LIVE, MEMBERS, LikeBatchRecord, LikeTotal, LiveSession
from tests.conftest import login


def open_window(client, session, entry):
    slot = next(slot for slot in session.slots if slot.entry_id == entry.id)
    return client.post(f"/live/{session.id}/host/open/{slot.id}")


def as_host(app, world):
    client = app.test_client()
    login(client, world.host)
    return client


def audience(app, session):
    """An anonymous phone: it loads the audience page and keeps the device cookie."""
    phone = app.test_client()
    assert phone.get(f"/live/{session.id}").status_code == 200
    return phone


def tap(phone, session, entry, count, batch_id):
    return phone.post(f"/live/{session.id}/likes", json={"entry_id": entry.id, "count": count, "batch_id": batch_id})


def totals(session):
    db.session.expire_all()
    return {row.entry_id: (row.hearts, row.scoring) for row in db.session.scalars(
        db.select(LikeTotal).where(LikeTotal.session_id == session.id))}


# -- pages ------------------------------------------------------------------------------


def test_audience_page_shows_who_is_on_stage_and_gives_a_device_cookie(app, world):
    session, first = world.speech, world.entries[0][0]
    phone = app.test_client()
    page = phone.get(f"/live/{session.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Waiting for the next presentation" in html
    assert re.search(r'id="like-button"[^>]*disabled', html)
    cookie = phone.get_cookie(live.DEVICE_COOKIE)
    assert cookie is not None and live.device_id(cookie.value) is not None
    assert "HttpOnly" in page.headers["Set-Cookie"]

    assert open_window(as_host(app, world), session, first).status_code == 302
    html = phone.get(f"/live/{session.id}").get_data(as_text=True)
    assert first.title in html and "Presenter 1" in html
    assert not re.search(r'id="like-button"[^>]*disabled', html)
    assert phone.get_cookie(live.DEVICE_COOKIE).value == cookie.value  # the same device stays the same
    # The phone sends its taps to the API with its token (the lean lane), not to the page's endpoint.
    assert f'data-device-token="{cookie.value}"' in html
    assert f'data-likes-url="/api/v1/live/{session.id}/likes"' in html


def test_board_and_index_list_the_finalists_and_sessions(app, world):
    client = app.test_client()
    board = client.get(f"/live/{world.speech.id}/board").get_data(as_text=True)
    for entry in world.entries[0]:
        assert entry.title in board
    assert world.entries[1][0].title not in board  # the other session's finalists
    index = client.get("/live").get_data(as_text=True)
    assert "Speech final" in index and "Short video final" in index


def test_unknown_sessions_are_404(app, world):
    client = app.test_client()
    for path in ("/live/999", "/live/999/board", "/live/999/events", "/api/v1/live/999"):
        assert client.get(path).status_code == 404, path
    assert client.post("/live/999/likes", json={}).status_code == 404


# -- likes -------------------------------------------------------------------------------


def test_likes_count_only_inside_the_open_window_of_the_entry_on_stage(app, world):
    session = world.speech
    first, second = world.entries[0][:2]
    phone = audience(app, session)

    refused = tap(phone, session, first, 3, "batch-0001")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "window_closed"
    assert "no presentation is open" in refused.get_json()["error"]["message"]

    host = as_host(app, world)
    open_window(host, session, first)
    accepted = tap(phone, session, first, 3, "batch-0002")
    assert accepted.status_code == 200
    assert accepted.get_json() == {"accepted": 3, "accepted_hearts": 3, "accepted_scoring": 1, "duplicate": False}
    wrong = tap(phone, session, second, 2, "batch-0003")
    assert (wrong.status_code, wrong.get_json()["error"]["code"]) == (409, "not_current_entry")

    host.post(f"/live/{session.id}/host/next")  # the second finalist is on stage now
    assert tap(phone, session, first, 2, "batch-0004").status_code == 409
    assert tap(phone, session, second, 2, "batch-0005").status_code == 200
    host.post(f"/live/{session.id}/host/close")
    assert tap(phone, session, second, 2, "batch-0006").get_json()["error"]["code"] == "window_closed"

    assert totals(session) == {first.id: (3, 1), second.id: (2, 1)}


def test_a_resent_batch_counts_once_and_gets_the_original_answer(app, world):
    session, first = world.speech, world.entries[0][0]
    open_window(as_host(app, world), session, first)
    phone = audience(app, session)
    answers = [tap(phone, session, first, 5, "resent-batch-1").get_json() for _ in range(3)]
    assert answers[0] == {"accepted": 5, "accepted_hearts": 5, "accepted_scoring": 1, "duplicate": False}
    assert answers[1] == answers[2] == {**answers[0], "duplicate": True}
    conflict = tap(phone, session, first, 6, "resent-batch-1")
    assert (conflict.status_code, conflict.get_json()["error"]["code"]) == (409, "batch_conflict")
    assert totals(session) == {first.id: (5, 1)}
    assert db.session.scalar(db.select(db.func.count(LikeBatchRecord.id))) == 1


def test_each_viewer_gives_at_most_k_scoring_likes_per_entry(app, world):
    world.final.likes_cap = 3
    db.session.commit()
    session, first = world.speech, world.entries[0][0]
    open_window(as_host(app, world), session, first)
    phones = [audience(app, session) for _ in range(2)]
    scoring = [tap(phones[0], session, first, 2, f"phone0-b{i:04d}").get_json()["accepted_scoring"]
               for i in range(3)]
    assert scoring == [2, 1, 0]  # K = 3 over three batches; taps beyond K still show as hearts
    assert tap(phones[1], session, first, 5, "phone1-b0001").get_json()["accepted_scoring"] == 3
    assert totals(session) == {first.id: (11, 6)}


def test_bad_batches_are_refused_with_a_clear_error_and_count_nothing(app, world):
    session, first = world.speech, world.entries[0][0]
    open_window(as_host(app, world), session, first)
    phone = audience(app, session)
    cases = [
        ({"entry_id": first.id, "count": 0, "batch_id": "batch-0001"}, "bad_count"),
        ({"entry_id": first.id, "count": 201, "batch_id": "batch-0001"}, "bad_count"),
        ({"entry_id": first.id, "count": "3", "batch_id": "batch-0001"}, "bad_count"),
        ({"entry_id": first.id, "count": 1, "batch_id": "short"}, "bad_batch_id"),
        ({"entry_id": -1, "count": 1, "batch_id": "batch-0001"}, "bad_entry"),
        ({"entry_id": first.id, "count": 1, "batch_id": "batch-0001", "extra": 1}, "bad_payload"),
        ([1, 2, 3], "bad_payload"),
    ]
    for payload, code in cases:
        answer = phone.post(f"/live/{session.id}/likes", json=payload)
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, code), payload
    assert phone.post(f"/live/{session.id}/likes", data="not json").status_code == 400
    assert "between 1 and 200" in phone.post(f"/live/{session.id}/likes", json=cases[0][0]).get_json()["error"][
        "message"]
    assert totals(session) == {}


def test_a_forged_device_token_is_refused(app, world):
    session, first = world.speech, world.entries[0][0]
    open_window(as_host(app, world), session, first)
    phone = app.test_client()
    phone.set_cookie(live.DEVICE_COOKIE, "forged.token")
    answer = tap(phone, session, first, 1, "batch-0001")
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (401, "bad_viewer")
    assert totals(session) == {}


def test_a_members_only_final_refuses_anonymous_taps_and_counts_members(app, world):
    world.final.viewers = MEMBERS
    db.session.commit()
    session, first = world.speech, world.entries[0][0]
    open_window(as_host(app, world), session, first)
    anonymous = app.test_client()
    page = anonymous.get(f"/live/{session.id}").get_data(as_text=True)
    assert "Sign in to like" in page and anonymous.get_cookie(live.DEVICE_COOKIE) is None
    answer = tap(anonymous, session, first, 1, "batch-0001")
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (401, "sign_in")

    member = app.test_client()
    login(member, world.members[0])
    assert tap(member, session, first, 4, "batch-0001").get_json()["accepted_scoring"] == 1
    assert tap(member, session, first, 4, "batch-0002").get_json()["accepted_scoring"] == 0
    assert totals(session) == {first.id: (8, 1)}


def open_budgeted_window():
    """A final allowing 2 batches a minute per viewer and 3 per address, its first window open."""
    from .conftest import make_final

    _final, _competition, sessions, entries, _orgs = make_final(viewer_batches_per_minute=2, ip_batches_per_minute=3)
    session = sessions[0]
    live.open_window(session, session.slots[0], None)
    return session, entries[0][0]


def test_rate_limits_refuse_taps_beyond_them_with_retry_after(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    with app.app_context():
        session, first = open_budgeted_window()
        phones = [audience(app, session) for _ in range(2)]
        assert [tap(phones[0], session, first, 1, f"p0-b{i:05d}").status_code for i in range(3)] == [200, 200, 429]
        limited = tap(phones[0], session, first, 1, "p0-b00009")
        assert limited.headers["Retry-After"] and limited.get_json()["error"]["code"] == "viewer_rate"
        # The second phone shares the IP: batches that passed the viewer check used 2 of the IP's 3.
        assert tap(phones[1], session, first, 1, "p1-b00001").status_code == 200
        answer = tap(phones[1], session, first, 1, "p1-b00002")
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (429, "ip_rate")
        assert totals(session) == {first.id: (3, 2)}


def test_likes_need_the_csrf_token_from_the_page(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from .conftest import make_final

        _final, _competition, sessions, entries, _orgs = make_final()
        session, first = sessions[0], entries[0][0]
        live.open_window(session, session.slots[0], None)
        phone = app.test_client()
        page = phone.get(f"/live/{session.id}").get_data(as_text=True)
        token = re.search(r'data-csrf="([^"]+)"', page).group(1)
        body = {"entry_id": first.id, "count": 1, "batch_id": "batch-0001"}
        assert phone.post(f"/live/{session.id}/likes", json=body).status_code == 400
        assert phone.post(f"/live/{session.id}/likes", json=body, headers={"X-CSRFToken": token}).status_code == 200


# -- the host's console --------------------------------------------------------------------


def test_only_hosts_run_the_console(app, world):
    session = world.speech
    slot = session.slots[0]
    anonymous, member = app.test_client(), app.test_client()
    login(member, world.members[0])
    assert anonymous.get(f"/live/{session.id}/host").status_code == 302
    assert member.get(f"/live/{session.id}/host").status_code == 403
    for path in (f"/host/open/{slot.id}", "/host/next", "/host/close", "/host/end"):
        assert member.post(f"/live/{session.id}{path}").status_code == 403, path
    assert db.session.get(LiveSession, session.id).current_entry_id is None
    host = as_host(app, world)
    page = host.get(f"/live/{session.id}/host").get_data(as_text=True)
    assert "Running order" in page and "Open likes" in page


def test_the_host_walks_the_running_order_and_ends_the_session(app, world):
    session = world.speech
    host = as_host(app, world)
    order = [slot.entry_id for slot in session.slots]
    seen = []
    for _ in order:
        assert host.post(f"/live/{session.id}/host/next").status_code == 302
        db.session.expire_all()
        seen.append(db.session.get(LiveSession, session.id).current_entry_id)
    assert seen == order
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).status == LIVE
    assert all(slot.opened_at for slot in session.slots)
    assert [slot.closed_at is not None for slot in session.slots] == [True, True, False]

    host.post(f"/live/{session.id}/host/end")
    db.session.expire_all()
    ended = db.session.get(LiveSession, session.id)
    assert (ended.status, ended.current_entry_id) == (ENDED, None)
    again = host.post(f"/live/{session.id}/host/open/{session.slots[0].id}", follow_redirects=True)
    assert "This session has ended." in again.get_data(as_text=True)
    assert db.session.get(LiveSession, session.id).current_entry_id is None


def test_a_slot_of_another_session_cannot_be_opened(app, world):
    host = as_host(app, world)
    other = world.sessions[1].slots[0]
    answer = host.post(f"/live/{world.speech.id}/host/open/{other.id}", follow_redirects=True)
    assert "is not in this session" in answer.get_data(as_text=True)
    assert db.session.get(LiveSession, world.speech.id).current_entry_id is None


# -- API ---------------------------------------------------------------------------------------


def test_api_state_and_likes_with_a_device_token(app, world):
    session, first = world.speech, world.entries[0][0]
    client = app.test_client()
    state = client.get(f"/api/v1/live/{session.id}").get_json()
    assert state["window_open"] is False and state["current"] is None
    assert [item["entry_id"] for item in state["entries"]] == [entry.id for entry in world.entries[0]]

    live.open_window(db.session.get(LiveSession, session.id), session.slots[0], None)
    token = client.post("/api/v1/live/devices").get_json()["device_token"]
    body = {"entry_id": first.id, "count": 4, "batch_id": "api-batch-01"}
    assert client.post(f"/api/v1/live/{session.id}/likes", json=body).get_json()["error"]["code"] == "bad_viewer"
    answer = client.post(f"/api/v1/live/{session.id}/likes", json=body, headers={live.DEVICE_HEADER: token})
    assert answer.status_code == 200 and answer.get_json()["accepted"] == 4

    state = client.get(f"/api/v1/live/{session.id}").get_json()
    assert state["current"]["entry_id"] == first.id
    assert (state["current"]["hearts"], state["current"]["scoring_likes"]) == (4, 1)
    assert state["ranking"][0]["entry_id"] == first.id and state["ranking"][0]["rank"] == 1
    assert {item["rank"] for item in state["ranking"][1:]} == {2}  # the others tie at 0


def test_api_likes_with_a_bearer_token_count_for_the_member(app, world):
    from core.users.models import ApiToken

    world.final.viewers = MEMBERS
    db.session.commit()
    session, first = world.speech, world.entries[0][0]
    live.open_window(session, session.slots[0], None)
    _token, raw = ApiToken.issue(world.members[0], "phone app")
    db.session.commit()
    client = app.test_client()
    answer = client.post(f"/api/v1/live/{session.id}/likes", headers={"Authorization": f"Bearer {raw}"},
                         json={"entry_id": first.id, "count": 2, "batch_id": "api-batch-02"})
    assert answer.status_code == 200, answer.get_json()
    assert db.session.scalar(db.select(LikeBatchRecord.viewer)) == f"m:{world.members[0].id}"


# -- the stream --------------------------------------------------------------------------------


def read_events(response, count):
    events, buffer = [], b""
    chunks = iter(response.response)
    while len(events) < count:
        buffer += next(chunks)
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            events.append(block.decode())
    response.close()
    return events


def test_the_stream_starts_with_the_current_snapshot(app, world):
    session, first = world.speech, world.entries[0][0]
    live.open_window(session, session.slots[0], None)
    phone = audience(app, session)
    tap(phone, session, first, 3, "batch-0001")
    response = app.test_client().get(f"/live/{session.id}/events")
    assert response.mimetype == "text/event-stream"
    assert response.headers["X-Accel-Buffering"] == "no" and "no-cache" in response.headers["Cache-Control"]
    retry, event = read_events(response, 2)
    assert retry == "retry: 2000"
    lines = event.split("\n")
    assert lines[0] == "id: 2" and lines[1] == "event: snapshot"
    assert f'"current_entry_id":{first.id}' in lines[2] and '"hearts":3,"scoring":1' in lines[2]


# -- the final's ranking ------------------------------------------------------------------------


def test_scoring_likes_reach_the_finals_vote_counts_and_only_while_the_plugin_is_on(app, world):
    from core.plugins import get_host
    from plugins.competitions import results

    session, first = world.speech, world.entries[0][0]
    live.open_window(session, session.slots[0], None)
    phones = [audience(app, session) for _ in range(3)]
    for index, phone in enumerate(phones):
        tap(phone, session, first, 5, f"phone-{index}-b001")
    assert results.vote_counts(world.competition) == {first.id: 3}  # scoring likes, not the 15 hearts

    get_host(app).set_enabled("brand_stories", False)
    assert results.vote_counts(world.competition) == {}


def test_the_openapi_document_describes_the_live_api(app, world):
    from openapi_spec_validator import validate

    document = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(document)
    likes = document["paths"]["/api/v1/live/{session_id}/likes"]["post"]
    assert {"200", "400", "401", "404", "409", "429", "503"} <= set(likes["responses"])
    assert likes["requestBody"]["content"]["application/json"]["schema"]["required"] == ["entry_id", "count",
                                                                                         "batch_id"]
    assert "/live/{session_id}/events" in document["paths"]["/api/v1/live/{session_id}"]["get"]["description"]


def test_api_likes_answer_to_the_finals_budgets_not_the_api_wide_one(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, API_RATE_LIMIT="2 per minute")
    with app.app_context():
        from .conftest import make_final

        _final, _competition, sessions, entries, _orgs = make_final()
        session, first = sessions[0], entries[0][0]
        live.open_window(session, session.slots[0], None)
        client = app.test_client()
        headers = {live.DEVICE_HEADER: live.new_device_token()}
        answers = [client.post(f"/api/v1/live/{session.id}/likes", headers=headers,
                               json={"entry_id": first.id, "count": 1, "batch_id": f"api-b{i:05d}"}).status_code
                   for i in range(4)]
        assert answers == [200, 200, 200, 200]
        states = [client.get(f"/api/v1/live/{session.id}").status_code for _ in range(3)]
        assert states[-1] == 429  # the rest of the API keeps its budget


def test_the_stream_follows_likes_another_process_wrote(app, world):
    """Embedded mode: the simulator (or a second worker) writes to the same database; the streams
    of this process pick the new version up from the database."""
    import threading

    from plugins.brand_stories.ledger_db import DbLedger
    from plugins.brand_stories.likes import LikeBatch

    session, first = world.speech, world.entries[0][0]
    live.open_window(session, session.slots[0], None)
    response = app.test_client().get(f"/live/{session.id}/events")
    events = []
    reader = threading.Thread(target=lambda: events.extend(read_events(response, 3)), daemon=True)
    reader.start()
    other_process = DbLedger(db.engine)  # not this app's runtime: nothing here is told of the like
    other_process.record(LikeBatch(session.id, first.id, "d:elsewhere-1", 6, "elsewhere-0001"))
    reader.join(timeout=5)
    assert not reader.is_alive(), "the stream never sent the other process's like"
    assert '"hearts":6,"scoring":1' in events[2]


def test_a_final_not_listed_on_the_site_stays_hidden_but_hosts_can_rehearse(app, world):
    world.competition.listed = False
    db.session.commit()
    session = world.speech
    anonymous = app.test_client()
    for path in (f"/live/{session.id}", f"/live/{session.id}/board", f"/live/{session.id}/events",
                 f"/api/v1/live/{session.id}"):
        assert anonymous.get(path).status_code == 404, path
    assert "Speech final" not in anonymous.get("/live").get_data(as_text=True)
    live.open_window(session, session.slots[0], None)
    answer = tap(anonymous, session, world.entries[0][0], 1, "batch-0001")
    assert answer.status_code == 404
    host = as_host(app, world)
    assert host.get(f"/live/{session.id}/board").status_code == 200
    assert "Speech final" in host.get("/live").get_data(as_text=True)


def test_a_malformed_last_event_id_gets_the_whole_current_snapshot(app, world):
    session = world.speech
    live.open_window(session, session.slots[0], None)
    response = app.test_client().get(f"/live/{session.id}/events", headers={"Last-Event-ID": "not-a-version"})
    _retry, event = read_events(response, 2)
    assert event.startswith("id: 1\nevent: snapshot")


def test_a_signed_in_api_caller_needs_no_device_token(app, world):
    from core.users.models import ApiToken

    _token, raw = ApiToken.issue(world.members[0], "phone app")
    db.session.commit()
    answer = app.test_client().post("/api/v1/live/devices", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 400
    assert "no device token is needed" in answer.get_json()["error"]["message"]


def test_api_device_likes_take_the_lean_lane_and_answer_as_the_page_does(app, world):
    from flask import request, request_started

    session, (first, second, _third) = world.speech, world.entries[0]
    open_window(as_host(app, world), session, first)
    api = app.test_client()
    token = api.post("/api/v1/live/devices").get_json()["device_token"]
    page = audience(app, session)
    handled_by_flask = []

    def record(sender, **extra):
        handled_by_flask.append(request.path)

    request_started.connect(record)
    try:
        cases = [
            {"entry_id": first.id, "count": 3, "batch_id": "same-batch-01"},
            {"entry_id": first.id, "count": 3, "batch_id": "same-batch-01"},  # re-sent
            {"entry_id": first.id, "count": 4, "batch_id": "same-batch-01"},  # reused for other likes
            {"entry_id": first.id, "count": 0, "batch_id": "same-batch-02"},
            {"entry_id": second.id, "count": 1, "batch_id": "same-batch-03"},  # not on stage
            {"entry_id": first.id, "count": 1, "batch_id": "short"},
        ]
        for payload in cases:
            lean = api.post(f"/api/v1/live/{session.id}/likes", json=payload, headers={live.DEVICE_HEADER: token})
            ordinary = page.post(f"/live/{session.id}/likes", json=payload)
            assert (lean.status_code, lean.get_json()) == (ordinary.status_code, ordinary.get_json()), payload
        assert handled_by_flask == [f"/live/{session.id}/likes"] * len(cases)
        forged = api.post(f"/api/v1/live/{session.id}/likes", json=cases[0], headers={live.DEVICE_HEADER: "x.y"})
        assert (forged.status_code, forged.get_json()["error"]["code"]) == (401, "bad_viewer")
        unknown = api.post("/api/v1/live/999999/likes", json=cases[0], headers={live.DEVICE_HEADER: token})
        assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (404, "bad_session")
        assert len(handled_by_flask) == len(cases)
    finally:
        request_started.disconnect(record)
    assert totals(session) == {first.id: (6, 2)}


def test_the_lean_lane_refuses_taps_beyond_the_budgets_with_retry_after(app_factory):
    """Phones on the API (the lean lane) answer to the same per-viewer and per-IP budgets as the page."""
    from flask import request_started

    app = app_factory(RATELIMIT_ENABLED=True)
    with app.app_context():
        session, first = open_budgeted_window()
        api = app.test_client()
        tokens = [api.post("/api/v1/live/devices").get_json()["device_token"] for _ in range(2)]
        handled_by_flask = []

        def record(sender, **extra):
            handled_by_flask.append(1)

        def send(token, batch_id):
            return api.post(f"/api/v1/live/{session.id}/likes", headers={live.DEVICE_HEADER: token},
                            json={"entry_id": first.id, "count": 1, "batch_id": batch_id})

        request_started.connect(record)
        try:
            answers = [send(tokens[0], f"lean-p0-{i:04d}") for i in range(3)]
            assert [answer.status_code for answer in answers] == [200, 200, 429]
            assert answers[2].headers["Retry-After"] == "5"
            assert answers[2].get_json()["error"] == {
                "status": 429, "code": "viewer_rate",
                "message": "You are liking faster than this final allows. Wait a moment."}
            assert send(tokens[1], "lean-p1-0001").status_code == 200
            refused = send(tokens[1], "lean-p1-0002")
            assert (refused.status_code, refused.get_json()["error"]["code"]) == (429, "ip_rate")
            assert refused.headers["Retry-After"] == "5"
        finally:
            request_started.disconnect(record)
        assert handled_by_flask == []
        assert totals(session) == {first.id: (3, 2)}  # K = 1: one scoring like per phone
