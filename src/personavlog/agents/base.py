"""What every agent shares: a prompt template, an output type, validation with retries, and best-of-N sampling.

An agent call is an `AgentTask`: the prompt (for a base model, few-shot examples followed by the case to answer,
ending in a cue; for an instruct model, a system prompt and the request),
the JSON schema the backend constrains the answer to, and `parse`, which turns the JSON object into the typed
document or raises ValueError / pydantic.ValidationError. An invalid answer is asked again, up to `ATTEMPTS`
times in all, with the validation error written into the prompt; each of `candidates` samples runs that loop
and the best valid one by `score` is kept, an answer the task's review still objects to ranking below every one it
accepts.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import zlib
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from personavlog.agents.text import shingles
from personavlog.errors import StageError
from personavlog.llm.base import LLMClient, LLMOutputError, LLMUsage

T = TypeVar("T")

ATTEMPTS = 3
"""One answer plus two retries that quote the validation error."""


class AgentCall(BaseModel):
    """One request to the LLM, as recorded in the manifest."""

    model_config = ConfigDict(extra="forbid")

    agent: str
    salt: int = 0
    """Which of the agent's calls (e.g. the shot index) this is."""
    candidate: int
    attempt: int
    seed: int
    backend: str = ""
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    valid: bool
    """The answer was a valid document (it may still have been asked for again after a review)."""
    error: str = ""
    fallback: bool = False
    """No model call: every try failed, and the agent's own answer built from the plan was used instead."""


class AgentCallLog(BaseModel):
    """Every LLM call the agents made; pass one to the writers and store `model_dump()` in the manifest."""

    model_config = ConfigDict(extra="forbid")

    calls: list[AgentCall] = Field(default_factory=list)

    def usage(self, agent: str | None = None) -> LLMUsage:
        """Summed token counts, of one agent or of all."""
        chosen = [c for c in self.calls if agent is None or c.agent == agent]
        return LLMUsage(
            prompt_tokens=sum(c.prompt_tokens for c in chosen),
            completion_tokens=sum(c.completion_tokens for c in chosen),
        )

    def by_agent(self) -> dict[str, LLMUsage]:
        return {name: self.usage(name) for name in dict.fromkeys(c.agent for c in self.calls)}


@dataclass
class AgentTask(Generic[T]):
    agent: str
    """Stage name: used in seeds, in the call log and in StageError."""
    prompt: str
    """Everything before the cue: instructions, few-shot examples and the case to answer."""
    cue: str
    """The last line the model continues, e.g. "Plan:"; errors from a previous answer go just above it."""
    schema: dict[str, Any]
    parse: Callable[[dict[str, Any]], T]
    score: Callable[[T], float] = field(default=lambda _doc: 0.0)
    temperature: float = 0.7
    max_tokens: int = 512
    images: list[Path] | None = None
    review: Callable[[T], str | None] = field(default=lambda _doc: None)
    """Quality objections to a valid document ("the story never mentions Tokyo"); they trigger a retry."""
    good_enough: float = math.inf
    """A candidate scoring this much ends the sampling early (the rest would only cost time)."""
    enough: Callable[[T], bool] | None = None
    """Another early end: the best candidate so far is one for which this holds (a theme-focused rewrite's)."""
    fallback: Callable[[], T] | None = None
    """A plainer document built from the plan without the model, used when every try fails (a vlog is then
    still made, and the call log says so); None: the stage fails with StageError."""
    system: str | None = None
    """The instruct-model form's system prompt (its `prompt` is then the user's request and `cue` is empty)."""
    fixed_chars: int | None = None
    """How many leading characters of `prompt` (with `system`) every call of this agent shares, whatever the theme
    (see `fixed_length`); None: unknown."""


