"""LLM clients: embedded llama.cpp and OpenAI-compatible HTTP, both answering prompts with JSON objects."""

from personavlog.llm.base import LLMClient, LLMOutputError, LLMResult, LLMUsage
from personavlog.llm.registry import make_llm, register_backend

__all__ = ["LLMClient", "LLMOutputError", "LLMResult", "LLMUsage", "make_llm", "register_backend"]
