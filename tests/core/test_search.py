"""Site search on SQLite (FTS5) and PostgreSQL (tsvector): Chinese, ranking, snippets, paging, visibility."""
import re
from datetime import timedelta

import pytest

from core import search as site_search
from core.extensions import db
from core.pages.models import Page
from core.pages.service import delete_page, save_page
from core.plugins import get_host
from core.search import SearchEntry, SearchSource
from core.users.models import utcnow
from tests.conftest import make_user
from tests.core.public_helpers import make_section
from tests.fixtures import add_notice

NEWS_BODY = (
    "<p>本周三，协会在会展中心召开年度质量评审会议，来自四十余家会员单位的专家参加。</p>"
    "<p>会议听取了各单位的质量管理报告，并对下一年度的培训计划进行了讨论。</p>"
)


@pytest.fixture
def editor(backend_app):
    return make_user("editor")


@pytest.fixture
def section(backend_app):
    return make_section("yao-wen")


def news(editor, section, title, body="<p>正文</p>", **data):
    fields = {"title": title, "body": body, "section_id": section.id, "status": "published"}
    fields.update(data)
    return save_page(Page(), fields, editor)


def fixed_page(editor, title, body, **data):
    return save_page(Page(), {"title": title, "body": body, "status": "published", **data}, editor)


def run(query, **kwargs):
    """search() as the /search view calls it (page URLs need a request)."""
    from flask import current_app

    with current_app.test_request_context("/search"):
        return site_search.search(query, **kwargs)


def titles(query, **kwargs):
    return [hit.title.striptags() for hit in run(query, **kwargs).items]


def test_a_chinese_news_item_is_found_by_a_two_character_word_from_its_body(backend_app, editor, section):
    post = news(editor, section, "协会召开年度会议", NEWS_BODY)
    for word in ("评审", "质量", "会员", "培训计划", "质"):
        assert titles(word) == ["协会召开年度会议"], word
    assert titles("评论") == []  # the words around it are not a match
    assert titles("评审 英语") == []  # every word must occur

    html = backend_app.test_client().get("/search", query_string={"q": "评审"}).get_data(as_text=True)
    assert f'href="/news/{post.slug}"' in html
    assert "<mark>评审</mark>" in html


def test_latin_words_match_whatever_their_case(backend_app, editor):
    fixed_page(editor, "About", "<p>The QUALITY association of the region.</p>")
    assert titles("quality Association") == ["About"]
    assert titles("qualities") == []


def test_a_title_match_ranks_above_a_body_match(backend_app, editor, section):
    news(editor, section, "会员单位名单公布", "<p>详见附件。</p>")
    news(editor, section, "协会召开年度会议", NEWS_BODY)
    news(editor, section, "培训通知", "<p>培训安排另行通知。</p>")
    assert titles("会员") == ["会员单位名单公布", "协会召开年度会议"]
    assert titles("培训") == ["培训通知", "协会召开年度会议"]


def test_snippets_escape_the_text_and_mark_the_word(backend_app, editor, section):
    body = "<p>" + "开场白。" * 60 + "&lt;script&gt;alert(1)&lt;/script&gt;示范市场评审结果公布。</p>"
    news(editor, section, "结果公布", body)
    html = backend_app.test_client().get("/search?q=评审").get_data(as_text=True)
    result = re.search(r'<p class="search-snippet">(.*?)</p>', html, re.S).group(1)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;示范市场<mark>评审</mark>结果公布" in result
    assert result.startswith("…")  # cut to the neighbourhood of the match
    assert len(re.sub(r"<[^>]+>|&\w+;", "x", result)) < 140


def test_results_come_a_page_at_a_time(backend_app, editor, section):
    backend_app.config["SEARCH_PER_PAGE"] = 5
    for number in range(12):
        news(editor, section, f"质量简讯第{number + 1}期", "<p>本期简讯。</p>")
    first, third = run("简讯"), run("简讯", page=3)
    assert (first.total, first.pages, len(first.items), len(third.items)) == (12, 3, 5, 2)
    all_titles = set()
    for page in (1, 2, 3):
        all_titles.update(titles("简讯", page=page))
    assert len(all_titles) == 12

    client = backend_app.test_client()
    html = client.get("/search?q=简讯&page=2").get_data(as_text=True)
    assert html.count('class="search-result"') == 5
    assert "/search?page=3&amp;q=" in html and "/search?page=1&amp;q=" in html
    assert client.get("/search?q=简讯&page=99").status_code == 200
    assert client.get("/search?q=简讯&page=-1").status_code == 200


def test_drafts_and_archived_pages_are_not_found_until_published(backend_app, editor, section):
    post = news(editor, section, "质量月活动草案", status="draft")
    news(editor, section, "往年质量月回顾", status="archived")
    assert titles("质量") == []
    save_page(post, {"status": "published"}, editor)
    assert titles("质量") == ["质量月活动草案"]
    save_page(post, {"status": "draft"}, editor)
    assert titles("质量") == []


def test_a_deleted_page_is_no_longer_found(backend_app, editor):
    page = fixed_page(editor, "联系我们", "<p>联系电话与地址。</p>")
    assert titles("联系") == ["联系我们"]
    delete_page(page)
    assert titles("联系") == []
    assert db.session.scalar(db.select(db.func.count(SearchEntry.id))) == 0


