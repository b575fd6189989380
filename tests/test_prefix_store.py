"""The embedded model's state after an agent's fixed prompt, kept on disk: the same answers, less to evaluate."""

from __future__ import annotations

from pathlib import Path

import pytest

from personavlog.agents.base import fixed_length, render
from personavlog.config import LLMSettings
from personavlog.llm.llamacpp import LlamaCppClient
from personavlog.llm.sampling import PROMPT_BLOCK, ConstrainedSampler

SCHEMA = {
    "type": "object",
    "properties": {"details": {"type": "string", "maxLength": 60}, "motion": {"type": "string", "maxLength": 50}},
    "required": ["details", "motion"],
    "additionalProperties": False,
}
FIXED = fixed_length("visual.txt")
OTHER = 'Theme: a quiet library\nAnswer: {"details": "'


def _visual_prompt(theme: str, place: str) -> str:
    return render("visual.txt", theme=theme, place=place, action="looks around and smiles", notes="") + "Visual:"


CAFE = _visual_prompt("a rainy afternoon in a Paris café", "a small café by the window, day, rain")
SNOW = _visual_prompt("the first snowfall in a mountain village", "a village square under snow, dusk, snow")


class EvaluationSpy:
    """Records where in the context each evaluation the model makes begins (wraps the sampler's real decode)."""

    def __init__(self, client: LlamaCppClient, monkeypatch: pytest.MonkeyPatch):
        self.starts: list[int] = []
        llama = client._contexts().contexts[0].llama
        real = ConstrainedSampler._decode

        def spied(sampler: ConstrainedSampler, tokens: list[int], logits: bool) -> None:
            if sampler.llama is llama:
                self.starts.append(llama.n_tokens)
            real(sampler, tokens, logits)

        monkeypatch.setattr(ConstrainedSampler, "_decode", spied)


def _client(cache: Path, monkeypatch: pytest.MonkeyPatch, *, prefix_cache: bool = True) -> LlamaCppClient:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return LlamaCppClient(LLMSettings(prefix_cache=prefix_cache))


def _ask(client: LlamaCppClient, prompt: str, seed: int = 9) -> str:
    return client.complete_json(prompt, SCHEMA, seed=seed, max_tokens=90, fixed_chars=FIXED).text


def test_the_fixed_prefix_is_saved_once_restored_later_and_changes_no_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _client(tmp_path / "off", monkeypatch, prefix_cache=False)
    _ask(plain, OTHER)
    expected = {prompt: _ask(plain, prompt) for prompt in (CAFE, SNOW)}
    assert not (tmp_path / "off").exists(), "with prefix_cache off nothing is written"

    client = _client(tmp_path / "on", monkeypatch)
    _ask(client, OTHER)
    assert _ask(client, CAFE) == expected[CAFE]
    (saved,) = (tmp_path / "on" / "personavlog" / "llm-prefix").rglob("*.kv")
    fixed_tokens = int(saved.name.split("-")[0])
    assert fixed_tokens >= 4 * PROMPT_BLOCK and fixed_tokens % PROMPT_BLOCK == 0
    prompt_tokens = len(client.tokenize(CAFE))
    assert fixed_tokens < prompt_tokens

    # Another prompt empties the model's memory of the fixed part; a new process would start the same way.
    _ask(client, OTHER)
    spy = EvaluationSpy(client, monkeypatch)
    assert _ask(client, SNOW) == expected[SNOW]
    assert spy.starts[0] == fixed_tokens, "the fixed part is read from disk, not evaluated again"
    assert len(list(saved.parent.glob("*.kv"))) == 1, "the other theme shares the same prefix file"
    assert not list(saved.parent.glob(".*.tmp")), "no half-written state file remains"


def test_a_damaged_state_file_is_evaluated_again_with_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(tmp_path, monkeypatch)
    _ask(client, OTHER)  # the model is shared in this process: start from a state without the fixed part
    first = _ask(client, CAFE, seed=4)
    (saved,) = tmp_path.rglob("*.kv")
    saved.write_bytes(saved.read_bytes()[: saved.stat().st_size // 3])
    _ask(client, OTHER)
    spy = EvaluationSpy(client, monkeypatch)
    assert _ask(client, CAFE, seed=4) == first
    assert spy.starts[0] == 0
