"""The embedded model answers several calls at once, each on its own context: an agent's candidates are asked
together, and the documents and call log are those of asking them one after another."""

from __future__ import annotations

import itertools
import math
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from personavlog.agents.base import AgentCallLog, AgentTask, fixed_length, render, run_agent
from personavlog.agents.visual import VISUAL_SCHEMA, parse_visual
from personavlog.config import LLMSettings
from personavlog.llm import llamacpp
from personavlog.llm.llamacpp import LlamaCppClient
from personavlog.llm.sampling import ConstrainedSampler


def _task(good_enough: float = math.inf) -> AgentTask[tuple[str, str]]:
    prompt = render(
        "visual.txt",
        theme="a rainy afternoon in a Paris café",
        place="a small café by the window, day, rain",
        action="stirs a coffee and looks at the street",
        notes="",
    )
    return AgentTask(
        agent="visual",
        prompt=prompt,
        fixed_chars=fixed_length("visual.txt"),
        cue="Visual:",
        schema=VISUAL_SCHEMA,
        parse=parse_visual,
        score=lambda pair: float(len(pair[0])),
        max_tokens=90,
        temperature=0.6,
        good_enough=good_enough,
    )


def _calls(log: AgentCallLog) -> list[dict[str, Any]]:
    return [call.model_dump(exclude={"seconds"}) for call in log.calls]


@pytest.fixture(scope="module")
def clients() -> tuple[LlamaCppClient, LlamaCppClient]:
    one, two = LlamaCppClient(LLMSettings(parallel=1)), LlamaCppClient(LLMSettings(parallel=2))
    assert one.parallel == 1 and two.parallel == 2
    return one, two


def test_candidates_asked_together_give_what_asking_them_in_turn_gives(
    clients: tuple[LlamaCppClient, LlamaCppClient],
) -> None:
    one, two = clients
    for candidates in (2, 3):
        in_turn, together = AgentCallLog(), AgentCallLog()
        expected = run_agent(one, _task(), seed=5, candidates=candidates, log=in_turn)
        assert run_agent(two, _task(), seed=5, candidates=candidates, log=together) == expected
        assert _calls(together) == _calls(in_turn)
        assert {call.candidate for call in together.calls} == set(range(candidates))


def test_a_good_enough_first_candidate_leaves_the_others_out_of_the_log(
    clients: tuple[LlamaCppClient, LlamaCppClient],
) -> None:
    one, two = clients
    in_turn, together = AgentCallLog(), AgentCallLog()
    expected = run_agent(one, _task(good_enough=0.0), seed=8, candidates=2, log=in_turn)
    assert run_agent(two, _task(good_enough=0.0), seed=8, candidates=2, log=together) == expected
    assert _calls(together) == _calls(in_turn)
    assert {call.candidate for call in together.calls} == {0}


def test_two_contexts_answer_at_the_same_time(
    clients: tuple[LlamaCppClient, LlamaCppClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, two = clients
    task = _task()
    evaluations: list[int] = []  # which context evaluated (the id of its Llama), in the order it happened
    real = ConstrainedSampler._decode

    def spied(sampler: ConstrainedSampler, tokens: list[int], logits: bool) -> None:
        evaluations.append(id(sampler.llama))
        real(sampler, tokens, logits)

    monkeypatch.setattr(ConstrainedSampler, "_decode", spied)
    answers: dict[int, str] = {}

    def ask(seed: int) -> None:
        answers[seed] = two.complete_json(task.prompt + task.cue, task.schema, seed=seed, max_tokens=90).text

    threads = [threading.Thread(target=ask, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(evaluations)) == 2
    switches = sum(a != b for a, b in itertools.pairwise(evaluations))
    assert switches > 2, "one call ran only after the other had finished"
    monkeypatch.undo()
    assert answers == {
        s: two.complete_json(task.prompt + task.cue, task.schema, seed=s, max_tokens=90).text for s in (1, 2)
    }


def test_an_unloaded_model_frees_its_memory_and_answers_the_same_after_loading_again(
    clients: tuple[LlamaCppClient, LlamaCppClient],
) -> None:
    _, two = clients
    task = _task()

    def ask() -> str:
        return two.complete_json(task.prompt + task.cue, task.schema, seed=5, max_tokens=90).text

    def resident_mib() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    before = ask()
    loaded = resident_mib()
    two.unload()
    assert two.path not in {Path(key[0]) for key in llamacpp._MODELS}
    assert loaded - resident_mib() > 150  # the weights (~250 MB on disk) and the context are gone
    assert ask() == before
