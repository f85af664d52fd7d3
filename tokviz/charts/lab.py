"""Figures for the Tokenizer lab: pair counts, the re-cut text, premiums per variant, mixtures.

DataFrames / step records in, plotly figures (or an HTML string for the re-cut text) out.
"""
from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from ..segment import display_text

__all__ = ["pair_bars", "text_growth", "recut_html", "premium_bars", "variant_totals", "mixture_bars",
           "parity_turns", "VARIANT_COLORS"]

VARIANT_COLORS = {"Classic BPE": "#7f7f7f", "Parity-aware BPE": "#2ca02c", "SuperBPE": "#1f77b4"}
_CHIP_COLORS = ["#fde2e4", "#e2ece9", "#dfe7fd", "#fff1c1", "#e8dff5", "#d7f3f0"]


def _show(token: bytes) -> str:
    return display_text(token).replace(" ", "␣").replace("\n", "↵")


def pair_bars(step) -> go.Figure:
    """The most frequent adjacent pairs before a merge; the chosen one in orange."""
    pairs = list(reversed(step.top_pairs))
    labels = [f"{_show(a)} + {_show(b)}" for a, b, _ in pairs]
    chosen = step.pair
    colors = ["#ff7f0e" if chosen is not None and (a, b) == chosen else "#9ecae1" for a, b, _ in pairs]
    figure = go.Figure(go.Bar(x=[c for _, _, c in pairs], y=labels, orientation="h", marker_color=colors,
                              text=[c for _, _, c in pairs], textposition="outside"))
    title = "How often each pair of neighbours occurs" if chosen is None else \
        f"Step {step.step}: the most frequent pair wins → “{_show(chosen[0] + chosen[1])}”"
    figure.update_layout(title=title, height=330, margin=dict(l=10, r=30, t=50, b=30),
                         xaxis_title="times the two pieces stand side by side", yaxis_title=None)
    return figure


def text_growth(steps, current: int) -> go.Figure:
    """Tokens needed for the text (falling) as the vocabulary grows, with the current step marked."""
    frame = pd.DataFrame({"step": [s.step for s in steps], "tokens": [s.token_count for s in steps],
                          "vocabulary": [s.vocab_size for s in steps]})
    figure = go.Figure(go.Scatter(x=frame["vocabulary"], y=frame["tokens"], mode="lines+markers",
                                  name="tokens for this text", line_color="#1f77b4"))
    now = frame[frame["step"] == current]
    if len(now):
        figure.add_trace(go.Scatter(x=now["vocabulary"], y=now["tokens"], mode="markers", marker_size=14,
                                    marker_color="#ff7f0e", name=f"step {current}"))
    figure.update_layout(title="One more token in the vocabulary, fewer tokens in the text",
                         height=330, margin=dict(l=10, r=10, t=50, b=30), showlegend=False,
                         xaxis_title="vocabulary size", yaxis_title="tokens needed for the text")
    return figure


def recut_html(tokens: list[bytes], new_token: bytes = b"", limit: int = 1500) -> str:
    """The text as token chips; chips of the newest token are outlined in orange."""
    chips = []
    for position, token in enumerate(tokens[:limit]):
        text = html.escape(display_text(token)).replace(" ", "␣").replace("\n", "↵<br>")
        style = f"background:{_CHIP_COLORS[position % len(_CHIP_COLORS)]};"
        if new_token and token == new_token:
            style += "outline:2px solid #ff7f0e;font-weight:600;"
        chips.append(f'<span style="{style}padding:1px 2px;margin:1px;border-radius:3px;'
                     f'font-family:monospace;display:inline-block">{text}</span>')
    more = f" <i>… {len(tokens) - limit:,} more tokens</i>" if len(tokens) > limit else ""
    return f'<div style="line-height:1.9">{"".join(chips)}{more}</div>'


def premium_bars(per_language: pd.DataFrame, names: dict[str, str] | None = None) -> go.Figure:
    """Premium per language (tokens relative to the reference, held-out text), one bar group per language."""
    names = names or {}
    figure = go.Figure()
    for variant, part in per_language.groupby("variant", sort=False):
        figure.add_trace(go.Bar(x=[names.get(c, c) for c in part["language"]], y=part["premium"], name=variant,
                                marker_color=VARIANT_COLORS.get(variant), text=[f"{p:.2f}×" for p in part["premium"]],
                                textposition="outside"))
    reference = per_language.attrs.get("reference") or per_language["language"].iloc[0]
    figure.add_hline(y=1.0, line_dash="dot", line_color="#444")
    figure.update_layout(title=f"Premium on unseen text: tokens for the same content, relative to "
                               f"{names.get(reference, reference)}", barmode="group", height=400,
                         yaxis_title="premium (× the reference's tokens)", margin=dict(l=10, r=10, t=60, b=30),
                         legend=dict(orientation="h", y=-0.15))
    return figure


def variant_totals(summary: pd.DataFrame) -> go.Figure:
    """Two panels: the premium spread (max/min) and the total tokens, per variant."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2, subplot_titles=("Premium spread (most / least expensive language)",
                                                           "Tokens for all held-out text"))
    colors = [VARIANT_COLORS.get(v) for v in summary["variant"]]
    figure.add_trace(go.Bar(x=summary["variant"], y=summary["premium_spread"], marker_color=colors,
                            text=[f"{v:.2f}×" for v in summary["premium_spread"]], textposition="outside"), 1, 1)
    figure.add_trace(go.Bar(x=summary["variant"], y=summary["tokens"], marker_color=colors,
                            text=[f"{v:,}" for v in summary["tokens"]], textposition="outside"), 1, 2)
    figure.update_layout(title="What each variant does: Parity-aware evens out, SuperBPE shortens", height=360,
                         showlegend=False, margin=dict(l=10, r=10, t=80, b=30))
    return figure


def parity_turns(merges_by_language: dict[str, int], names: dict[str, str] | None = None) -> go.Figure:
    """How many merges Parity-aware BPE chose for each language (the worst-compressed one each time)."""
    names = names or {}
    labels = [names.get(k, k) for k in merges_by_language]
    figure = go.Figure(go.Bar(x=labels, y=list(merges_by_language.values()), marker_color="#2ca02c"))
    figure.update_layout(title="Parity-aware BPE: merges chosen for each language", height=300,
                         yaxis_title="merges", margin=dict(l=10, r=10, t=50, b=30))
    return figure


def mixture_bars(true: pd.Series, inferred: pd.Series, names: dict[str, str] | None = None) -> go.Figure:
    """The training mixture next to what the mixture LP infers from the merge order."""
    names = names or {}
    keys = list(true.index)
    figure = go.Figure([
        go.Bar(x=[names.get(k, k) for k in keys], y=[true.get(k, 0.0) for k in keys], name="what you trained on",
               marker_color="#7f7f7f"),
        go.Bar(x=[names.get(k, k) for k in keys], y=[float(inferred.get(k, 0.0)) for k in keys],
               name="what the LP infers from the merges", marker_color="#9467bd"),
    ])
    figure.update_layout(title="Does the mixture LP recover your training mixture?", barmode="group", height=340,
                         yaxis_title="share of training bytes", yaxis_tickformat=".0%",
                         margin=dict(l=10, r=10, t=50, b=30), legend=dict(orientation="h", y=-0.2))
    return figure
