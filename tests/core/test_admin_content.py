"""Admin pages, news and sections: forms, messages, locking, revisions, permissions, old-slug redirects."""
import re
from datetime import datetime

import pytest

from core.extensions import db
from core.pages.models import Page, PageRevision, Section, SlugRedirect
from core.pages.service import save_page
from tests.core.public_helpers import make_section
from tests.core.test_admin_access import signed_in


@pytest.fixture
def editor(app, users):
    return signed_in(app, users["editor"])


@pytest.fixture
def section(app):
    return make_section("yao-wen")


def news_form(section, **fields):
    data = {"title": "质量创新成果交流", "slug": "", "summary": "", "body": "<p>正文</p>", "section_id": section.id,
            "tags": "", "byline": "", "seo_title": "", "seo_description": "", "status": "draft",
            "publish_at": "", "note": "", "cover_id": ""}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def page_form(**fields):
    data = {"title": "关于我们", "slug": "", "body": "<p>简介</p>", "parent_id": "0",
            "status": "published", "publish_at": "", "cover_id": ""}
    data.update(fields)
    return data


def pages_count():
    return db.session.scalar(db.select(db.func.count(Page.id)))


def only_page():
    db.session.expire_all()
    return db.session.scalar(db.select(Page))


# -- access -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/pages/", "/admin/pages/new", "/admin/pages/tree", "/admin/sections/",
                                 "/admin/sections/new"])
def test_members_are_refused_and_visitors_sent_to_sign_in(app, users, url):
    member = signed_in(app, users["member"])
    assert member.get(url).status_code == 403
    response = app.test_client().get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_member_cannot_post_a_page(app, users, section):
    member = signed_in(app, users["member"])
    assert member.post("/admin/pages/new?kind=news", data=news_form(section)).status_code == 403
    assert pages_count() == 0


# -- creating and editing ---------------------------------------------------------


def test_editor_creates_a_news_post_with_a_pinyin_slug(editor, section, users):
    response = editor.post("/admin/pages/new?kind=news", data=news_form(section, tags="质量, 创新"))
    page = only_page()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/pages/{page.id}")
    assert page.slug == "zhi-liang-chuang-xin-cheng-guo-jiao-liu" and page.section_id == section.id
    assert page.author_id == users["editor"].id and [t.name for t in page.tags] == ["创新", "质量"]
    shown = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert "/news/zhi-liang-chuang-xin-cheng-guo-jiao-liu" in shown  # the address after saving
    assert 'value="zhi-liang-chuang-xin-cheng-guo-jiao-liu"' in shown


def test_the_editor_page_relaxes_only_style_src(editor, section):
    response = editor.get("/admin/pages/new?kind=news")
    csp = response.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
    html = response.get_data(as_text=True)
    assert "vendor/jodit/jodit.min.js" in html and 'data-editor="jodit"' in html
    assert "<script>" not in html  # no inline script; the textarea works without JavaScript
    assert re.search(r'<textarea[^>]*name="body"', html)


def test_publish_time_is_entered_in_beijing_time(editor, section):
    editor.post("/admin/pages/new?kind=news",
                data=news_form(section, status="scheduled", publish_at="2031-01-01T08:00"))
    assert only_page().publish_at == datetime(2031, 1, 1, 0, 0)
    page = only_page()
    assert 'value="2031-01-01T08:00:00"' in editor.get(f"/admin/pages/{page.id}").get_data(as_text=True)


def test_a_body_script_is_removed_on_save(editor, section):
    editor.post("/admin/pages/new?kind=news",
                data=news_form(section, body='<p>好<script>alert("x")</script><img src=x onerror=alert(1)></p>'))
    body = only_page().body
    assert "script" not in body and "onerror" not in body and "<p>好" in body


