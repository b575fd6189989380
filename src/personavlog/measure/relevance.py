"""Theme relevance of a script: MiniLM (all-MiniLM-L6-v2) cosine similarity between the theme and the text.

Range -1..1, higher is better; unrelated text scores near 0.1, text about the theme 0.5-0.8.

MiniLM was trained on English and cannot tell a Japanese text about the theme from one that is not (a Japanese
story about its theme scores about 0.15). For a theme written in Japanese the share of its words (runs of kanji
and of katakana) that the text uses stands in, on the same 0..1 scale and thresholds.
"""

from __future__ import annotations

import re

from personavlog.measure.text_embedding import encoder

_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\uffef々]")
_LETTER = re.compile(r"[^\W\d_]")
_THEME_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff々]+|[\u30a0-\u30ff]{2,}")


def is_japanese_text(text: str) -> bool:
    """Most of its letters are kana or kanji."""
    letters = _LETTER.findall(text)
    return bool(letters) and sum(1 for ch in letters if _KANA_KANJI.match(ch)) / len(letters) >= 0.5


def japanese_theme_words(theme: str) -> list[str]:
    """The content words of a Japanese theme: runs of kanji and of katakana ("桜の季節に京都を" -> 桜, 季節, 京都)."""
    return list(dict.fromkeys(_THEME_WORD.findall(theme)))


def japanese_theme_share(theme: str, text: str) -> float:
    """The share of the theme's words that `text` uses (1.0 when the theme has none)."""
    words = japanese_theme_words(theme)
    return sum(1 for word in words if word in text) / len(words) if words else 1.0


def theme_relevance(theme: str, text: str) -> float:
    (score,) = theme_relevance_many(theme, [text])
    return score


def theme_relevance_many(theme: str, texts: list[str]) -> list[float]:
    if is_japanese_text(theme):
        return [japanese_theme_share(theme, text) for text in texts]
    vectors = encoder().encode([theme, *texts])
    return [float(vectors[0] @ v) for v in vectors[1:]]
