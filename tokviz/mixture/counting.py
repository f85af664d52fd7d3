"""Stage 1 of mixture inference: read the category samples and count their pre-tokens.

Each sample goes through the tokenizer's own normalizer and pre-tokenizer
(``TokenizerView.pretokenize``); pairs are later counted inside pre-tokens only.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..progress import Progress, report
from ..samples import split_at_line_ends

__all__ = ["MIN_SAMPLE_BYTES", "read_samples", "count_pretokens", "count_categories"]

#: Below this many bytes a category's sample is too small to say much: warn.
MIN_SAMPLE_BYTES = 10_000
#: Texts are pre-tokenized in pieces of about this size, cut at line ends.
_CHUNK_BYTES = 256_000
_SPACE_START = re.compile(rb"(?= )")


# ---- samples ---------------------------------------------------------------------------------
def _read_text_file(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _is_existing_path(value: str) -> bool:
    """True when a short one-line string names an existing file or folder (else it is text)."""
    if len(value) > 4096 or "\n" in value:
        return False
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return False


def read_samples(samples: Mapping[str, Any] | str | os.PathLike) -> dict[str, str]:
    """Resolve ``samples`` into ``{category: text}``.

    ``samples`` is a folder of ``<category>.txt`` files, or a mapping from category names to
    text, a file path, or a folder (all files in it, read as UTF-8, concatenated in name order).

    >>> read_samples({"en": "the cat sat on the mat"})
    {'en': 'the cat sat on the mat'}
    """
    if isinstance(samples, (str, os.PathLike)):
        folder = Path(samples)
        if not folder.is_dir():
            raise ValueError(
                f"samples={str(samples)!r} is not a folder; pass a folder of <category>.txt files "
                "or a dict {category: text, file or folder}."
            )
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".txt")
        if not files:
            raise ValueError(f"The folder {folder} holds no <category>.txt files; add one file per category.")
        return {p.stem: _read_text_file(p) for p in files}
    if not isinstance(samples, Mapping):
        raise ValueError("samples must be a folder path or a dict {category: text, file or folder}.")
    texts: dict[str, str] = {}
    for category, value in samples.items():
        if isinstance(value, bytes):
            texts[str(category)] = value.decode("utf-8", errors="replace")
            continue
        if isinstance(value, os.PathLike) or (isinstance(value, str) and _is_existing_path(value)):
            path = Path(value)
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file())
                texts[str(category)] = "\n".join(_read_text_file(p) for p in files)
            elif path.is_file():
                texts[str(category)] = _read_text_file(path)
            else:
                raise ValueError(f"Sample path {path} for category {category!r} does not exist.")
            continue
        if not isinstance(value, str):
            raise ValueError(f"The sample for {category!r} must be text, a file or a folder, "
                             f"not {type(value).__name__}.")
        texts[str(category)] = value
    return texts


def count_pretokens(tokenizer, text: str) -> Counter:
    """Pre-token frequencies of ``text`` (bytes -> count) through the tokenizer's own pre-tokenizer.

    >>> import tokviz
    >>> count_pretokens(tokviz.load_tokenizer("cl100k_base"), "the cat the")[b" the"]
    1
    """
    counts: Counter = Counter()
    split_at_spaces = getattr(tokenizer, "merge_units", "bytes") == "chars"
    for piece in split_at_line_ends(text, _CHUNK_BYTES):
        pretokens = tokenizer.pretokenize(piece)
        if split_at_spaces:
            # SentencePiece BPE never merges across a word start: cut before every space (▁)
            pretokens = [word for pretoken in pretokens for word in _SPACE_START.split(pretoken) if word]
        counts.update(pretokens)
    return counts


def count_categories(tokenizer, texts: Mapping[str, str], progress: Progress | None = None) -> dict[str, Counter]:
    """Pre-token counts of every category's text: ``{category: Counter(bytes -> count)}``.

    >>> import tokviz
    >>> counts = count_categories(tokviz.load_tokenizer("cl100k_base"), {"en": "the cat", "code": "x = 1"})
    >>> counts["en"][b" cat"], counts["code"][b" ="]
    (1, 1)
    """
    counters: dict[str, Counter] = {}
    for number, (category, text) in enumerate(texts.items()):
        report(progress, number / max(1, len(texts)), f"Counting pre-tokens of {category}")
        counters[category] = count_pretokens(tokenizer, text)
    report(progress, 1.0, f"Counted {len(texts)} categories")
    return counters
