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

import re
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


_CHUNK_SPLIT = re.compile(r"(?=[ \n])")


def align_normalized(text: str, form: str) -> tuple[str, np.ndarray, np.ndarray]:
    """Normalize ``text`` with Unicode ``form``; give each normalized char its original span.

    Returns ``(normalized, starts, ends)`` with one start/end per character of ``normalized``.
    Only the words that normalization changes are aligned (in one batched Rust call): a space
    or newline is a starter that composes with nothing before it, so words normalize alone.
    """
    if unicodedata.is_normalized(form, text):
        positions = np.arange(len(text), dtype=np.int64)
        return text, positions, positions + 1
    chunks = _CHUNK_SPLIT.split(text)
    changed = [i for i, chunk in enumerate(chunks) if not unicodedata.is_normalized(form, chunk)]
    bounds = np.cumsum([0] + [len(chunk) for chunk in chunks])
    encodings = _char_aligner(form).encode_batch([chunks[i] for i in changed], add_special_tokens=False)
    pieces: list[str] = []
    all_starts: list[np.ndarray] = []
    all_ends: list[np.ndarray] = []
    done = 0  # original characters handled so far
    for index, encoding in zip(changed, encodings, strict=True):
        begin, finish = int(bounds[index]), int(bounds[index + 1])
        if begin > done:  # an unchanged run, mapped one to one
            pieces.append(text[done:begin])
            run = np.arange(done, begin, dtype=np.int64)
            all_starts.append(run)
            all_ends.append(run + 1)
        normalized_chunk = unicodedata.normalize(form, chunks[index])
        offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
        if len(offsets) == len(normalized_chunk):
            starts, ends = offsets[:, 0], offsets[:, 1]
        else:  # Python's and Rust's Unicode versions disagree: a proportional, monotone map
            scale = len(chunks[index]) / max(len(normalized_chunk), 1)
            starts = np.floor(np.arange(len(normalized_chunk)) * scale).astype(np.int64)
            ends = starts + 1
        # HF gives a composed character only its first source character (e + U+0301 -> é at
        # 0..1): stretch each span to the next one's start so the spans tile the original text
        ends = np.maximum(ends, np.append(starts[1:], finish - begin))
        pieces.append(normalized_chunk)
        all_starts.append(starts + begin)
        all_ends.append(np.minimum(ends, finish - begin) + begin)
        done = finish
    if done < len(text):
        pieces.append(text[done:])
        run = np.arange(done, len(text), dtype=np.int64)
        all_starts.append(run)
        all_ends.append(run + 1)
    return "".join(pieces), np.concatenate(all_starts), np.concatenate(all_ends)


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
