"""The earlier name of `personavlog.backends.create_llm`, kept while callers move to it."""

from __future__ import annotations

from personavlog.backends import create_llm

make_llm = create_llm

__all__ = ["make_llm"]