@pytest.mark.parametrize(
    "kind, fields, message",
    [
        ("news", {"title": ""}, "This field is required."),
        ("news", {"slug": "Bad Slug!"}, "Use only lowercase letters, digits and single hyphens"),
        ("page", {"slug": "admin"}, "The address /admin is reserved for the site itself."),
        ("news", {"status": "scheduled", "publish_at": "2001-01-01T08:00"},
         "The publish time of a scheduled page must lie in the future."),
        ("news", {"status": "scheduled"}, "A scheduled page needs a publish time."),
        ("news", {"publish_at": "not a time"}, "Not a valid datetime value."),
        ("news", {"section_id": "0"}, "Choose the section of this news post."),
    ],
)
def test_bad_input_re_renders_with_a_message_and_saves_nothing(editor, section, kind, fields, message):
    data = news_form(section, **fields) if kind == "news" else page_form(**fields)
    response = editor.post(f"/admin/pages/new?kind={kind}", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="field has-error"' in html
    assert pages_count() == 0


def test_a_parent_cycle_re_renders_with_a_message(app, editor, users):
    top = save_page(Page(), {"kind": "page", "title": "上", "slug": "top"}, users["editor"])
    child = save_page(Page(), {"kind": "page", "title": "下", "slug": "child", "parent_id": top.id}, users["editor"])
    top_id, child_id = top.id, child.id
    response = editor.post(f"/admin/pages/{top_id}", data=page_form(title="上", slug="top", parent_id=child_id,
                                                                     base_revision="1"))
    assert response.status_code == 200
    # The form offers no descendant as parent, so the choice itself is refused.
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Page, top_id).parent_id is None


