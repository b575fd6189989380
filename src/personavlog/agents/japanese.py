"""Japanese text for the writers and critics: lengths in characters, script checks, theme words, sentence cuts.

Japanese has no spaces, so a spoken line's length is its count of kana and kanji (a kana is one mora, a kanji
one or two): `CHARACTERS_PER_SECOND` of them is what the Kokoro voice says in a second at speed 1.0.
"""

from __future__ import annotations

import re
import unicodedata

from personavlog.measure.relevance import japanese_theme_share, japanese_theme_words

CHARACTERS_PER_SECOND = 4.5
"""The Kokoro jf_alpha voice at speed 1.0 says 4.9-5.4 characters a second over four travel lines, and 4.7-5.7
in a vlog's voice files (their edge silence and sentence pauses included): 4.5 leaves the shot some room."""

_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶー]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+|[^。！？!?]+$")


def is_japanese(language: str) -> bool:
    return language.split("-")[0].split("_")[0].lower() == "ja"


def spoken_length(text: str) -> int:
    """The kana and kanji a voice reads (punctuation, spaces and Latin letters left out)."""
    return len(_KANA_KANJI.findall(text))


def japanese_share(text: str) -> float:
    """The share of the letters in `text` that are kana or kanji (1.0 for a line wholly in Japanese script)."""
    letters = _LETTER.findall(text)
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _KANA_KANJI.match(ch)) / len(letters)


def clean_line(text: str) -> str:
    """One line of Japanese prose: full-width sentence marks, no quotes, brackets, symbols, spaces or line breaks."""
    text = unicodedata.normalize("NFKC", text).replace("!", "！").replace("?", "？").replace(".", "。")
    text = re.sub(r"([。！？])[。、]+", r"\1", text)
    text = re.sub(r"[「」『』()（）\[\]\"'`*_#~]", "", text)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("S", "C")))
    text = re.sub(r"\s+", "", text)
    return text.strip("、,・ ")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip("。！？!?")]


def whole_sentences(text: str, max_length: int) -> str:
    """`text` cut after its last complete sentence that keeps it within `max_length` spoken characters.

    A sentence the length limit cut off is dropped; when there is only that one, it is ended with "。"; when even
    the first sentence is too long, it ends at its last "、" within the limit.
    """
    parts = sentences(text)
    complete = [s for s in parts if s.endswith(("。", "！", "？"))]
    if not complete:
        body = text.rstrip("、")
        return f"{body}。" if body else ""
    kept: list[str] = []
    for sentence in complete:
        if spoken_length("".join([*kept, sentence])) > max_length:
            break
        kept.append(sentence)
    return "".join(kept) or _cut_at_comma(complete[0], max_length)


def _cut_at_comma(sentence: str, max_length: int) -> str:
    """A sentence too long for the limit, ended at its last "、" within it (kept whole when there is none)."""
    clauses = sentence.rstrip("。！？").split("、")
    kept: list[str] = []
    for clause in clauses:
        if kept and spoken_length("、".join([*kept, clause])) > max_length:
            break
        kept.append(clause)
    return "、".join(kept) + "。" if len(kept) < len(clauses) else sentence


def theme_words(theme: str) -> list[str]:
    return japanese_theme_words(theme)


def theme_coverage(theme: str, text: str) -> float:
    return japanese_theme_share(theme, text)


def missing_words(theme: str, text: str) -> list[str]:
    return [word for word in theme_words(theme) if word not in text]


def shingles(text: str, n: int = 5) -> set[str]:
    """Runs of `n` kana and kanji in a row (what copying an example or an earlier line looks like)."""
    letters = "".join(_KANA_KANJI.findall(text))
    return {letters[i : i + n] for i in range(len(letters) - n + 1)}
