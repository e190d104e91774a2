"""core.pages.service: pinyin slugs, old-path redirects, revisions, locking, scheduling, restore, delete."""
from datetime import timedelta

import pytest

from core.extensions import db
from core.pages import service
from core.pages.models import Page, PageRevision, Section, SlugRedirect, Tag
from core.pages.service import PageError, delete_page, restore_revision, save_page, slugify
from core.storage.models import Media
from core.users.models import utcnow
from tests.conftest import make_user
from tests.core.public_helpers import make_section


@pytest.fixture
def editor(app):
    return make_user("editor")


@pytest.fixture
def section(app):
    return make_section("yao-wen")


def news(section, **fields):
    data = {"kind": "news", "title": "质量创新成果交流", "section_id": section.id, "body": "<p>正文</p>",
            "status": "draft"}
    data.update(fields)
    return data


def fixed(**fields):
    data = {"kind": "page", "title": "关于我们", "body": "<p>协会简介</p>", "status": "published"}
    data.update(fields)
    return data


def redirects():
    return {r.old_path: r.page_id for r in db.session.scalars(db.select(SlugRedirect))}


# -- slugs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, slug",
    [
        ("质量创新成果交流", "zhi-liang-chuang-xin-cheng-guo-jiao-liu"),
        ("2024年 深圳 Quality Month！", "2024-nian-shen-zhen-quality-month"),
        ("绿色发展", "lv-se-fa-zhan"),
        ("Café ＡＢＣ１２", "cafe-abc12"),
        ("！！！……", "page"),
        ("", "page"),
    ],
)
def test_slugify_makes_readable_ascii_slugs(title, slug):
    assert slugify(title) == slug


def test_slugify_caps_the_length_at_a_word_boundary():
    slug = slugify("深圳市质量协会" * 20)
    assert len(slug) <= service.SLUG_MAX
    assert slug.startswith("shen-zhen-shi-zhi-liang-xie-hui-shen")
    assert not slug.endswith("-") and service.SLUG_SHAPE.match(slug)
    assert slugify("x" * 200) == "x" * service.SLUG_MAX


def test_generated_slugs_are_unique(section, editor):
    slugs = [save_page(Page(), news(section), editor).slug for _ in range(3)]
    assert slugs == [
        "zhi-liang-chuang-xin-cheng-guo-jiao-liu",
        "zhi-liang-chuang-xin-cheng-guo-jiao-liu-2",
        "zhi-liang-chuang-xin-cheng-guo-jiao-liu-3",
    ]


def test_a_top_level_page_never_gets_a_reserved_slug(editor, section):
    assert save_page(Page(), fixed(title="News"), editor).slug == "news-2"
    assert save_page(Page(), news(section, title="Admin"), editor).slug == "admin"  # lives at /news/admin


@pytest.mark.parametrize("slug", ["Bad Slug", "a--b", "-a", "a-", "zhong_wen", "中文", "a/b", "x" * 121])
def test_bad_slug_shapes_are_refused(editor, section, slug):
    with pytest.raises(PageError) as error:
        save_page(Page(), news(section, slug=slug), editor)
    assert error.value.field == "slug"
    assert db.session.scalar(db.select(db.func.count(Page.id))) == 0


@pytest.mark.parametrize("slug", ["admin", "news", "rss.xml", "login", "search", "media"])
def test_reserved_slugs_are_refused_for_top_level_pages_only(editor, slug):
    with pytest.raises(PageError) as error:
        save_page(Page(), fixed(slug=slug), editor)
    assert error.value.field == "slug"
    if "." not in slug:
        parent = save_page(Page(), fixed(slug="about"), editor)
        child = save_page(Page(), fixed(title="子页", slug=slug, parent_id=parent.id), editor)
        assert child.path == f"about/{slug}"


def test_a_slug_taken_by_another_page_is_refused(editor, section):
    save_page(Page(), news(section, slug="taken"), editor)
    with pytest.raises(PageError) as error:
        save_page(Page(), fixed(slug="taken"), editor)
    assert error.value.field == "slug"


def test_an_editor_slug_is_lowercased_and_kept(editor, section):
    assert save_page(Page(), news(section, slug="  Zhi-Liang-Yue "), editor).slug == "zhi-liang-yue"


# -- old paths --------------------------------------------------------------------


