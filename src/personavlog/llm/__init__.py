"""LLM clients: embedded llama.cpp and OpenAI-compatible HTTP, both answering prompts with JSON objects."""

from personavlog.backends import create_llm
from personavlog.llm.base import LLMClient, LLMOutputError, LLMResult, LLMUsage
from personavlog.llm.registry import make_llm

__all__ = ["LLMClient", "LLMOutputError", "LLMResult", "LLMUsage", "create_llm", "make_llm"]
