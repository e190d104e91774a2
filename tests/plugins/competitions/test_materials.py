"""Per-category material rules and video length, through real requests: what an entry of each
category needs before it is submitted, videos measured at upload, the set-up form, copies and
the schema migration."""
import io

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from core.extensions import db
from core.storage.models import Media
from plugins.competitions import configuration
from plugins.competitions import entries as service
from plugins.competitions.models import DRAFT, SUBMITTED, Category, Competition, Entry
from tests.conftest import PG_ADMIN_URL, login, make_app, service_missing
from tests.core import media_samples as samples
from tests.core.test_video_duration import mp4, webm
from tests.plugins.competitions.test_entries import english, ensure_linked_endpoints

ESSAY = [{"kinds": ["pdf", "document"], "or_text": True, "label": "Essay"}]
SPEECH = [{"kinds": ["pdf", "document"], "or_text": False, "label": "Slides"},
          {"kinds": ["video"], "or_text": False, "label": "Speech video"}]
VIDEO = [{"kinds": ["video"], "or_text": False, "label": ""}]


@pytest.fixture
def contest(app, world):
    """The world's competition set up as the brand-story contest: four categories with material rules."""
    competition = world.competition
    competition.entry_fields = {**competition.entry_fields, "body": "optional", "summary": "optional",
                                "attachments": "optional", "max_attachments": 5,
                                "attachment_kinds": ["pdf", "document", "video", "image"]}
    competition.categories = [
        Category(name="Essay", code="ZW", position=1, materials=ESSAY),
        Category(name="Speech", code="YJ", position=2, materials=SPEECH),
        Category(name="Short video", code="DSP", position=3, materials=VIDEO, max_video_seconds=60),
        Category(name="Micro-film", code="WDY", position=4, materials=VIDEO),
    ]
    db.session.commit()
    return competition


def category(competition, name):
    return next(c for c in competition.categories if c.name == name)


@pytest.fixture
def member(app, world, contest):
    ensure_linked_endpoints(app)
    client = english(app.test_client())
    login(client, world.members[0])
    return client


def enter(client, competition, category_name, *, submit=True, files=(), **fields):
    data = {"title": fields.pop("title", "Our brand story"), "category_id": category(competition, category_name).id,
            "summary": "", "body": "", **fields}
    if files:
        data["attachments"] = list(files)
    data["submit" if submit else "save"] = "1"
    return client.post(f"/competitions/{competition.slug}/enter", data=data, content_type="multipart/form-data")


