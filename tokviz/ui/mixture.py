"""Streamlit side of the Mixture inference page: the sample bank, staged runs, precomputed results.

Inference itself is ``tokviz.mixture.infer_mixture`` (its merge replay is disk-cached); runs are
kept in a process-wide store keyed by tokenizer name, categories, sample hashes and parameters,
so a rerun or another session with the same choice is instant, and a cold run shows its stages
(counting, replay, LP rounds) in a progress bar.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import pandas as pd
import streamlit as st

from tokviz import mixture, samples
from tokviz.ui.common import load_tokenizer_cached

__all__ = [
    "PRECOMPUTED_PATH",
    "PUBLISHED_ESTIMATES",
    "bank_table",
    "precomputed_table",
    "precomputed_runs",
    "published_comparison_table",
    "category_texts",
    "run_inference",
    "split_halves",
]

PRECOMPUTED_PATH = Path(__file__).resolve().parents[2] / "data" / "mixture_precomputed.parquet"

#: What Hayase et al. (2024) report, as (tokenizer, what, share, how tokviz measures the same).
PUBLISHED_ESTIMATES = [
    ("o200k_base", "non-English natural language", 0.39, "sum of the language categories other than English"),
    ("cl100k_base", "code", 0.63, "sum of the code categories"),
    ("llama3", "multilingual (merges added to cl100k_base)", 0.48,
     "not estimated: the merges after the first 100,000 are rare in samples of a few hundred KB (the paper "
     "used ~1 GB per category). Tried on 2026-11-22 with 46 x 300 KB: the pairs of over half of merges "
     "100,000-105,000 occur in no sample and the LP degenerates to 100% English with a 96% gap. Run "
     "scripts/precompute_mixture.py --llama3-additions --bytes 5000000 (or your own large samples) to try again"),
]


@st.cache_data(show_spinner="Looking for sample text on this machine…")
def bank_table() -> pd.DataFrame:
    """The default categories: category, label, group, bytes, source, available."""
    bank = samples.sample_bank()
    return pd.DataFrame([{"category": k, **v} for k, v in bank.items()])


@st.cache_data(show_spinner=False)
def precomputed_table() -> pd.DataFrame:
    """The shipped results for the default tokenizers (empty frame when the file is missing)."""
    if not PRECOMPUTED_PATH.exists():
        return pd.DataFrame(columns=["tokenizer", "category", "group", "share"])
    return pd.read_parquet(PRECOMPUTED_PATH)


def precomputed_runs(precomputed: pd.DataFrame) -> pd.DataFrame:
    """One row per shipped run: how its LP was solved (rounds, why it stopped, gap, time)."""
    wanted = ["tokenizer", "run", "num_merges", "skip_merges", "rounds", "constraints", "stopped", "gap",
              "absent_merges", "seconds", "computed"]
    present = [c for c in wanted if c in precomputed.columns]
    if precomputed.empty or "run" not in present:
        return pd.DataFrame(columns=present)
    return precomputed[present].drop_duplicates(["tokenizer", "run"]).reset_index(drop=True)


def published_comparison_table(precomputed: pd.DataFrame) -> pd.DataFrame:
    """tokviz's precomputed figure beside each published one (tokenizer, what, paper, tokviz)."""
    rows = []
    for tokenizer, what, paper, how in PUBLISHED_ESTIMATES:
        part = precomputed[precomputed["tokenizer"] == tokenizer]
        if "run" in part.columns:
            wanted = "additions" if tokenizer == "llama3" else "full"
            part = part[part["run"] == wanted]
        if part.empty:
            ours = float("nan")
        elif what == "code":
            ours = float(part.loc[part["group"] == "code", "share"].sum())
        else:
            ours = float(part.loc[(part["group"] == "language") & (part["category"] != "en"), "share"].sum())
        if tokenizer == "llama3" and not part.empty:
            how = "sum of the non-English language categories, over the merges after the first 100,000"
        rows.append({"tokenizer": tokenizer, "estimate of": what, "paper": paper, "tokviz": ours, "tokviz measures": how})
    return pd.DataFrame(rows)


@st.cache_data(show_spinner="Preparing samples…", max_entries=16)
def category_texts(categories: tuple[str, ...], max_bytes: int) -> dict[str, str]:
    return samples.load_samples(categories, max_bytes=max_bytes)


def split_halves(texts: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each category's text cut in two at a line end near its middle."""
    first, second = {}, {}
    for category, text in texts.items():
        middle = len(text) // 2
        cut = text.rfind("\n", 0, middle)
        cut = middle if cut <= 0 else cut + 1
        first[category], second[category] = text[:cut], text[cut:]
    return first, second


@st.cache_resource
def _store() -> dict:
    """Finished runs (shares Series with attrs), shared by every session of this process."""
    return {}


def _key(name: str, texts: dict[str, str], num_merges: int | None, skip_merges: int) -> str:
    digest = hashlib.sha256()
    digest.update(f"{name}|{num_merges}|{skip_merges}".encode())
    for category in sorted(texts):
        digest.update(category.encode() + b"\x00" + hashlib.sha256(texts[category].encode("utf-8")).digest())
    return digest.hexdigest()


def run_inference(name: str, texts: dict[str, str], num_merges: int | None, skip_merges: int = 0,
                  label: str = "") -> pd.Series:
    """infer_mixture with a staged progress bar on a cold run; instant when this run is stored."""
    store = _store()
    key = _key(name, texts, num_merges, skip_merges)
    if key in store:
        return store[key]
    tokenizer = load_tokenizer_cached(name)
    bar = st.progress(0.0, text=f"{label}Starting…")

    def report(fraction: float, message: str) -> None:
        bar.progress(fraction, text=f"{label}{message}"[:150])

    shares = mixture.infer_mixture(tokenizer, texts, num_merges=num_merges, skip_merges=skip_merges, progress=report)
    bar.empty()
    store[key] = shares
    return shares


def shares_frame(shares: pd.Series, bank: pd.DataFrame) -> pd.DataFrame:
    """A Series of shares as a frame with label, group and sample size per category."""
    info = bank.set_index("category")
    sizes = shares.attrs.get("sample_bytes", {})
    rows = []
    for category, share in shares.items():
        known = category in info.index
        rows.append({
            "category": category,
            "label": info.at[category, "label"] if known else category,
            "group": info.at[category, "group"] if known else "yours",
            "share": float(share),
            "sample bytes": int(sizes.get(category, 0)),
        })
    return pd.DataFrame(rows)


def read_uploads(files: Sequence) -> tuple[dict[str, str], list[str]]:
    """``<category>.txt`` uploads as {category: text}, with messages for unusable files."""
    texts: dict[str, str] = {}
    problems: list[str] = []
    for uploaded in files or []:
        name = Path(uploaded.name)
        data = uploaded.getvalue()
        if name.suffix != ".txt":
            problems.append(f"{uploaded.name}: upload plain-text files named <category>.txt.")
            continue
        if not data.strip():
            problems.append(f"{uploaded.name} is empty; it was left out.")
            continue
        texts[f"{name.stem}"] = data.decode("utf-8", errors="replace")
    return texts, problems
