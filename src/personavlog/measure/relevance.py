"""Theme relevance of a script: MiniLM (all-MiniLM-L6-v2) cosine similarity between the theme and the text.

Range -1..1, higher is better; unrelated text scores near 0.1, text about the theme 0.5-0.8.
"""

from __future__ import annotations

from personavlog.measure.text_embedding import encoder


def theme_relevance(theme: str, text: str) -> float:
    theme_vec, text_vec = encoder().encode([theme, text])
    return float(theme_vec @ text_vec)


def theme_relevance_many(theme: str, texts: list[str]) -> list[float]:
    vectors = encoder().encode([theme, *texts])
    return [float(vectors[0] @ v) for v in vectors[1:]]
