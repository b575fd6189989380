"""The LLM layer: the embedded llama.cpp backend, the OpenAI-compatible backend (against a real llama.cpp server
and against a scripted loopback server for retries and fallbacks), and the registry."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from llm_server import ScriptedReply, chat_reply, free_port, llama_server, scripted_server
from personavlog.agents import AgentCallLog, write_music_brief
from personavlog.backends import create_llm
from personavlog.config import LLMSettings
from personavlog.errors import PersonaVlogError, StageError
from personavlog.llm import LLMClient, LLMOutputError
from personavlog.llm.base import ENDS_KEY, OPENS_KEY
from personavlog.llm.llamacpp import LlamaCppClient, default_model_path
from personavlog.llm.openai_compat import OpenAICompatClient
from personavlog.llm.sampling import SOFT_LIMIT_SLACK, ConstrainedSampler, top_k
from personavlog.schema import (
    CameraMove,
    Framing,
    LocationKind,
    Mood,
    MusicBrief,
    Shot,
    Story,
    Storyboard,
    TimeOfDay,
    VlogRequest,
    Weather,
)

SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3, "maxLength": 40},
        "mood": {"type": "string", "enum": ["calm", "tense", "joyful"]},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "minItems": 2, "maxItems": 2},
    },
    "required": ["title", "mood", "tags"],
    "additionalProperties": False,
}
SHOT_ITEM = {
    "type": "object",
    "properties": {"place": {"type": "string", "maxLength": 40}, "mood": {"enum": ["calm", "tense"]}},
    "required": ["place", "mood"],
}
SHOTS_SCHEMA = {
    "type": "object",
    "properties": {"shots": {"type": "array", "items": SHOT_ITEM, "minItems": 3, "maxItems": 3}},
    "required": ["shots"],
}
PROMPT = (
    'Theme: a morning at a fishing harbour\nAnswer: {"title": "Salt Before Sunrise", "mood": "calm", '
    '"tags": ["harbour", "dawn"]}\n\nTheme: a rainy afternoon in a Paris cafe\nAnswer:'
)


@pytest.fixture(scope="module")
def embedded() -> LlamaCppClient:
    client = create_llm(LLMSettings())
    assert isinstance(client, LlamaCppClient)
    return client


def test_registry_builds_each_backend_and_rejects_unknown(embedded: LlamaCppClient) -> None:
    assert isinstance(embedded, LLMClient)
    assert embedded.name == "llamacpp" and embedded.model.endswith(".gguf") and not embedded.vision
    remote = create_llm(LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1", vision=True))
    assert isinstance(remote, OpenAICompatClient) and remote.vision
    bogus = LLMSettings.model_construct(backend="nope")
    with pytest.raises(PersonaVlogError, match="unknown LLM backend"):
        create_llm(bogus)


def test_embedded_answers_with_schema_shaped_json(embedded: LlamaCppClient) -> None:
    result = embedded.complete_json(PROMPT, SCHEMA, seed=5, max_tokens=80)
    assert set(result.parsed) == {"title", "mood", "tags"}
    assert result.parsed["mood"] in {"calm", "tense", "joyful"}
    assert 3 <= len(result.parsed["title"]) <= 40 + SOFT_LIMIT_SLACK  # a soft limit: the last word is finished
    assert len(result.parsed["tags"]) == 2
    assert json.loads(result.text, strict=False) == result.parsed
    assert result.backend == "llamacpp" and result.usage.prompt_tokens > 40 and result.usage.completion_tokens > 0


def test_embedded_is_seeded_whatever_was_cached_before(embedded: LlamaCppClient) -> None:
    first = embedded.complete_json(PROMPT, SCHEMA, seed=11, max_tokens=80)
    embedded.complete_json(PROMPT.replace("Paris cafe", "Tokyo office"), SCHEMA, seed=3, max_tokens=80)
    again = embedded.complete_json(PROMPT, SCHEMA, seed=11, max_tokens=80)
    assert again.text == first.text
    others = {embedded.complete_json(PROMPT, SCHEMA, seed=s, max_tokens=80).text for s in (12, 13, 14)}
    assert len(others | {first.text}) > 1, "different seeds should be able to give different answers"


def test_embedded_reports_truncation_as_an_output_error(embedded: LlamaCppClient) -> None:
    with pytest.raises(LLMOutputError, match="ran out of tokens"):
        embedded.complete_json(PROMPT, SCHEMA, seed=1, max_tokens=3)


def test_a_length_limit_ends_a_string_on_a_whole_word(embedded: LlamaCppClient) -> None:
    def title(limit: int) -> str:
        schema = {
            "type": "object",
            "properties": {"title": {"type": "string", "minLength": 3, "maxLength": limit}},
            "required": ["title"],
        }
        return embedded.complete_json(PROMPT, schema, seed=9, max_tokens=80).parsed["title"]

    free = title(400)
    for limit in (6, 12):
        short = title(limit)
        assert len(short) >= limit or short == free
        # the same seed writes the same words: the short title is the long one stopped at a word's end
        assert free.startswith(short) and (len(free) == len(short) or not free[len(short)].isalnum())


def test_a_string_marked_as_sentences_ends_on_a_whole_sentence(embedded: LlamaCppClient) -> None:
    prompt = (
        'Diary: {"entry": "I walk to the harbour at dawn. The boats are back, and the gulls are loud."}\n\n'
        'Diary: {"entry": "The train is late again. I read my book on the cold platform."}\n\nDiary:'
    )

    def entry(limit: int) -> str:
        field = {"type": "string", "minLength": 3, "maxLength": limit, ENDS_KEY: "sentence"}
        schema = {"type": "object", "properties": {"entry": field}, "required": ["entry"]}
        return embedded.complete_json(prompt, schema, seed=2, max_tokens=120).parsed["entry"]

    free = entry(300)
    short = entry(12)
    assert free.startswith(short) and (short == free or short.endswith((".", "!", "?"))), (short, free)


def test_a_sentence_still_unfinished_at_the_slack_is_cut_where_a_clause_ends(embedded: LlamaCppClient) -> None:
    """Examples of run-on sentences, a 12-character limit: a line that has not finished its sentence when the
    grammar closes it is cut back to where the model would have ended the phrase, never after "is" or "the"."""
    prompt = (
        'Diary: {"entry": "I walk along the harbour wall at dawn while the fishing boats come back in one after '
        "another and the gulls circle over the crates of silver sardines that the men carry up the ramp to the "
        'market hall"}\n\nDiary: {"entry": "The train is late again and I stand on the cold platform with my book '
        "open at the same page while the announcements repeat the same apology over and over and the wind comes "
        'through the station"}\n\nDiary:'
    )

    def entry(seed: int, limit: int, ends: bool) -> str:
        field: dict = {"type": "string", "minLength": 3, "maxLength": limit}
        if ends:
            field[ENDS_KEY] = "sentence"
        schema = {"type": "object", "properties": {"entry": field}, "required": ["entry"]}
        return str(embedded.complete_json(prompt, schema, seed=seed, max_tokens=160).parsed["entry"])

    cap = 12 + 2 * SOFT_LIMIT_SLACK
    for seed in (0, 3, 4):
        free, short = entry(seed, 600, False), entry(seed, 12, True)
        assert len(free.split(".")[0]) > cap and free.startswith(short) and 12 <= len(short) < cap, (short, free)
        assert short.split()[-1] not in {"a", "the", "of", "to", "in", "on", "at", "is", "was", "and", "with"}, short


def test_a_string_marked_with_an_opening_opens_with_it_and_ends_on_a_whole_word(embedded: LlamaCppClient) -> None:
    prompt = (
        'Shot: {"place": "the stone harbour wall of a fishing village", "mood": "calm"}\n\n'
        'Shot: {"place": "a crowded start line on a wide avenue", "mood": "tense"}\n\nShot:'
    )

    def place(opening: str | None, limit: int = 60) -> tuple[str, str]:
        field: dict = {"type": "string", "minLength": 8, "maxLength": limit}
        if opening:
            field[OPENS_KEY] = opening
        properties = {"place": field, "mood": {"type": "string", "enum": ["calm", "tense"]}}
        schema = {"type": "object", "properties": properties, "required": ["place", "mood"]}
        result = embedded.complete_json(prompt, schema, seed=5, max_tokens=80)
        return result.parsed["place"], result.text

    free, _ = place(None)
    opened, text = place("a small café")
    assert opened.startswith("a small café") and len(opened) > len("a small café"), opened
    assert not free.startswith("a small café")
    assert json.loads(text)["mood"] in {"calm", "tense"}  # the answer goes on after the opened string
    short, _ = place("a park", limit=12)
    # the limit counts the opening; past it the string ends where the model ends the phrase (not on "a park on the")
    assert short.startswith("a park ") and len(short) >= 12, short
    assert short.split()[-1] not in {"a", "the", "of", "on", "in", "at", "with"}, short


def test_a_length_limit_never_ends_a_string_inside_a_name(embedded: LlamaCppClient) -> None:
    """Past its limit a string ends at a word boundary only where the model would end it: "Los" goes on to
    "Angeles", and the shortened string is still the start of the free one."""
    prompt = (
        'Trip: {"city": "Hong Kong harbour at night"}\n\nTrip: {"city": "San Francisco in the fog"}\n\n'
        'Trip: {"city": "New York in the snow"}\n\nTrip: {"city": "Los Angeles at dawn"}\n\nTrip:'
    )

    def city(seed: int, limit: int) -> str:
        field = {"type": "string", "minLength": 2, "maxLength": limit}
        schema = {"type": "object", "properties": {"city": field}, "required": ["city"]}
        return str(embedded.complete_json(prompt, schema, seed=seed, max_tokens=40).parsed["city"])

    for seed in (0, 1, 3):
        free, short = city(seed, 400), city(seed, 3)
        assert len(free.split()) > 2 and free.startswith(short), (short, free)
        assert len(short.split()) >= 2, (short, free)  # "Los Angeles", "St. Louis": never "Los", "St."


def test_nested_objects_and_fixed_arrays_are_written_part_by_part(embedded: LlamaCppClient) -> None:
    result = embedded.complete_json(PROMPT, SHOTS_SCHEMA, seed=4, max_tokens=150)
    shots = result.parsed["shots"]
    assert len(shots) == 3 and all(set(s) == {"place", "mood"} and s["mood"] in {"calm", "tense"} for s in shots)
    assert result.usage.prompt_tokens > len(embedded.tokenize(PROMPT))  # the keys were fed


def test_the_output_layer_runs_only_where_a_token_is_sampled_and_the_answers_stay_the_same(
    embedded: LlamaCppClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ConstrainedSampler._decode
    runs: list[bool] = []

    def counted(sampler: ConstrainedSampler, tokens: list[int], logits: bool) -> None:
        runs.append(logits)
        real(sampler, tokens, logits)

    def answers() -> list[str]:
        shapes = (SCHEMA, SHOTS_SCHEMA)
        return [embedded.complete_json(PROMPT, shape, seed=seed).text for shape in shapes for seed in (1, 2)]

    monkeypatch.setattr(ConstrainedSampler, "_decode", counted)
    lazy = answers()
    lazy_outputs, lazy_runs = sum(runs), len(runs)
    runs.clear()
    monkeypatch.setattr(ConstrainedSampler, "_decode", lambda sampler, tokens, logits: counted(sampler, tokens, True))
    assert answers() == lazy  # every evaluation with its output layer, as llama-cpp-python's eval does
    assert len(runs) == lazy_runs  # the same batches, so the same numbers in the model's state
    assert lazy_outputs < 0.75 * sum(runs), (lazy_outputs, sum(runs))


def test_top_k_finds_the_same_tokens_as_a_full_partition() -> None:
    rng = np.random.default_rng(7)
    for trial in range(200):
        logits = (rng.standard_normal(262_144) * 3).astype(np.float32)
        if trial % 2:  # a few tokens far ahead of the rest, as after a fed key
            logits[rng.integers(0, len(logits), 30)] += 15
        for k in (1, 40):
            assert set(top_k(logits, k).tolist()) == set(np.argpartition(logits, -k)[-k:].tolist())
    small = np.arange(100, dtype=np.float32)
    assert sorted(top_k(small, 5).tolist()) == [95, 96, 97, 98, 99]


def test_embedded_refuses_images(embedded: LlamaCppClient, astronaut: Path) -> None:
    with pytest.raises(StageError, match="cannot read images"):
        embedded.complete_json(PROMPT, SCHEMA, seed=1, images=[astronaut])


def _tiny_board() -> tuple[Story, Storyboard]:
    story = Story(
        title="Rain on the Window",
        logline="I wait out the rain in a Paris cafe.",
        beats=[
            "I sit by the cafe window as rain starts.",
            "The waiter brings hot chocolate.",
            "The rain stops and I step into the wet street.",
        ],
    )
    moods = (Mood.CALM, Mood.PLAYFUL, Mood.HOPEFUL)
    shots = [
        Shot(
            id=i + 1,
            duration_s=5.0,
            location="a small cafe in Paris",
            location_kind=LocationKind.CAFE,
            time_of_day=TimeOfDay.DAY,
            weather=Weather.RAIN,
            action="sits by the window",
            camera=CameraMove.STATIC,
            framing=Framing.MEDIUM,
            mood=mood,
        )
        for i, mood in enumerate(moods)
    ]
    return story, Storyboard(shots=shots)


def test_openai_backend_against_a_real_llama_cpp_server() -> None:
    request = VlogRequest(theme="a rainy afternoon in a Paris cafe", reference=Path("ref.jpg"), duration_s=15)
    story, board = _tiny_board()
    with llama_server(default_model_path()) as base_url:
        client = create_llm(LLMSettings(backend="openai", base_url=base_url, max_retries=1, timeout_s=120))
        assert isinstance(client, OpenAICompatClient)
        result = client.complete_json(PROMPT, SCHEMA, seed=3, max_tokens=80)
        assert set(result.parsed) == {"title", "mood", "tags"} and result.backend == "openai"
        assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
        # llama.cpp's server accepts a JSON object with a schema, not OpenAI's json_schema: the client falls back.
        assert client.response_mode == "json_object"
        log = AgentCallLog()
        brief = write_music_brief(client, request, story, board, [], log=log)
    assert isinstance(brief, MusicBrief) and len(brief.energy) == len(board.shots)
    assert log.calls and all(call.backend == "openai" for call in log.calls)
    assert log.usage().completion_tokens > 0


def _settings(base_url: str, **overrides: object) -> LLMSettings:
    return LLMSettings(backend="openai", base_url=base_url, timeout_s=5, **overrides)


def test_openai_backend_retries_503_then_succeeds() -> None:
    replies = [ScriptedReply(503, {"error": {"message": "loading model"}}), chat_reply('{"title": "ok"}')]
    with scripted_server(replies) as server:
        client = OpenAICompatClient(_settings(server.base_url, max_retries=3), backoff_s=0.05)
        started = time.monotonic()
        result = client.complete_json("hi", {"type": "object"}, seed=1)
    assert result.parsed == {"title": "ok"}
    assert result.usage.prompt_tokens == 7 and result.usage.completion_tokens == 5
    assert len(server.requests) == 2 and time.monotonic() - started >= 0.05
    body = server.requests[0]["body"]
    assert server.requests[0]["path"] == "/v1/chat/completions"
    assert body["seed"] == 1 and body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}


def test_openai_backend_honours_retry_after_on_429() -> None:
    replies = [ScriptedReply(429, {"error": "slow down"}, {"Retry-After": "0.3"}), chat_reply('{"a": 1}')]
    with scripted_server(replies) as server:
        client = OpenAICompatClient(_settings(server.base_url, max_retries=2), backoff_s=0.01)
        started = time.monotonic()
        assert client.complete_json("hi", {"type": "object"}, seed=1).parsed == {"a": 1}
    assert time.monotonic() - started >= 0.3


def test_openai_backend_gives_up_after_max_retries_with_one_line() -> None:
    with scripted_server([ScriptedReply(500, {"error": {"message": "boom"}})]) as server:
        client = OpenAICompatClient(_settings(server.base_url, max_retries=2), backoff_s=0.01)
        with pytest.raises(StageError) as caught:
            client.complete_json("hi", {"type": "object"}, seed=1)
    assert len(server.requests) == 3
    assert "HTTP 500" in str(caught.value) and "boom" in str(caught.value) and "\n" not in str(caught.value)


def test_openai_backend_falls_back_from_json_schema_to_json_object_to_prompting() -> None:
    replies = [
        ScriptedReply(400, {"error": {"message": "response_format json_schema unsupported"}}),
        ScriptedReply(400, {"error": {"message": "response_format unsupported"}}),
        chat_reply('Sure! Here it is:\n```json\n{"title": "Rain"}\n```'),
    ]
    with scripted_server(replies) as server:
        client = OpenAICompatClient(_settings(server.base_url), backoff_s=0.01)
        result = client.complete_json("Write a title.", {"type": "object"}, seed=2)
        assert result.parsed == {"title": "Rain"} and client.response_mode == "prompt"
        client.complete_json("Again.", {"type": "object"}, seed=3)
    formats = [r["body"].get("response_format", {}).get("type") for r in server.requests]
    assert formats == ["json_schema", "json_object", None, None]
    assert "JSON schema" in server.requests[2]["body"]["messages"][0]["content"]


def test_openai_backend_reports_prose_as_an_output_error() -> None:
    with scripted_server([chat_reply("I cannot do that.")]) as server:
        client = OpenAICompatClient(_settings(server.base_url), backoff_s=0.01)
        with pytest.raises(LLMOutputError):
            client.complete_json("hi", {"type": "object"}, seed=1)


def test_openai_backend_sends_images_as_data_urls_and_the_key_as_bearer(
    astronaut: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PV_TEST_KEY", "sk-test-123")
    with scripted_server([chat_reply('{"hair": "short"}')]) as server:
        client = OpenAICompatClient(_settings(server.base_url, api_key_env="PV_TEST_KEY", vision=True))
        client.complete_json("Describe.", {"type": "object"}, seed=1, images=[astronaut])
    request = server.requests[0]
    assert request["headers"]["Authorization"] == "Bearer sk-test-123"
    parts = request["body"]["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "Describe."}
    assert parts[1]["type"] == "image_url" and parts[1]["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/")


def test_openai_backend_requires_the_named_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PV_MISSING_KEY", raising=False)
    with pytest.raises(PersonaVlogError, match="PV_MISSING_KEY"):
        create_llm(_settings("http://127.0.0.1:9/v1", api_key_env="PV_MISSING_KEY"))


def test_openai_backend_unreachable_port_is_one_clear_line() -> None:
    port = free_port()  # nothing listens there once the probe socket is closed
    client = OpenAICompatClient(_settings(f"http://127.0.0.1:{port}/v1", max_retries=2), backoff_s=0.01)
    with pytest.raises(StageError) as caught:
        client.complete_json("hi", {"type": "object"}, seed=1)
    message = str(caught.value)
    assert message.startswith("llm: cannot reach the LLM server at http://127.0.0.1:") and "after 3 tries" in message
    assert "\n" not in message and caught.value.stage == "llm"
