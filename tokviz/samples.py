"""The default, offline sample bank of categories for data-mixture inference.

Mixture inference needs about 1 MB of text per category. What this machine always has:

- **Natural languages** (42, English included) come from the ``wordfreq`` package's per-language
  frequency lists (``wordlist="best"``, the top 30,000 words). A sample is pseudo-text: words
  drawn at their corpus frequency (fixed seed), joined the way the language writes them
  (spaces; none for Chinese and Japanese), with a full stop and a line break every 12 words.
  *Why wordfreq and not UDHR*: mixture inference counts byte pairs inside pre-tokens, i.e.
  inside words, weighted by word frequency - exactly what a frequency list holds - and it can
  make a sample of any size, while the UDHR holds only ~10 KB per language (below the size at
  which the estimate becomes reliable). The pseudo-text lacks real punctuation and digits, so
  merges of those carry less signal for languages.
- **Code**: Python (the standard library's ``.py`` files, always present), C (headers under
  ``/usr/include``), JavaScript (the ``.js`` files of the npm that ships with node) and Shell
  (``*.sh`` scripts under ``/usr``). Categories whose files are missing on a machine are listed
  as unavailable. A code sample is made of ~1 KB blocks of whole lines drawn from all of the
  category's files in a fixed random order (see :func:`code_blocks` for why), not of the first
  files in path order.

How large a sample can get (:func:`sample_limits`, shown on the Mixture page):

- a **language** sample can be any size, but its words come from the list: the default draws from
  the 30,000 most frequent words, whose rarest is expected about once in 3-11 MB of pseudo-text
  (``useful_bytes``), so a larger sample repeats the same words. ``words=None`` draws from the
  whole list (10,719 words for Vietnamese to 734,205 for Finnish; 321,180 for English), whose
  rarest words (frequency ~1e-8) need samples of ~500-600 MB, near the paper's ~1 GB per category.
  That is what samples of several MB are for: the rare pairs a derived tokenizer added.
- a **code** sample is at most all of the category's files on this machine (``bytes``; e.g.
  107 MB of C headers, 31 MB of Python, 6.5 MB of JavaScript, 1 MB of shell scripts here).
  :func:`sample_text` refuses a larger size with a message; ``load_samples(..., fit=True)`` takes
  all there is instead.
- **your own** categories: files or folders of any size, streamed from disk
  (``tokviz.mixture.open_samples`` / ``python -m tokviz mixture NAME --samples DIR``).

Samples are cached on disk under the tokviz cache dir. ``part`` selects disjoint slices (code)
or independent draws (languages), so a benchmark can train on one part and infer from another.

>>> bank = sample_bank()                                  # doctest: +SKIP
>>> bank["python"]["group"], bank["fr"]["label"]          # doctest: +SKIP
('code', 'French')
>>> texts = load_samples(["fr", "python"], max_bytes=20_000)  # doctest: +SKIP
"""
from __future__ import annotations

import functools
import glob
import os
import shutil
import sysconfig
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .cache import atomic_write_bytes, cache_dir, stable_hash

__all__ = ["LANGUAGE_NAMES", "CODE_SOURCES", "CODE_BLOCK_CHARS", "DEFAULT_WORDS", "SampleLimit", "sample_bank",
           "sample_limits", "largest_sample", "load_samples", "sample_text", "fit_size", "code_blocks", "code_sample",
           "split_at_line_ends"]

#: wordfreq language code -> English name (the 42 languages with a "best" word list).
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "fa": "Persian", "fi": "Finnish",
    "fil": "Filipino", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian",
    "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "mk": "Macedonian", "ms": "Malay", "nb": "Norwegian Bokmål", "nl": "Dutch", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sh": "Serbo-Croatian", "sk": "Slovak",
    "sl": "Slovenian", "sv": "Swedish", "ta": "Tamil", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu",
    "vi": "Vietnamese", "zh": "Chinese",
}
_NO_SPACES = {"zh", "ja"}
#: Language samples draw from this many of the most frequent words unless told otherwise (``words=``).
DEFAULT_WORDS = 30_000
_WORDS_PER_SENTENCE = 12