def test_a_scheduled_page_is_found_once_its_time_has_come(backend_app, editor, section, monkeypatch):
    publish_at = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    post = news(editor, section, "评审结果预告", status="scheduled", publish_at=publish_at.isoformat())
    client = backend_app.test_client()
    assert titles("评审") == []
    assert f"/news/{post.slug}" not in client.get("/search?q=评审").get_data(as_text=True)

    later = publish_at + timedelta(minutes=1)
    assert titles("评审", now=later) == ["评审结果预告"]
    monkeypatch.setattr(site_search, "utcnow", lambda: later)
    monkeypatch.setattr("core.pages.models.utcnow", lambda: later)
    assert f'href="/news/{post.slug}"' in client.get("/search?q=评审").get_data(as_text=True)


def test_a_page_url_follows_its_current_slug(backend_app, editor):
    parent = fixed_page(editor, "关于我们", "<p>协会简介</p>", slug="about")
    child = fixed_page(editor, "协会章程", "<p>章程全文</p>", parent_id=parent.id, slug="charter")
    assert [hit.url for hit in run("章程").items] == ["/about/charter"]
    save_page(parent, {"slug": "guanyu"}, editor)
    assert [hit.url for hit in run("章程").items] == [f"/guanyu/{child.slug}"]


def notices_found(query):
    return [hit.url for hit in run(query).items if hit.source == "announcements"]


def test_plugin_documents_are_found_only_while_the_plugin_is_enabled(backend_app):
    notice = add_notice(title="十佳示范市场评选", body="投票通道现已开放，欢迎参与评选。")
    assert notices_found("评选") == [f"/announcements/{notice.id}"]
    html = backend_app.test_client().get("/search?q=投票").get_data(as_text=True)
    assert f'href="/announcements/{notice.id}"' in html

    get_host().set_enabled("announcements", False)
    db.session.commit()
    assert notices_found("评选") == []
    assert f"/announcements/{notice.id}" not in backend_app.test_client().get("/search?q=投票").get_data(as_text=True)

    second = add_notice(title="评选结果公示", body="公示期七天。")
    get_host().set_enabled("announcements", True)  # enabling re-reads the plugin's documents
    db.session.commit()
    assert sorted(notices_found("评选")) == sorted([f"/announcements/{notice.id}", f"/announcements/{second.id}"])


def test_plugin_documents_are_refreshed_when_they_grow_old(backend_app):
    first = add_notice(title="品牌故事大赛启动", body="报名截止日期另行通知。")
    assert notices_found("报名") == [f"/announcements/{first.id}"]
    second = add_notice(title="品牌故事大赛报名提醒", body="请尽快报名。")
    db.session.delete(first)
    db.session.commit()
    assert notices_found("报名") == [f"/announcements/{first.id}"]  # read less than ten minutes ago

    source = db.session.get(SearchSource, "announcements")
    source.refreshed_at = utcnow() - timedelta(seconds=backend_app.config["SEARCH_REFRESH_SECONDS"] + 1)
    db.session.commit()
    assert notices_found("报名") == [f"/announcements/{second.id}"]


def test_a_failing_plugin_hook_does_not_break_search(backend_app, editor, monkeypatch):
    add_notice(title="质量月通知", body="通知正文。")
    fixed_page(editor, "质量方针", "<p>方针</p>")
    host = get_host()
    monkeypatch.setattr(host, "call_one", lambda *args, **kwargs: 1 / 0)
    assert titles("质量") == ["质量方针"]


def test_the_reindex_command_rebuilds_the_index(backend_app, editor, section):
    news(editor, section, "协会召开年度会议", NEWS_BODY)
    notice = add_notice(title="年度评审报名", body="报名表见附件。")
    db.session.execute(db.delete(SearchEntry))
    db.session.commit()
    assert titles("评审") == ["年度评审报名"]  # plugin documents come back by themselves, pages do not

    result = backend_app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 pages" in result.output
    assert sorted(titles("评审")) == sorted(["协会召开年度会议", "年度评审报名"])
    assert notices_found("评审") == [f"/announcements/{notice.id}"]


def test_the_empty_search_shows_the_form_and_long_queries_are_cut(backend_app):
    client = backend_app.test_client()
    html = client.get("/search").get_data(as_text=True)
    assert 'name="q"' in html and 'class="search-result"' not in html and "<mark>" not in html
    limit = backend_app.config["SEARCH_MAX_QUERY"]
    response = client.get("/search", query_string={"q": "质量" * limit})
    assert response.status_code == 200
    assert f'maxlength="{limit}"' in response.get_data(as_text=True)
    punctuation = client.get("/search?q=%21%21%21")  # nothing to look for: said so, like a search without hits
    assert punctuation.status_code == 200
    html = punctuation.get_data(as_text=True)
    assert '<p role="status">' in html and "“!!!”" in html and 'class="search-result"' not in html
    assert client.get("/search?q=%27%22%29%28*%3A").status_code == 200  # query syntax characters are harmless
