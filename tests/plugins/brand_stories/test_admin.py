"""Set-up of live finals: finals, sessions and running orders (managers only)."""
import html

import pytest

from core.audit import AuditEntry
from core.extensions import db
from plugins.brand_stories.models import DEVICES, LIVE, MEMBERS, LikeTotal, LiveFinal, LiveSession, Slot
from plugins.competitions.models import DRAFT, PASSED, SUBMITTED, Category, Competition, Entry
from tests.conftest import login


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def text(response):
    return html.unescape(response.get_data(as_text=True))


def count(model, **filters):
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**filters))


def audited(action):
    return db.session.scalars(db.select(AuditEntry).filter_by(action=action)).all()


def new_competition(slug, title="Another competition", categories=(("Speech", "SP"),)):
    competition = Competition(slug=slug, title=title)
    competition.categories = [Category(name=name, code=code, position=index)
                              for index, (name, code) in enumerate(categories)]
    db.session.add(competition)
    db.session.commit()
    return competition


SETTINGS = {"likes_cap": "3", "viewers": MEMBERS, "max_batch": "50", "viewer_batches_per_minute": "100",
            "ip_batches_per_minute": "5000", "preliminary_id": "0", "likes_weight": "20", "likes_basis": "relative"}


# -- who may ---------------------------------------------------------------------


def test_the_list_shows_finals_sessions_and_their_links(app, world):
    page = text(signed_in(app, world.admin).get("/admin/live"))
    assert "2021 Brand Story Final" in page
    for session in world.sessions:
        assert session.title in page
        assert f"/live/{session.id}/host" in page
        assert f"/live/{session.id}/board" in page
        assert f'href="/live/{session.id}"' in page


def admin_urls(world):
    slot = world.speech.slots[0]
    gets = ["/admin/live", "/admin/live/new", f"/admin/live/{world.final.id}",
            f"/admin/live/sessions/{world.speech.id}", f"/admin/live/sessions/{world.speech.id}/edit",
            f"/admin/live/{world.final.id}/finalists"]
    posts = ["/admin/live/new", f"/admin/live/{world.final.id}", f"/admin/live/{world.final.id}/sessions",
             f"/admin/live/sessions/{world.speech.id}/edit", f"/admin/live/sessions/{world.speech.id}/delete",
             f"/admin/live/sessions/{world.speech.id}/slots", f"/admin/live/slots/{slot.id}/presenter",
             f"/admin/live/slots/{slot.id}/move/down", f"/admin/live/slots/{slot.id}/remove",
             f"/admin/live/{world.final.id}/finalists"]
    return gets, posts


@pytest.mark.parametrize("who", ["member", "host"])
def test_members_and_hosts_without_manage_get_403(app, world, who):
    client = signed_in(app, world.members[0] if who == "member" else world.host)
    gets, posts = admin_urls(world)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, data={"title": "x"}).status_code == 403, url
    assert count(LiveSession) == 2 and count(Slot) == 6


def test_anonymous_visitors_are_sent_to_sign_in(app, world):
    gets, posts = admin_urls(world)
    client = app.test_client()
    for url in gets:
        assert client.get(url).status_code in (302, 401), url
    for url in posts:
        assert client.post(url).status_code in (302, 401), url


def test_every_admin_route_declares_the_manage_permission(app):
    from core.permissions import access_of

    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin/live")]
    assert len(routes) >= 10
    for rule in routes:
        assert access_of(app.view_functions[rule.endpoint]) == "permission:brand_stories.manage", rule.rule


# -- finals ----------------------------------------------------------------------


def test_a_new_final_takes_a_competition_without_one_and_its_settings(app, world):
    preliminary = new_competition("prelim-2021", "Preliminary 2021")
    final_competition = new_competition("final-2022", "Final 2022")
    client = signed_in(app, world.admin)
    form = text(client.get("/admin/live/new"))
    assert "Final 2022" in form and "Preliminary 2021" in form
    assert f'<option value="{world.competition.id}"' not in form.split('id="preliminary_id"')[0]
    response = client.post("/admin/live/new", data={**SETTINGS, "competition_id": final_competition.id,
                                                     "preliminary_id": preliminary.id, "viewers": DEVICES})
    assert response.status_code == 302
    final = db.session.scalar(db.select(LiveFinal).filter_by(competition_id=final_competition.id))
    assert (final.preliminary_id, final.likes_cap, final.viewers, final.max_batch, final.viewer_batches_per_minute,
            final.ip_batches_per_minute) == (preliminary.id, 3, DEVICES, 50, 100, 5000)
    assert audited("brand_stories.final_created")