def test_changing_a_slug_keeps_the_old_path_as_a_redirect(editor, section):
    page = save_page(Page(), news(section, slug="old-slug"), editor)
    save_page(page, {"slug": "new-slug"}, editor)
    assert redirects() == {"news/old-slug": page.id}
    save_page(page, {"slug": "newest"}, editor)
    assert redirects() == {"news/old-slug": page.id, "news/new-slug": page.id}
    # Going back to an old slug drops the redirect that would hide the page.
    save_page(page, {"slug": "old-slug"}, editor)
    assert redirects() == {"news/new-slug": page.id, "news/newest": page.id}


def test_moving_a_page_redirects_its_old_path_and_its_sub_pages(editor):
    about = save_page(Page(), fixed(slug="about"), editor)
    team = save_page(Page(), fixed(title="团队", slug="team", parent_id=about.id), editor)
    people = save_page(Page(), fixed(title="成员", slug="people", parent_id=team.id), editor)
    save_page(team, {"parent_id": None}, editor)
    assert redirects() == {"about/team": team.id, "about/team/people": people.id}
    assert people.path == "team/people"
    save_page(about, {"slug": "xie-hui"}, editor)
    assert redirects()["about"] == about.id


def test_an_old_path_taken_over_by_a_new_page_leads_to_the_new_page_later(editor, section):
    first = save_page(Page(), news(section, slug="shared"), editor)
    save_page(first, {"slug": "first-now"}, editor)
    second = save_page(Page(), news(section, title="另一篇", slug="shared"), editor)
    assert "news/shared" not in redirects()  # the live page wins
    save_page(second, {"slug": "second-now"}, editor)
    assert redirects()["news/shared"] == second.id


# -- revisions and locking --------------------------------------------------------


def test_every_save_records_a_revision_with_all_fields(editor, section):
    cover = Media(key="k1", original_name="a.jpg", content_type="image/jpeg", kind="image", size=10, sha256="0" * 64)
    db.session.add(cover)
    db.session.commit()
    page = save_page(Page(), news(section, tags="质量, 创新，质量", cover_id=cover.id), editor, note="first")
    other = make_user("admin")
    save_page(page, {"title": "改过的标题", "base_revision": 1}, other, note="second")
    revisions = db.session.scalars(db.select(PageRevision).order_by(PageRevision.number)).all()
    assert [(r.number, r.author_id, r.note) for r in revisions] == [(1, editor.id, "first"), (2, other.id, "second")]
    assert revisions[0].data["tags"] == sorted(["质量", "创新"])  # duplicates dropped; sorted, so order is no change
    assert revisions[0].data["cover_id"] == cover.id
    assert revisions[0].data["title"] == "质量创新成果交流" and revisions[1].data["title"] == "改过的标题"
    assert set(revisions[1].data) == set(service.FIELDS)
    assert {t.slug for t in db.session.scalars(db.select(Tag))} == {"zhi-liang", "chuang-xin"}


def test_tags_are_reused_by_name(editor, section):
    save_page(Page(), news(section, tags=["质量"]), editor)
    save_page(Page(), news(section, tags="质量、品牌"), editor)
    assert db.session.scalar(db.select(db.func.count(Tag.id))) == 2


def test_a_save_based_on_an_old_revision_is_refused(editor, section):
    page = save_page(Page(), news(section), editor)
    save_page(page, {"title": "别人的修改", "base_revision": 1}, editor)
    with pytest.raises(PageError) as error:
        save_page(page, {"title": "我的修改", "base_revision": 1}, editor)
    assert error.value.field == "base_revision"
    db.session.expire_all()
    assert db.session.get(Page, page.id).title == "别人的修改"
    assert service.latest_revision_number(page) == 2


def test_restore_copies_an_old_revision_into_a_new_one(editor, section):
    page = save_page(Page(), news(section, body="<p>第一版</p>", tags="甲"), editor)
    save_page(page, {"body": "<p>第二版</p>", "tags": "乙", "slug": "second"}, editor)
    restore_revision(page, 1, editor)
    db.session.expire_all()
    page = db.session.get(Page, page.id)
    assert page.body == "<p>第一版</p>" and [t.name for t in page.tags] == ["甲"]
    assert page.slug == "zhi-liang-chuang-xin-cheng-guo-jiao-liu"
    latest = page.revisions[0]
    assert latest.number == 3 and latest.note == "从 #1 恢复"  # written in the site language, Chinese
    assert redirects() == {"news/second": page.id}
    with pytest.raises(PageError):
        restore_revision(page, 99, editor)


