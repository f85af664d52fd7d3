"""Streamlit side of the Mixture inference page: the sample bank, runs with progress, shipped results.

Inference itself is ``tokviz.mixture.infer_mixture`` (its merge replay is disk-cached); runs are
kept in a process-wide store keyed by tokenizer name, categories, sample hashes and parameters,
so a rerun or another session with the same choice is instant, and a cold run reports its stages
(counting, replay, LP rounds) through one progress bar (``tokviz.progress``). Reading the results
(groups, full names, one sentence, the paper beside tokviz) is ``tokviz.mixture.summary``.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from tokviz import mixture, samples
from tokviz.catalog import CATALOG, display_names
from tokviz.charts.mixture import category_stack, group_stack
from tokviz.mixture import summary
from tokviz.progress import stage
from tokviz.ui.common import load_tokenizer_cached
from tokviz.ui.state import bind

__all__ = ["PRECOMPUTED_PATHS", "SAMPLE_LIMITS_PATH", "SIZES", "bank_table", "sample_limits_table", "precomputed_table",
           "precomputed_runs", "additions_frame", "named_tokenizers", "paper_table",
           "category_texts", "run_all", "split_halves", "shares_frame", "read_uploads", "inherited_note",
           "display_name", "markdown_text", "run_details", "show_mixture_charts", "show_summaries", "stability_rows"]

_DATA = Path(__file__).resolve().parents[2] / "data"
#: The shipped results: the default tokenizers, and the fetchable ones (r50k_base, claude-legacy, gemma3).
PRECOMPUTED_PATHS = (_DATA / "mixture_precomputed.parquet", _DATA / "mixture_precomputed_fetchable.parquet")
#: How large each language sample can usefully get (``scripts/precompute_mixture.py --sample-limits``).
SAMPLE_LIMITS_PATH = _DATA / "mixture_sample_limits.csv"
#: Sample size per category the page offers.
SIZES = {"100 KB": 100_000, "300 KB": 300_000, "1 MB": 1_000_000, "3 MB": 3_000_000, "10 MB": 10_000_000}
#: Tokenizers others were built on: a tokenizer whose first merges are one of these says so.
_BASES = ("cl100k_base", "o200k_base", "r50k_base")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")


def markdown_text(text: str) -> str:
    """``text`` escaped for ``st.markdown`` (a file name cannot become a link, image or HTML).

    >>> markdown_text("[x](javascript:alert(1))")
    '\\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\)'
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


@st.cache_data(show_spinner="Looking for sample text on this machine…")
def bank_table() -> pd.DataFrame:
    """The default categories: category, label, group, kind, bytes, available, source."""
    return pd.DataFrame([{"category": category, "label": summary.category_label(category),
                          "group": summary.category_group(category), "kind": info["group"], "bytes": info["bytes"],
                          "available": info["available"], "source": info["source"]}
                         for category, info in samples.sample_bank().items()])


@st.cache_data(show_spinner=False)
def sample_limits_table() -> pd.DataFrame:
    """Per category: the largest sample, up to where a larger one still brings new words or text, and from where.

    Code is measured here (its files on this machine); languages are read from the shipped
    ``data/mixture_sample_limits.csv`` (measuring wordfreq's whole lists takes ~30 s)."""
    shipped = pd.read_csv(SAMPLE_LIMITS_PATH).set_index("category") if SAMPLE_LIMITS_PATH.exists() else None
    rows = []
    for category, info in samples.sample_bank().items():
        if not info["available"]:
            continue
        if info["group"] == "code":
            largest, useful, source = f"{info['bytes'] / 1e6:,.1f} MB (all its files here)", "the same", info["source"]
        elif shipped is not None and category in shipped.index:
            row = shipped.loc[category]
            largest = "any size (pseudo-text)"
            useful = (f"~{row['useful_bytes_default'] / 1e6:,.0f} MB from its {int(row['words_default']):,} most "
                      f"frequent words; ~{row['useful_bytes_all'] / 1e6:,.0f} MB from all {int(row['words_all']):,}")
            source = f"wordfreq {row['wordfreq']} 'best' list ({category})"
        else:
            largest, useful, source = "any size (pseudo-text)", "not measured", info["source"]
        rows.append({"category": category, "name": summary.category_label(category), "largest sample": largest,
                     "new words or text until": useful, "source": source})
    return pd.DataFrame(rows)


@st.cache_data(show_spinner=False)
def precomputed_table() -> pd.DataFrame:
    """The shipped results (empty frame when no file is there)."""
    frames = [pd.read_parquet(path) for path in PRECOMPUTED_PATHS if path.exists()]
    if not frames:
        return pd.DataFrame(columns=["tokenizer", "run", "category", "share"])
    return pd.concat(frames, ignore_index=True)


