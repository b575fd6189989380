"""Grammar-constrained, seeded token sampling for llama-cpp-python.

Two things make this much faster than llama-cpp-python's own `grammar=` path on a small CPU:

- The grammar first checks only the top-k candidates, and the whole vocabulary only when none of them fits
  (llama-cpp-python runs it over all of gemma-3's 262k tokens for every token, about 0.1 s each).
- A JSON object is written field by field (nested objects and fixed-length arrays too): the keys and
  punctuation, which the schema fixes anyway, are fed to the model in one batch instead of being generated
  token by token; only the values are sampled, each under the grammar of its own sub-schema. That halves the
  sampled tokens of a typical agent answer.
- A string's maxLength is a soft limit: the string ends at the next word boundary, never inside a word.

Cost: gemma-3's output layer (a 262k-token vocabulary) is most of what evaluating one token costs, and its
logits are needed only where a token is sampled next. Evaluations are therefore queued until logits are asked
for, then run in the batches they were queued in, the output layer only for the last one: after a value's last
token, a fed key or a closing bracket it does not run, and what is still queued when the answer ends is never
evaluated. Whether the output layer runs changes nothing in the model's state (the KV cache), so the answers are
the same token for token.

Determinism: llama.cpp's numbers for a token depend on how it was batched, so the same prompt evaluated in
different pieces gives slightly different logits (and, sampled, different answers). Prompts are therefore
always evaluated in blocks of PROMPT_BLOCK tokens at fixed positions, and only whole blocks are reused from
the cache: the same prompt and seed give the same answer whatever was asked before.
"""

from __future__ import annotations

import ctypes
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from personavlog.llm.base import ENDS_KEY, OPENS_KEY, without_marks
from personavlog.llm.prefix_store import PrefixStore

PROMPT_BLOCK = 64
SOFT_LIMIT_SLACK = 40
"""Characters a string may run past its maxLength to finish its word (see ConstrainedSampler._string)."""
_DANGLING = " ,;:-"
_SENTENCE_ENDS = (".", "!", "?")
_PHRASE_END_MARKS = ('"', '",', '".', '"}', ",", ".", ";", "!", "?")
PHRASE_END_CHANCE = 0.01
"""Past its soft limit, a string ends at a word boundary only where the model gives its end at least this chance
(so "a café in New" goes on to "York")."""
_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.7
    top_k: int = 40
    top_p: float = 0.95
    repeat_penalty: float = 1.1
    repeat_window: int = 64


@dataclass
class Generation:
    text: str
    prompt_tokens: int
    """Tokens the model read: the prompt plus any fixed JSON keys fed to it."""
    completion_tokens: int
    """Tokens the model sampled."""
    finish_reason: str
    """"stop" when the answer is complete, "length" when max_tokens ran out."""


@lru_cache(maxsize=128)
def gbnf_for(schema_json: str) -> str:
    """GBNF text for a JSON schema (llama-cpp-python's converter), plus a `value` rule: the same after an optional
    space, for values that follow a fed `"key":` (the model likes to write the space itself)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    plain = json.dumps(without_marks(json.loads(schema_json)))
    return json_schema_to_gbnf(plain) + '\nvalue ::= " "? root\n'


def _rest_of_string(opened: int, schema: dict[str, Any]) -> str:
    """GBNF for the rest of a string whose opening quote and first `opened` characters are already written: plain
    characters up to its length limits, then the closing quote."""
    least = max(0, int(schema.get("minLength", 0)) - opened)
    most = max(least, int(schema["maxLength"]) - opened)
    plain = r'[^"\\\x7F\x00-\x1F]'
    return f'rest ::= {plain}{{{least},{most}}} "\\""\n'


class _GrammarFilter:
    """A llama.cpp grammar sampler used only as a filter: which candidate tokens may come next."""

    def __init__(self, lib: Any, vocab: Any, gbnf: str, root: str = "root"):
        self._lib = lib
        self._sampler = lib.llama_sampler_init_grammar(vocab, gbnf.encode("utf-8"), root.encode("utf-8"))
        if not self._sampler:
            raise ValueError("llama.cpp rejected the grammar")

    def allowed(self, ids: np.ndarray, logits: np.ndarray) -> np.ndarray:
        """Boolean mask over `ids`: True where the grammar allows the token now."""
        data = np.zeros(len(ids), dtype=_TOKEN_DATA)
        data["id"] = ids
        data["logit"] = logits
        array = self._lib.llama_token_data_array(
            data=data.ctypes.data_as(ctypes.POINTER(self._lib.llama_token_data)),
            size=len(ids),
            selected=-1,
            sorted=False,
        )
        # The grammar sampler only marks forbidden tokens with -inf; it neither reorders nor reallocates.
        self._lib.llama_sampler_apply(self._sampler, ctypes.byref(array))
        return np.isfinite(data["logit"])

    def accept(self, token: int) -> None:
        self._lib.llama_sampler_accept(self._sampler, token)

    def close(self) -> None:
        if self._sampler:
            self._lib.llama_sampler_free(self._sampler)
            self._sampler = None


@dataclass
class PromptCache:
    """Which leading tokens of a model's KV cache were evaluated in canonical PROMPT_BLOCK blocks."""

    tokens: list[int]


