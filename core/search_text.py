"""Text handling for site search: HTML to text, a tokenizer that works for Chinese, snippets.

Chinese is written without spaces, so neither SQLite's unicode61 tokenizer nor
PostgreSQL's parser can find the words in it. We tokenize in Python instead:
every run of CJK characters becomes its overlapping character bigrams
("质量评审" -> 质量 量评 评审; a one-character run stays one token) and every
other word is lowercased. The database then only sees space-separated tokens,
and a query tokenized the same way finds any two-character word.
"""
import re
import unicodedata
from html.parser import HTMLParser

from markupsafe import Markup, escape

# Han (with extensions and compatibility ideographs) and Japanese kana.
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_WORDS = re.compile(f"([{CJK}]+)|((?:(?![{CJK}])[^\\W_])+)")
_INLINE_TAGS = frozenset("a abbr b code em i mark s small span strong sub sup u".split())


def normalize(text):
    """Full-width letters and digits to ASCII, then case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def words(text):
    """(is_cjk, run) for every CJK run and every other word in the text."""
    for match in _WORDS.finditer(normalize(text)):
        yield (True, match.group(1)) if match.group(1) else (False, match.group(2))


def cjk_bigrams(run):
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


MAX_WORD = 60  # longer "words" are data (hashes, base64), not something anyone types


def tokenize(text):
    """The index tokens of a text, in order (duplicates kept: they count for ranking)."""
    tokens = []
    for is_cjk, run in words(text):
        if is_cjk:
            tokens.extend(cjk_bigrams(run))
        elif len(run) <= MAX_WORD:
            tokens.append(run)
    return tokens


def query_terms(text, limit=20):
    """The distinct tokens a query must all match, each with whether it is a prefix.

    A single CJK character is matched as a prefix of the bigrams that start
    with it, since a one-character word mostly sits inside longer runs.
    """
    terms = []
    for is_cjk, run in words(text):
        for token in cjk_bigrams(run) if is_cjk else [run]:
            term = (token, is_cjk and len(token) == 1)
            if term not in terms:
                terms.append(term)
    return terms[:limit]


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")
        if tag == "img":  # an image's description is part of what the page says
            self.parts.extend(f" {value} " for name, value in attrs if name == "alt" and value)

    def handle_endtag(self, tag):
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(html):
    """Visible text of (sanitised) HTML, with blocks separated by spaces."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    return collapse_spaces("".join(parser.parts))


def collapse_spaces(text):
    return re.sub(r"\s+", " ", text).strip()


# -- highlighting ----------------------------------------------------------------


def _highlighter(query):
    """A regex matching what the query asked for in original text: its CJK runs
    and their bigrams, and its other words, longest first."""
    pieces = set()
    for is_cjk, run in words(query):
        pieces.add(run)
        if is_cjk:
            pieces.update(cjk_bigrams(run))
    if not pieces:
        return None
    ordered = sorted(pieces, key=len, reverse=True)
    return re.compile("|".join(re.escape(piece) for piece in ordered), re.IGNORECASE)


def _marked(text, pattern):
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def highlight(text, query):
    """The whole text, escaped, with matches wrapped in <mark>."""
    pattern = _highlighter(query)
    return _marked(text, pattern) if pattern else escape(text)


def snippet(text, query, width=120):
    """About ``width`` characters around the first match, escaped, matches in <mark>."""
    text = collapse_spaces(text or "")
    pattern = _highlighter(query)
    first = pattern.search(text) if pattern else None
    start = 0
    if first is not None:
        start = max(0, first.start() - width // 3)
        start = min(start, max(0, len(text) - width))
    end = min(len(text), start + width)
    piece = text[start:end]
    marked = _marked(piece, pattern) if pattern else escape(piece)
    return Markup("").join([Markup("…") if start else "", marked, Markup("…") if end < len(text) else ""])
