"""Streamlit side of the Tokenizer lab: cached training calls, the step view, "use on other pages".

Training results are ``st.cache_resource`` (a trained tokenizer holds a Rust object; it is
shared, never copied), keyed by the texts, weights, size and methods. A trained tokenizer is
offered to every other page by saving its tokenizer.json under the cache dir and adding the
path to ``st.session_state[EXTRA_TOKENIZERS]``, which ``tokviz.ui.common.tokenizer_picker`` lists.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

import pandas as pd
import streamlit as st

from tokviz.cache import cache_dir
from tokviz.charts.lab import pair_bars, recut_html, text_growth
from tokviz.corpora import udhr_languages
from tokviz.lab import evaluate as lab_evaluate
from tokviz.lab.inference import compare_inference, inference_differences
from tokviz.lab.steps import bpe_steps
from tokviz.ui.common import EXTRA_TOKENIZERS

_LOCK = threading.Lock()

INFERENCE_COLUMNS = {"text": "language", "merge_order_tokens": "tokens (merge order)", "greedy_tokens":
                     "tokens (greedy)", "greedy_vs_merge_order": "greedy ÷ merge order",
                     "words_cut_differently": "words cut differently", "distinct_words": "distinct words"}

VARIANTS_EXPLAINED = """\
- **Classic BPE** (Sennrich et al. 2016; byte-level as in GPT-2): merge the most frequent pair. Trained by HF
  `tokenizers`' Rust trainer; tokviz's own engine gives exactly the same merges (tested; check it below).
- **Parity-aware BPE** (Foroutan et al. 2025, arXiv:2508.04796): at each step take the language whose text currently
  needs the most tokens and merge the pair most frequent *in that language*. Compression is measured on the parallel
  training sections (the held-out ones stay unseen). Not included: the paper's moving-window variant.
- **SuperBPE** (Liu et al. 2025, arXiv:2503.13423): classic BPE up to the transition point t = 90 % of the vocabulary
  (the paper's best: 180k of 200k), then pre-tokenization by sentence instead of by word, so merges may cross spaces.
  Simplified: sentences, not whole documents; no digit grouping.
"""

__all__ = ["VARIANTS_EXPLAINED", "INFERENCE_COLUMNS", "udhr_choices", "split_cached", "steps_cached", "variants_cached",
           "draw_step",
           "play_steps",
           "offer_to_other_pages", "mixture_check_cached", "inference_cached", "bar",
           "trainers_agree_cached"]


@st.cache_data(show_spinner=False)
def udhr_choices() -> dict[str, str]:
    """UDHR code -> "Name" for every complete-enough translation (at least 25 sections)."""
    table = udhr_languages()
    table = table[table["sections"] >= 25].sort_values("name")
    return dict(zip(table["code"], table["name"], strict=True))


@st.cache_data(show_spinner=False)
def split_cached(codes: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    return lab_evaluate.udhr_split(list(codes))


@st.cache_data(show_spinner=False, max_entries=32)
def steps_cached(text: str, n: int):
    return bpe_steps(text, n)


def bar(label: str):
    """A progress bar and its ``progress(fraction, message)`` callback."""
    widget = st.progress(0.0, text=label)

    def progress(fraction: float, message: str) -> None:
        widget.progress(min(max(fraction, 0.0), 1.0), text=f"{label}: {message}"[:100])

    return widget, progress


@st.cache_resource(show_spinner=False)
def _variant_store() -> OrderedDict:
    """Trained variants shared by every session (a trained tokenizer holds a Rust object: never copied).

    A plain dict under ``st.cache_resource`` rather than a cached function, so that training can
    drive a progress bar drawn outside it (a cached function may not touch outer elements).
    """
    return OrderedDict()


def variants_cached(texts: dict, held: dict, vocab_size: int, weights: dict, methods: tuple):
    """Train and measure the variants (cached, 8 most recent); a progress bar while a cold one trains."""
    key = hashlib.sha256(repr((sorted(texts.items()), sorted(held.items()), vocab_size, sorted(weights.items()),
                               methods)).encode("utf-8", "surrogatepass")).hexdigest()
    store = _variant_store()
    with _LOCK:
        if key in store:
            store.move_to_end(key)
            return store[key]
    widget, progress = bar("Training")
    try:
        result = lab_evaluate.compare_variants(texts, held, vocab_size, weights=weights, methods=methods,
                                               reference="eng" if "eng" in held else None, progress=progress)
    finally:
        widget.empty()
    with _LOCK:
        store[key] = result
        while len(store) > 8:
            store.popitem(last=False)
    return result


@st.cache_data(show_spinner="Comparing inference methods…", max_entries=16)
def inference_cached(_tokenizer, identity: str, held: tuple):
    texts = dict(held)
    table = compare_inference(_tokenizer, texts)
    differences = pd.concat([inference_differences(_tokenizer, text, limit=12).assign(language=name)
                             for name, text in texts.items() if text], ignore_index=True)
    return table, differences


@st.cache_data(show_spinner="Training classic BPE twice (HF's Rust trainer, tokviz's engine)…", max_entries=8)
def trainers_agree_cached(texts: tuple, vocab_size: int, weights: tuple) -> dict:
    from tokviz.lab.train import compare_trainers

    return compare_trainers(dict(texts), vocab_size, weights=dict(weights))


@st.cache_data(show_spinner="Running the mixture LP on the merges…", max_entries=8)
def mixture_check_cached(_tokenizer, identity: str, texts: tuple):
    from tokviz.mixture import infer_mixture

    return infer_mixture(_tokenizer, dict(texts), num_merges=None)


def draw_step(slots, steps, index: int) -> None:
    """Fill the step-through's placeholders (bars, growth chart, sentence, re-cut text) for one step."""
    step = steps[index]
    bars, growth, words, text = slots
    bars.plotly_chart(pair_bars(step), width="stretch", key=f"lab_bars_{index}_{time.monotonic_ns()}")
    growth.plotly_chart(text_growth(steps, step.step), width="stretch", key=f"lab_growth_{index}_{time.monotonic_ns()}")
    if step.pair is None:
        words.markdown(f"**Start:** the text is {step.token_count:,} single bytes; the vocabulary holds the "
                       f"{step.vocab_size} possible bytes.")
    else:
        from tokviz.segment import display_text

        left, right = (display_text(p).replace(" ", "␣") for p in step.pair)
        words.markdown(f"**Step {step.step}:** “{left}” + “{right}” stand side by side {step.count:,} times, more "
                       f"than any other pair → they become one token “{display_text(step.token).replace(' ', '␣')}”. "
                       f"Text: **{step.token_count:,} tokens**; vocabulary: **{step.vocab_size:,}**.")
    text.html(recut_html(step.tokens, step.token))


def play_steps(slots, steps, start: int, count: int, delay: float = 0.5) -> int:
    """Animate ``count`` steps from ``start``; returns the last step shown."""
    last = start
    for index in range(start + 1, min(len(steps), start + count + 1)):
        draw_step(slots, steps, index)
        last = index
        time.sleep(delay)
    return last


def offer_to_other_pages(tokenizer, label: str) -> str:
    """Save ``tokenizer`` as tokenizer.json under the cache dir and list it in every page's picker."""
    folder = cache_dir("lab", f"{tokenizer.name}-{tokenizer.identity[:12]}")
    path = str(tokenizer.save(folder))
    extra = dict(st.session_state.get(EXTRA_TOKENIZERS, {}))
    extra[path] = label
    st.session_state[EXTRA_TOKENIZERS] = extra
    return path
