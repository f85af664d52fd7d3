"""Byte-level pre-tokenization and the tokenizer.json a trained vocabulary becomes.

Every lab tokenizer is byte-level BPE in HF ``tokenizers``' format: the 256 bytes as its
alphabet (so any text can be encoded), the GPT-2 split regex before BPE (classic and
Parity-aware BPE), or SuperBPE's looser split (sentences, so tokens may hold spaces), and its
ordered merges. :func:`build_tokenizer` turns (vocabulary, merges, pre-tokenizer) into a
:class:`TrainedTokenizer`: an ``HFTokenizerView`` every page can use, that saves itself as a
``tokenizer.json`` which ``tokviz.load_tokenizer`` reads back with identical ids.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..backends.base import TokenizerMeta
from ..backends.hf_backend import HFTokenizerView, gpt2_byte_decoder

__all__ = ["TrainedTokenizer", "TrainingInfo", "alphabet", "byte_encoder", "pre_tokenizer", "pre_tokenize",
           "build_tokenizer", "to_gpt2_chars", "SENTENCE_SPLIT"]

#: SuperBPE stage 2 (simplified): one pre-token per sentence (cut at line breaks and after
#: sentence-final punctuation of Latin, Devanagari, Ethiopic and CJK text), instead of per word.
SENTENCE_SPLIT = r"(?<=[.!?;:\u0964\u0965\u1362\u1367\u1368\u3002\uff01\uff1f])[ \t]+|\n+"


@lru_cache(maxsize=1)
def byte_encoder() -> dict[int, str]:
    """byte -> GPT-2's printable stand-in character (0x20 -> 'Ġ')."""
    return {byte: char for char, byte in gpt2_byte_decoder().items()}


@lru_cache(maxsize=1)
def alphabet() -> list[bytes]:
    """The 256 single bytes in the id order HF's BpeTrainer gives them (by stand-in code point).

    >>> alphabet()[:3], len(alphabet())
    ([b'!', b'"', b'#'], 256)
    """
    encoder = byte_encoder()
    return [bytes([byte]) for byte in sorted(range(256), key=lambda b: ord(encoder[b]))]


def to_gpt2_chars(data: bytes) -> str:
    """Bytes as the GPT-2 stand-in string HF's byte-level vocabularies use.

    >>> to_gpt2_chars(b" the")
    'Ġthe'
    """
    encoder = byte_encoder()
    return "".join(encoder[byte] for byte in data)


def pre_tokenizer(stage: str = "words"):
    """HF pre-tokenizer: ``"words"`` = GPT-2 regex + byte level; ``"sentences"`` = SuperBPE stage 2."""
    from tokenizers import Regex, pre_tokenizers

    if stage == "words":
        return pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if stage == "sentences":
        return pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(SENTENCE_SPLIT), behavior="merged_with_next"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    raise ValueError(f"unknown pre-tokenization stage {stage!r}; use 'words' or 'sentences'")


def pre_tokenize(text: str, stage: str = "words") -> list[str]:
    """Pre-tokens of ``text`` as GPT-2 stand-in strings (what BPE training counts).

    >>> pre_tokenize("Hello world. By the way")
    ['Hello', 'Ġworld', '.', 'ĠBy', 'Ġthe', 'Ġway']
    >>> pre_tokenize("Hello world. By the way", "sentences")
    ['HelloĠworld.', 'ĠByĠtheĠway']
    """
    return [piece for piece, _ in pre_tokenizer(stage).pre_tokenize_str(text)]


@dataclass
class TrainingInfo:
    """How a lab tokenizer was trained (shown on the page, kept with the tokenizer)."""

    method: str
    vocab_size_requested: int
    languages: list[str]
    weights: dict[str, int]
    merges_by_language: dict[str, int] = field(default_factory=dict)  # parity: whose turn each merge was
    chosen_language: list[int] = field(default_factory=list)  # parity: per merge, the index of that language
    transition: int | None = None  # superbpe: vocabulary size where stage 2 began
    stopped_early: str = ""  # why training ended before the requested size
    seconds: float = 0.0
    trainer: str = ""  # "HF tokenizers (Rust)" or "tokviz.lab engine (Python)"


class TrainedTokenizer(HFTokenizerView):
    """A tokenizer trained in the lab: an ``HFTokenizerView`` plus its :class:`TrainingInfo`."""

    def __init__(self, name: str, tokenizer_json: str, info: TrainingInfo):
        meta = TokenizerMeta(algorithm="byte-level BPE", license="yours (trained in tokviz's Tokenizer lab)",
                             notes=[f"Trained in the Tokenizer lab: {info.method}, {info.vocab_size_requested:,} "
                                    f"tokens requested, languages: {', '.join(info.languages)}."])
        super().__init__(name, tokenizer_json, meta=meta, identity=_json_identity(tokenizer_json))
        self.info = info
        self.tokenizer_json = tokenizer_json

    def save(self, path: str | Path) -> Path:
        """Write ``tokenizer.json`` (a folder, or a name without suffix, gets ``<folder>/tokenizer.json``)."""
        path = Path(path)
        if path.is_dir() or not path.suffix:
            path = path / "tokenizer.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.tokenizer_json, encoding="utf-8")
        return path


def _json_identity(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_tokenizer(name: str, vocab: list[bytes], merges: list[tuple[int, int]], info: TrainingInfo,
                    stage: str = "words") -> TrainedTokenizer:
    """A :class:`TrainedTokenizer` from a vocabulary (id -> bytes) and merges (pairs of ids)."""
    from tokenizers import Tokenizer, decoders, models

    strings = [to_gpt2_chars(token) for token in vocab]
    table = {string: index for index, string in enumerate(strings)}
    model = models.BPE(vocab=table, merges=[(strings[a], strings[b]) for a, b in merges])
    tokenizer = Tokenizer(model)
    tokenizer.pre_tokenizer = pre_tokenizer(stage)
    tokenizer.decoder = decoders.ByteLevel()
    spec = json.loads(tokenizer.to_str())
    spec["model"]["merges"] = [[strings[a], strings[b]] for a, b in merges]
    return TrainedTokenizer(name, json.dumps(spec, ensure_ascii=False), info)