def closed_object(properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema object with exactly these properties, all required (the shape the sampler writes part by part)."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def speaks_chat(llm: LLMClient) -> bool:
    """Whether the client's model is an instruct model, asked with a system prompt and a request, not few-shot."""
    return bool(getattr(llm, "chat", False))


def agent_seed(seed: int, agent: str, salt: int = 0) -> int:
    """A per-agent seed: stable across runs and Python versions, different for each agent (and each `salt`)."""
    return (seed * 1_000_003 + zlib.crc32(f"{agent}/{salt}".encode())) & 0x7FFFFFFF


def load_template(name: str) -> Template:
    text = resources.files("personavlog.agents").joinpath("prompts", name).read_text(encoding="utf-8")
    return Template(text)


def fixed_length(name: str) -> int:
    """Characters of a template before its first placeholder: what every prompt made from it begins with."""
    template = load_template(name)
    found = template.pattern.search(template.template)
    return found.start() if found else len(template.template)


def render(name: str, **values: object) -> str:
    """Fill a prompt template; `$name` placeholders, so JSON braces in few-shot examples need no escaping."""
    return load_template(name).substitute({key: str(value) for key, value in values.items()})


@lru_cache(maxsize=32)
def _template_shingles(name: str) -> frozenset[tuple[str, ...]]:
    return frozenset(shingles(load_template(name).template))


def example_shingles(name: str, theme: str) -> set[tuple[str, ...]]:
    """Six-word runs of a template's few-shot examples, less those the theme itself brings."""
    return set(_template_shingles(name)) - shingles(theme)


def notes_block(feedback: Sequence[str]) -> str:
    """Feedback from critics or the user, as instruction lines the model is shown just before it answers."""
    notes = [" ".join(str(item).split()) for item in feedback]
    return "".join(f"Note: {note}\n" for note in notes if note)


_SHOT_NOTE = re.compile(r"^\s*shot\s+(\d+)\s*:\s*", re.IGNORECASE)


def notes_for_shot(feedback: Sequence[str], shot_id: int) -> list[str]:
    """The feedback that concerns one shot: general notes, plus "Shot N: ..." notes for this shot only."""
    notes = []
    for item in feedback:
        match = _SHOT_NOTE.match(item)
        if match is None:
            notes.append(item)
        elif int(match.group(1)) == shot_id:
            notes.append(item[match.end() :])
    return notes


def describe_error(exc: Exception) -> str:
    """One line a small model can act on."""
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors()[:3]:
            where = ".".join(str(p) for p in error["loc"])
            parts.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
        return "; ".join(parts)
    return " ".join(str(exc).split())


@dataclass(frozen=True)
class _Answer(Generic[T]):
    """A candidate's valid document, and the review's objection to it if it still has one."""

    document: T
    objection: str | None = None


def run_agent(
    llm: LLMClient,
    task: AgentTask[T],
    *,
    seed: int,
    candidates: int = 1,
    log: AgentCallLog | None = None,
    salt: int = 0,
) -> T:
    """Sample `candidates` valid documents (each with up to ATTEMPTS tries) and return the best: one the review
    accepts over one it still objects to, then by `task.score`.

    `seed` is the request's seed; `salt` tells apart several calls of one agent (e.g. one per shot).
    """
    base_seed = agent_seed(seed, task.agent, salt)
    best: tuple[tuple[bool, float], T] | None = None
    errors: list[str] = []
    answers = _candidates(llm, task, base_seed, max(1, candidates), salt, log, errors)
    with contextlib.closing(answers):
        for answer in answers:
            if answer is None:
                continue
            rank = (answer.objection is None, task.score(answer.document))
            if best is None or rank > best[0]:
                best = (rank, answer.document)
            if best[0][0] and (best[0][1] >= task.good_enough or (task.enough is not None and task.enough(best[1]))):
                break
    if best is None:
        reason = f"no valid answer after {ATTEMPTS} tries: {errors[-1] if errors else 'none'}"
        if task.fallback is None:
            raise StageError(task.agent, reason)
        _append(
            log,
            AgentCall(
                agent=task.agent, salt=salt, candidate=0, attempt=ATTEMPTS, seed=base_seed, valid=True,
                error=reason, fallback=True,
            ),
        )  # fmt: skip
        return task.fallback()
    return best[1]


def _candidates(
    llm: LLMClient,
    task: AgentTask[T],
    base_seed: int,
    count: int,
    salt: int,
    log: AgentCallLog | None,
    errors: list[str],
) -> Generator[_Answer[T] | None, None, None]:
    """The candidates' answers in order (None for one that never gave a valid answer), as `_sample` makes them.

    A client that answers several calls at once (`parallel` > 1, each on its own context) gets the next candidates
    asked while the caller weighs the current one; each answer depends only on its prompt and seed, so the
    documents are those of asking one after another. The calls of a candidate the caller no longer wants (it
    stopped iterating) are left out of `log` and `errors`, as if never made.
    """
    width = min(count, max(1, int(getattr(llm, "parallel", 1))))
    if width == 1:
        for candidate in range(count):
            yield _sample(llm, task, base_seed, candidate, salt, log, errors)
        return
    wanted = threading.Event()
    wanted.set()

    def sample(candidate: int) -> tuple[_Answer[T] | None, AgentCallLog, list[str]]:
        own_log, own_errors = AgentCallLog(), list[str]()
        answer = _sample(llm, task, base_seed, candidate, salt, own_log, own_errors, wanted)
        return answer, own_log, own_errors

    pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix=f"agent-{task.agent}")
    try:
        futures = [pool.submit(sample, candidate) for candidate in range(count)]
        for future in futures:
            answer, own_log, own_errors = future.result()
            if log is not None:
                log.calls.extend(own_log.calls)
            errors.extend(own_errors)
            yield answer
    finally:
        wanted.clear()  # a candidate still asking stops before its next try
        pool.shutdown(wait=False, cancel_futures=True)


