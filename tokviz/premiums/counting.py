"""Counting: a parallel corpus cut into text units, and each tokenizer's token counts per unit.

Counts per (tokenizer, text unit) are cached in memory and on disk, keyed by the corpus' sha256
and the tokenizer's identity; premiums for any reference are derived from them
(``tokviz.premiums.table``).
"""
from __future__ import annotations

import itertools
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..cache import cache_dir, disk_cached_frame, stable_hash
from ..progress import Progress, report

#: Bumped whenever the cached per-unit count table changes shape or meaning.
COUNTS_VERSION = 1
#: Backend batch calls per corpus (progress is reported between them).
PROGRESS_STEPS = 20
#: Cache sub-folder of the per-unit count tables.
COUNTS_NAMESPACE = "premiums"


# ---- corpora as text units ------------------------------------------------------------------
@dataclass(frozen=True)
class _Corpus:
    """A parallel corpus cut into text units: ``units`` (language, unit, text, chars, bytes)
    and ``languages`` (language, name, script, region, iso639_3, latitude, longitude)."""

    kind: str  # "udhr" or "flores"
    identity: str
    units: pd.DataFrame
    languages: pd.DataFrame


_CORPUS_CACHE: dict[tuple, _Corpus] = {}
_CORPUS_LOCK = threading.Lock()


def word_counts(texts: Sequence[str]) -> np.ndarray:
    """Words per text: runs of letters, combining marks and digits (Unicode categories L, M, N;
    Ethiopic ፡ and other separators split them), counted for all texts at once with numpy.

    >>> word_counts(["All human beings", "ሰው፡ልጅ", "", "42 x2"]).tolist()
    [3, 2, 0, 2]
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    code_points = np.frombuffer("\x00".join(texts).encode("utf-32-le"), dtype=np.uint32)
    present = np.flatnonzero(np.bincount(code_points)) if len(code_points) else np.zeros(0, np.int64)
    is_word_char = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=bool)
    is_word_char[present] = [unicodedata.category(chr(c))[0] in "LMN" for c in present.tolist()]
    word = is_word_char[code_points]
    starts = word.copy()
    starts[1:] &= ~word[:-1]
    total = np.concatenate([[0], np.cumsum(starts, dtype=np.int64)])
    begin = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    return total[begin + lengths] - total[begin]


def _add_text_sizes(units: pd.DataFrame) -> pd.DataFrame:
    """Add chars (code points), bytes (UTF-8) and words (runs of letters, marks, digits) per unit."""
    texts = units["text"]
    units["chars"] = texts.str.len().to_numpy(dtype=np.int64)
    data = texts.to_numpy()
    units["bytes"] = np.fromiter((len(text.encode("utf-8")) for text in data), dtype=np.int64, count=len(data))
    units["words"] = word_counts(data.tolist())
    return units


def _load_corpus(corpus: str | Path) -> _Corpus:
    from .. import corpora

    if isinstance(corpus, str) and corpus.strip().lower() == "udhr":
        key = ("udhr", corpora.udhr_identity())
        with _CORPUS_LOCK:
            if key not in _CORPUS_CACHE:
                frame = corpora.load_udhr()
                units = pd.DataFrame({
                    "language": frame["code"].to_numpy(),
                    "unit": frame["section"].astype(str).to_numpy(),
                    "text": frame["text"].to_numpy(),
                })
                _add_text_sizes(units)
                languages = corpora.udhr_languages().rename(columns={"code": "language"})[
                    ["language", "name", "script", "region", "iso639_3", "latitude", "longitude"]]
                _CORPUS_CACHE[key] = _Corpus("udhr", key[1], units, languages)
            return _CORPUS_CACHE[key]
    if not isinstance(corpus, (str, Path)) or not str(corpus).strip():
        raise ValueError(
            f"corpus must be 'udhr' or the path of a FLORES-200 style folder, not {corpus!r}."
        )
    identity = corpora.flores_identity(corpus)
    key = ("flores", identity)
    with _CORPUS_LOCK:
        if key not in _CORPUS_CACHE:
            flores = corpora.load_flores(corpus)
            units = pd.DataFrame({"language": flores["code"], "unit": "dev+devtest", "text": flores["text"]})
            _add_text_sizes(units)
            udhr = corpora.udhr_languages().drop_duplicates("iso639_3").set_index("iso639_3")
            languages = flores.rename(columns={"code": "language"})[["language", "name", "script", "iso639_3"]]
            for column in ("region", "latitude", "longitude"):
                languages[column] = languages["iso639_3"].map(udhr[column])
            languages["region"] = languages["region"].fillna("unknown")
            _CORPUS_CACHE[key] = _Corpus("flores", identity, units, languages)
        return _CORPUS_CACHE[key]


def corpus_languages(corpus: str | Path = "udhr") -> pd.DataFrame:
    """The languages of a corpus: language (its code), name, script, region, iso639_3,
    latitude, longitude (FLORES languages borrow the UDHR's position of the same ISO 639-3)."""
    return _load_corpus(corpus).languages.copy()


def resolve_reference(reference: str, corpus: str | Path = "udhr") -> str:
    """The corpus' code for ``reference``: the code itself, or the one code with that ISO 639-3.

    >>> resolve_reference("eng")
    'eng'
    """
    languages = _load_corpus(corpus).languages
    codes = languages["language"]
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError("reference must be a language code of the corpus, e.g. 'eng'.")
    reference = reference.strip()
    if (codes == reference).any():
        return reference
    same_iso = codes[languages["iso639_3"] == reference].tolist()
    if len(same_iso) == 1:
        return same_iso[0]
    import difflib

    suggestions = same_iso or difflib.get_close_matches(reference, codes.tolist(), n=5)
    hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise ValueError(
        f"The reference language {reference!r} is not in this corpus.{hint} "
        "Pick one of its language codes (tokviz.premiums.corpus_languages lists them)."
    )


# ---- tokenizers -----------------------------------------------------------------------------
class _Tokenizer:
    """A tokenizer as premiums needs it: name, display name, identity, and the view on demand.

    For a catalog name whose identity the catalog can tell without building the tokenizer
    (``tokviz.catalog.tokenizer_identity``), the view is loaded only when counts must be
    computed, so a warm table never pays for loading vocabularies.
    """

    def __init__(self, name: str, display_name: str, identity: str, view=None, spec: str | None = None):
        self.name, self.display_name, self.identity = name, display_name, identity
        self._view, self._spec = view, spec

    @property
    def view(self):
        if self._view is None:
            from .. import load_tokenizer

            self._view = load_tokenizer(self._spec)
        return self._view


def _handle(item) -> _Tokenizer:
    from ..backends.base import TokenizerView

    if isinstance(item, _Tokenizer):
        return item
    if isinstance(item, TokenizerView):
        return _Tokenizer(item.name, item.display_name, item.identity, view=item)
    if not isinstance(item, (str, Path)):
        raise ValueError(f"A tokenizer must be a name, a path or a TokenizerView, not {type(item).__name__}.")
    from .. import catalog

    spec = str(item).strip()
    if spec in catalog.CATALOG:
        try:
            identity = catalog.tokenizer_identity(spec)
        except (ValueError, OSError):  # not fetched: loading says how to get it
            identity = ""
        if identity:
            return _Tokenizer(spec, catalog.CATALOG[spec].display_name, identity, spec=spec)
    view = catalog.load_tokenizer(spec)
    return _Tokenizer(view.name, view.display_name, view.identity, view=view)


def _resolve_tokenizers(tokenizers) -> list[_Tokenizer]:
    from ..backends.base import TokenizerView

    if isinstance(tokenizers, (str, Path, TokenizerView, _Tokenizer)):
        tokenizers = [tokenizers]
    tokenizers = list(tokenizers or [])
    if not tokenizers:
        raise ValueError(
            "No tokenizer selected: give one or more names (e.g. ['cl100k_base', 'llama3']); "
            "tokviz.available_tokenizers() lists them."
        )
    handles = [_handle(item) for item in tokenizers]
    names = [handle.name for handle in handles]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"Tokenizer(s) {duplicates} given more than once; give each once.")
    return handles