def _npm_root() -> str:
    npm = shutil.which("npm")
    if npm:
        real = Path(os.path.realpath(npm))
        for parent in real.parents:
            if parent.name == "npm" and (parent / "package.json").exists():
                return str(parent)
    return "/usr/lib/node_modules/npm"


#: code category -> (label, description, glob patterns)
CODE_SOURCES: dict[str, tuple[str, str, list[str]]] = {
    "python": ("Python", "the Python standard library's .py files",
               [os.path.join(sysconfig.get_paths()["stdlib"], "**", "*.py")]),
    "c": ("C", "C headers under /usr/include", ["/usr/include/**/*.h"]),
    "javascript": ("JavaScript", "the .js files of the npm that ships with node",
                   [os.path.join(_npm_root(), "**", "*.js")]),
    "shell": ("Shell", "shell scripts (a #!/bin/sh or bash first line) in /usr/bin, /usr/sbin, /usr/lib/git-core, "
              "and *.sh files under /usr/share and /usr/lib",
              ["/usr/bin/*", "/usr/sbin/*", "/usr/lib/git-core/*", "/usr/share/*/*.sh", "/usr/share/*/*/*.sh",
               "/usr/share/*/*/*/*.sh", "/usr/lib/*/*.sh"]),
}
_SHELL_MAGIC = (b"#!/bin/sh", b"#! /bin/sh", b"#!/bin/bash", b"#!/usr/bin/env bash", b"#!/usr/bin/env sh")


def _is_shell_script(path: str) -> bool:
    if path.endswith(".sh"):
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(24).startswith(_SHELL_MAGIC)
    except OSError:
        return False


@functools.cache
def _code_files(category: str) -> tuple[tuple[str, int], ...]:
    """(path, size) of a code category's files, in path order, test files left in."""
    _, _, patterns = CODE_SOURCES[category]
    files: dict[str, int] = {}
    for pattern in patterns:
        for path in glob.iglob(pattern, recursive=True):
            if "site-packages" in path or "dist-packages" in path:
                continue
            try:
                if os.path.isfile(path) and not os.path.islink(path) and (
                        category != "shell" or _is_shell_script(path)):
                    files[path] = os.path.getsize(path)
            except OSError:
                continue
    return tuple(sorted(files.items()))


def _wordfreq_version() -> str:
    try:
        from importlib.metadata import version

        return version("wordfreq")
    except Exception:
        return "unknown"


@functools.lru_cache(maxsize=1)
def sample_bank() -> dict[str, dict]:
    """Every default category with its group, label, source and available size in bytes.

    ``available`` is False where the source is missing here; ``bytes`` is how much text the
    source can give (for languages: unlimited pseudo-text, shown as the default 1 MB).
    """
    bank: dict[str, dict] = {}
    try:
        import wordfreq

        languages = set(wordfreq.available_languages(wordlist="best"))
    except Exception:  # wordfreq missing: no language categories
        languages = set()
    for code, name in LANGUAGE_NAMES.items():
        bank[code] = {
            "group": "language", "label": name, "available": code in languages, "bytes": 1_000_000,
            "source": f"wordfreq 'best' list ({code}), pseudo-text drawn by word frequency",
        }
    for category, (label, description, _) in CODE_SOURCES.items():
        size = sum(size for _, size in _code_files(category))
        bank[category] = {
            "group": "code", "label": label, "available": size >= 10_000, "bytes": int(size),
            "source": description,
        }
    return bank


@functools.lru_cache(maxsize=8)
def _word_list(code: str, words: int | None) -> tuple[list[str], np.ndarray]:
    """The ``words`` most frequent words of a language (None: all of its list) and their probabilities."""
    import wordfreq

    frequencies = wordfreq.get_frequency_dict(code, wordlist="best")
    chosen = list(frequencies)[:words] if words else list(frequencies)
    weights = np.fromiter((frequencies[w] for w in chosen), dtype=np.float64, count=len(chosen))
    return chosen, weights / weights.sum()


def _check_words(words: int | None) -> None:
    if words is not None and int(words) < 1:
        raise ValueError(f"words must be a positive number of words, or None for the whole list (got {words}).")


