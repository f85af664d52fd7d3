"""Small builders shared by several test files."""
from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers


def word_tokenizer(path: Path, size: int) -> str:
    """A WordLevel tokenizer.json with ids 0..size-1 ("[UNK]", "w1", "w2", ...); returns its path."""
    vocab = {"[UNK]": 0, **{f"w{i}": i for i in range(1, size)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(path))
    return str(path)
