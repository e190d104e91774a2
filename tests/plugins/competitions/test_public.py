"""The public competition pages: the list, a competition's page with its schedule,
rubric and awards, and what a visitor is invited to do at each stage."""
from core.extensions import db
from core.users.models import utcnow
from plugins.competitions import configuration
from plugins.competitions.models import JUDGING, RESULTS, SCREENING, SUBMISSION, VOTING, Competition
from tests.conftest import login, make_user
from tests.plugins.competitions.conftest import schedule, stage_now

def english(client):
    """Messages are asserted in English (the site's first language is Chinese)."""
    client.post("/language", data={"lang": "en"})
    return client


def sign_in(client, user):
    login(client, user)
    return english(client)



def add_unlisted(slug="draft-2022", title="Unlisted draft"):
    competition = configuration.new_competition(title=title, slug=slug, year=2022)
    db.session.add(competition)
    db.session.commit()
    return competition


def test_index_lists_listed_competitions_newest_first(app, world):
    older = configuration.new_competition(title="Title review 2020", slug="title-review-2020", year=2020,
                                          summary="Professional titles at four levels.")
    older.listed = True
    db.session.add(older)
    add_unlisted()
    client = english(app.test_client())
    page = client.get("/competitions")
    assert page.status_code == 200
    text = page.text
    assert world.competition.title in text and "Title review 2020" in text
    assert text.index(world.competition.title) < text.index("Title review 2020")
    assert "Unlisted draft" not in text
    assert "Professional titles at four levels." in text
    assert "Call for entries" in text  # the open stage of the 2021 exchange
    assert "/competitions/exchange-2021" in text


def test_index_without_competitions(app):
    page = app.test_client().get("/competitions")
    assert page.status_code == 200


def test_detail_shows_the_whole_configuration(app, world):
    client = english(app.test_client())
    page = client.get("/competitions/exchange-2021")
    assert page.status_code == 200
    text = page.text
    assert world.competition.title in text
    assert "<p>Projects from member companies.</p>" in text  # sanitised HTML, rendered
    for category in world.categories:
        assert category.name in text
    for criterion in world.criteria:
        assert criterion.label in text
    assert "40%" in text and "20%" in text  # weights as shares
    assert "Exemplary" in text and "recommended to the next round" in text
    assert "Best on-site presentation" in text
    # The timeline marks the open stage.
    assert 'class="open" aria-current="step"' in text
    assert text.count('aria-current="step"') == 1


def test_detail_call_to_action_per_stage(app, world):
    competition = world.competition
    member = world.members[0]
    anonymous, signed_in, outsider = app.test_client(), app.test_client(), app.test_client()
    english(anonymous)
    sign_in(signed_in, member)
    sign_in(outsider, make_user("member", email="lonely@example.org"))  # no organisation
    url = "/competitions/exchange-2021"

    stage_now(competition, SUBMISSION)
    page = signed_in.get(url).text
    assert "/competitions/exchange-2021/enter" in page and "Submit an entry" in page
    page = anonymous.get(url).text
    assert "Sign in to submit an entry" in page and "/login?next=" in page
    assert "/competitions/exchange-2021/enter" not in page
    page = outsider.get(url).text
    assert "member organisation" in page and "/competitions/exchange-2021/enter" not in page

    stage_now(competition, SCREENING)
    page = signed_in.get(url).text
    assert "Submit an entry" not in page and "/vote" not in page and "/results" not in page

    schedule(competition, VOTING, with_vote=True)
    for client in (anonymous, signed_in):
        page = client.get(url).text
        assert "/competitions/exchange-2021/vote" in page and "Submit an entry" not in page

    stage_now(competition, JUDGING)
    assert "/competitions/exchange-2021/vote" not in signed_in.get(url).text

    stage_now(competition, RESULTS)
    page = anonymous.get(url).text
    assert "/competitions/exchange-2021/results" not in page  # not published yet
    competition.results_published_at = utcnow()
    db.session.commit()
    for client in (anonymous, signed_in):
        page = client.get(url).text
        assert "/competitions/exchange-2021/results" in page and "/vote" not in page
    assert "/competitions/exchange-2021/results" in anonymous.get("/competitions").text


def test_unlisted_competitions_are_hidden_from_the_public(app, world):
    add_unlisted()
    anonymous, member, screener, manager = (app.test_client() for _ in range(4))
    english(anonymous)
    sign_in(member, world.members[0])
    sign_in(screener, world.screener)
    sign_in(manager, world.manager)
    for client in (anonymous, member):
        assert client.get("/competitions/draft-2022").status_code == 404
        assert "Unlisted draft" not in client.get("/competitions").text
    for client in (screener, manager):
        page = client.get("/competitions/draft-2022")
        assert page.status_code == 200 and "not shown on the public site" in page.text


def test_unknown_and_odd_slugs_are_404(app, world):
    client = app.test_client()
    for slug in ("nothing-here", "EXCHANGE-2021", "exchange-2021%00", "%E6%A0%87%E9%A2%98", "a" * 500,
                 "exchange-2021%20", "..%2F..", "new", "%27%3B--"):
        assert client.get(f"/competitions/{slug}").status_code == 404, slug


def test_competitions_without_a_schedule_still_render(app, world):
    bare = Competition(slug="bare", title="Bare", listed=True)
    db.session.add(bare)
    db.session.commit()
    client = app.test_client()
    assert client.get("/competitions/bare").status_code == 200
    assert client.get("/competitions").status_code == 200


def test_pages_close_to_a_stage_change_are_not_cached(app, world):
    """A cached page must not announce a stage that has closed since."""
    from datetime import timedelta

    stage = world.competition.stage(SUBMISSION)
    stage.closes_at = utcnow() + timedelta(seconds=30)
    db.session.commit()
    client = app.test_client()
    client.get("/competitions/exchange-2021")
    second = client.get("/competitions/exchange-2021")
    assert second.headers.get("X-Cache") != "HIT"


def test_description_is_sanitised_even_when_stored_raw(app, world):
    world.competition.description = '<p>Projects</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    db.session.commit()
    page = english(app.test_client()).get("/competitions/exchange-2021").text
    assert "<p>Projects</p>" in page
    assert "alert(1)" not in page and "onerror" not in page
