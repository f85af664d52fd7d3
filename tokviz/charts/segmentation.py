"""Charts of the Segmentations page: counts per tokenizer, where tokenizers agree."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

__all__ = ["counts_bar", "agreement_heatmap", "boundary_strip"]


def counts_bar(table: pd.DataFrame, metric: str = "tokens") -> go.Figure:
    """Bars of one metric of :func:`tokviz.render.comparison_table`, fewest first."""
    if metric not in table.columns:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(table.columns[1:])}")
    ordered = table.sort_values(metric)
    labels = {"tokens": "tokens", "chars_per_token": "characters per token", "bytes_per_token": "bytes per token"}
    figure = px.bar(ordered, x=metric, y="tokenizer", orientation="h", text=metric,
                    labels={metric: labels.get(metric, metric), "tokenizer": ""})
    figure.update_traces(texttemplate="%{text:,.3~f}" if ordered[metric].dtype.kind == "f" else "%{text:,}",
                         marker_color="#2563eb")
    figure.update_layout(height=80 + 36 * len(ordered), margin=dict(l=10, r=10, t=10, b=10))
    return figure


def agreement_heatmap(pairwise: pd.DataFrame) -> go.Figure:
    """Tokenizer × tokenizer share of shared cut points (Jaccard), from :func:`pairwise_agreement`."""
    figure = go.Figure(go.Heatmap(z=pairwise.to_numpy(), x=list(pairwise.columns), y=list(pairwise.index),
                                  zmin=0, zmax=1, colorscale="Blues", text=pairwise.round(2).to_numpy(),
                                  texttemplate="%{text}", hovertemplate="%{y} vs %{x}: %{z:.2f}<extra></extra>"))
    figure.update_layout(height=120 + 40 * len(pairwise), margin=dict(l=10, r=10, t=10, b=10))
    return figure


def boundary_strip(agreement: pd.DataFrame, text: str, tokenizers: list[str], max_chars: int = 80) -> go.Figure:
    """Tokenizer × character map of the start of the text: a dark mark where a tokenizer cuts before a character.

    The x axis is labelled with the characters themselves (spaces as ·, newlines as ↵), so the strip
    reads like the text. ``agreement`` is :func:`tokviz.render.boundary_agreement` with one column per
    name in ``tokenizers``.
    """
    shown = text[:max_chars]
    if agreement.empty or not shown:
        return go.Figure()
    from tokviz.token_view import visible_whitespace

    head = agreement[agreement["offset"] < len(shown)]
    z = np.zeros((len(tokenizers), len(shown)), dtype=int)
    offsets = head["offset"].to_numpy()
    for row, name in enumerate(tokenizers):
        z[row, offsets[head[name].to_numpy()]] = 1
    characters = [visible_whitespace(c) for c in shown]
    hover = [[f"{name}: {'cuts' if z[r, i] else 'no cut'} before {characters[i]!r} (character {i})"
              for i in range(len(shown))] for r, name in enumerate(tokenizers)]
    figure = go.Figure(go.Heatmap(z=z, x=list(range(len(shown))), y=tokenizers, zmin=0, zmax=1, xgap=1, ygap=3,
                                  colorscale=[[0, "#eef2f7"], [1, "#1d4ed8"]], showscale=False,
                                  customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    figure.update_xaxes(tickmode="array", tickvals=list(range(len(shown))), ticktext=characters, tickangle=0,
                        tickfont=dict(family="monospace", size=11), side="top")
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=90 + 34 * len(tokenizers), margin=dict(l=10, r=10, t=40, b=10))
    return figure
