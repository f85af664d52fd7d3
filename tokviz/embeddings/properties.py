"""Per-token properties (script, lengths, norm, merge rank, special flag) and the under-trained
indicator (Magikarp's reference-token score, or a norm-based one), cached on disk."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..cache import disk_cached_arrays, disk_cached_frame
from .pca import _pca_basis
from .shipped import shipped_properties
from .sources import _CHUNK_ROWS, EmbeddingSource, SourceLike, embedding_for_tokenizer, load_embeddings

_PROPERTIES_VERSION = 5  # bump when the per-token properties change


#: Unicode scripts told apart on the map; other letters fall into "Other".
SCRIPTS = (
    "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Han", "Hiragana", "Katakana", "Hangul",
    "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada",
    "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Khmer", "Georgian", "Armenian",
    "Ethiopic", "Mongolian", "Thaana", "Syriac", "Cherokee", "Canadian_Aboriginal", "Tifinagh",
    "Bopomofo", "Yi", "Javanese", "Balinese", "Runic", "Ogham", "Coptic", "Glagolitic", "Nko",
    "Vai", "Adlam", "Braille",
)


def _char_scripts(chars: Iterable[str]) -> dict[str, str]:
    """Script of each character (one regex scan per script over the distinct characters).

    >>> _char_scripts("aж中1 ")
    {'a': 'Latin', 'ж': 'Cyrillic', '中': 'Han', '1': 'Digits', ' ': 'Whitespace'}
    """
    import regex

    ordered = list(dict.fromkeys(chars))
    joined = "".join(ordered)
    found: dict[str, str] = {}
    for script in SCRIPTS:
        for char in regex.findall(rf"\p{{Script={script}}}", joined):
            found.setdefault(char, script)
    out = {}
    for char in ordered:
        if char in found:
            out[char] = found[char]
        elif char.isspace():
            out[char] = "Whitespace"
        elif char.isdigit():
            out[char] = "Digits"
        elif char.isalpha():
            out[char] = "Other"
        else:
            out[char] = "Symbols"  # punctuation, symbols, marks, emoji
    return out


_GENERIC_SCRIPTS = ("Whitespace", "Digits", "Symbols")


def _token_script(text: str, scripts: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for char in text:
        script = scripts[char]
        counts[script] = counts.get(script, 0) + 1
    letters = {k: v for k, v in counts.items() if k not in _GENERIC_SCRIPTS}
    if letters:
        return max(letters.items(), key=lambda item: item[1])[0]
    for generic in ("Digits", "Symbols", "Whitespace"):
        if generic in counts:
            return generic
    return "Whitespace"


#: Vocabulary entries that are known to be reserved / unused: Magikarp's reference set.
_RESERVED_PATTERN = re.compile(
    r"^(?:\[unused\d+\]|<unused\d+>|<\|reserved_special_token_\d+\|>|<\|reserved_\d+\|>|"
    r"<\|unused_?\d+\|>|<reserved_\d+>|<pad_?\d+>|<\|extra_\d+\|>|<SPECIAL_\d+>|madeupword\d+)$"
)
#: Single bytes that never occur in valid UTF-8, so their byte tokens are never produced from text.
_UNREACHABLE_BYTES = frozenset(bytes([value]) for value in (0xC0, 0xC1, *range(0xF5, 0x100)))


def _undertrained_scores(source: EmbeddingSource, reference: np.ndarray, count: int) -> tuple[np.ndarray, str]:
    """Per token, how much it looks under-trained (higher = more suspicious), and the basis used.

    With at least 3 reserved/unused/unreachable tokens in the vocabulary (Magikarp, Land &
    Bartolo 2024): remove the first principal component from every row, then take the cosine
    similarity to the mean of the reference tokens' rows.

    Without them, a norm-based indicator: the share of each row that lies along the
    vocabulary's mean row, i.e. the cosine between row and mean. A row that training barely
    touched keeps little besides the component all rows share, so its token-specific part (its
    norm once the mean is removed) is small and this cosine high. (The raw L2 norm is no such
    indicator on these matrices: SmolLM2's smallest rows are ' John', ' Michael', ' David';
    WordLlama's are ' the', ',', ' of'.)
    """
    matrix = source.matrix[:count]
    scores = np.empty(count, dtype=np.float32)
    if len(reference) >= 3:
        components, _, _ = _pca_basis(matrix, 1, normalize_rows=False)
        first = components[:, 0].astype(np.float32)

        def strip(block: np.ndarray) -> np.ndarray:
            return block - np.outer(block @ first, first)

        target = strip(matrix[reference]).mean(axis=0)
        basis = (f"cosine similarity to the mean of {len(reference)} reserved/unused/unreachable tokens, "
                 "first principal component removed (Magikarp)")
    else:
        def strip(block: np.ndarray) -> np.ndarray:
            return block

        target = np.zeros(matrix.shape[1], dtype=np.float64)
        for start in range(0, count, _CHUNK_ROWS):
            target += matrix[start:start + _CHUNK_ROWS].sum(axis=0, dtype=np.float64)
        target = (target / count).astype(np.float32)
        basis = ("norm-based: share of the row along the vocabulary's mean row (cosine to the mean; a small "
                 "token-specific norm). The vocabulary has no reserved/unused/unreachable tokens to compare with.")
    target = target / max(float(np.linalg.norm(target)), 1e-12)
    for start in range(0, count, _CHUNK_ROWS):
        block = strip(matrix[start:start + _CHUNK_ROWS])
        norms = np.linalg.norm(block, axis=1)
        scores[start:start + len(block)] = (block @ target) / np.maximum(norms, 1e-12)
    return scores, basis


def _flag_threshold(scores: np.ndarray, reference: np.ndarray, special: np.ndarray) -> float:
    """Score above which a token is flagged as likely under-trained.

    Reference basis: half-way from the typical token's score to the typical reference token's
    (for Llama 2 this flags ' Расподела', ' Portály', ' Mediabestanden', ..., the tokens
    Magikarp verified). Mean-row basis: the top 0.1 % of ordinary tokens (candidates only).
    """
    if len(reference) >= 3:
        typical, unused = float(np.median(scores)), float(np.median(scores[reference]))
        return typical + 0.5 * (unused - typical)
    ordinary = scores[~special]
    return float(np.quantile(ordinary if len(ordinary) else scores, 0.999))


def _byte_fallback_ids(vocab_bytes: Sequence[bytes]) -> np.ndarray:
    """Ids of a byte-fallback block: 256 consecutive ids holding the bytes 0x00..0xFF in order.

    SentencePiece-style vocabularies (Llama 2, Mistral) have one (ids 3..258 in Llama 2);
    byte-level BPE alphabets (GPT-2 style) are not in byte order and are real base tokens.

    >>> _byte_fallback_ids([b"<s>"] + [bytes([b]) for b in range(256)] + [b"the"]).tolist()[:3]
    [1, 2, 3]
    """
    expected = [bytes([value]) for value in range(256)]
    for start in (i for i, data in enumerate(vocab_bytes) if data == b"\x00"):
        if list(vocab_bytes[start:start + 256]) == expected:
            return np.arange(start, start + 256)
    return np.zeros(0, dtype=np.int64)


def _properties_frame(source: EmbeddingSource) -> pd.DataFrame:
    """Per-token properties, computed once per (matrix, tokenizer); see :func:`token_properties`.

    The per-token text work (display text, script) is a plain loop over the vocabulary: there is
    no batch call for it, and the result is cached on disk.
    """
    tok = source.tokenizer
    count = source.token_count
    vocab_bytes = tok.vocab_bytes[:count]
    texts = [tok.token_text(i) for i in range(count)]
    whole = [data.decode("utf-8", "ignore") for data in vocab_bytes]
    partial = np.fromiter((len(w.encode("utf-8")) != len(b) for w, b in zip(whole, vocab_bytes, strict=True)),
                          dtype=bool, count=count)
    scripts_of = _char_scripts("".join(whole))
    special = np.zeros(count, dtype=bool)
    special_ids = np.fromiter((i for i in tok.special_ids if i < count), dtype=np.int64)
    special[special_ids] = True
    fallback = _byte_fallback_ids(vocab_bytes)
    partial[fallback] = True  # <0x50> is a byte token even though b"P" decodes
    for token_id in fallback.tolist():  # shown by their SentencePiece names, not as a second "P"
        texts[token_id] = f"<0x{vocab_bytes[token_id][0]:02X}>"
    script = [
        "special" if special[i] else "bytes" if partial[i] else _token_script(whole[i], scripts_of)
        for i in range(count)
    ]
    reference = np.flatnonzero(np.fromiter(
        (bool(_RESERVED_PATTERN.match(t)) or b in _UNREACHABLE_BYTES for t, b in zip(texts, vocab_bytes, strict=True)),
        dtype=bool, count=count))
    scores, basis = _undertrained_scores(source, reference, count)
    threshold = _flag_threshold(scores, reference, special)
    is_reference = np.zeros(count, dtype=bool)
    is_reference[reference] = True
    frame = pd.DataFrame({
        "token_id": np.arange(count, dtype=np.int32),
        "token": texts,
        "script": pd.Categorical(script),
        "length": np.fromiter((len(w) for w in whole), dtype=np.int32, count=count),
        "length_bytes": tok.token_byte_lengths[:count].astype(np.int32),
        "norm": source.norms[:count].astype(np.float32),
        "merge_rank": tok.merge_rank_of_tokens()[:count].astype(np.int32),
        "special": special,
        "undertrained_score": scores,
        "undertrained": (scores >= threshold) & ~is_reference & ~special,
        "unused_reference": is_reference,
    })
    frame.attrs["undertrained_basis"] = basis
    frame.attrs["undertrained_threshold"] = threshold
    return frame


def properties_key(source: SourceLike) -> dict:
    """The key :func:`token_properties` caches (and finds shipped properties) under.

    >>> sorted(properties_key("llama2"))
    ['matrix', 'tokenizer', 'v']
    """
    source = load_embeddings(source)
    tok = source.tokenizer
    return {"v": _PROPERTIES_VERSION, "matrix": source.identity, "tokenizer": tok.identity or tok.name}


def token_properties(source: SourceLike) -> pd.DataFrame:
    """Per token id: display text, script, lengths, L2 norm, merge rank, special flag, and the
    under-trained indicator. Cached on disk by the matrix and tokenizer identity.

    ``script`` is the Unicode script of most of the token's letters ("Digits", "Symbols",
    "Whitespace" when it has none, "bytes" for partial UTF-8, "special" for control tokens).
    ``frame.attrs["undertrained_basis"]`` says which indicator was used.

    >>> props = token_properties("llama2")
    >>> props.loc[props.token == " the", ["token_id", "script", "length"]].values.tolist()
    [[278, 'Latin', 4]]
    """
    source = load_embeddings(source)
    key = properties_key(source)
    shipped = shipped_properties(key)  # llama2's ship in data/ (the page's default view)
    if shipped is not None:
        return shipped
    frame = disk_cached_frame("embedding-properties", key, lambda: _properties_frame(source))
    meta = disk_cached_arrays("embedding-properties-meta", key, lambda: {
        "basis": np.array(frame.attrs["undertrained_basis"]),
        "threshold": np.array(frame.attrs["undertrained_threshold"], dtype=np.float64),
    })
    frame.attrs["undertrained_basis"] = str(meta["basis"])
    frame.attrs["undertrained_threshold"] = float(meta["threshold"])
    return frame



def undertrained_tokens(source: SourceLike, top: int = 200) -> pd.DataFrame:
    """The ``top`` tokens that look most under-trained (reserved/special tokens left out).

    >>> undertrained_tokens("llama2", top=5).columns.tolist()
    ['token_id', 'token', 'undertrained_score', 'undertrained', 'norm', 'script']
    """
    props = token_properties(source)
    candidates = props.loc[~props.unused_reference & ~props.special]
    frame = candidates.nlargest(int(top), "undertrained_score")[
        ["token_id", "token", "undertrained_score", "undertrained", "norm", "script"]
    ].reset_index(drop=True)
    frame.attrs.update(props.attrs)
    return frame


_FLAGGED: dict[tuple[str, str], tuple[np.ndarray, dict[int, tuple[str, float]]]] = {}


def _flagged_table(source: EmbeddingSource) -> tuple[np.ndarray, dict[int, tuple[str, float]]]:
    """(sorted ids of the flagged tokens, id -> (display text, score)), once per vocabulary."""
    key = (source.name, source.identity)
    if key not in _FLAGGED:
        props = token_properties(source)
        flagged = props.loc[props.undertrained, ["token_id", "token", "undertrained_score"]]
        details = {int(i): (t, float(s)) for i, t, s in flagged.itertuples(index=False)}
        _FLAGGED[key] = (np.array(sorted(details), dtype=np.int64), details)
    return _FLAGGED[key]


def undertrained_in_text(source_or_tokenizer_name: SourceLike, ids: Sequence[int]) -> list[dict]:
    """The tokens among ``ids`` that are flagged as likely under-trained, in text order.

    ``source_or_tokenizer_name`` is an embedding source or a tokenizer name ("llama2",
    "smollm2", "bert-base-uncased"). Tokenizers with no embedding matrix here, and matrices not
    fetched yet, give ``[]``. After the first call per vocabulary this is one ``np.isin`` over the ids.
    Each hit: ``{"position", "token_id", "token", "score"}``.

    >>> undertrained_in_text("cl100k_base", [1, 2, 3])
    []
    """
    if isinstance(source_or_tokenizer_name, EmbeddingSource):
        source = source_or_tokenizer_name
    else:
        name = embedding_for_tokenizer(str(source_or_tokenizer_name))
        if name is None:
            return []
        try:
            source = load_embeddings(name)
        except ValueError:
            return []  # not fetched: nothing to say
    flagged, details = _flagged_table(source)
    ids = np.asarray(ids, dtype=np.int64)
    hits = []
    for position in np.flatnonzero(np.isin(ids, flagged)).tolist():
        token_id = int(ids[position])
        text, score = details[token_id]
        hits.append({"position": position, "token_id": token_id, "token": text, "score": score})
    return hits