def test_restore_keeps_a_schedule_whose_time_has_passed(editor, section):
    page = save_page(Page(), news(section, status="scheduled", publish_at=utcnow() + timedelta(hours=1)), editor)
    save_page(page, {"status": "draft"}, editor)
    db.session.get(PageRevision, page.revisions[-1].id).data = {
        **page.revisions[-1].data, "publish_at": (utcnow() - timedelta(hours=1)).isoformat(timespec="seconds")
    }
    db.session.commit()
    restore_revision(page, 1, editor)
    assert page.status == "scheduled" and page.is_visible()


# -- validation -------------------------------------------------------------------


def test_scheduling_needs_a_future_time(editor, section):
    with pytest.raises(PageError) as error:
        save_page(Page(), news(section, status="scheduled"), editor)
    assert error.value.field == "publish_at"
    with pytest.raises(PageError) as error:
        save_page(Page(), news(section, status="scheduled", publish_at=utcnow() - timedelta(minutes=1)), editor)
    assert error.value.field == "publish_at"
    when = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    page = save_page(Page(), news(section, status="scheduled", publish_at=when), editor)
    assert page.publish_at == when and not page.is_visible()
    assert page.is_visible(now=when)


def test_saving_a_scheduled_page_after_its_time_keeps_it(editor, section):
    when = (utcnow() + timedelta(minutes=5)).replace(microsecond=0)
    page = save_page(Page(), news(section, status="scheduled", publish_at=when), editor)
    page.publish_at = when = utcnow().replace(microsecond=0) - timedelta(seconds=5)  # its time has come
    db.session.commit()
    save_page(page, {"title": "已经上线", "status": "scheduled", "publish_at": when}, editor)
    assert page.title == "已经上线" and page.is_visible()


def test_publishing_sets_the_publish_time(editor, section):
    page = save_page(Page(), news(section, status="published"), editor)
    assert page.publish_at is not None and abs(page.publish_at - utcnow()) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"status": "live"}, "status"),
        ({"section_id": None}, "section_id"),
        ({"section_id": 999}, "section_id"),
        ({"cover_id": 999}, "cover_id"),
        ({"publish_at": "tomorrow"}, "publish_at"),
        ({"tags": "x" * 81}, "tags"),
    ],
)
def test_bad_news_input_is_refused_and_nothing_is_saved(editor, section, fields, field):
    with pytest.raises(PageError) as error:
        save_page(Page(), news(section, **fields), editor)
    assert error.value.field == field
    assert db.session.scalar(db.select(db.func.count(Page.id))) == 0
    assert db.session.scalar(db.select(db.func.count(PageRevision.id))) == 0


def test_a_news_post_has_no_parent_and_cannot_be_one(editor, section):
    about = save_page(Page(), fixed(), editor)
    with pytest.raises(PageError) as error:
        save_page(Page(), news(section, parent_id=about.id), editor)
    assert error.value.field == "parent_id"
    post = save_page(Page(), news(section), editor)
    with pytest.raises(PageError) as error:
        save_page(Page(), fixed(title="子页", parent_id=post.id), editor)
    assert error.value.field == "parent_id"


def test_a_parent_cycle_is_refused(editor):
    top = save_page(Page(), fixed(slug="top"), editor)
    middle = save_page(Page(), fixed(title="中", slug="middle", parent_id=top.id), editor)
    bottom = save_page(Page(), fixed(title="下", slug="bottom", parent_id=middle.id), editor)
    for parent in (top, bottom):
        with pytest.raises(PageError) as error:
            save_page(top, {"parent_id": parent.id}, editor)
        assert error.value.field == "parent_id"
    db.session.expire_all()
    assert db.session.get(Page, top.id).parent_id is None


def test_a_private_or_non_image_file_is_no_cover(editor, section):
    pdf = Media(key="p", original_name="a.pdf", content_type="application/pdf", kind="pdf", size=1, sha256="1" * 64)
    private = Media(key="q", original_name="b.jpg", content_type="image/jpeg", kind="image", size=1,
                    sha256="2" * 64, private=True)
    db.session.add_all([pdf, private])
    db.session.commit()
    for media in (pdf, private):
        with pytest.raises(PageError):
            save_page(Page(), news(section, cover_id=media.id), editor)


