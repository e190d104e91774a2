"""The search tokenizer, text extraction and snippets (no database)."""
from core.search_text import highlight, html_to_text, query_terms, snippet, tokenize


def test_chinese_runs_become_overlapping_bigrams_and_words_are_lowercased():
    assert tokenize("质量评审 Hello, WORLD！2026年") == ["质量", "量评", "评审", "hello", "world", "2026", "年"]


def test_overlong_words_are_not_indexed():
    assert tokenize("key " + "a" * 61 + " 质") == ["key", "质"]


def test_full_width_letters_fold_to_ascii():
    assert tokenize("ＡＢＣ质量") == ["abc", "质量"]


def test_query_terms_are_distinct_and_a_lone_character_is_a_prefix():
    assert query_terms("评审 评审 Quality") == [("评审", False), ("quality", False)]
    assert query_terms("质") == [("质", True)]
    assert query_terms("!!! ，。") == []
    assert len(query_terms("".join(chr(0x4E00 + i) for i in range(40)), limit=20)) == 20


def test_html_to_text_separates_blocks_but_not_inline_markup():
    html = "<h2>年度</h2><p>质量<strong>评审</strong></p><p>second&amp;third</p><img src=/a.png alt=合影>"
    assert html_to_text(html) == "年度 质量评审 second&third 合影"


def test_snippet_escapes_everything_and_marks_the_matches():
    text = "前言" * 100 + "<script>alert(1)</script> 年度质量评审会议召开" + "后记" * 100
    result = snippet(text, "评审")
    assert "<script>" not in result
    assert "&lt;script&gt;" in result
    assert "<mark>评审</mark>" in result
    assert result.startswith("…") and result.endswith("…")
    assert 100 <= len(result.striptags()) <= 125  # about 120 characters of text


def test_snippet_without_a_match_shows_the_beginning():
    assert snippet("short text", "absent") == "short text"


def test_highlight_is_case_insensitive_and_escapes():
    assert highlight("Quality <b>month</b>", "QUALITY") == "<mark>Quality</mark> &lt;b&gt;month&lt;/b&gt;"
