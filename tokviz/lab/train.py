"""Training byte-level BPE three ways: classic, Parity-aware, SuperBPE.

- **Classic BPE** (Sennrich et al. 2016; byte-level as in GPT-2): repeatedly merge the most
  frequent adjacent pair. "Train to size" runs HF ``tokenizers``' Rust BpeTrainer; the same
  algorithm in :mod:`tokviz.lab.engine` gives exactly HF's merges (a test compares them).
- **Parity-aware BPE** (Foroutan et al. 2025, arXiv:2508.04796): at every merge step, find the
  language whose text is currently compressed worst (the most tokens on a parallel development
  text) and merge the pair that is most frequent *in that language's training text*; the merge
  then applies to every language. Without a parallel development text the worst language is
  the one with the least compression of its own training text (current tokens / initial
  bytes), as the reference implementation's ``--ratio`` mode does with equal ratios.
  ``global_merges`` gives the paper's hybrid variant (the first merges classic).
  Simplified: no moving-window variant.
- **SuperBPE** (Liu et al. 2025, arXiv:2503.13423): stage 1 is classic BPE with whitespace
  pre-tokenization up to the transition vocabulary size ``t``; stage 2 lifts the whitespace
  pre-tokenization and continues BPE, so merges may cross word boundaries ("ĠofĠthe").
  The paper's best 200k tokenizer switches at t = 180k (90 %), our default ``transition=0.9``.
  Simplified: stage-2 pre-tokens are sentences (cut at line breaks and after sentence-final
  punctuation) rather than whole documents split only around digits; no digit grouping.

All three start from the 256 bytes and skip pairs seen fewer than ``min_frequency`` times.
"""
from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from ..progress import Progress, report, stage
from .engine import Engine
from .export import TrainedTokenizer, TrainingInfo, alphabet, build_tokenizer, byte_encoder, pre_tokenizer

__all__ = ["train_bpe", "METHODS", "MIN_VOCAB", "MAX_VOCAB", "documents", "word_table", "train_classic_python",
           "hf_classic_merges", "METHOD_NAMES", "compare_trainers"]

METHODS = ("bpe", "parity", "superbpe")
METHOD_NAMES = {"bpe": "Classic BPE", "parity": "Parity-aware BPE", "superbpe": "SuperBPE"}
MIN_VOCAB = 257  # the 256 bytes and at least one merge
MAX_VOCAB = 200_000
_CHUNK = 1 << 16


def documents(text: str) -> list[str]:
    """``text`` cut at line ends into pieces of about 64 KB (what both trainers count over).

    >>> documents("a\\nb\\n")
    ['a\\nb\\n']
    """
    if len(text) <= _CHUNK:
        return [text] if text else []
    pieces, start = [], 0
    while start < len(text):
        end = text.find("\n", start + _CHUNK)
        end = len(text) if end < 0 else end + 1
        pieces.append(text[start:end])
        start = end
    return pieces


def _check(texts: dict[str, str], vocab_size: int, method: str, weights: dict[str, int] | None):
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}; use one of {', '.join(METHODS)}.")
    if not isinstance(texts, dict) or not texts:
        raise ValueError("Give the training text as {language name: text}, with at least one language.")
    texts = {str(name): text for name, text in texts.items() if isinstance(text, str) and text.strip()}
    if not texts:
        raise ValueError("Every training text is empty: type or upload some text, or pick UDHR languages.")
    if not isinstance(vocab_size, (int, np.integer)) or not MIN_VOCAB <= vocab_size <= MAX_VOCAB:
        raise ValueError(f"vocab_size must be a whole number from {MIN_VOCAB} (the 256 bytes + 1 merge) "
                         f"to {MAX_VOCAB:,}; got {vocab_size!r}.")
    weights = {name: int((weights or {}).get(name, 1)) for name in texts}
    if any(w < 0 for w in weights.values()) or not any(weights.values()):
        raise ValueError("Language weights must be whole numbers >= 0, at least one of them > 0.")
    if method == "parity" and sum(1 for w in weights.values() if w) < 2:
        raise ValueError("Parity-aware BPE balances languages against each other: pick at least two languages "
                         "(with a share above 0).")
    return texts, int(vocab_size), weights