class ConstrainedSampler:
    """Seeded sampling from a loaded `llama_cpp.Llama`; one instance per request."""

    def __init__(
        self,
        llama: Any,
        lib: Any,
        params: SamplingParams,
        seed: int,
        cache: PromptCache,
        store: PrefixStore | None = None,
    ):
        self.llama = llama
        self.cache = cache
        self.store = store
        self.lib = lib
        self.params = params
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.history: list[int] = []
        """Tokens sampled so far in this answer, across fields: the repetition penalty looks at all of them."""
        self._pending: list[list[int]] = []
        """Batches queued for evaluation, in order, each evaluated as one batch when logits are next needed."""
        self._phrase_ends: np.ndarray | None = None
        self.vocab = llama._model.vocab
        self.n_vocab = llama.n_vocab()
        eog = {int(t) for t in (lib.llama_vocab_eos(self.vocab), lib.llama_vocab_eot(self.vocab)) if t >= 0}
        self.eog = np.array(sorted(eog), dtype=np.int32)

    def generate(
        self,
        gbnf: str,
        max_tokens: int,
        root: str = "root",
        stop: Callable[[list[int], int, np.ndarray], bool] | None = None,
    ) -> tuple[list[int], str]:
        """Continue the model's current state under the grammar until it is complete.

        `stop(tokens so far, next token, the logits it was drawn from)` may end the text before the next token
        ("limit"). Returns (new tokens, finish reason); the new tokens are queued for evaluation, so they are part
        of the state for what follows.
        """
        grammar = _GrammarFilter(self.lib, self.vocab, gbnf, root)
        out: list[int] = []
        try:
            while len(out) < max_tokens:
                if out and grammar.allowed(self.eog, np.zeros(len(self.eog), np.float32)).any():
                    return out, "stop"  # the grammar is complete: stop before any optional trailing space
                logits = self._logits()
                self._penalise(logits, self.history[-self.params.repeat_window :])
                token = self._pick(logits, grammar)
                if token in self.eog or self.lib.llama_vocab_is_eog(self.vocab, token):
                    return out, "stop"
                if stop is not None and stop(out, token, logits):
                    return out, "limit"
                grammar.accept(token)
                out.append(token)
                self.history.append(token)
                self._queue([token])
            return out, "length"
        finally:
            grammar.close()

    def complete_json(
        self,
        prompt_tokens: list[int],
        schema: dict[str, Any],
        max_tokens: int,
        lead: str = " ",
        fixed: int = 0,
    ) -> Generation:
        """A JSON object for `schema` after `prompt_tokens`, written part by part where the schema fixes its shape.

        `lead` is the text before the opening brace (a space after a few-shot cue, nothing after a chat prompt).
        `fixed`: how many leading tokens (a multiple of PROMPT_BLOCK) every prompt of this kind shares; the state
        after them is read from, or written to, the prefix store.
        """
        # A fixed-shape answer begins with fed keys, so the prompt's own logits are not needed.
        self._evaluate_prompt(prompt_tokens, fixed, logits=not _fixed_shape(schema))
        if not _fixed_shape(schema):
            generated, finish = self.generate(gbnf_for(json.dumps(schema)), max_tokens)
            return Generation(self._text(generated), len(prompt_tokens), len(generated), finish)
        self._left = max_tokens
        self._fed = 0
        text, finish = self._write(schema, lead, top=True)
        sampled = max_tokens - self._left
        return Generation(text.lstrip(), len(prompt_tokens) + self._fed, sampled, finish)

    def _feed(self, text: str) -> None:
        tokens = self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        if tokens:
            self._queue(tokens)
            self._fed += len(tokens)

    def _write(self, schema: dict[str, Any], lead: str, top: bool = False) -> tuple[str, str]:
        """One value of a fixed-shape schema: keys, brackets and commas are fed, only the values are sampled.

        Returns (its text, finish reason); anything but "stop" ends the answer.
        """
        if _fixed_shape(schema):
            is_object = schema.get("type") == "object"
            children = (
                list(schema["properties"].items()) if is_object else [(None, schema["items"])] * int(schema["minItems"])
            )
            opening, closing = ("{", "}") if is_object else ("[", "]")
            parts = [f"{lead}{opening}"]
            for index, (key, child) in enumerate(children):
                separator = ", " if index else ""
                parts.append(f"{separator}{json.dumps(key)}:" if key is not None else separator)
                if index == 0:
                    self._feed("".join(parts))
                else:
                    self._feed(parts[-1])
                text, finish = self._write(child, " " if key is not None else "")
                parts.append(text)
                if finish != "stop":
                    return "".join(parts), finish
            if not top:  # nothing follows the answer's own closing bracket
                self._feed(closing)
            return "".join(parts) + closing, "stop"
        fixed = schema["enum"] if len(schema.get("enum", ())) == 1 else [schema["const"]] if "const" in schema else None
        if fixed is not None:  # a value the schema fixes (context for what follows) is fed like a key
            text = f" {json.dumps(fixed[0], ensure_ascii=False)}"
            self._feed(text)
            return text, "stop"
        if "enum" in schema:
            generated, forced, finish = self._choose(schema, self._left)
            self._left -= len(generated)
            self._fed += len(forced)
            return self._text(generated + forced), finish
        if schema.get("type") == "string" and "maxLength" in schema:
            return self._string(schema)
        generated, finish = self.generate(gbnf_for(json.dumps(schema)), self._left, root="value")
        self._left -= len(generated)
        return self._text(generated), finish

    def _string(self, schema: dict[str, Any]) -> tuple[str, str]:
        """A string whose maxLength is a soft limit: it ends at the first word boundary past the limit where the
        model itself gives the phrase's end a fair chance (PHRASE_END_CHANCE), so a name or a phrase is finished
        ("a bar in New" goes on to "York").

        The grammar allows SOFT_LIMIT_SLACK more characters; a string still going there is cut back to the word
        boundary where the model's chance of an end was highest. Either way the text ends on a whole word and the
        closing quote is fed, so no limit ever cuts a word in two. A string marked `"x-ends": "sentence"` ends at
        a sentence's end instead (with twice the slack), or at the last one it finished. A string marked
        `"x-opens": "a park"` opens with those words, fed rather than sampled.
        """
        limit = int(schema["maxLength"])
        sentences = schema.get(ENDS_KEY) == "sentence"
        slack = SOFT_LIMIT_SLACK * (2 if sentences else 1)
        loose = without_marks(schema) | {"maxLength": limit + slack}
        head, gbnf, root = "", gbnf_for(json.dumps(loose)), "value"
        if schema.get(OPENS_KEY):
            opening = json.dumps(str(schema[OPENS_KEY]), ensure_ascii=False)[1:-1]
            head, gbnf, root = f' "{opening}', _rest_of_string(len(opening), loose), "rest"
            self._feed(head)

        boundaries: list[tuple[float, int]] = []
        """(the model's chance of an end, the content's length) at each word boundary passed beyond the limit: where
        a string the grammar closes at its slack is cut back to (a sentence still unfinished there, at the best of
        them, where the model would have put a comma or a full stop)."""

        def at_end(out: list[int], token: int, logits: np.ndarray) -> bool:
            written = self._text(out)
            content = _string_content(head + written)
            if len(content) < limit:
                return False
            piece = self._text([*out, token])[len(written) :]
            if sentences and piece[:1].isspace() and content.rstrip().endswith(_SENTENCE_ENDS):
                return True
            # Scripts written without spaces (Japanese, Chinese) may end after any character.
            if not sentences and (_unspaced(content[-1:]) or _unspaced(piece[:1])):
                return True
            if not piece[:1].isspace():
                return False
            chance = self._phrase_end_chance(logits)
            boundaries.append((chance, len(content)))
            return not sentences and chance >= PHRASE_END_CHANCE

        generated, finish = self.generate(gbnf, self._left, root=root, stop=at_end)
        self._left -= len(generated)
        text = head + self._text(generated)
        if finish == "limit":
            text = text.rstrip(_DANGLING) + '"'
            self._feed('"')
            return text, "stop"
        content = _string_content(text)
        if finish == "stop" and content.endswith('"') and len(content) - 1 >= limit + slack:
            body = content[:-1]
            ends = [body.rfind(mark) for mark in _SENTENCE_ENDS]
            if sentences and max(ends) > 0:
                cut = body[: max(ends) + 1]
            elif boundaries:
                cut = body[: max(boundaries)[1]].rstrip(_DANGLING)
            else:
                cut = body.rsplit(" ", 1)[0].rstrip(_DANGLING) if " " in body.strip() else body[:limit]
            return text[: len(text) - len(content)] + cut + '"', "stop"
        return text, finish

    def _phrase_end_chance(self, logits: np.ndarray) -> float:
        """How likely the model finds it that the phrase ends here: the chance of a closing quote or punctuation
        next rather than another word."""
        if self._phrase_ends is None:
            firsts = {
                tokens[0]
                for mark in _PHRASE_END_MARKS
                if (tokens := self.llama.tokenize(mark.encode("utf-8"), add_bos=False, special=False))
            }
            self._phrase_ends = np.array(sorted(firsts), dtype=np.int64)
        shifted = np.exp(logits.astype(np.float64) - float(logits.max()))
        return float(shifted[self._phrase_ends].sum() / shifted.sum())

    def _choose(self, schema: dict[str, Any], max_tokens: int) -> tuple[list[int], list[int], str]:
        """An enum value: sampled only until the text so far fits one option; the rest of it is fed, not sampled.

        Returns (sampled tokens, fed tokens, finish reason).
        """
        options = [json.dumps(value) for value in schema["enum"]]
        grammar = _GrammarFilter(self.lib, self.vocab, gbnf_for(json.dumps(schema)), "value")
        out: list[int] = []
        try:
            while len(out) < max_tokens:
                text = self._text(out).lstrip(" ")
                fitting = [o for o in options if o.startswith(text)]
                if out and len(fitting) == 1:
                    rest = fitting[0][len(text) :]
                    forced = self.llama.tokenize(rest.encode("utf-8"), add_bos=False, special=False) if rest else []
                    if forced:
                        self._queue(forced)
                    return out, forced, "stop"
                token = self._pick(self._logits(), grammar)
                grammar.accept(token)
                out.append(token)
                self._queue([token])
            return out, [], "length"
        finally:
            grammar.close()

    def _queue(self, tokens: list[int]) -> None:
        self._pending.append(list(tokens))

    def _logits(self) -> np.ndarray:
        """The next-token logits after everything queued: the queued batches are evaluated first, in order."""
        pending, self._pending = self._pending, []
        for index, batch in enumerate(pending):
            self._decode(batch, logits=index == len(pending) - 1)
        return np.ctypeslib.as_array(self.llama._ctx.get_logits_ith(-1), shape=(self.n_vocab,)).astype(np.float32)

    def _decode(self, tokens: list[int], logits: bool) -> None:
        """Evaluate `tokens` as `Llama.eval` does (one batch, up to n_batch), the output layer for the last token
        only when `logits`."""
        llama = self.llama
        llama._ctx.kv_cache_seq_rm(-1, llama.n_tokens, -1)
        for start in range(0, len(tokens), llama.n_batch):
            batch = tokens[start : start + llama.n_batch]
            n_past = llama.n_tokens
            llama._batch.set_batch(batch=batch, n_past=n_past, logits_all=False)
            llama._batch.batch.logits[len(batch) - 1] = logits and start + len(batch) == len(tokens)
            llama._ctx.decode(llama._batch)
            llama.input_ids[n_past : n_past + len(batch)] = batch
            llama.n_tokens += len(batch)

    def _text(self, tokens: list[int]) -> str:
        return self.llama.detokenize(tokens).decode("utf-8", errors="replace")

    def _evaluate_prompt(self, tokens: list[int], fixed: int = 0, logits: bool = True) -> None:
        """Bring the model's state to `tokens`, evaluated in canonical blocks; whole cached blocks are reused, and
        the first `fixed` tokens' state is restored from the prefix store when nothing longer is in memory.
        `logits`: whether the prompt's last token's logits are wanted."""
        llama = self.llama
        start = min(shared_prefix(self.cache.tokens, tokens), len(tokens) - 1) // PROMPT_BLOCK * PROMPT_BLOCK
        store = self.store if 0 < fixed < len(tokens) and fixed % PROMPT_BLOCK == 0 else None
        if store is not None and fixed > start and store.load(self.lib, llama._ctx.ctx, tokens[:fixed]):
            llama.input_ids[:fixed] = tokens[:fixed]
            llama.n_tokens = start = fixed
        elif start > 0 and start <= llama.n_tokens and llama._ctx.kv_cache_seq_rm(-1, start, -1):
            llama.n_tokens = start
        else:
            llama.reset()
            start = 0
        self.cache.tokens = tokens[:start]
        for block in range(start, len(tokens), PROMPT_BLOCK):
            self._decode(tokens[block : block + PROMPT_BLOCK], logits=logits and block + PROMPT_BLOCK >= len(tokens))
            if block + PROMPT_BLOCK <= len(tokens):
                self.cache.tokens = tokens[: block + PROMPT_BLOCK]
            if store is not None and block + PROMPT_BLOCK == fixed and not store.has(tokens[:fixed]):
                store.save(self.lib, llama._ctx.ctx, tokens[:fixed])

    def _penalise(self, logits: np.ndarray, recent: list[int]) -> None:
        penalty = self.params.repeat_penalty
        if penalty == 1.0 or not recent:
            return
        ids = np.unique(np.asarray(recent, dtype=np.int64))
        values = logits[ids]
        logits[ids] = np.where(values > 0, values / penalty, values * penalty)

    def _pick(self, logits: np.ndarray, grammar: _GrammarFilter) -> int:
        k = min(self.params.top_k, len(logits))
        top = top_k(logits, k).astype(np.int32)
        ids = np.setdiff1d(top, self.eog)  # end-of-generation is decided above, from the grammar's state
        mask = grammar.allowed(ids, logits[ids])
        if not mask.any():
            ids = np.setdiff1d(np.arange(len(logits), dtype=np.int32), self.eog)
            mask = grammar.allowed(ids, logits[ids])
            if not mask.any():
                raise RuntimeError("the grammar allows no token")
        ids = ids[mask]
        values = logits[ids].astype(np.float64)
        order = np.argsort(-values, kind="stable")[:k]
        ids, values = ids[order], values[order]
        if self.params.temperature <= 0:
            return int(ids[0])
        probs = np.exp((values - values[0]) / self.params.temperature)
        probs /= probs.sum()
        keep = int(np.searchsorted(np.cumsum(probs), self.params.top_p) + 1)
        ids, probs = ids[:keep], probs[:keep] / probs[:keep].sum()
        return int(self.rng.choice(ids, p=probs))


