"""Training texts from the UDHR, and what a trained tokenizer costs on held-out text.

The UDHR is parallel: every translation says the same thing. The lab trains on 21 of its 31
sections and measures on the other 10 (:data:`HELD_OUT_SECTIONS`, every third article), so a
premium (tokens for the same content, relative to a reference language) is measured on text
the tokenizer never saw. Shares set how many copies of each language's training text go into
training (the same content, repeated): 4:1:1 means English is four times as present.

>>> train, held = udhr_split(["eng", "amh"])
>>> sorted(train), len(held["eng"]) < len(train["eng"])
(['amh', 'eng'], True)
"""
from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import pandas as pd

from ..corpora import UDHR_SECTIONS, udhr_languages, udhr_text
from ..progress import Progress, stage
from ..segment import display_text
from .train import METHOD_NAMES, train_bpe

__all__ = ["HELD_OUT_SECTIONS", "TRAIN_SECTIONS", "udhr_split", "shares_to_weights", "evaluate", "longest_tokens",
           "Variants", "compare_variants", "true_mixture", "language_names", "split_own_text", "variants_story"]

HELD_OUT_SECTIONS = [str(number) for number in range(3, 31, 3)]
TRAIN_SECTIONS = [section for section in UDHR_SECTIONS if section not in HELD_OUT_SECTIONS]


def language_names(codes: list[str]) -> dict[str, str]:
    """UDHR code -> language name (the code itself for anything else)."""
    table = udhr_languages().set_index("code")["name"]
    return {code: str(table.get(code, code)) for code in codes}