def test_someone_elses_save_in_between_is_refused_and_the_input_kept(editor, section, users):
    editor.post("/admin/pages/new?kind=news", data=news_form(section))
    page = only_page()
    form_html = editor.get(f"/admin/pages/{page.id}").get_data(as_text=True)
    assert re.search(r'name="base_revision"[^>]*value="1"', form_html)
    save_page(page, {"title": "同事的修改"}, users["admin"])  # revision 2, saved meanwhile

    mine = news_form(section, title="我的修改", body="<p>我写的很长一段</p>", base_revision="1")
    response = editor.post(f"/admin/pages/{page.id}", data=mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else saved this page (revision #2)" in html
    assert 'value="我的修改"' in html and "我写的很长一段" in html
    assert re.search(r'name="base_revision"[^>]*value="2"', html)  # saving again is a deliberate choice
    assert only_page().title == "同事的修改"

    assert editor.post(f"/admin/pages/{page.id}", data={**mine, "base_revision": "2"}).status_code == 302
    assert only_page().title == "我的修改"


# -- revisions --------------------------------------------------------------------


def make_history(editor, section):
    editor.post("/admin/pages/new?kind=news", data=news_form(section, body="<p>第一版</p>", note="初稿"))
    page = only_page()
    editor.post(f"/admin/pages/{page.id}",
                data=news_form(section, title="<b>新标题</b>", body="<p>第二版</p>", base_revision="1", note="改稿"))
    return only_page()


def test_revision_history_lists_who_when_and_note(editor, section):
    page = make_history(editor, section)
    html = editor.get(f"/admin/pages/{page.id}/revisions").get_data(as_text=True)
    assert 'id="revision-1"' in html and 'id="revision-2"' in html
    assert "初稿" in html and "改稿" in html and "Editor User" in html


def test_compare_shows_the_changed_fields_escaped(editor, section):
    page = make_history(editor, section)
    html = editor.get(f"/admin/pages/{page.id}/revisions/compare?a=1&b=2").get_data(as_text=True)
    assert '<span class="diff-del">- 质量创新成果交流</span>' in html
    assert '<span class="diff-add">+ &lt;b&gt;新标题&lt;/b&gt;</span>' in html
    assert "&lt;p&gt;第二版&lt;/p&gt;" in html and "<b>新标题" not in html
    assert ">Summary<" not in html  # unchanged fields are left out
    assert editor.get(f"/admin/pages/{page.id}/revisions/compare?a=1&b=9").status_code == 404


def test_restore_needs_a_post_and_records_a_new_revision(editor, section):
    page = make_history(editor, section)
    confirm = editor.get(f"/admin/pages/{page.id}/revisions/1/restore")
    assert confirm.status_code == 200 and 'id="confirm-restore"' in confirm.get_data(as_text=True)
    assert only_page().title == "<b>新标题</b>"
    response = editor.post(f"/admin/pages/{page.id}/revisions/1/restore")
    assert response.status_code == 302
    page = only_page()
    assert page.title == "质量创新成果交流" and page.body == "<p>第一版</p>"
    assert [(r.number, r.note) for r in page.revisions][:1] == [(3, "Restored from #1")]


def test_restore_checks_the_csrf_token(app, users, section):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = save_page(Page(), {"kind": "news", "title": "甲", "section_id": section.id}, users["editor"])
        save_page(page, {"title": "乙"}, users["editor"])
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        client.post("/login", data={"email": users["editor"].email, "password": "correct horse battery",
                                    "csrf_token": token})
        assert client.post(f"/admin/pages/{page.id}/revisions/1/restore").status_code == 400
        db.session.expire_all()
        assert db.session.get(Page, page.id).title == "乙"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# -- list, tree, preview, delete --------------------------------------------------


def test_the_list_filters_by_kind_section_status_and_text(editor, section, users):
    author = users["editor"]
    save_page(Page(), {"kind": "news", "title": "质量月启动", "section_id": section.id, "status": "published"}, author)
    save_page(Page(), {"kind": "news", "title": "品牌故事大赛", "section_id": section.id}, author)
    save_page(Page(), {"kind": "page", "title": "关于协会"}, author)

    def titles(query):
        html = editor.get("/admin/pages/" + query).get_data(as_text=True)
        return {t for t in ("质量月启动", "品牌故事大赛", "关于协会") if t in html}

    assert titles("") == {"质量月启动", "品牌故事大赛", "关于协会"}
    assert titles("?kind=news") == {"质量月启动", "品牌故事大赛"}
    assert titles("?kind=page") == {"关于协会"}
    assert titles(f"?section={section.id}&status=published") == {"质量月启动"}
    assert titles("?q=品牌") == {"品牌故事大赛"}


def test_the_tree_orders_fixed_pages(editor, users):
    for title in ("一", "二", "三"):
        save_page(Page(), {"kind": "page", "title": title, "status": "published"}, users["editor"])
    third = db.session.scalar(db.select(Page).where(Page.title == "三"))
    editor.post(f"/admin/pages/{third.id}/move/up")
    html = editor.get("/admin/pages/tree").get_data(as_text=True)
    assert html.index(">一<") < html.index(">三<") < html.index(">二<")
    assert editor.post(f"/admin/pages/{third.id}/move/sideways").status_code == 404


def test_preview_shows_a_draft_to_the_editor(editor, section, users):
    page = save_page(Page(), {"kind": "news", "title": "草稿新闻", "section_id": section.id,
                              "body": "<p>尚未发布的正文</p>"}, users["editor"])
    assert "尚未发布的正文" in editor.get(f"/admin/pages/{page.id}/preview", follow_redirects=True).get_data(
        as_text=True
    )


def test_delete_asks_then_removes(editor, section, users):
    page = save_page(Page(), {"kind": "news", "title": "要删除的", "section_id": section.id}, users["editor"])
    assert editor.get(f"/admin/pages/{page.id}/delete").status_code == 200
    assert editor.post(f"/admin/pages/{page.id}/delete").status_code == 302
    assert pages_count() == 0 and db.session.scalar(db.select(db.func.count(PageRevision.id))) == 0


# -- old slugs answer 301 -----------------------------------------------------------


def test_an_old_news_slug_redirects_permanently(app, editor, section):
    editor.post("/admin/pages/new?kind=news", data=news_form(section, slug="old-slug", status="published"))
    page = only_page()
    editor.post(f"/admin/pages/{page.id}", data=news_form(section, slug="new-slug", status="published",
                                                          base_revision="1"))
    assert db.session.scalar(db.select(SlugRedirect.old_path)) == "news/old-slug"
    response = app.test_client().get("/news/old-slug")
    assert response.status_code == 301 and response.headers["Location"].endswith("/news/new-slug")
    assert app.test_client().get("/news/new-slug").status_code == 200


def test_an_old_page_path_redirects_permanently(app, users):
    author = users["editor"]
    about = save_page(Page(), {"kind": "page", "title": "关于", "slug": "about", "status": "published"}, author)
    team = save_page(Page(), {"kind": "page", "title": "团队", "slug": "team", "parent_id": about.id,
                              "status": "published"}, author)
    save_page(about, {"slug": "xie-hui"}, author)
    client = app.test_client()
    response = client.get("/about/team")
    assert response.status_code == 301 and response.headers["Location"].endswith("/xie-hui/team")
    assert team.path == "xie-hui/team"


# -- sections ---------------------------------------------------------------------


def test_sections_are_created_with_a_pinyin_slug_and_reordered(editor):
    assert editor.post("/admin/sections/new", data={"title": "封面关注", "title_en": "Cover focus",
                                                   "on_home": "y"}).status_code == 302
    editor.post("/admin/sections/new", data={"title": "特别关注"})
    cover, special = db.session.scalars(db.select(Section).order_by(Section.position)).all()
    assert (cover.slug, cover.title_en, cover.on_home) == ("feng-mian-guan-zhu", "Cover focus", True)
    assert special.slug == "te-bie-guan-zhu" and special.on_home is False
    editor.post(f"/admin/sections/{special.id}/move/up")
    db.session.expire_all()
    assert db.session.scalars(db.select(Section.title).order_by(Section.position)).all() == ["特别关注", "封面关注"]


def test_a_second_section_of_the_same_title_gets_a_numbered_slug(editor, section):
    assert editor.post("/admin/sections/new", data={"title": "要闻"}).status_code == 302
    assert db.session.scalars(db.select(Section.slug).order_by(Section.id)).all() == ["yao-wen", "yao-wen-2"]


@pytest.mark.parametrize("slug, message", [("Bad!", "Use only lowercase"), ("yao-wen", "Another section already")])
def test_bad_section_slugs_are_refused(editor, section, slug, message):
    response = editor.post("/admin/sections/new", data={"title": "新栏目", "slug": slug})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Section.id))) == 1


