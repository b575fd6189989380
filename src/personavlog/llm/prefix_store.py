"""The model's state after an agent's fixed instructions and examples, kept on disk across processes.

Every call of one agent begins with the same text (its instructions and few-shot examples, or its system prompt);
only the end (the theme, the shot, the notes) changes. Evaluating that fixed part is most of a small model's
prompt time, and a new process (a redo, the next vlog) would evaluate it again. Here the llama.cpp sequence state
(the KV cache of those tokens) is written once under the user cache and read back instead.

The state is saved only at a PROMPT_BLOCK boundary, right after its last block was evaluated: the blocks are the
same canonical blocks a fresh evaluation makes, at the same positions, so a restored prefix gives the very numbers
a fresh one would (same prompt and seed, same answer, with or without the file).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from personavlog.model_files import cache_root

_SEQUENCE = 0
_FORMAT = 1
"""Bumped when what a state file holds, or how it is named, changes."""


class PrefixStore:
    """States of one loaded model after token prefixes, as files named by the model, its settings and the tokens."""

    def __init__(self, model_path: Path, n_ctx: int, n_threads: int, root: Path | None = None):
        import llama_cpp

        stat = model_path.stat()
        identity = f"{_FORMAT}|{model_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{n_ctx}|{n_threads}"
        identity += f"|{llama_cpp.__version__}"
        self.directory = (root or cache_root() / "llm-prefix") / hashlib.sha256(identity.encode()).hexdigest()[:16]

    def path(self, tokens: list[int]) -> Path:
        digest = hashlib.sha256(np.asarray(tokens, dtype=np.int32).tobytes()).hexdigest()[:32]
        return self.directory / f"{len(tokens)}-{digest}.kv"

    def has(self, tokens: list[int]) -> bool:
        return self.path(tokens).is_file()

    def load(self, lib: Any, ctx: Any, tokens: list[int]) -> bool:
        """Replace the model's whole KV cache with the saved state after `tokens`; False when there is none
        (or it does not fit this context), the cache then being empty."""
        try:
            data = self.path(tokens).read_bytes()
        except OSError:
            return False
        lib.llama_memory_seq_rm(lib.llama_get_memory(ctx), -1, 0, -1)
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if lib.llama_state_seq_set_data(ctx, buffer, len(data), _SEQUENCE) != len(data):
            lib.llama_memory_seq_rm(lib.llama_get_memory(ctx), -1, 0, -1)
            return False
        return True

    def save(self, lib: Any, ctx: Any, tokens: list[int]) -> None:
        """Write the model's state, which must hold exactly `tokens`; best effort (a read-only cache skips it)."""
        target = self.path(tokens)
        size = lib.llama_state_seq_get_size(ctx, _SEQUENCE)
        buffer = (ctypes.c_uint8 * size)()
        written = lib.llama_state_seq_get_data(ctx, buffer, size, _SEQUENCE)
        if not 0 < written <= size:
            return
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(memoryview(buffer)[:written])
                os.replace(temporary, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