_FLAG_CACHE: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}


def _token_flags(tok) -> tuple[np.ndarray, np.ndarray]:
    """Per id: is it an unknown token; is it a single non-ASCII byte (byte fallback)."""
    key = (tok.name, tok.identity or str(id(tok)))
    if key not in _FLAG_CACHE:
        lengths = tok.token_byte_lengths
        unknown = np.zeros(len(lengths), dtype=bool)
        unknown_ids = {getattr(tok, "unknown_id", -1)}
        unknown_ids |= {
            token_id for text, token_id in tok.special_tokens.items()
            if text.strip("<>[]|▁ ").lower() in ("unk", "unknown")
        }
        for token_id in unknown_ids:
            if isinstance(token_id, (int, np.integer)) and 0 <= token_id < len(unknown):
                unknown[token_id] = True
        first_byte = np.fromiter(
            (data[0] if len(data) == 1 else 0 for data in tok.vocab_bytes), dtype=np.uint8, count=len(lengths)
        )
        byte_fallback = (lengths == 1) & (first_byte >= 0x80)
        byte_fallback[list(tok.special_ids)] = False
        _FLAG_CACHE[key] = (unknown, byte_fallback)
    return _FLAG_CACHE[key]


def _encode_flat(tok, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All ids of ``texts`` as one flat int64 array, and each text's token count.

    Uses the backend's flat batch call when the view has one (``encode_batch_flat(texts) ->
    (ids, offsets)``, no Python list per text); otherwise the backend's batch encode. Texts are
    never cut (FLORES Shan is 1.02 MB): the view cuts only what it segments for display.
    """
    flat_call = getattr(tok, "encode_batch_flat", None)
    if callable(flat_call):
        ids, offsets = flat_call(texts)
        return np.asarray(ids, dtype=np.int64), np.diff(np.asarray(offsets, dtype=np.int64))
    encoded = tok.encode_batch(texts)
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    ids = np.fromiter(itertools.chain.from_iterable(encoded), dtype=np.int64, count=int(lengths.sum()))
    return ids, lengths


def _count_units(tok, texts: Sequence[str], progress: Progress | None, label: str) -> pd.DataFrame:
    """tokens, unknown and byte-fallback counts per text, in batched backend calls."""
    unknown, byte_fallback = _token_flags(tok)
    size = len(unknown)
    tokens = np.zeros(len(texts), dtype=np.int64)
    unknown_counts = np.zeros(len(texts), dtype=np.int64)
    fallback_counts = np.zeros(len(texts), dtype=np.int64)
    batch_size = max(1, -(-len(texts) // PROGRESS_STEPS))
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start:start + batch_size])
        ids, lengths = _encode_flat(tok, batch)
        ids = np.clip(ids, 0, size - 1)
        text_of_token = np.repeat(np.arange(len(batch)), lengths)
        end = start + len(batch)
        tokens[start:end] = lengths
        unknown_counts[start:end] = np.bincount(text_of_token[unknown[ids]], minlength=len(batch))
        fallback_counts[start:end] = np.bincount(text_of_token[byte_fallback[ids]], minlength=len(batch))
        report(progress, end / max(len(texts), 1), f"{label}: {end:,}/{len(texts):,} texts")
    return pd.DataFrame({"tokens": tokens, "unknown": unknown_counts, "byte_fallback": fallback_counts})


def _counts_key(tok, data: _Corpus) -> dict:
    return {"version": COUNTS_VERSION, "corpus": data.kind, "corpus_identity": data.identity,
            "tokenizer": tok.name, "tokenizer_identity": tok.identity}


_COUNTS_MEMO: dict[str, pd.DataFrame] = {}  # stable_hash(counts key) -> counts (this process)


def _memo_key(tok, data: _Corpus) -> str:
    return stable_hash(_counts_key(tok, data))


def counts_are_cached(tok, corpus: str | Path = "udhr") -> bool:
    """True when this tokenizer's counts on this corpus need no encoding (memory, shipped or disk)."""
    from .shipped import shipped_counts

    (tok,) = _resolve_tokenizers([tok])
    if not tok.identity:
        return False
    data = _load_corpus(corpus)
    key = _memo_key(tok, data)
    return (key in _COUNTS_MEMO or shipped_counts(tok, data) is not None
            or (cache_dir(COUNTS_NAMESPACE) / f"{key}.parquet").exists())