def _language_text(code: str, max_bytes: int, part: int, words: int | None = DEFAULT_WORDS) -> str:
    vocabulary, weights = _word_list(code, words)
    rng = np.random.default_rng([part, sum(map(ord, code))])
    mean_bytes = float(np.dot(weights, [len(w.encode("utf-8")) + 1 for w in vocabulary]))
    count = int(max_bytes / max(mean_bytes, 1.0) * 1.05) + _WORDS_PER_SENTENCE
    drawn = rng.choice(len(vocabulary), size=count, p=weights)
    joiner = "" if code in _NO_SPACES else " "
    stop = "。" if code in _NO_SPACES else "."
    lines = []
    for start in range(0, count, _WORDS_PER_SENTENCE):
        lines.append(joiner.join(vocabulary[i] for i in drawn[start:start + _WORDS_PER_SENTENCE]) + stop)
    return _cut("\n".join(lines), max_bytes)


class SampleLimit(NamedTuple):
    """How large one category's sample can get here, and from where."""

    category: str
    largest_bytes: int | None  # None: any size (language pseudo-text)
    useful_bytes: int  # beyond this a larger sample adds (almost) no new words / text
    words: int  # distinct words it draws from (languages; 0 for code)
    source: str


def largest_sample(category: str, words: int | None = DEFAULT_WORDS) -> SampleLimit:
    """How large ``category``'s sample can get: code is capped by its files here; a language's
    pseudo-text has no cap, but past ``useful_bytes`` (where its rarest word is expected about
    once) a larger sample only repeats words. ``words``: as in :func:`sample_text`.

    >>> largest_sample("en").words, largest_sample("en", words=None).words > 300_000    # doctest: +SKIP
    (30000, True)
    """
    info = _bank_entry(category)
    if info["group"] == "code":
        return SampleLimit(category, int(info["bytes"]), int(info["bytes"]), 0, info["source"])
    _check_words(words)
    vocabulary, weights = _word_list(category, words)
    mean_bytes = float(np.dot(weights, [len(w.encode("utf-8")) + 1 for w in vocabulary]))
    source = (f"wordfreq {_wordfreq_version()}, 'best' list of {category!r}: "
              + (f"its {len(vocabulary):,} most frequent words" if words and len(vocabulary) == words
                 else f"all {len(vocabulary):,} words"))
    return SampleLimit(category, None, int(mean_bytes / float(weights.min())), len(vocabulary), source)


def sample_limits(words: int | None = DEFAULT_WORDS) -> list[SampleLimit]:
    """:func:`largest_sample` of every available default category."""
    return [largest_sample(c, words) for c, info in sample_bank().items() if info["available"]]


#: Code samples are drawn in blocks of whole lines of about this many characters (a longer line
#: is cut), taken from all of a category's files in one fixed random order.
CODE_BLOCK_CHARS = 1024


def split_at_line_ends(text: str, size: int) -> list[str]:
    r"""``text`` in pieces of at most ``size`` characters, each cut after a line end where one is
    in reach (a longer line is cut at ``size``).

    >>> split_at_line_ends("ab\ncd\nef", 5)
    ['ab\n', 'cd\nef']
    """
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            newline = text.rfind("\n", start, end)
            if newline > start:
                end = newline + 1
        pieces.append(text[start:end])
        start = end
    return pieces


def code_blocks(category: str) -> list[str]:
    """All of a code category's text as blocks of about 1 KB, in a fixed random order.

    Why blocks and not whole files: a category is thousands of files of very different kinds
    (``/usr/include`` holds 7,457 headers of 107 MB from dozens of libraries; npm's JavaScript
    includes minified bundles with 60 KB lines). A 1 MB sample of whole files in path order is a
    handful of libraries, not the category. Blocks drawn from everywhere make a sample that
    stands for the whole source, as a sample of many documents from a large corpus does.

    >>> blocks = code_blocks("python")                       # doctest: +SKIP
    >>> max(len(b) for b in blocks) <= CODE_BLOCK_CHARS       # doctest: +SKIP
    True
    """
    blocks: list[str] = []
    for path, _ in _code_files(category):
        try:
            text = Path(path).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        if text and not text.endswith("\n"):
            text += "\n"
        blocks.extend(split_at_line_ends(text, CODE_BLOCK_CHARS))
    order = np.random.default_rng(sum(map(ord, category))).permutation(len(blocks))
    return [blocks[i] for i in order]


