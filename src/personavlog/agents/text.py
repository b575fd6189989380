"""Small text helpers the agents use to clean and check what the model wrote."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_STOPWORD_TEXT = (
    "a an the and or but of in on at to for from with by into onto over under about after before during "
    "my your our their his her its this that these those is are was were be been being it i me we you "
    "day days time some any one very just as up down out off than then so"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[A-Za-z\u00C0-\u024F']+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def clean_text(text: str) -> str:
    """One line of plain prose: no emojis or other symbols, no hashtags, no quotes, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"#\w+", " ", text)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("S", "C")) or ch in "\t\n")
    text = re.sub('["\u201c\u201d\u00ab\u00bb`*_]', "", text)
    text = re.sub(r"(?<![A-Za-z])'|'(?![A-Za-z])", "", text)  # quote marks, not apostrophes
    text = " ".join(text.split())
    return re.sub(r"\s+([,.!?;:])", r"\1", text).strip(" ,;:-")


def without_asides(text: str) -> str:
    """The text less any bracketed aside: a stage direction such as "(melancholic)" is never said or filmed."""
    return _tight(re.sub(r"\s*[(\[][^()\[\]]*[)\]]", "", text))


_YEARS = re.compile(r"\b(?:1[89]|20)\d\d(?:\s*[-–/]\s*(?:(?:1[89]|20)?\d\d))?\b(?!s|'s)")
_DATED_SUFFIX = re.compile(r"\s*(?:[-–:|,]\s*)?\(?\s*" + _YEARS.pattern + r"\s*\)?\s*[.]?$")


def without_year_suffix(title: str) -> str:
    """A title less a trailing year or season the model copied from a web page ("... - 2015-2016", "... (2019)");
    a year inside the title ("Summer 2019 in Lisbon") is kept."""
    return _DATED_SUFFIX.sub("", title).rstrip(" -–:|,") or title


_SET_OFF_YEAR = re.compile(r"(?:(?<![\d\s])\s+[-–|]\s*\(?|\s*\()\s*" + _YEARS.pattern + r"\s*\)?\s*(?=[.!?]?$)")


def without_dated_tail(sentence: str) -> str:
    """A sentence less a year or season set off at its end, as a web page dates an entry ("A rainy afternoon at a
    Parisian cafe - 2015-2016." → "A rainy afternoon at a Parisian cafe."); "It was the summer of 2019." stays."""
    return _SET_OFF_YEAR.sub("", sentence).strip() or sentence


def without_years(text: str) -> str:
    """A place less any year in it ("a café in Paris, with 2015-2016" → "a café in Paris, with"): a place is painted,
    and no year can be; decades ("the 1920s bar") stay."""
    return _tight(_YEARS.sub("", text))


def _tight(text: str) -> str:
    """Single spaces, and none before punctuation: what is left after words were taken out."""
    return " ".join(re.sub(r"\s+([,.!?;:])", r"\1", text).split())


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(text.split())


def keywords(text: str) -> list[str]:
    """Content words of a theme, lower-cased, in order, without duplicates."""
    found = [w.lower().strip("'") for w in words(text)]
    return list(dict.fromkeys(w for w in found if len(w) >= 3 and w not in _STOPWORDS))


def _stem(word: str) -> str:
    return unicodedata.normalize("NFKD", word.lower()).encode("ascii", "ignore").decode()[:4]


def keyword_coverage(keys: Iterable[str], text: str) -> float:
    """Share of `keys` that appear in `text`, on 4-letter stems (so "rainy" finds "rain" and "cafés" finds "café")."""
    keys = list(keys)
    if not keys:
        return 1.0
    stems = {_stem(w) for w in words(text)}
    return sum(1 for k in keys if _stem(k) in stems) / len(keys)


def missing_theme_words(theme: str, text: str) -> list[str]:
    """The theme's content words that `text` never uses (on 4-letter stems)."""
    return [word for word in keywords(theme) if keyword_coverage([word], text) == 0]


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def trim_to_words(text: str, limit: int) -> str:
    """Cut at the last sentence end that keeps `text` within `limit` words; cut mid-sentence only when one sentence
    alone is too long (then finish it with a full stop)."""
    if word_count(text) <= limit:
        return text
    kept: list[str] = []
    for sentence in sentences(text):
        if word_count(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    if kept:
        return " ".join(kept)
    return complete_sentences(" ".join(text.split()[:limit]), max_sentences=limit)


def normalised(text: str) -> str:
    """For duplicate checks: lower case, letters and digits only."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def shingles(text: str, n: int = 6) -> set[tuple[str, ...]]:
    tokens = [w.lower() for w in words(text)]
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def copies_from(text: str, source_shingles: set[tuple[str, ...]], n: int = 6) -> bool:
    """Whether `text` repeats `n` words in a row from the source (small models like to copy their examples)."""
    return not shingles(text, n).isdisjoint(source_shingles)


_DANGLING = frozenset(_STOPWORD_TEXT.split()) - {"it", "me", "you", "up", "down", "out", "off", "so", "then"}


def complete_sentences(text: str, max_sentences: int = 2) -> str:
    """Drop a sentence the length limit cut off, keep at most `max_sentences`, and end with punctuation."""
    text = text.strip()
    parts = sentences(text)
    if parts and not parts[-1].endswith((".", "!", "?")) and len(parts) > 1:
        parts = parts[:-1]
    text = " ".join(parts[:max_sentences])
    if text and not text.endswith((".", "!", "?")):
        tokens = text.rstrip(",;:- ").split()
        while len(tokens) > 1 and tokens[-1].lower() in _DANGLING:
            tokens.pop()
        text = " ".join(tokens).rstrip(",;:-") + "."
    return text


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of the content words of two texts (0 = nothing shared, 1 = the same words)."""
    left, right = set(keywords(a)), set(keywords(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def whole_phrases(words: list[str], limit: int) -> list[str]:
    """The first `limit` words, less the phrase the limit falls inside: where the first word dropped goes on the
    last phrase kept (it is not a small word: an article, a preposition, a conjunction…), the words from the last
    small word on are dropped too ("… the table and hear | the chatter" keeps "… the table")."""
    if len(words) <= limit:
        return words
    kept = words[:limit]
    if words[limit].lower().strip(",;:.") in _DANGLING:
        return kept
    small = [i for i in range(2, limit) if kept[i].lower() in _DANGLING]
    return kept[: small[-1]] if small else kept


def tidy_phrase(text: str, max_words: int) -> str:
    """A fragment of at most `max_words`: whole comma clauses only, no dangling article or preposition at the end.

    A first clause longer than `max_words` leaves out the phrase the limit falls in (`whole_phrases`): "the band
    on the stage in a New | Orleans bar" becomes "the band on the stage", "buys a bag of oranges | from a stall"
    keeps every word."""
    clauses = [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]
    kept: list[str] = []
    for clause in clauses:
        if kept and word_count(", ".join([*kept, clause])) > max_words:
            break
        kept.append(clause)
    tokens = whole_phrases(", ".join(kept).split(), max_words)
    while len(tokens) > 1 and tokens[-1].lower().strip(",") in _DANGLING:
        tokens.pop()
    return " ".join(tokens).strip(" ,;:-.")


_ARTICLE = re.compile(r"^(?:a|an|the|my|our)\s+")


def parrots(line: str, theme: str) -> bool:
    """Whether a line repeats the theme's phrase word for word (less a leading article) instead of living it."""
    phrase = _ARTICLE.sub("", normalised(theme))
    return len(phrase.split()) >= 2 and f" {phrase} " in f" {normalised(line)} "