def word_table(texts: dict[str, str], weights: dict[str, int], dev_texts: dict[str, str] | None = None,
               stage_name: str = "words", encode: Callable[[list[str]], list[list[int]]] | None = None):
    """Distinct pre-tokens with per-language counts: ``(words, train_weights, dev_weights)``.

    Words are lists of alphabet ids (or, with ``encode``, of the ids ``encode`` gives them).
    """
    names = list(texts)
    splitter = pre_tokenizer(stage_name)
    index: dict[str, int] = {}
    train: list[dict[int, int]] = []
    dev: list[dict[int, int]] = []

    def add(text: str, language: int, weight: int, table: list[dict[int, int]]) -> None:
        counts: Counter = Counter()
        for piece in documents(text):
            counts.update(p for p, _ in splitter.pre_tokenize_str(piece))
        for word, count in counts.items():
            slot = index.get(word)
            if slot is None:
                slot = index[word] = len(train)
                train.append({})
                dev.append({})
            table[slot][language] = table[slot].get(language, 0) + count * weight

    for language, name in enumerate(names):
        if weights.get(name, 1):
            add(texts[name], language, weights.get(name, 1), train)
        if dev_texts and dev_texts.get(name):
            add(dev_texts[name], language, 1, dev)
    strings = list(index)
    if encode is None:
        char_id = {char: position for position, char in
                   enumerate(byte_encoder()[token[0]] for token in alphabet())}
        words = [[char_id[c] for c in word] for word in strings]
    else:
        words = encode(strings)
    return (words, [tuple(t.items()) for t in train], [tuple(d.items()) for d in dev] if dev_texts else None)


def _run(engine: Engine, target: int, choose, min_frequency: int, progress: Progress | None,
         on_step=None) -> tuple[list[tuple[int, int]], list[int], str]:
    """Merge until the vocabulary has ``target`` tokens; returns (merges, chosen language per merge, why stopped)."""
    merges: list[tuple[int, int]] = []
    languages: list[int] = []
    start, stopped = len(engine.vocab), ""
    while len(engine.vocab) < target:
        choice = choose(engine)
        if choice is None or choice[1] < max(1, min_frequency):
            stopped = (f"stopped at {len(engine.vocab):,} tokens: no pair occurs {max(1, min_frequency)} times "
                       "or more any more (the text is too small for this vocabulary size)")
            break
        pair, count, language = choice
        if on_step is not None:
            on_step(engine, pair, count, language)
        engine.merge(pair)
        merges.append(pair)
        languages.append(language)
        if len(merges) % 200 == 0:
            report(progress, (len(engine.vocab) - start) / max(1, target - start),
                   f"{len(engine.vocab):,} / {target:,} tokens")
    return merges, languages, stopped


def _classic_choice(engine: Engine):
    best = engine.best_pair_total()
    return None if best is None else (best[0], best[1], -1)


def _parity_chooser(engine: Engine, has_dev: bool, global_merges: int, min_frequency: int):
    initial = engine.train_length.astype(np.float64).clip(min=1)
    exhausted: set[int] = set()
    step = [0]

    def choose(engine: Engine):
        step[0] += 1
        if step[0] <= global_merges:
            return _classic_choice(engine)
        lengths = engine.dev_length.astype(np.float64) if has_dev else engine.train_length / initial
        for language in np.argsort(-lengths, kind="stable"):
            if int(language) in exhausted:
                continue
            best = engine.best_pair_in(int(language))
            if best is not None and best[1] >= max(1, min_frequency):
                return best[0], best[1], int(language)
            exhausted.add(int(language))
        return None

    return choose


def train_classic_python(texts: dict[str, str], vocab_size: int, *, weights: dict[str, int] | None = None,
                         min_frequency: int = 2, progress: Progress | None = None, on_step=None):
    """Classic BPE with the Python engine: ``(vocab, merges, why_stopped)`` (vocab: id -> bytes)."""
    texts, vocab_size, weights = _check(texts, vocab_size, "bpe", weights)
    words, train, _ = word_table(texts, weights)
    engine = Engine(words, train, alphabet(), languages=len(texts))
    merges, _, stopped = _run(engine, vocab_size, _classic_choice, min_frequency, progress, on_step)
    return engine.vocab, merges, stopped