@pytest.mark.parametrize("change, message", [
    ({"likes_cap": "0"}, "Number must be between 1 and 1000."),
    ({"likes_cap": "1001"}, "Number must be between 1 and 1000."),
    ({"likes_cap": ""}, "Enter a whole number."),
    ({"max_batch": "0"}, "Number must be between 1 and 1000."),
    ({"viewer_batches_per_minute": "100001"}, "Number must be between 1 and 100000."),
    ({"ip_batches_per_minute": "0"}, "Number must be between 1 and 100000."),
    ({"viewers": "everyone"}, "Not a valid choice"),
    ({"likes_weight": "31"}, "Number must be between 0 and 30."),
    ({"likes_weight": "-1"}, "Number must be between 0 and 30."),
    ({"likes_basis": "loudest"}, "Not a valid choice"),
    ({"competition_id": "0"}, "Choose the final's competition from the list."),
    ({"competition_id": "999999"}, "Choose the final's competition from the list."),
    ({"preliminary_id": "SAME"}, "The preliminary round must be another competition than the final."),
    ({"preliminary_id": "999999"}, "Choose a preliminary competition from the list."),
])
def test_a_new_final_refuses_bad_settings_and_saves_nothing(app, world, change, message):
    final_competition = new_competition("final-2022", "Final 2022")
    data = {**SETTINGS, "competition_id": str(final_competition.id), **change}
    if data["preliminary_id"] == "SAME":
        data["preliminary_id"] = str(final_competition.id)
    response = signed_in(app, world.admin).post("/admin/live/new", data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert count(LiveFinal) == 1 and not audited("brand_stories.final_created")


def test_a_competition_that_has_a_final_cannot_get_a_second(app, world):
    response = signed_in(app, world.admin).post("/admin/live/new", data={
        **SETTINGS, "competition_id": str(world.competition.id)})
    assert "This competition already has a live final." in text(response)
    assert count(LiveFinal) == 1


def test_the_settings_are_edited_with_the_same_checks(app, world):
    client = signed_in(app, world.admin)
    url = f"/admin/live/{world.final.id}"
    response = client.post(url, data={**SETTINGS, "likes_cap": "0", "max_batch": "7"})
    assert response.status_code == 400 and "Number must be between 1 and 1000." in text(response)
    response = client.post(url, data={**SETTINGS, "preliminary_id": str(world.competition.id)})
    assert "The preliminary round must be another competition than the final." in text(response)
    db.session.expire_all()
    assert (world.final.likes_cap, world.final.max_batch, world.final.preliminary_id) == (1, 200, None)
    preliminary = new_competition("prelim-2021")
    response = client.post(url, data={**SETTINGS, "likes_cap": "5", "preliminary_id": str(preliminary.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert (world.final.likes_cap, world.final.viewers, world.final.preliminary_id) == (5, MEMBERS, preliminary.id)
    assert audited("brand_stories.final_updated")
    # The likes' weight and basis are the final competition's vote weight and basis (its results use them).
    assert (world.competition.vote_weight, world.competition.vote_basis) == (0.2, "relative")
    response = client.post(url, data={**SETTINGS, "likes_weight": "30", "likes_basis": "rank_points"})
    db.session.expire_all()
    assert (world.competition.vote_weight, world.competition.vote_basis) == (0.3, "rank_points")
    assert 'value="30"' in text(client.get(url))


# -- sessions --------------------------------------------------------------------


def test_a_session_is_added_with_a_category_and_a_start(app, world):
    client = signed_in(app, world.admin)
    category = world.competition.categories[0]
    response = client.post(f"/admin/live/{world.final.id}/sessions", data={
        "session-title": "Speech final, second half", "session-category_id": str(category.id),
        "session-starts_at": "2021-11-20T14:30"})
    assert response.status_code == 302
    session = db.session.scalar(db.select(LiveSession).filter_by(title="Speech final, second half"))
    assert session.category_id == category.id and session.position == 2 and session.status == "scheduled"
    assert session.starts_at is not None and session.starts_at.day == 20
    assert audited("brand_stories.session_added")


@pytest.mark.parametrize("change, message", [
    ({"session-title": ""}, "This field is required."),
    ({"session-title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"session-category_id": "OTHER"}, "Choose a category of the final's competition, or none."),
    ({"session-category_id": "999999"}, "Choose a category of the final's competition, or none."),
    ({"session-starts_at": "tomorrow"}, "Not a valid datetime value."),
])
def test_a_session_with_bad_input_is_refused_and_nothing_saved(app, world, change, message):
    other = new_competition("other-2021")
    data = {"session-title": "Essay final", "session-category_id": "0", "session-starts_at": "", **change}
    if data["session-category_id"] == "OTHER":
        data["session-category_id"] = str(other.categories[0].id)
    response = signed_in(app, world.admin).post(f"/admin/live/{world.final.id}/sessions", data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert count(LiveSession) == 2


def test_a_session_is_edited_and_keeps_its_category_while_its_order_needs_it(app, world):
    client = signed_in(app, world.admin)
    url = f"/admin/live/sessions/{world.speech.id}/edit"
    short_video = world.competition.categories[1]
    response = client.post(url, data={"session-title": "Speech", "session-category_id": str(short_video.id)})
    assert response.status_code == 400 and "running order holds entries of another category" in text(response)
    response = client.post(url, data={"session-title": "Speech final (renamed)",
                                      "session-category_id": str(world.speech.category_id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.speech.title == "Speech final (renamed)"


def test_deleting_a_session_is_refused_once_it_has_started_or_has_likes(app, world):
    client = signed_in(app, world.admin)
    speech, video = world.sessions
    db.session.add(LikeTotal(session_id=speech.id, entry_id=world.entries[0][0].id, hearts=3, scoring=1))
    db.session.commit()
    response = client.post(f"/admin/live/sessions/{speech.id}/delete", follow_redirects=True)
    assert "has likes: it cannot be deleted." in text(response)
    video.status = LIVE
    db.session.commit()
    response = client.post(f"/admin/live/sessions/{video.id}/delete", follow_redirects=True)
    assert "has started: it cannot be deleted." in text(response)
    assert count(LiveSession) == 2
    video.status = "scheduled"
    db.session.commit()
    response = client.post(f"/admin/live/sessions/{video.id}/delete", follow_redirects=True)
    assert "The session has been deleted." in text(response)
    assert count(LiveSession) == 1 and count(Slot) == 3
    assert audited("brand_stories.session_deleted")


# -- running orders ------------------------------------------------------------------


def add_entry(world, category_index=0, title="Late finalist", status=SUBMITTED, competition=None):
    competition = competition or world.competition
    entry = Entry(competition=competition, category=competition.categories[category_index],
                  organisation=world.organisations[0], title=title, status=status, screening=PASSED,
                  number=f"X-{title[-3:]}" if status == SUBMITTED else None)
    db.session.add(entry)
    db.session.commit()
    return entry


def positions(session):
    db.session.expire_all()
    return [(slot.entry_id, slot.position) for slot in session.slots]


def test_a_finalist_joins_the_end_of_the_running_order(app, world):
    entry = add_entry(world, title="Speech story 004")
    client = signed_in(app, world.admin)
    page = text(client.get(f"/admin/live/sessions/{world.speech.id}"))
    assert "Speech story 004" in page and "Short video story" not in page.split("add-finalist")[1]
    response = client.post(f"/admin/live/sessions/{world.speech.id}/slots",
                           data={"slot-entry_id": str(entry.id), "slot-presenter": "Zhang Wei"})
    assert response.status_code == 302
    order = positions(world.speech)
    assert order[-1] == (entry.id, 3) and [p for _e, p in order] == [0, 1, 2, 3]
    assert world.speech.slots[-1].presenter == "Zhang Wei"


@pytest.mark.parametrize("case", ["other_category", "draft", "in_order", "other_competition", "missing",
                                  "long_presenter"])
def test_a_finalist_that_does_not_fit_is_refused(app, world, case):
    presenter = "x" * 201 if case == "long_presenter" else "Li Na"
    if case == "other_category":
        entry_id = add_entry(world, category_index=1, title="Video story 009").id
    elif case == "draft":
        entry_id = add_entry(world, title="Draft story", status=DRAFT).id
    elif case == "in_order":
        entry_id = world.entries[0][0].id
    elif case == "other_competition":
        entry_id = add_entry(world, title="Elsewhere 001", competition=new_competition("other-2021")).id
    elif case == "missing":
        entry_id = 999999
    else:
        entry_id = add_entry(world, title="Speech story 005").id
    before = positions(world.speech)
    response = signed_in(app, world.admin).post(f"/admin/live/sessions/{world.speech.id}/slots",
                                                data={"slot-entry_id": str(entry_id), "slot-presenter": presenter})
    assert response.status_code == 400
    expected = ("Field cannot be longer than 200 characters." if case == "long_presenter" else
                "Choose a submitted finalist of this session's category that is not in the running order yet.")
    assert expected in text(response)
    assert positions(world.speech) == before


def test_the_running_order_moves_up_and_down(app, world):
    client = signed_in(app, world.admin)
    first, second, third = world.speech.slots
    client.post(f"/admin/live/slots/{third.id}/move/up")
    assert [slot.id for slot in world.speech.slots] == [first.id, third.id, second.id]
    client.post(f"/admin/live/slots/{first.id}/move/up")  # already first: nothing moves
    client.post(f"/admin/live/slots/{first.id}/move/down")
    db.session.expire_all()
    assert [(slot.id, slot.position) for slot in world.speech.slots] == [(third.id, 0), (first.id, 1),
                                                                          (second.id, 2)]
    assert len(audited("brand_stories.slot_moved")) == 2


def test_a_finalist_leaves_the_order_until_their_window_has_opened(app, world):
    from core.users.models import utcnow

    client = signed_in(app, world.admin)
    first, second, third = world.speech.slots
    first.opened_at = utcnow()
    db.session.commit()
    response = client.post(f"/admin/live/slots/{first.id}/remove", follow_redirects=True)
    assert "has already been on stage: it stays in the running order." in text(response)
    assert count(Slot, session_id=world.speech.id) == 3
    response = client.post(f"/admin/live/slots/{second.id}/remove", follow_redirects=True)
    assert "The finalist has been taken out of the running order." in text(response)
    db.session.expire_all()
    assert [(slot.id, slot.position) for slot in world.speech.slots] == [(first.id, 0), (third.id, 1)]


def test_the_presenter_is_edited_with_a_length_check(app, world):
    client = signed_in(app, world.admin)
    slot = world.speech.slots[1]
    response = client.post(f"/admin/live/slots/{slot.id}/presenter", data={f"p{slot.id}-presenter": "y" * 201})
    assert response.status_code == 400 and "Field cannot be longer than 200 characters." in text(response)
    client.post(f"/admin/live/slots/{slot.id}/presenter", data={f"p{slot.id}-presenter": "Chen Jianguo"})
    db.session.expire_all()
    assert slot.presenter == "Chen Jianguo"


def test_buttons_need_the_csrf_token(app_factory):
    from tests.plugins.brand_stories.conftest import make_final
    from tests.conftest import make_user

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        final, _competition, sessions, _entries, _orgs = make_final()
        admin = make_user("admin", email="admin@example.org")
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', login_page)
        client.post("/login", data={"email": admin.email, "password": "correct horse battery",
                                    "csrf_token": token.group(1)})
        response = client.post(f"/admin/live/sessions/{sessions[1].id}/delete")
        assert response.status_code == 400
        assert count(LiveSession) == 2
        db.session.remove()


def test_the_running_order_page_offers_moves_only_where_they_go(app, world):
    page = text(signed_in(app, world.admin).get(f"/admin/live/sessions/{world.speech.id}"))
    first, second, third = world.speech.slots
    assert f"/admin/live/slots/{first.id}/move/up" not in page and f"/admin/live/slots/{first.id}/move/down" in page
    assert f"/admin/live/slots/{third.id}/move/down" not in page and f"/admin/live/slots/{third.id}/move/up" in page
    assert 'aria-label="Move up"' in page


def test_malformed_input_is_refused_without_a_server_error(app, world):
    client = signed_in(app, world.admin)
    slot = world.speech.slots[0]
    huge, garbage = "99999999999999999999", "abc"
    for value in (huge, garbage, "-5", ""):
        for url, data in [
            ("/admin/live/new", {**SETTINGS, "competition_id": value, "preliminary_id": value}),
            (f"/admin/live/{world.final.id}", {**SETTINGS, "preliminary_id": value, "likes_cap": value}),
            (f"/admin/live/{world.final.id}/sessions", {"session-title": "T", "session-category_id": value,
                                                        "session-starts_at": value}),
            (f"/admin/live/sessions/{world.speech.id}/edit", {"session-title": "T", "session-category_id": value}),
            (f"/admin/live/sessions/{world.speech.id}/slots", {"slot-entry_id": value, "slot-presenter": value}),
            (f"/admin/live/slots/{slot.id}/presenter", {f"p{slot.id}-presenter": value}),
            (f"/admin/live/{world.final.id}/finalists", {"entry": [value], "add_to_order": value}),
        ]:
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, value)
    assert count(LiveFinal) == 1 and count(LiveSession) == 2 and count(Slot) == 6
    for url in [f"/admin/live/{huge}", f"/admin/live/sessions/{huge}", f"/admin/live/slots/{huge}/remove"]:
        assert client.get(url).status_code in (404, 405)