def code_sample(category: str, max_bytes: int, offset: int = 0) -> str:
    """At most ``max_bytes`` of a code category: the shuffled blocks that start at or after byte
    ``offset`` of their concatenation. Samples with non-overlapping ranges share no block."""
    pieces: list[str] = []
    position = 0
    taken = 0
    for block in code_blocks(category):
        size = len(block.encode("utf-8"))
        if position >= offset:
            pieces.append(block)
            taken += size
            if taken >= max_bytes:
                break
        position += size
    return _cut("".join(pieces), max_bytes)


def _code_text(category: str, max_bytes: int, part: int) -> str:
    """Bytes [part * max_bytes, (part + 1) * max_bytes) of the shuffled blocks' concatenation."""
    return code_sample(category, max_bytes, offset=part * max_bytes)


def _cut(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", errors="ignore")


def _bank_entry(category: str) -> dict:
    bank = sample_bank()
    if category not in bank:
        raise ValueError(f"Unknown sample category {category!r}; choose from: {', '.join(sorted(bank))}, "
                         "or pass your own text.")
    info = bank[category]
    if not info["available"]:
        raise ValueError(f"The sample {category!r} ({info['source']}) is not available on this machine.")
    return info


def fit_size(category: str, max_bytes: int) -> int:
    """``max_bytes``, or less when ``category`` is code with fewer bytes on this machine.

    >>> fit_size("en", 10**12)
    1000000000000
    """
    info = _bank_entry(category)
    return min(int(max_bytes), int(info["bytes"])) if info["group"] == "code" else int(max_bytes)


def sample_text(category: str, max_bytes: int = 1_000_000, part: int = 0, words: int | None = DEFAULT_WORDS) -> str:
    """One category's sample (cached on disk). Raises ValueError for an unknown category, or for
    a code sample larger than the category's files here (see :func:`largest_sample`).

    ``words`` (languages only): draw from this many of the most frequent words, ``None`` for the
    whole word list (for large samples: rare words appear only there).
    """
    info = _bank_entry(category)
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be positive (got {max_bytes}).")
    if info["group"] == "code" and max_bytes > info["bytes"]:
        raise ValueError(f"The {category!r} sample can be at most {info['bytes']:,} bytes on this machine (all of "
                         f"{info['source']}); ask for at most that, or use load_samples(..., fit=True) to take "
                         "all of it.")
    _check_words(words)
    key = {"v": 2, "block": CODE_BLOCK_CHARS, "category": category, "max_bytes": int(max_bytes), "part": int(part),
           "wordfreq": _wordfreq_version() if info["group"] == "language" else None,
           "files": stable_hash(list(_code_files(category))) if info["group"] == "code" else None}
    if info["group"] == "language" and words != DEFAULT_WORDS:
        key["words"] = words  # the default keeps its old key: samples made before stay valid
    path = cache_dir("samples") / f"{category}-{stable_hash(key)[:24]}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8")
    if info["group"] == "language":
        text = _language_text(category, max_bytes, part, words)
    else:
        text = _code_text(category, max_bytes, part)
    atomic_write_bytes(path, text.encode("utf-8"))
    return text


def load_samples(categories, max_bytes: int = 1_000_000, part: int = 0, words: int | None = DEFAULT_WORDS,
                 fit: bool = False) -> dict[str, str]:
    """``{category: text}`` for default categories, each at most ``max_bytes`` of UTF-8.

    ``fit=True``: a code category with fewer bytes on this machine gives all it has (see
    :func:`fit_size`) instead of an error. ``words``: as in :func:`sample_text`.

    >>> texts = load_samples(["en", "python"], max_bytes=5_000)   # doctest: +SKIP
    >>> sorted(texts), all(len(t.encode()) <= 5_000 for t in texts.values())  # doctest: +SKIP
    (['en', 'python'], True)
    """
    categories = list(categories)
    if not categories:
        raise ValueError("No categories chosen; pick at least two from sample_bank().")
    return {category: sample_text(category, fit_size(category, max_bytes) if fit else max_bytes, part, words)
            for category in categories}