def udhr_split(codes: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """``(training texts, held-out texts)`` of UDHR translations, keyed by code."""
    if not codes:
        raise ValueError("Pick at least one UDHR language.")
    train = {code: udhr_text(code, TRAIN_SECTIONS) for code in codes}
    held = {}
    for code in codes:
        try:
            held[code] = udhr_text(code, HELD_OUT_SECTIONS)
        except ValueError:
            held[code] = ""  # an incomplete translation without the held-out sections
    return train, held


def shares_to_weights(shares: dict[str, float]) -> dict[str, int]:
    """Slider shares (any positive scale) -> the smallest whole copy counts with about those ratios.

    >>> shares_to_weights({"eng": 60, "amh": 20, "hin": 20})
    {'eng': 3, 'amh': 1, 'hin': 1}
    >>> shares_to_weights({"eng": 50, "amh": 0})
    {'eng': 1, 'amh': 0}
    """
    positive = [s for s in shares.values() if s > 0]
    if not positive:
        raise ValueError("Give at least one language a share above 0.")
    smallest = min(positive)
    raw = {name: int(round(min(20.0, share / smallest))) if share > 0 else 0 for name, share in shares.items()}
    divisor = 0
    for value in raw.values():
        divisor = gcd(divisor, value)
    return {name: value // max(1, divisor) for name, value in raw.items()}


def evaluate(tokenizer, held_out: dict[str, str], reference: str | None = None) -> pd.DataFrame:
    """Per language: tokens, bytes, bytes per token and premium (tokens / the reference's tokens)."""
    names = [name for name, text in held_out.items() if text]
    if not names:
        raise ValueError("There is no held-out text to measure on.")
    reference = reference if reference in names else names[0]
    counts = tokenizer.count_batch([held_out[name] for name in names])
    table = pd.DataFrame({"language": names, "tokens": counts,
                          "bytes": [len(held_out[name].encode("utf-8")) for name in names]})
    table["bytes_per_token"] = table["bytes"] / table["tokens"].clip(lower=1)
    table["premium"] = table["tokens"] / max(1, int(table.loc[table["language"] == reference, "tokens"].iloc[0]))
    table.attrs["reference"] = reference
    return table


def longest_tokens(tokenizer, k: int = 10) -> list[str]:
    """The ``k`` longest tokens (by bytes) as display text."""
    order = sorted(range(tokenizer.vocab_size), key=lambda i: (-len(tokenizer.vocab_bytes[i]), i))
    return [display_text(tokenizer.vocab_bytes[i]) for i in order[:k]]


@dataclass
class Variants:
    """Variants trained on the same text at the same size, and their measurements."""

    tokenizers: dict[str, object]  # method -> TrainedTokenizer
    per_language: pd.DataFrame  # method, variant, language, tokens, bytes, bytes_per_token, premium
    summary: pd.DataFrame  # method, variant, vocab, tokens, bytes_per_token, premium_spread, seconds, trainer


def compare_variants(texts: dict[str, str], held_out: dict[str, str], vocab_size: int, *,  # long: one table
                     weights: dict[str, int] | None = None, methods=("bpe", "parity", "superbpe"),
                     reference: str | None = None, progress: Progress | None = None) -> Variants:
    """Train each method on ``texts`` at ``vocab_size`` and measure it on ``held_out``.

    Parity-aware BPE measures compression on the (parallel) training texts themselves, so the
    held-out text stays unseen by every variant.
    """
    tokenizers, frames, rows = {}, [], []
    for position, method in enumerate(methods):
        part = stage(progress, position / len(methods), (position + 1) / len(methods), METHOD_NAMES[method])
        trained = train_bpe(texts, vocab_size, method, weights=weights, progress=part,
                            dev_texts=dict(texts) if method == "parity" else None)
        tokenizers[method] = trained
        table = evaluate(trained, held_out, reference)
        table.insert(0, "variant", METHOD_NAMES[method])
        table.insert(0, "method", method)
        frames.append(table)
        premiums = table["premium"]
        rows.append({"method": method, "variant": METHOD_NAMES[method], "vocab": trained.vocab_size,
                     "tokens": int(table["tokens"].sum()),
                     "bytes_per_token": table["bytes"].sum() / max(1, table["tokens"].sum()),
                     "premium_spread": float(premiums.max() / premiums.min()) if len(premiums) else 1.0,
                     "worst_language": str(table.loc[premiums.idxmax(), "language"]),
                     "seconds": trained.info.seconds, "trainer": trained.info.trainer,
                     "note": trained.info.stopped_early})
    return Variants(tokenizers, pd.concat(frames, ignore_index=True), pd.DataFrame(rows))


def true_mixture(texts: dict[str, str], weights: dict[str, int]) -> pd.Series:
    """The training mixture in bytes: each language's share of the training bytes (copies counted)."""
    sizes = pd.Series({name: len(text.encode("utf-8")) * weights.get(name, 1) for name, text in texts.items()},
                      dtype=float)
    return sizes / sizes.sum()


def split_own_text(texts: dict[str, str], held_fraction: float = 0.2) -> tuple[dict[str, str], dict[str, str]]:
    """Your own texts: the last ``held_fraction`` of each (cut at a line end) is held out for measuring.

    >>> split_own_text({"mine": "one\\ntwo\\nthree\\nfour\\nfive\\n"})
    ({'mine': 'one\\ntwo\\nthree\\nfour\\n'}, {'mine': 'five\\n'})
    """
    train, held = {}, {}
    for name, text in texts.items():
        if not text or not text.strip():
            continue
        cut = text.rfind("\n", 0, int(len(text) * (1 - held_fraction)) + 1)
        cut = cut + 1 if cut > 0 else int(len(text) * (1 - held_fraction))
        train[name], held[name] = text[:cut], text[cut:]
        if not held[name].strip():  # too short to hold anything out: measure on the training text
            train[name] = held[name] = text
    if not train:
        raise ValueError("Every text is empty: type, paste or upload some text to train on.")
    return train, held


def variants_story(variants: Variants, names: dict[str, str], shares: dict[str, float]) -> str:
    """The comparison in plain words (markdown): who pays most under classic BPE, why, and what the variants do."""
    summary = variants.summary.set_index("method")
    classic = summary.loc["bpe"]
    start = variants.per_language[variants.per_language["method"] == "bpe"].set_index("language")
    worst, cheapest = str(classic["worst_language"]), str(start["tokens"].idxmin())
    byte_ratio = start.loc[worst, "bytes"] / max(1, start.loc[cheapest, "bytes"])
    share = shares.get(worst, 0) / max(1, sum(shares.values()))
    if len(start) < 2:
        story = "With one language every premium is 1×: add a second language to see who pays more."
    else:
        story = (f"With **classic BPE**, {names.get(worst, worst)} needs **{classic['premium_spread']:.1f}×** the "
                 f"tokens of {names.get(cheapest, cheapest)} for the same content: merges go to whatever is most "
                 f"frequent. Why: before any merge, the same content is already **{byte_ratio:.1f}×** as many bytes in "
                 f"{names.get(worst, worst)} (UTF-8 spends up to 3 bytes on each of its letters), and it has "
                 f"{share:.0%} of the training text.")
    if "parity" in summary.index:
        story += (" **Parity-aware BPE** gives each merge to the language that is worst off right now: spread "
                  f"{classic['premium_spread']:.2f}× → **{summary.loc['parity', 'premium_spread']:.2f}×**, "
                  f"for {summary.loc['parity', 'tokens'] / max(1, classic['tokens']) - 1:+.0%} tokens overall.")
    if "superbpe" in summary.index:
        story += (f" **SuperBPE** lets its last merges cross spaces: {classic['tokens']:,} → "
                  f"**{summary.loc['superbpe', 'tokens']:,}** tokens.")
    return story
