"""The embedded writer presets, joining a model from part files, and rendering an instruct model's chat template."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from personavlog.llm.backends import LLMSettings
from personavlog.llm.chat_template import ChatMessage, is_instruct, render_chat
from personavlog.llm.writers import DEFAULT_WRITER, WRITERS, installed
from personavlog.model_files import PartsMismatch, joined_file

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _parts(tmp_path: Path) -> list[Path]:
    parts = []
    for index, blob in enumerate((b"GGUF" + b"a" * 5000, b"b" * 7000, b"c" * 3)):
        part = tmp_path / f"part{index}.bin"
        part.write_bytes(blob)
        parts.append(part)
    return parts


def test_parts_are_joined_in_order_once_and_checked(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    whole = b"".join(p.read_bytes() for p in parts)
    target = tmp_path / "cache" / "model.gguf"
    assert joined_file(parts, target, hashlib.sha256(whole).hexdigest()) == target
    assert target.read_bytes() == whole
    first = target.stat().st_mtime_ns
    joined_file(parts, target, hashlib.sha256(whole).hexdigest())
    assert target.stat().st_mtime_ns == first  # reused, not joined again


def test_parts_that_do_not_match_their_checksum_leave_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(PartsMismatch):
        joined_file(_parts(tmp_path), target, "0" * 64)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_chat_template_renders_system_user_and_the_answer_cue() -> None:
    text = render_chat(
        CHATML, [ChatMessage(role="system", content="Plan vlogs."), ChatMessage(role="user", content="Hi")]
    )
    assert text == "<|im_start|>system\nPlan vlogs.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"


def test_only_instruction_tuned_models_are_asked_by_chat() -> None:
    assert is_instruct({"tokenizer.chat_template": CHATML, "general.finetune": "Instruct-GGUF"})
    assert not is_instruct({"tokenizer.chat_template": CHATML, "general.name": "Gemma 3 270m"})
    assert not is_instruct({"general.finetune": "Instruct"})


def test_writer_presets_and_an_unknown_one() -> None:
    assert set(WRITERS) == {"fast", "balanced", "quality"}
    assert installed(DEFAULT_WRITER)  # the default writer is part of the install
    assert LLMSettings(writer="quality").writer == "quality"
    with pytest.raises(ValidationError, match="unknown writer"):
        LLMSettings(writer="huge")


@pytest.mark.parametrize("preset", ["fast", "balanced"])
def test_a_presets_install_command_names_the_packages_installed_here(preset: str) -> None:
    """What `make writer-PRESET` and the missing-model error install is what the test install put here."""
    import importlib.metadata

    chosen = WRITERS[preset]
    assert len(chosen.requirements) == max(1, chosen.parts)
    for requirement in chosen.requirements:
        name, version = requirement.split("==")
        assert importlib.metadata.version(name) == version, requirement
    assert chosen.install.endswith(" ".join(chosen.requirements)) and ("--no-deps" in chosen.install) == bool(
        chosen.parts
    )


def test_the_painted_place_follows_the_location_words() -> None:
    from personavlog.agents.shot_draft import ShotDraft
    from personavlog.agents.storyboard import place_as_written
    from personavlog.agents.storyboard_chat import contradiction, review_storyboard

    def draft(location: str, kind: str, action: str = "walks slowly ahead") -> ShotDraft:
        return ShotDraft(
            location=location, location_kind=kind, time_of_day="day", weather="clear", action=action,
            camera="static", framing="wide", mood="calm",
        )  # fmt: skip

    assert contradiction("a narrow forest path with a dog", "city_street") == "forest"
    assert contradiction("the street outside the café", "city_street") is None
    assert contradiction("a quiet corner", "office") is None  # the words name no kind: nothing to contradict
    assert contradiction("a cafe in a Paris café", "city_street") == "cafe"
    assert contradiction("the street outside the café", "cafe") == "city_street"
    # The action settles what the location leaves open.
    assert contradiction("the pavement by a café", "cafe") == "city_street"
    assert contradiction("the market café", "cafe", "walks along the street in the rain") == "city_street"
    assert contradiction("the market café", "city_street", "orders a coffee at the counter") == "cafe"
    assert contradiction("the market café", "night_market") is None  # the words alone leave it open
    assert place_as_written(draft("the snowy village square", "city_street")).location_kind == "snowy_village"
    actions = ("orders a coffee", "reads the menu", "watches the rain", "pays the waiter", "waves goodbye")
    one_place = [draft(f"the café corner {n}", "cafe", a) for n, a in zip("ABCDE", actions, strict=True)]
    assert "3 different kinds of place" in (review_storyboard(one_place, "a café") or "")
    forest = [
        *one_place[:3],
        draft("grandma's warm kitchen", "home", "bakes bread"),
        draft("a forest trail", "city_street"),
    ]
    assert "shot 5" in (review_storyboard(forest, "a café") or "")


def test_a_location_names_its_place_by_its_head_and_the_action_only_settles_a_tie() -> None:
    from personavlog.agents.hints import implied_places
    from personavlog.schema import LocationKind

    assert implied_places("a park near the train station") == [LocationKind.PARK]
    assert implied_places("a small café in the middle of a street") == [LocationKind.CAFE]
    assert implied_places("the shore of a small lake") == [LocationKind.LAKE]  # "of" does not end the head
    assert implied_places("a clearing in the forest") == [LocationKind.FOREST]  # the head names none: all of it
    assert implied_places("the market", "walks along the street, a city street") == [LocationKind.NIGHT_MARKET]
    assert implied_places("the food stall", "walks along the street") == [LocationKind.NIGHT_MARKET]
    assert implied_places("a street food stall") == [LocationKind.NIGHT_MARKET]


def test_a_monologue_that_parrots_the_theme_is_sent_back() -> None:
    from personavlog.agents.monologue_chat import review_parroting
    from personavlog.agents.text import parrots

    theme = "getting lost in the alleys of Lisbon"
    assert parrots("I want to get lost. Getting lost in the alleys of Lisbon is a dream.", theme)
    assert not parrots("The waiter knows my order now.", theme)
    lines = [f"Again, getting lost in the alleys of Lisbon, take {n}." for n in (1, 2)]
    assert "2 lines repeat" in (review_parroting([*lines, "My feet hurt."], theme) or "")
    assert review_parroting([lines[0], "My feet hurt.", "The tram bell rings."], theme) is None


def test_an_action_written_as_i_is_turned_to_the_third_person() -> None:
    from personavlog.agents.shot_draft import parse_shot, third_person

    assert third_person("I walk to the bakery") == "walks to the bakery"
    assert third_person("I'm sipping tea by the window") == "is sipping tea by the window"
    assert third_person("We carry the sled uphill") == "carries the sled uphill"
    assert third_person("pushes the door open") == "pushes the door open"
    shot = {
        "location": "the village bakery", "location_kind": "snowy_village", "time_of_day": "day", "weather": "snow",
        "action": "I buy a warm loaf of bread", "camera": "static", "framing": "medium", "mood": "calm",
    }  # fmt: skip
    assert parse_shot(shot, None).action == "buys a warm loaf of bread"
    leaked = parse_shot(shot | {"location": "the village bakery with snow in the background Location"}, None)
    assert leaked.location == "the village bakery with snow in the background"
    kept = parse_shot(shot | {"location": "the location of the old mill by the river"}, None)
    assert kept.location == "the location of the old mill by the river"


def test_a_served_model_never_sees_the_samplers_own_marks() -> None:
    from personavlog.llm.base import ENDS_KEY, OPENS_KEY, without_marks

    field = {"type": "string", ENDS_KEY: "sentence", OPENS_KEY: "a park"}
    schema = {"type": "object", "properties": {"a": field}, "required": ["a"]}
    assert without_marks(schema) == {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
