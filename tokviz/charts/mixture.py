"""Charts of inferred data mixtures: shares in, a plotly Figure out (no streamlit).

Inputs are plain frames: a shares frame has columns ``category`` and ``share`` (and
optionally ``group``); a comparison frame has ``tokenizer``, ``category``, ``share`` (and
optionally ``source``, e.g. "tokviz" or "paper"); a timeline frame is
``tokviz.mixture.merge_timeline``'s.

>>> import pandas as pd
>>> fig = share_bars(pd.DataFrame({"category": ["en", "python"], "share": [0.7, 0.3]}))
>>> [trace.type for trace in fig.data], list(fig.data[0].y)
(['bar'], ['python', 'en'])
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

__all__ = ["share_bars", "stacked_shares", "stability_chart", "merge_timeline_chart", "category_colors"]

_GROUP_COLORS = {"language": "#4C78A8", "code": "#F58518", "yours": "#54A24B", "other": "#9D9D9D"}


def category_colors(categories) -> dict[str, str]:
    """A stable colour per category (the same across charts and tokenizers)."""
    palette = px.colors.qualitative.Dark24 + px.colors.qualitative.Light24
    return {category: palette[index % len(palette)] for index, category in enumerate(sorted(categories))}


def _check(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {missing}; it has {list(frame.columns)}.")


def share_bars(shares: pd.DataFrame, title: str = "Inferred training-data shares", top: int | None = None) -> go.Figure:
    """Horizontal bars of shares, largest on top, coloured by group when there is one."""
    _check(shares, ["category", "share"], "share_bars")
    frame = shares.sort_values("share", ascending=False)
    if top is not None:
        frame = frame.head(top)
    frame = frame.iloc[::-1]
    groups = frame["group"] if "group" in frame.columns else pd.Series("other", index=frame.index)
    colors = [_GROUP_COLORS.get(g, _GROUP_COLORS["other"]) for g in groups]
    labels = frame["label"] if "label" in frame.columns else frame["category"]
    fig = go.Figure(go.Bar(
        x=frame["share"], y=frame["category"], orientation="h", marker_color=colors,
        text=[f"{v:.1%}" for v in frame["share"]], textposition="outside",
        customdata=np.stack([labels, groups], axis=1),
        hovertemplate="%{customdata[0]} (%{customdata[1]}): %{x:.2%}<extra></extra>",
    ))
    fig.update_layout(title=title, xaxis_title="share of training bytes", xaxis_tickformat=".0%",
                      height=max(320, 22 * len(frame) + 120), margin=dict(l=10, r=40, t=50, b=40))
    return fig


def stacked_shares(comparison: pd.DataFrame, title: str = "Inferred mixtures side by side") -> go.Figure:
    """One stacked bar per tokenizer (and source), one segment per category."""
    _check(comparison, ["tokenizer", "category", "share"], "stacked_shares")
    frame = comparison.copy()
    if "source" in frame.columns:
        frame["column"] = frame["tokenizer"] + np.where(frame["source"] == "tokviz", "", " (" + frame["source"] + ")")
    else:
        frame["column"] = frame["tokenizer"]
    columns = list(dict.fromkeys(frame["column"]))
    order = frame.groupby("category")["share"].sum().sort_values(ascending=False).index.tolist()
    colors = category_colors(order)
    fig = go.Figure()
    for category in order:
        part = frame[frame["category"] == category].set_index("column")["share"]
        fig.add_bar(x=columns, y=[float(part.get(c, 0.0)) for c in columns], name=category,
                    marker_color=colors[category],
                    hovertemplate=f"{category}: " + "%{y:.1%}<extra>%{x}</extra>")
    fig.update_layout(barmode="stack", title=title, yaxis_title="share of training bytes", yaxis_tickformat=".0%",
                      legend_title="category", height=520, margin=dict(l=10, r=10, t=50, b=40))
    return fig


def stability_chart(halves: pd.DataFrame, title: str = "Stability: the estimate from two halves of the samples") -> go.Figure:
    """Grouped bars per category: one bar per half (column ``half``), plus the full estimate if given."""
    _check(halves, ["category", "share", "half"], "stability_chart")
    order = (halves.groupby("category")["share"].mean().sort_values(ascending=False).index.tolist())
    fig = go.Figure()
    for index, (half, part) in enumerate(halves.groupby("half", sort=False)):
        values = part.set_index("category")["share"]
        fig.add_bar(x=order, y=[float(values.get(c, 0.0)) for c in order], name=str(half),
                    marker_color=["#4C78A8", "#F58518", "#54A24B"][index % 3],
                    hovertemplate=f"{half}: " + "%{x} %{y:.2%}<extra></extra>")
    fig.update_layout(barmode="group", title=title, yaxis_tickformat=".0%", yaxis_title="share",
                      height=420, margin=dict(l=10, r=10, t=50, b=80))
    return fig


def merge_timeline_chart(timeline: pd.DataFrame, title: str = "Where the first merges came from") -> go.Figure:
    """Stacked bars per merge step: each category's weighted share of the merged pair's count.

    The category that held most of a merge's pair when it was chosen is where that merge
    "came from"; a run of merges from one category shows why the order reveals the mixture.
    """
    _check(timeline, ["step", "merge"], "merge_timeline_chart")
    categories = [c for c in timeline.columns if c not in ("step", "merge", "top")]
    colors = category_colors(categories)
    labels = [f"{s}: {m}" for s, m in zip(timeline["step"], timeline["merge"])]
    fig = go.Figure()
    for category in categories:
        fig.add_bar(y=labels, x=timeline[category], name=category, orientation="h",
                    marker_color=colors[category],
                    hovertemplate=f"{category}: " + "%{x:.0%}<extra>%{y}</extra>")
    fig.update_layout(barmode="stack", title=title, xaxis_tickformat=".0%",
                      xaxis_title="share of the merged pair's (weighted) count when it was chosen",
                      yaxis=dict(autorange="reversed", tickfont=dict(family="monospace", size=11)),
                      height=max(400, 18 * len(timeline) + 120), legend_title="category",
                      margin=dict(l=10, r=10, t=50, b=40))
    return fig
