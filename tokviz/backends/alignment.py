"""Map a normalized text's characters back to the characters the user typed.

Tokenizers that normalize (NFC for Qwen, NFKC for Claude) encode a different string from the
one the user gave. To keep spans in the user's characters, each character of the normalized
text is given the span of original characters it came from. The alignment is computed by HF
``tokenizers`` (in Rust), which tracks offsets through its normalizers.

>>> normalized, starts, ends = align_normalized("e\\u0301t", "NFC")
>>> normalized, starts.tolist(), ends.tolist()
('ét', [0, 2], [2, 3])
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

__all__ = ["align_normalized", "remap_spans"]


@lru_cache(maxsize=4)
def _char_aligner(form: str):
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    aligner = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    aligner.normalizer = {"NFC": normalizers.NFC, "NFKC": normalizers.NFKC, "NFD": normalizers.NFD,
                          "NFKD": normalizers.NFKD}[form]()
    aligner.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    return aligner


def align_normalized(text: str, form: str) -> tuple[str, np.ndarray, np.ndarray]:
    """Normalize ``text`` with Unicode ``form``; give each normalized char its original span.

    Returns ``(normalized, starts, ends)`` with one start/end per character of ``normalized``.
    """
    normalized = unicodedata.normalize(form, text)
    if normalized == text:
        positions = np.arange(len(text), dtype=np.int64)
        return text, positions, positions + 1
    encoding = _char_aligner(form).encode(text, add_special_tokens=False)
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    if len(offsets) != len(normalized):
        # Unicode versions of Python and Rust disagree on some character: fall back to a
        # proportional alignment, which is still monotone and covers the whole text.
        scale = len(text) / max(len(normalized), 1)
        starts = np.floor(np.arange(len(normalized)) * scale).astype(np.int64)
        ends = np.maximum(np.floor(np.arange(1, len(normalized) + 1) * scale).astype(np.int64), starts + 1)
        return normalized, starts, np.minimum(ends, len(text))
    starts, ends = offsets[:, 0], offsets[:, 1]
    # HF gives a composed character only its first source character (e + U+0301 -> é at 0..1):
    # stretch each span to the next one's start so that the spans tile the original text.
    ends = np.maximum(ends, np.append(starts[1:], len(text)))
    return normalized, starts, ends


def remap_spans(starts: np.ndarray, ends: np.ndarray, char_starts: np.ndarray, char_ends: np.ndarray,
                original_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Map spans in normalized characters to spans in original characters."""
    if char_starts.size == 0:
        zeros = np.zeros_like(starts)
        return zeros, zeros
    safe_start = np.clip(starts, 0, char_starts.size - 1)
    safe_last = np.clip(ends - 1, 0, char_ends.size - 1)
    new_starts = np.where(starts >= char_starts.size, original_length, char_starts[safe_start])
    new_ends = np.where(ends > starts, char_ends[safe_last], new_starts)
    return new_starts, np.maximum(new_ends, new_starts)