def _sample(
    llm: LLMClient,
    task: AgentTask[T],
    base_seed: int,
    candidate: int,
    salt: int,
    log: AgentCallLog | None,
    errors: list[str],
    wanted: threading.Event | None = None,
) -> _Answer[T] | None:
    """One candidate: ask, validate, and ask again with the error until valid or out of attempts (or no longer
    `wanted`).

    A document that is valid but that `task.review` objects to is asked for again once (reviews are about quality,
    not correctness, so they never cost more than one extra call per candidate). The second answer is used if the
    review accepts it; if it objects to both, the better of the two by `task.score` is kept with its objection;
    if the second is invalid, the first.
    """
    retry_notes = ""
    reviewed: _Answer[T] | None = None
    for attempt in range(ATTEMPTS):
        if wanted is not None and not wanted.is_set():
            return None
        call_seed = (base_seed + 7919 * candidate + 104_729 * attempt) & 0x7FFFFFFF
        record = AgentCall(
            agent=task.agent, salt=salt, candidate=candidate, attempt=attempt, seed=call_seed, valid=False
        )
        try:
            result = llm.complete_json(
                f"{task.prompt}{retry_notes}{task.cue}",
                task.schema,
                seed=call_seed,
                temperature=task.temperature,
                max_tokens=task.max_tokens,
                images=task.images,
                **_prompt_form(task),
            )
            record.backend, record.model = result.backend, result.model
            record.prompt_tokens = result.usage.prompt_tokens
            record.completion_tokens = result.usage.completion_tokens
            record.seconds = round(result.seconds, 3)
            document = task.parse(result.parsed)
        except (LLMOutputError, ValidationError, ValueError) as exc:
            if isinstance(exc, LLMOutputError):
                record.prompt_tokens = exc.usage.prompt_tokens
                record.completion_tokens = exc.usage.completion_tokens
            record.error = describe_error(exc)
            errors.append(record.error)
            _append(log, record)
            retry_notes = f"Your previous answer was invalid: {record.error}. Answer again, correctly.\n"
            continue
        record.valid = True
        note = task.review(document)
        if note and reviewed is None and attempt + 1 < ATTEMPTS:
            record.error = f"review: {note}"
            _append(log, record)
            reviewed = _Answer(document, note)
            retry_notes = f"Your previous answer was invalid: {note}. Answer again, correctly.\n"
            continue
        if note:
            record.error = f"review: {note}"
        _append(log, record)
        answer = _Answer(document, note or None)
        if reviewed is not None and note and task.score(reviewed.document) > task.score(document):
            return reviewed
        return answer
    return reviewed


def _prompt_form(task: AgentTask[Any]) -> dict[str, Any]:
    """The optional arguments of the call: a system prompt, how much of the prompt is fixed (when known)."""
    form: dict[str, Any] = {}
    if task.system:
        form["system"] = task.system
    if task.fixed_chars is not None:
        form["fixed_chars"] = task.fixed_chars
    return form


def _append(log: AgentCallLog | None, record: AgentCall) -> None:
    if log is not None:
        log.calls.append(record)