def precomputed_runs(precomputed: pd.DataFrame) -> pd.DataFrame:
    """One row per shipped run: how its LP was solved (rounds, why it stopped, gap, time, samples, base)."""
    wanted = ["tokenizer", "run", "base", "num_merges", "skip_merges", "rounds", "constraints", "stopped", "gap",
              "absent_merges", "seconds", "sample_bytes", "sample_words", "formulation", "computed"]
    present = [c for c in wanted if c in precomputed.columns]
    if precomputed.empty or "run" not in present:
        return pd.DataFrame(columns=present)
    return precomputed[present].drop_duplicates(["tokenizer", "run"]).reset_index(drop=True)


def additions_frame(precomputed: pd.DataFrame) -> pd.DataFrame:
    """The shipped ``additions`` runs, named "<tokenizer>: own additions" so charts show them beside the full runs."""
    if precomputed.empty or "run" not in precomputed.columns:
        return precomputed.iloc[0:0]
    return named_tokenizers(precomputed[precomputed["run"] == "additions"], suffix=": own additions")


def named_tokenizers(frame: pd.DataFrame, suffix: str = "") -> pd.DataFrame:
    """``frame`` with its ``tokenizer`` column in display names (+ ``suffix``), each distinct name looked up once."""
    keys = frame["tokenizer"].astype(str)
    return frame.assign(tokenizer=keys.map({key: display_name(key) + suffix for key in keys.unique()}))


def display_name(name: str) -> str:
    """What people call a tokenizer ("Llama 3"), not its catalog key ("llama3"); a file's name for uploads."""
    known = name in CATALOG or Path(name.split("::")[0]).is_file()  # a catalog key or an uploaded file
    return display_names([name])[name] if known else name


@st.cache_data(show_spinner=False)
def paper_table() -> pd.DataFrame:
    """The paper's published figures beside tokviz's shipped ones (``summary.published_comparison``)."""
    return summary.published_comparison(precomputed_table())


@st.cache_data(show_spinner=False)
def _shipped_inheritance() -> pd.DataFrame:
    path = _DATA / "mixture_inherited.csv"
    return pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["tokenizer", "base"])


@st.cache_data(show_spinner="Comparing merge lists…", max_entries=64)
def _measured_inheritance(name: str) -> tuple[str, int, int] | None:
    tokenizer = load_tokenizer_cached(name)
    for base in _BASES:
        if base != name:
            other = load_tokenizer_cached(base)
            inherited = mixture.inherited_prefix(tokenizer, other)
            if inherited >= 1_000:
                return base, mixture.shared_prefix(tokenizer, other), inherited
    return None


def inherited_note(name: str, num_merges: int, skip_merges: int = 0) -> str | None:
    """A warning when the merges used are another tokenizer's (Llama 3 starts with cl100k_base's 100,000;
    Qwen's first 98,900 are cl100k_base's in its order, with the digit merges left out). Shipped
    tokenizers are looked up in data/mixture_inherited.csv; others are measured (and cached)."""
    shipped = _shipped_inheritance()
    if name in set(shipped["tokenizer"]):
        row = shipped[shipped["tokenizer"] == name].iloc[0]
        found = (row["base"], int(row["shared_prefix"]), int(row["inherited_prefix"]))
    elif name in set(precomputed_table()["tokenizer"]):
        found = None  # shipped, and measured when the file was built: inherits nothing
    else:
        found = _measured_inheritance(name)
    if found is None:
        return None
    base, shared, inherited = found
    return summary.inherited_message(display_name(name), display_name(base), shared, inherited, num_merges,
                                     skip_merges)


@st.cache_data(show_spinner="Preparing samples…", max_entries=16)
def category_texts(categories: tuple[str, ...], max_bytes: int) -> dict[str, str]:
    """The chosen default samples; code with fewer bytes here than asked gives all it has."""
    return samples.load_samples(categories, max_bytes=max_bytes, fit=True)


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


def _key(name: str, texts: dict[str, str], num_merges: int | None) -> str:
    digest = hashlib.sha256(f"{name}|{num_merges}".encode())
    for category in sorted(texts):
        digest.update(category.encode() + b"\x00" + hashlib.sha256(texts[category].encode("utf-8")).digest())
    return digest.hexdigest()


