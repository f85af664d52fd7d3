"""Charts of inferred data mixtures: shares in, a plotly Figure out (no streamlit).

Inputs are plain frames: a shares frame has columns ``category`` and ``share``; a comparison
frame has ``tokenizer``, ``category``, ``share``; a timeline frame is
``tokviz.mixture.merge_timeline``'s. Every chart names categories in full
(``tokviz.mixture.summary.category_label``) and gives a category the same colour
(:data:`CATEGORY_COLORS`, fixed; the user's own categories get a colour from their name), a
group the same colour (:data:`GROUP_COLORS`). Category names can come from uploaded file
names: they are HTML-escaped and passed as data, never into a hover template's text, so
``<img …>`` or ``%{x}`` in a name shows as itself.

>>> import pandas as pd
>>> fig = share_bars(pd.DataFrame({"category": ["en", "python"], "share": [0.7, 0.3]}))
>>> [trace.type for trace in fig.data], list(fig.data[0].y)
(['bar'], ['Python', 'English'])
"""
from __future__ import annotations

import hashlib
import html

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from ..mixture.summary import GROUPS, category_group, category_label
from ..samples import CODE_SOURCES, LANGUAGE_NAMES

__all__ = ["GROUP_COLORS", "CATEGORY_COLORS", "category_color", "share_bars", "group_stack", "category_stack",
           "stability_chart", "merge_timeline_chart", "safe_text"]

#: One colour per group (the grouped view).
GROUP_COLORS = {"English": "#1F77B4", "Other European languages": "#2CA02C", "Asian languages": "#D62728",
                "Other languages": "#9467BD", "Code": "#FF7F0E", "Your samples": "#7F7F7F"}


def _fixed_category_colors() -> dict[str, str]:
    """Every default category a distinct colour, fixed: groups take consecutive palette runs."""
    palette = px.colors.qualitative.Dark24 + px.colors.qualitative.Light24
    ordered = sorted(list(LANGUAGE_NAMES) + list(CODE_SOURCES), key=lambda c: (GROUPS.index(category_group(c)), c))
    return {category: palette[index % len(palette)] for index, category in enumerate(ordered)}


#: The colour of each default category, the same in every chart.
CATEGORY_COLORS: dict[str, str] = _fixed_category_colors()
_OWN_PALETTE = px.colors.qualitative.Pastel + px.colors.qualitative.Set3


def category_color(category: str) -> str:
    """A category's colour: fixed for the default ones, from the name's hash for the user's own.

    >>> category_color("en") == CATEGORY_COLORS["en"], category_color("notes") == category_color("notes")
    (True, True)
    """
    if category in CATEGORY_COLORS:
        return CATEGORY_COLORS[category]
    digest = int.from_bytes(hashlib.sha256(category.encode("utf-8")).digest()[:4], "big")
    return _OWN_PALETTE[digest % len(_OWN_PALETTE)]


def safe_text(value) -> str:
    """Text for a Plotly label (legend, tick, hover data): HTML-escaped, so it shows as itself.

    >>> safe_text("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape(str(value), quote=False)


def _check(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {missing}; it has {list(frame.columns)}.")


def share_bars(shares: pd.DataFrame, title: str = "Inferred training-data shares", top: int | None = None) -> go.Figure:
    """Horizontal bars of one tokenizer's shares, largest on top, full names, fixed colours."""
    _check(shares, ["category", "share"], "share_bars")
    frame = shares.sort_values("share", ascending=False)
    if top is not None:
        frame = frame.head(top)
    frame = frame.iloc[::-1]
    categories = frame["category"].astype(str)
    labels = [safe_text(category_label(c)) for c in categories]
    groups = [safe_text(category_group(c)) for c in categories]
    fig = go.Figure(go.Bar(
        x=frame["share"], y=labels, orientation="h", marker_color=[category_color(c) for c in categories],
        text=[f"{v:.1%}" for v in frame["share"]], textposition="outside",
        customdata=np.stack([labels, groups], axis=1) if len(frame) else None,
        hovertemplate="%{customdata[0]} (%{customdata[1]}): %{x:.2%}<extra></extra>",
    ))
    fig.update_layout(title=title, xaxis_title="share of training bytes", xaxis_tickformat=".0%",
                      height=max(320, 22 * len(frame) + 120), margin=dict(l=10, r=40, t=50, b=40))
    return fig