def test_a_section_with_posts_is_deleted_only_after_moving_them(editor, section, users):
    post = save_page(Page(), {"kind": "news", "title": "稿件", "section_id": section.id}, users["editor"])
    other = Section(slug="other", title="其他")
    db.session.add(other)
    db.session.commit()
    response = editor.post(f"/admin/sections/{section.id}/delete", data={"move_to": "0"})
    assert response.status_code == 200 and "choose a section to move them to" in response.get_data(as_text=True)
    assert db.session.get(Section, section.id) is not None
    response = editor.post(f"/admin/sections/{section.id}/delete", data={"move_to": str(other.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Section, section.id) is None
    assert db.session.get(Page, post.id).section_id == other.id


def test_an_empty_section_is_deleted(editor, section):
    assert editor.post(f"/admin/sections/{section.id}/delete", data={"move_to": "0"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Section.id))) == 0


def test_compare_names_sections_and_statuses_instead_of_ids(editor, section, users):
    other = Section(slug="feng-mian", title="封面关注")
    db.session.add(other)
    db.session.commit()
    page = save_page(Page(), {"kind": "news", "title": "稿件", "section_id": section.id}, users["editor"])
    save_page(page, {"section_id": other.id, "status": "published", "featured": True}, users["editor"])
    html = editor.get(f"/admin/pages/{page.id}/revisions/compare?a=2&b=1").get_data(as_text=True)
    assert f"- 要闻 (#{section.id})" in html and f"+ 封面关注 (#{other.id})" in html
    assert "- Draft" in html and "+ Published" in html and "+ Yes" in html


def test_a_sub_page_starts_under_its_parent(editor, users):
    about = save_page(Page(), {"kind": "page", "title": "关于", "slug": "about"}, users["editor"])
    html = editor.get(f"/admin/pages/{about.id}").get_data(as_text=True)
    assert f"/admin/pages/new?kind=page&amp;parent={about.id}" in html
    form = editor.get(f"/admin/pages/new?kind=page&parent={about.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{about.id}">|<option value="{about.id}" selected>', form)
    editor.post("/admin/pages/new?kind=page", data=page_form(title="团队", parent_id=str(about.id)))
    team = db.session.scalar(db.select(Page).where(Page.title == "团队"))
    assert team.parent_id == about.id and team.path == "about/tuan-dui"