def run_all(names: Sequence[str], texts: dict[str, str], num_merges: int | None,
            label: str = "") -> tuple[dict[str, pd.Series], dict[str, BaseException]]:
    """infer_mixture for each tokenizer, one progress bar over all of them; stored runs are instant.

    Returns the finished runs and the errors (by tokenizer name)."""
    store = _store()
    results: dict[str, pd.Series] = {}
    errors: dict[str, BaseException] = {}
    bars: list = []

    def show(fraction: float, message: str) -> None:
        bars[0].progress(min(1.0, max(0.0, fraction)), text=f"{label}{message}"[:150])

    for number, name in enumerate(names):
        key = _key(name, texts, num_merges)
        if key not in store:
            if not bars:
                bars.append(st.progress(0.0, text=f"{label}Starting…"))
            progress = stage(show, number / len(names), (number + 1) / len(names), name)
            try:
                store[key] = mixture.infer_mixture(load_tokenizer_cached(name), texts, num_merges=num_merges,
                                                   progress=progress)
            except Exception as error:  # noqa: BLE001 - bad input and unusable tokenizers become messages
                errors[name] = error
                continue
        results[name] = store[key]
    for bar in bars:
        bar.empty()
    return results, errors


def shares_frame(shares: pd.Series) -> pd.DataFrame:
    """A Series of shares as a frame: category, full name, group, share, sample bytes."""
    sizes = shares.attrs.get("sample_bytes", {})
    return pd.DataFrame({
        "category": [str(c) for c in shares.index],
        "name": [summary.category_label(str(c)) for c in shares.index],
        "group": [summary.category_group(str(c)) for c in shares.index],
        "share": shares.to_numpy(dtype=float),
        "sample bytes": [int(sizes.get(c, 0)) for c in shares.index],
    })


def run_details(shares: pd.Series) -> pd.DataFrame:
    """How one run's LP went, as rows a person can read (for the expander)."""
    attrs = shares.attrs
    seconds = attrs.get("seconds", {})
    rows = [("merges used", f"{attrs.get('num_merges', 0):,}"),
            ("LP rounds", f"{attrs.get('rounds', 0)}"),
            ("constraints", f"{attrs.get('constraints', 0):,}"),
            ("total slack", f"{attrs.get('total_slack', float('nan')):.3g}"),
            ("gap (proven distance from the optimum)", f"{attrs.get('gap', float('nan')):.1%}"),
            ("why it stopped", str(attrs.get("stopped", ""))),
            ("merges no sample holds (left unconstrained)", f"{attrs.get('absent_merges', 0):,}"),
            ("seconds", ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))]
    return pd.DataFrame(rows, columns=["", "value"])


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
        texts[name.stem] = data.decode("utf-8", errors="replace")
    return texts, problems


def show_mixture_charts(frame: pd.DataFrame, key: str) -> None:
    """Tokenizers side by side by group, with a drill-down into the categories of one group."""
    frame = named_tokenizers(frame)  # the charts escape the names
    st.plotly_chart(group_stack(frame), width="stretch", key=f"{key}_groups")
    present = set(frame["category"].astype(str).map(summary.category_group))
    groups = [g for g in summary.GROUPS if g in present]
    group = st.selectbox("Look inside a group", groups, **bind(f"{key}_group", groups[0], url=f"{key}_group",
                                                               options=groups))
    st.plotly_chart(category_stack(frame, group, title=f"Inside “{group}”"), width="stretch", key=f"{key}_cats")


def show_summaries(results: dict[str, pd.Series]) -> None:
    """Per tokenizer: one plain sentence, a warning if its merges are inherited, LP details in an expander."""
    for name, shares in results.items():
        st.markdown(f"**{markdown_text(display_name(name))}** — {markdown_text(summary.plain_summary(shares))}")
        note = inherited_note(name, shares.attrs["num_merges"], shares.attrs.get("skip_merges", 0))
        if note:
            st.warning(note)
        for warning in shares.attrs.get("warnings", []):
            st.warning(markdown_text(warning))
        with st.expander(f"Details of the {display_name(name)} run (LP rounds, constraints, slack, gap)"):
            st.dataframe(run_details(shares), hide_index=True, key=f"mix_details_{name}")


def stability_rows(name: str, texts: dict[str, str], num_merges: int | None) -> list[pd.DataFrame]:
    """The estimate from each half of the samples, as shares frames with a ``half`` column."""
    rows = []
    for which, part in zip(("first half", "second half"), split_halves(texts), strict=True):
        done, failed = run_all([name], part, num_merges, label=f"{which}: ")
        rows += [shares_frame(shares).assign(half=which) for shares in done.values()]
        for error in failed.values():
            st.error(markdown_text(f"Stability run ({which}): {error}"))
    return rows