def _stack(frame: pd.DataFrame, keys: list[str], label_of, color_of, title: str, legend: str) -> go.Figure:
    """One stacked column per tokenizer, one trace per key (group or category)."""
    columns = [safe_text(t) for t in dict.fromkeys(frame["tokenizer"].astype(str))]
    fig = go.Figure()
    for key in keys:
        part = frame[frame["key"] == key]
        values = dict(zip(part["tokenizer"].astype(str).map(safe_text), part["share"], strict=True))
        label = safe_text(label_of(key))
        fig.add_bar(x=columns, y=[float(values.get(c, 0.0)) for c in columns], name=label,
                    marker_color=color_of(key), customdata=[label] * len(columns),
                    hovertemplate="%{customdata}: %{y:.1%}<extra>%{x}</extra>")
    fig.update_layout(barmode="stack", title=title, yaxis_title="share of training bytes", yaxis_tickformat=".0%",
                      legend_title=legend, legend_traceorder="normal", height=480,
                      margin=dict(l=10, r=10, t=50, b=40))
    return fig


def group_stack(comparison: pd.DataFrame, title: str = "Inferred mixtures, by group") -> go.Figure:
    """One stacked column per tokenizer with one segment per group (English, code, ...).

    >>> frame = pd.DataFrame({"tokenizer": ["a", "a", "a"], "category": ["en", "fr", "python"],
    ...                       "share": [0.5, 0.2, 0.3]})
    >>> [(t.name, t.y[0]) for t in group_stack(frame).data]
    [('English', 0.5), ('Other European languages', 0.2), ('Code', 0.3)]
    """
    _check(comparison, ["tokenizer", "category", "share"], "group_stack")
    frame = comparison.assign(key=comparison["category"].astype(str).map(category_group))
    frame = frame.groupby(["tokenizer", "key"], sort=False, as_index=False)["share"].sum()
    keys = [g for g in GROUPS if g in set(frame["key"])]
    return _stack(frame, keys, str, GROUP_COLORS.get, title, "group")


def category_stack(comparison: pd.DataFrame, group: str | None = None,
                   title: str = "Inferred mixtures, by category") -> go.Figure:
    """One stacked column per tokenizer with one segment per category (of ``group`` only, if given)."""
    _check(comparison, ["tokenizer", "category", "share"], "category_stack")
    frame = comparison.assign(key=comparison["category"].astype(str))
    if group is not None:
        if group not in GROUPS:
            raise ValueError(f"Unknown group {group!r}; choose one of {', '.join(GROUPS)}.")
        frame = frame[frame["key"].map(category_group) == group]
    order = frame.groupby("key")["share"].sum().sort_values(ascending=False).index.tolist()
    return _stack(frame, order, category_label, category_color, title, "category")


def stability_chart(halves: pd.DataFrame, title: str = "Stability: the estimate from two halves of the samples"
                    ) -> go.Figure:
    """Grouped bars per category: one bar per half (column ``half``), plus the full estimate if given."""
    _check(halves, ["category", "share", "half"], "stability_chart")
    order = halves.groupby("category")["share"].mean().sort_values(ascending=False).index.tolist()
    labels = [safe_text(category_label(str(c))) for c in order]
    fig = go.Figure()
    for index, (half, part) in enumerate(halves.groupby("half", sort=False)):
        values = part.set_index("category")["share"]
        fig.add_bar(x=labels, y=[float(values.get(c, 0.0)) for c in order], name=safe_text(half),
                    marker_color=["#4C78A8", "#F58518", "#54A24B"][index % 3],
                    hovertemplate="%{x}: %{y:.2%}<extra>%{fullData.name}</extra>")
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
    steps = [safe_text(f"{s}: {m}") for s, m in zip(timeline["step"], timeline["merge"], strict=True)]
    fig = go.Figure()
    for category in categories:
        label = safe_text(category_label(str(category)))
        fig.add_bar(y=steps, x=timeline[category], name=label, orientation="h",
                    marker_color=category_color(str(category)), customdata=[label] * len(steps),
                    hovertemplate="%{customdata}: %{x:.0%}<extra>%{y}</extra>")
    fig.update_layout(barmode="stack", title=title, xaxis_tickformat=".0%",
                      xaxis_title="share of the merged pair's (weighted) count when it was chosen",
                      yaxis=dict(autorange="reversed", tickfont=dict(family="monospace", size=11)),
                      height=max(400, 18 * len(timeline) + 120), legend_title="category",
                      margin=dict(l=10, r=10, t=50, b=40))
    return fig