def upload(client, entry, data, name):
    return client.post(f"/competitions/entries/{entry.id}/attachments", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def file(data, name):
    return (io.BytesIO(data), name)


def entries():
    db.session.expire_all()
    return db.session.scalars(db.select(Entry).order_by(Entry.id)).all()


def media_count():
    return db.session.scalar(db.select(db.func.count(Media.id)))


# -- short video: measured at upload ------------------------------------------------


def test_short_video_category_refuses_a_61_second_video_and_accepts_a_59_second_one(member, contest):
    response = enter(member, contest, "Short video", title="Too long", files=[file(mp4(61), "long.mp4")])
    assert response.status_code == 200
    assert "This video is 1 min 01 s long; at most 1 min 00 s is accepted here." in response.text
    assert 'value="Too long"' in response.text  # what was typed stays on the form
    assert entries() == [] and media_count() == 0

    response = enter(member, contest, "Short video", title="Just right", files=[file(mp4(59), "ok.mp4")])
    assert response.status_code == 302
    [entry] = entries()
    assert entry.status == SUBMITTED and entry.number == "DSP-001"
    assert entry.attachments[0].media.duration == pytest.approx(59)


def test_short_video_upload_on_the_entry_page_is_measured(member, contest):
    assert enter(member, contest, "Short video", submit=False).status_code == 302
    [entry] = entries()
    response = upload(member, entry, webm(75), "clip.webm")
    assert response.status_code == 200
    assert "This video is 1 min 15 s long; at most 1 min 00 s is accepted here." in response.text
    assert 'class="error"' in response.text  # on the upload form, not only in a banner
    response = upload(member, entry, samples.MP4, "no-header.mp4")
    assert "The length of this video cannot be read" in response.text
    assert media_count() == 0
    assert upload(member, entry, webm(58), "clip.webm").status_code == 302
    assert [a.media.original_name for a in entries()[0].attachments] == ["clip.webm"]
    assert member.post(f"/competitions/entries/{entry.id}/submit").status_code == 302
    assert entries()[0].status == SUBMITTED


def test_other_categories_take_long_videos(member, contest):
    assert enter(member, contest, "Micro-film", files=[file(mp4(1800), "film.mp4")]).status_code == 302
    assert entries()[0].status == SUBMITTED


def test_a_long_video_uploaded_under_another_category_is_caught_at_submission(member, contest):
    assert enter(member, contest, "Micro-film", submit=False, files=[file(mp4(90), "film.mp4")]).status_code == 302
    [entry] = entries()
    short = category(contest, "Short video")
    response = member.post(f"/competitions/entries/{entry.id}",
                           data={"title": entry.title, "category_id": short.id, "submit": "1"})
    assert response.status_code == 200
    assert "The video \u201cfilm.mp4\u201d is 1 min 30 s long; videos in this category may be at most 1 min 00 s " \
           "long." in response.text
    [entry] = entries()
    assert (entry.status, entry.category.name) == (DRAFT, "Micro-film")


# -- speech: slides and a video ------------------------------------------------------


def test_a_speech_needs_both_slides_and_a_video(member, contest):
    response = enter(member, contest, "Speech", files=[file(samples.PPTX, "slides.pptx")])
    assert response.status_code == 200
    assert "The entry is not complete: Speech video (a video)." in response.text
    assert entries() == [] and media_count() == 0

    response = enter(member, contest, "Speech", files=[file(mp4(300), "talk.mp4")])
    assert "The entry is not complete: Slides (a PDF file or an Office document)." in response.text
    response = enter(member, contest, "Speech")
    assert "Slides (a PDF file or an Office document), Speech video (a video)" in response.text
    assert entries() == [] and media_count() == 0

    response = enter(member, contest, "Speech", files=[file(samples.PDF, "slides.pdf"), file(mp4(300), "talk.mp4")])
    assert response.status_code == 302
    [entry] = entries()
    assert entry.status == SUBMITTED

    # A submitted speech keeps its video: removing the only one is refused.
    video = next(a for a in entry.attachments if a.media.kind == "video")
    response = member.post(f"/competitions/entries/{entry.id}/attachments/{video.id}/remove", follow_redirects=True)
    assert "A submitted entry needs Speech video (a video). Add another file first." in response.text
    assert len(entries()[0].attachments) == 2


def test_a_draft_speech_is_completed_on_its_page(member, contest):
    assert enter(member, contest, "Speech", submit=False, files=[file(samples.PDF, "slides.pdf")]).status_code == 302
    [entry] = entries()
    response = member.post(f"/competitions/entries/{entry.id}/submit", follow_redirects=True)
    assert "The entry is not complete: Speech video (a video)." in response.text
    assert upload(member, entry, mp4(120, brand=b"qt  "), "talk.mov").status_code == 302
    assert member.post(f"/competitions/entries/{entry.id}/submit").status_code == 302
    assert entries()[0].status == SUBMITTED


# -- essay: text or a document --------------------------------------------------------


def test_an_essay_is_submitted_with_its_text_only(member, contest):
    response = enter(member, contest, "Essay", body="  \n  ")
    assert "The entry is not complete: Essay (a PDF file, an Office document, or the text of the entry)." \
           in response.text
    assert entries() == []
    assert enter(member, contest, "Essay", body="Our brand began in 1985 ...").status_code == 302
    [entry] = entries()
    assert (entry.status, entry.body, entry.attachments) == (SUBMITTED, "Our brand began in 1985 ...", [])
    page = member.get(f"/competitions/entries/{entry.id}")
    assert "Our brand began in 1985 ..." in page.text


def test_screeners_see_the_essay_text(app, member, contest, world):
    assert enter(member, contest, "Essay", body="Our brand began in 1985 ...").status_code == 302
    [entry] = entries()
    screener = english(app.test_client())
    login(screener, world.manager)
    page = screener.get(f"/admin/competitions/{contest.id}/entries/{entry.id}")
    assert page.status_code == 200 and "Our brand began in 1985 ..." in page.text


def test_an_essay_is_submitted_with_a_document_only(member, contest):
    assert enter(member, contest, "Essay", files=[file(samples.DOCX, "essay.docx")]).status_code == 302
    [entry] = entries()
    assert entry.status == SUBMITTED and entry.body == ""


def test_an_image_does_not_stand_in_for_the_essay(member, contest):
    response = enter(member, contest, "Essay", files=[file(samples.image_bytes("PNG"), "cover.png")])
    assert "The entry is not complete: Essay" in response.text
    assert entries() == [] and media_count() == 0


def test_the_essay_text_cannot_be_emptied_once_it_is_what_the_entry_stands_on(member, contest):
    assert enter(member, contest, "Essay", body="Text").status_code == 302
    [entry] = entries()
    response = member.post(f"/competitions/entries/{entry.id}",
                           data={"title": entry.title, "category_id": entry.category_id, "body": "", "save": "1"})
    assert response.status_code == 200 and "not complete" in response.text
    assert entries()[0].body == "Text"


# -- the text field ----------------------------------------------------------------------


def test_the_text_field_follows_its_setting(member, contest):
    page = member.get(f"/competitions/{contest.slug}/enter")
    assert 'name="body"' in page.text
    contest.entry_fields = {**contest.entry_fields, "body": "off"}
    db.session.commit()
    page = member.get(f"/competitions/{contest.slug}/enter")
    assert 'name="body"' not in page.text
    # switched off, whatever is posted is not kept
    assert enter(member, contest, "Micro-film", files=[file(mp4(10), "f.mp4")], body="sneaked").status_code == 302
    assert entries()[0].body == ""


def test_required_text_and_its_length(member, contest):
    contest.entry_fields = {**contest.entry_fields, "body": "required"}
    db.session.commit()
    response = enter(member, contest, "Micro-film", files=[file(mp4(10), "f.mp4")])
    assert "The entry is not complete: the text of the entry." in response.text
    response = enter(member, contest, "Micro-film", body="x" * (service.BODY_MAX + 1))
    assert response.status_code == 200 and entries() == []


# -- what the form tells ------------------------------------------------------------------


def test_the_entry_form_says_what_each_category_needs(member, contest):
    page = member.get(f"/competitions/{contest.slug}/enter")
    assert page.status_code == 200
    for text in ("Essay: a PDF file, an Office document, or the text of the entry",
                 "Slides: a PDF file or an Office document", "Speech video: a video",
                 "Required: a video", "Videos may be at most 1 min 00 s long."):
        assert text in page.text
    assert enter(member, contest, "Speech", submit=False).status_code == 302
    page = member.get(f"/competitions/entries/{entries()[0].id}")
    assert "Slides: a PDF file or an Office document" in page.text


# -- set-up --------------------------------------------------------------------------------


def category_data(cat, prefix, **changes):
    data = {f"{prefix}-name": cat.name, f"{prefix}-code": cat.code, f"{prefix}-max_video_seconds": ""}
    data.update({f"{prefix}-{key}": value for key, value in changes.items()})
    return data


@pytest.fixture
def manager(app, world, contest):
    ensure_linked_endpoints(app)
    client = english(app.test_client())
    login(client, world.manager)
    return client


def category_state(cat_id):
    db.session.expire_all()
    cat = db.session.get(Category, cat_id)
    return cat.name, cat.code, cat.materials, cat.max_video_seconds


def test_setup_saves_material_groups_and_video_length(manager, contest):
    film = category(contest, "Micro-film")
    url = f"/admin/competitions/{contest.id}/categories/{film.id}"
    prefix = f"c{film.id}"
    response = manager.post(url, data=category_data(film, prefix, group1_kinds=["video"], group1_label="Film",
                                                    group2_kinds=["document", "pdf"], group2_text="y",
                                                    max_video_seconds="600"))
    assert response.status_code == 302
    assert category_state(film.id)[2:] == ([{"kinds": ["video"], "or_text": False, "label": "Film"},
                                            {"kinds": ["pdf", "document"], "or_text": True, "label": ""}], 600)
    page = manager.get(f"/admin/competitions/{contest.id}/categories")
    assert 'value="600"' in page.text and 'value="Film"' in page.text

    response = manager.post(f"/admin/competitions/{contest.id}/categories",
                            data={"new-name": "Poster", "new-code": "HB", "new-group1_kinds": ["image"],
                                  "new-max_video_seconds": ""})
    assert response.status_code == 302
    poster = db.session.scalar(db.select(Category).where(Category.name == "Poster"))
    assert (poster.materials, poster.max_video_seconds) == ([{"kinds": ["image"], "or_text": False, "label": ""}],
                                                            None)


@pytest.mark.parametrize("changes, message", [
    ({"group1_kinds": ["exe"]}, "Unknown kind of material: exe."),
    ({"group1_kinds": ["video", "spreadsheet"]}, "Unknown kind of material: spreadsheet."),
    ({"max_video_seconds": "0"}, "Enter a number of seconds from 1 to 36000."),
    ({"max_video_seconds": "36001"}, "Enter a number of seconds from 1 to 36000."),
    ({"max_video_seconds": "-5"}, "Enter a number of seconds from 1 to 36000."),
    ({"max_video_seconds": "1.5"}, "Not a valid integer value."),
    ({"group1_label": "x" * 101, "group1_kinds": ["pdf"]}, "Field cannot be longer than 100 characters."),
])
def test_setup_refuses_bad_kinds_and_seconds(manager, contest, changes, message):
    film = category(contest, "Micro-film")
    before = category_state(film.id)
    response = manager.post(f"/admin/competitions/{contest.id}/categories/{film.id}",
                            data=category_data(film, f"c{film.id}", **changes))
    assert response.status_code == 200 and message in response.text
    assert category_state(film.id) == before


def test_setup_refuses_material_the_entry_form_does_not_take(manager, contest):
    film = category(contest, "Micro-film")
    contest.entry_fields = {**contest.entry_fields, "attachment_kinds": ["pdf"], "body": "off"}
    db.session.commit()
    before = category_state(film.id)
    url = f"/admin/competitions/{contest.id}/categories/{film.id}"
    response = manager.post(url, data=category_data(film, f"c{film.id}", group1_kinds=["video"]))
    assert "The entry form does not accept these attachments: video." in response.text
    response = manager.post(url, data=category_data(film, f"c{film.id}", group1_text="y"))
    assert "The entry form does not ask for the text of the entry." in response.text
    assert category_state(film.id) == before


def test_materials_errors_refuse_malformed_rules(app, world, contest):
    with app.test_request_context():
        check = configuration.materials_errors
        assert check(contest, ESSAY, 60) == {}
        assert "materials" in check(contest, [{"kinds": "video"}], None)
        assert "materials" in check(contest, [{"kinds": []}], None)
        assert "materials" in check(contest, ["video"], None)
        assert "materials" in check(contest, [{"kinds": ["video"]}] * 5, None)
        assert "max_video_seconds" in check(contest, [], True)
        assert "max_video_seconds" in check(contest, [], 36001)


def test_settings_turn_the_text_on(manager, contest):
    from tests.plugins.competitions.test_setup import settings_data

    response = manager.post(f"/admin/competitions/{contest.id}", data=settings_data(contest, entry_body="required"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Competition, contest.id).entry_setting("body") == "required"
    page = manager.get(f"/admin/competitions/{contest.id}")
    assert 'name="entry_body"' in page.text


# -- copies ---------------------------------------------------------------------------------


def test_a_copy_keeps_the_material_rules(manager, contest):
    response = manager.post(f"/admin/competitions/{contest.id}/copy",
                            data={"title": "Brand stories 2022", "slug": "brand-stories-2022", "year": "2022",
                                  "shift_days": "365"})
    assert response.status_code == 302
    copy = db.session.scalar(db.select(Competition).where(Competition.slug == "brand-stories-2022"))
    assert [(c.name, c.materials, c.max_video_seconds) for c in copy.categories] == [
        ("Essay", ESSAY, None), ("Speech", SPEECH, None), ("Short video", VIDEO, 60), ("Micro-film", VIDEO, None)]
    assert copy.entry_setting("body") == "optional"
    # a deep copy: changing the copy's rules leaves the original alone
    copy.categories[0].materials[0]["kinds"].append("video")
    assert category(contest, "Essay").materials == ESSAY


# -- the migration ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migration_app(request, tmp_path):
    """An app on an empty database of its own (the shared test databases stay at their heads)."""
    if request.param == "sqlite":
        yield make_app(tmp_path)
        return
    import socket
    import uuid

    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError as error:
        service_missing("PostgreSQL", str(error))
    name = f"guildhall_materials_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield app
    with app.app_context():
        db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def columns(table):
    return {column["name"] for column in sa.inspect(db.engine).get_columns(table)}


def test_migration_upgrade_and_downgrade_keep_the_rows(migration_app):
    with migration_app.app_context():
        upgrade(revision="competitions_0001")
        assert "materials" not in columns("competitions_categories")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO competitions_competitions (id, slug, title, summary, description, listed, entry_fields,"
                " judges_per_entry, aggregation_method, normalise_judges, vote_weight, tie_breaks, quota_policy,"
                " tiers_per_category, share_comments, share_scores, votes_per_day, vote_members_only,"
                " hide_vote_counts, created_at, updated_at) VALUES (1, 'c', 'C', '', '', false, '{}', 3, 'mean',"
                " false, 0, '[]', 'strict_quota', true, false, false, 1, true, true, '2021-01-01', '2021-01-01')"))
            connection.execute(sa.text("INSERT INTO competitions_categories (id, competition_id, name, code, position)"
                                       " VALUES (1, 1, 'Essay', 'ZW', 1)"))
            connection.execute(sa.text("INSERT INTO core_organisations (id, name, tier, active, created_at)"
                                       " VALUES (1, 'Org', 'member', true, '2021-01-01')"))
            connection.execute(sa.text(
                "INSERT INTO competitions_entries (id, competition_id, category_id, organisation_id, title,"
                " team_members, summary, status, screening, screening_reason, created_at, updated_at)"
                " VALUES (1, 1, 1, 1, 'Old entry', '', '', 'draft', 'pending', '', '2021-01-01', '2021-01-01')"))

        upgrade(revision="heads")
        assert {"materials", "max_video_seconds"} <= columns("competitions_categories")
        assert "body" in columns("competitions_entries") and "duration" in columns("core_media")
        category, entry = db.session.get(Category, 1), db.session.get(Entry, 1)
        assert (category.materials, category.max_video_seconds, entry.body) == ([], None, "")
        category.materials, category.max_video_seconds, entry.body = ESSAY, 60, "Text"
        db.session.commit()
        db.session.remove()

        downgrade(revision="competitions_0001")
        assert "materials" not in columns("competitions_categories")
        assert "body" not in columns("competitions_entries")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT name FROM competitions_categories")).scalars().all() == ["Essay"]
            assert connection.execute(sa.text("SELECT title FROM competitions_entries")).scalars().all() == \
                ["Old entry"]
        downgrade(revision="core_0004")
        assert "duration" not in columns("core_media")
        upgrade(revision="heads")
        assert "materials" in columns("competitions_categories") and "duration" in columns("core_media")
        db.session.remove()
        db.engine.dispose()