def test_the_body_is_sanitised_before_it_is_stored(editor, section):
    html = ('<h2>标题</h2><p onclick="x()">文字<script>alert(1)</script></p>'
            '<figure><img src="/media/a.jpg" alt="合影" width="800" height="600" onerror="x()">'
            '<figcaption>说明</figcaption></figure>'
            '<table style="width:100%"><tbody><tr><td colspan="2">甲</td></tr></tbody></table>'
            '<ul><li>一</li></ul><ol><li>二</li></ol><a href="javascript:alert(1)">坏</a>'
            '<a href="https://example.org">好</a>')
    body = save_page(Page(), news(section, body=html), editor).body
    assert "<script" not in body and "alert" not in body and "onclick" not in body and "onerror" not in body
    assert "style=" not in body
    for kept in ('<h2>标题</h2>', '<img src="/media/a.jpg" alt="合影" width="800" height="600">',
                 "<figcaption>说明</figcaption>", '<td colspan="2">甲</td>', "<ul><li>一</li></ul>",
                 "<ol><li>二</li></ol>", 'href="https://example.org"'):
        assert kept in body


def test_saves_reindex_and_drop_the_page_cache(monkeypatch, editor, section):
    calls = []
    monkeypatch.setattr(service.search, "index_page", lambda page: calls.append(("index", page.id)))
    monkeypatch.setattr(service.search, "remove_page", lambda page_id: calls.append(("remove", page_id)))
    monkeypatch.setattr(service.pagecache, "content_changed", lambda: calls.append(("cache",)))
    page = save_page(Page(), news(section), editor)
    page_id = page.id
    delete_page(page)
    assert calls == [("index", page_id), ("cache",), ("remove", page_id), ("cache",)]


def test_delete_removes_the_page_its_revisions_and_redirects(editor, section):
    page = save_page(Page(), news(section, slug="a"), editor)
    save_page(page, {"slug": "b"}, editor)
    delete_page(page)
    assert db.session.scalar(db.select(db.func.count(PageRevision.id))) == 0
    assert redirects() == {}


def test_a_page_with_sub_pages_is_not_deleted(editor):
    parent = save_page(Page(), fixed(slug="about"), editor)
    save_page(Page(), fixed(title="子页", parent_id=parent.id), editor)
    with pytest.raises(PageError):
        delete_page(parent)
    assert db.session.get(Page, parent.id) is not None


def test_moving_pages_swaps_neighbours(editor):
    first, second, third = (save_page(Page(), fixed(title=t), editor) for t in ("一", "二", "三"))
    service.move_page(third, -1)
    order = db.session.scalars(db.select(Page.title).order_by(Page.position)).all()
    assert order == ["一", "三", "二"]
    service.move_page(first, -1)  # already first: stays
    assert db.session.scalars(db.select(Page.title).order_by(Page.position)).all() == order


def test_revisions_and_slugs_on_both_databases(backend_app):
    editor = make_user("editor")
    section = Section(slug="news-section", title="要闻")
    db.session.add(section)
    db.session.commit()
    page = save_page(Page(), news(section), editor)
    twin = save_page(Page(), news(section), editor)
    save_page(page, {"slug": "renamed", "base_revision": 1}, editor)
    with pytest.raises(PageError):
        save_page(page, {"title": "stale", "base_revision": 1}, editor)
    restore_revision(page, 1, editor)
    assert twin.slug.endswith("-2")
    assert [r.number for r in page.revisions] == [3, 2, 1]
    assert redirects() == {"news/renamed": page.id}


def test_a_garbled_base_revision_counts_as_a_conflict(editor, section):
    page = save_page(Page(), news(section), editor)
    with pytest.raises(PageError) as error:
        save_page(page, {"title": "新", "base_revision": "abc"}, editor)
    assert error.value.field == "base_revision"
    assert save_page(page, {"title": "新", "base_revision": 1}, editor).title == "新"


def test_tags_whose_pinyin_collides_get_numbered_slugs(editor):
    page = save_page(Page(), fixed(tags="质量, zhi liang"), editor)
    assert sorted(tag.slug for tag in page.tags) == ["zhi-liang", "zhi-liang-2"]