def _hf_train(texts: dict[str, str], weights: dict[str, int], vocab_size: int, min_frequency: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizer("words")
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])

    def feed() -> Iterable[str]:
        for name, text in texts.items():
            pieces = documents(text)
            for _ in range(weights.get(name, 1)):
                yield from pieces

    try:
        tokenizer.train_from_iterator(feed(), trainer)
    except BaseException as error:  # pyo3 PanicException is a BaseException
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        raise ValueError(f"HF tokenizers could not train on this text: {error}") from error
    return json.loads(tokenizer.to_str())


def hf_classic_merges(texts: dict[str, str], vocab_size: int, *, weights: dict[str, int] | None = None,
                      min_frequency: int = 2) -> tuple[list[bytes], list[tuple[int, int]]]:
    """Classic BPE by HF's Rust trainer: ``(vocab id -> bytes, merges as id pairs)``."""
    from ..backends.hf_backend import gpt2_byte_decoder

    texts, vocab_size, weights = _check(texts, vocab_size, "bpe", weights)
    spec = _hf_train(texts, weights, vocab_size, min_frequency)
    decoder = gpt2_byte_decoder()
    table = spec["model"]["vocab"]
    vocab: list[bytes] = [b""] * len(table)
    for string, index in table.items():
        vocab[index] = bytes(decoder[c] for c in string)
    ids = {string: index for string, index in table.items()}
    merges = []
    for merge in spec["model"]["merges"]:
        left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
        merges.append((ids[left], ids[right]))
    return vocab, merges


def train_bpe(texts: dict[str, str], vocab_size: int, method: str = "bpe", *,  # long: one entry, three methods
              weights: dict[str, int] | None = None, dev_texts: dict[str, str] | None = None,
              transition: float = 0.9, global_merges: int = 0, min_frequency: int = 2, trainer: str = "auto",
              name: str | None = None, progress: Progress | None = None) -> TrainedTokenizer:
    """Train a byte-level BPE tokenizer on ``{language: text}``; returns a real TokenizerView.

    ``weights`` repeat each language's text (its share of the training data); ``dev_texts``
    (parallel, same keys) are what Parity-aware BPE measures compression on; ``transition``
    is SuperBPE's switch point as a fraction of ``vocab_size``; ``trainer="python"`` forces
    tokviz's own engine for classic BPE (``"auto"``: HF's Rust trainer, the same merges).

    >>> tok = train_bpe({"en": "the cat sat on the mat. the cat ate."}, 270)  # stops early: a tiny text
    >>> tok.vocab_size, [t.text for t in tok.segment("the cat").tokens]
    (262, ['the', ' cat'])
    """
    texts, vocab_size, weights = _check(texts, vocab_size, method, weights)
    if method == "superbpe" and not 0.0 < transition <= 1.0:
        raise ValueError(f"transition must be a fraction in (0, 1] of the vocabulary size; got {transition!r}.")
    started = time.perf_counter()
    info = TrainingInfo(method=method, vocab_size_requested=vocab_size, languages=list(texts), weights=weights)
    if method == "bpe":
        vocab, merges, stopped = _train_classic(texts, weights, vocab_size, min_frequency, trainer, info, progress)
        out_stage = "words"
    elif method == "parity":
        vocab, merges, stopped = _train_parity(texts, weights, dev_texts, vocab_size, global_merges, min_frequency,
                                               info, progress)
        out_stage = "words"
    else:
        vocab, merges, stopped = _train_superbpe(texts, weights, vocab_size, transition, min_frequency, trainer,
                                                 info, progress)
        out_stage = "sentences"
    info.stopped_early = stopped
    info.seconds = time.perf_counter() - started
    report(progress, 1.0, "trained")
    return build_tokenizer(name or f"lab-{method}-{vocab_size}", vocab, merges, info, stage=out_stage)


def _train_classic(texts, weights, vocab_size, min_frequency, trainer, info, progress):
    if trainer == "python":
        info.trainer = "tokviz.lab engine (Python)"
        return train_classic_python(texts, vocab_size, weights=weights, min_frequency=min_frequency,
                                    progress=progress)
    info.trainer = "HF tokenizers BpeTrainer (Rust)"
    report(progress, 0.05, "training with HF tokenizers (Rust)")
    vocab, merges = hf_classic_merges(texts, vocab_size, weights=weights, min_frequency=min_frequency)
    stopped = "" if len(vocab) >= vocab_size else (
        f"stopped at {len(vocab):,} tokens: no pair occurs {max(1, min_frequency)} times or more any more "
        "(the text is too small for this vocabulary size)")
    return vocab, merges, stopped


