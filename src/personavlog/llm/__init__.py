"""LLM clients: embedded llama.cpp and OpenAI-compatible HTTP, both answering prompts with JSON objects."""

from personavlog.llm.base import LLMClient, LLMOutputError, LLMResult, LLMUsage

__all__ = ["LLMClient", "LLMOutputError", "LLMResult", "LLMUsage"]