def top_k(values: np.ndarray, k: int, stride: int = 16) -> np.ndarray:
    """Indices of the `k` largest values, in no order (what `np.argpartition(values, -k)[-k:]` finds, but ~8x
    sooner over gemma-3's 262k logits): the k-th largest of every `stride`-th value is at most the k-th largest of
    all, so the top k are among the values at least as large as it, a short list. Values tied with the k-th may
    be taken in another choice among them."""
    if len(values) < stride * k * 4:
        return np.argpartition(values, -k)[-k:]
    floor = np.partition(values[::stride], -k)[-k]
    short = np.flatnonzero(values >= floor)
    return short[np.argpartition(values[short], -k)[-k:]]


def shared_prefix(a: list[int], b: list[int]) -> int:
    """How many leading tokens `a` and `b` have in common."""
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _fixed_shape(schema: dict[str, Any]) -> bool:
    """An object whose keys are all required, or an array of fixed length: its punctuation is known in advance."""
    if schema.get("type") == "object":
        properties = schema.get("properties")
        return isinstance(properties, dict) and bool(properties) and set(schema.get("required", [])) == set(properties)
    if schema.get("type") == "array":
        count = schema.get("minItems")
        return isinstance(schema.get("items"), dict) and bool(count) and schema.get("maxItems") == count
    return False


def _unspaced(char: str) -> bool:
    """A character of a script that writes no spaces between words (CJK and kana, from U+2E80 on)."""
    return bool(char) and ord(char) >= 0x2E80


def _string_content(text: str) -> str:
    """What follows the opening quote of a JSON string being written (with the closing quote, once written)."""
    stripped = text.lstrip(" ")
    return stripped[1:] if stripped.startswith('"') else ""
