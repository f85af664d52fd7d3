"""Charts of the Segmentations page: counts per tokenizer, where tokenizers agree."""
from __future__ import annotations

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


def boundary_strip(agreement: pd.DataFrame, text: str, tokenizers: list[str]) -> go.Figure:
    """A tokenizer × position map of cut points: where each tokenizer cuts the text."""
    if agreement.empty:
        return go.Figure()
    z = agreement[tokenizers].to_numpy().T.astype(int)
    offsets = agreement["offset"].to_numpy()
    context = [text[max(0, o - 6):o] + "│" + text[o:o + 6] for o in offsets]
    figure = go.Figure(go.Heatmap(z=z, x=offsets, y=tokenizers, colorscale=[[0, "#f8fafc"], [1, "#1d4ed8"]],
                                  showscale=False, customdata=[context] * len(tokenizers),
                                  hovertemplate="%{y} · offset %{x}<br>%{customdata}<extra></extra>"))
    figure.update_layout(height=100 + 30 * len(tokenizers), margin=dict(l=10, r=10, t=10, b=30),
                         xaxis_title="character offset")
    return figure