def _train_parity(texts, weights, dev_texts, vocab_size, global_merges, min_frequency, info, progress):
    info.trainer = "tokviz.lab engine (Python)"
    names = list(texts)
    if dev_texts is not None:
        dev_texts = {name: dev_texts.get(name, "") for name in names}
        if not all(dev_texts.values()):
            raise ValueError("Parity-aware BPE needs a development text for every training language "
                             f"(missing: {[n for n, t in dev_texts.items() if not t]}), or none at all.")
    report(progress, 0.02, "counting pairs per language")
    words, train, dev = word_table(texts, weights, dev_texts)
    engine = Engine(words, train, alphabet(), languages=len(names), dev=dev, per_language=True)
    choose = _parity_chooser(engine, dev_texts is not None, global_merges, min_frequency)
    merges, chosen, stopped = _run(engine, vocab_size, choose, min_frequency, stage(progress, 0.05, 1.0, "merging"))
    info.chosen_language = chosen
    info.merges_by_language = {name: int(sum(1 for c in chosen if c == i)) for i, name in enumerate(names)}
    if global_merges:
        info.merges_by_language["(global)"] = int(sum(1 for c in chosen if c < 0))
    return engine.vocab, merges, stopped


def _train_superbpe(texts, weights, vocab_size, transition, min_frequency, trainer, info, progress):
    info.trainer = "stage 1: HF tokenizers (Rust); stage 2: tokviz.lab engine (Python)"
    switch = max(MIN_VOCAB, min(vocab_size, int(math.floor(transition * vocab_size))))
    info.transition = switch
    vocab, merges, stopped = _train_classic(texts, weights, switch, min_frequency, trainer, info, progress)
    info.trainer = "stage 1: HF tokenizers (Rust); stage 2: tokviz.lab engine (Python)"
    if len(vocab) >= vocab_size:
        return vocab, merges, stopped
    report(progress, 0.3, "stage 2: re-cutting sentences with the stage-1 merges")
    stage_one = build_tokenizer("stage1", vocab, merges, info, stage="sentences")

    def encode(strings: list[str]) -> list[list[int]]:
        # stage-1 BPE on each sentence (the pre-token strings are GPT-2 chars: decode to text first)
        from ..backends.hf_backend import gpt2_byte_decoder

        decoder = gpt2_byte_decoder()
        raw = [bytes(decoder[c] for c in s).decode("utf-8", "surrogateescape") for s in strings]
        return [e.ids for e in stage_one.backend.encode_batch_fast(raw, add_special_tokens=False)]

    words, train, _ = word_table(texts, weights, stage_name="sentences", encode=encode)
    engine = Engine(words, train, vocab, languages=len(texts))
    more, _, stopped = _run(engine, vocab_size, _classic_choice, min_frequency, stage(progress, 0.35, 1.0, "stage 2"))
    return engine.vocab, merges + more, stopped


def compare_trainers(texts: dict[str, str], vocab_size: int, *, weights: dict[str, int] | None = None,
                     min_frequency: int = 2) -> dict:
    """Classic BPE by HF's Rust trainer and by tokviz's engine: how many merges agree, and the seconds.

    >>> result = compare_trainers({"en": "the cat sat on the mat, the cat sat"}, 262)
    >>> result["identical"], result["merges"]
    (True, 6)
    """
    started = time.perf_counter()
    hf_vocab, hf_merges = hf_classic_merges(texts, vocab_size, weights=weights, min_frequency=min_frequency)
    hf_seconds = time.perf_counter() - started
    started = time.perf_counter()
    py_vocab, py_merges, _ = train_classic_python(texts, vocab_size, weights=weights, min_frequency=min_frequency)
    py_seconds = time.perf_counter() - started
    theirs = [(hf_vocab[a], hf_vocab[b]) for a, b in hf_merges]
    ours = [(py_vocab[a], py_vocab[b]) for a, b in py_merges]
    agree = next((k for k, (x, y) in enumerate(zip(theirs, ours, strict=False)) if x != y), min(len(theirs), len(ours)))
    return {"identical": theirs == ours, "merges": len(theirs), "agreeing_prefix": agree,
            "hf_seconds": hf_seconds, "python_seconds": py_seconds}