def _cached_counts(tok: _Tokenizer, data: _Corpus, progress: Progress | None = None) -> pd.DataFrame:
    """language, unit, tokens, unknown, byte_fallback per unit of ``data``, in its units' order:
    from this process' memo, else the counts shipped in ``data/``, else the disk cache, else
    counted now. The frame is shared: never edit it in place."""
    from .shipped import shipped_counts

    def compute() -> pd.DataFrame:
        counts = _count_units(tok.view, data.units["text"].tolist(), progress, tok.display_name)
        counts.insert(0, "unit", data.units["unit"].to_numpy())
        counts.insert(0, "language", data.units["language"].to_numpy())
        return counts

    if not tok.identity:
        return compute()
    memo_key = _memo_key(tok, data)
    counts = _COUNTS_MEMO.get(memo_key)
    if counts is None:
        counts = shipped_counts(tok, data)
        if counts is None:
            counts = disk_cached_frame(COUNTS_NAMESPACE, _counts_key(tok, data), compute).reset_index(drop=True)
        _COUNTS_MEMO[memo_key] = counts
    return counts


def unit_counts(tok, corpus: str | Path = "udhr", progress: Progress | None = None) -> pd.DataFrame:
    """Token counts per text unit of a corpus for one tokenizer (cached in memory and on disk).

    Columns: language, unit, tokens, unknown, byte_fallback, chars, bytes, words. On the UDHR
    a unit is a section; on a FLORES folder a language's whole dev+devtest text. A tokenizer
    without an identity (sha256 of its files) is counted afresh every time. The UDHR counts of
    the default tokenizers ship in ``data/`` (used when the UDHR file and the tokenizer's
    identity are the ones they were built from).
    """
    (tok,) = _resolve_tokenizers([tok])
    data = _load_corpus(corpus)
    counts = _cached_counts(tok, data, progress).copy()
    report(progress, 1.0, f"{tok.display_name}: done")
    for column in ("chars", "bytes", "words"):
        counts[column] = data.units[column].to_numpy()
    return counts
