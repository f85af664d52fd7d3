"""Charts of language premiums: a premium table (``tokviz.premiums.token_premiums``) in, a plotly Figure out.

Premiums are ratios, so every colour scale and value axis is logarithmic: a premium of 2 and
one of 0.5 sit equally far from parity (1). Premiums that rest on unknown tokens
(``reliable == False``) are never coloured as if they were cheap: they are drawn in grey with
a cross and say so on hover.

>>> import pandas as pd
>>> table = pd.DataFrame({"tokenizer": ["t", "t"], "language": ["eng", "amh"], "name": ["English", "Amharic"],
...     "script": ["Latn", "Ethi"], "region": ["Europe", "Africa"], "latitude": [53.0, 11.7],
...     "longitude": [-1.0, 39.5], "tokens": [100, 480], "chars": [500, 400], "bytes": [500, 1150],
...     "premium": [1.0, 4.8], "reliable": [True, True]})
>>> [trace.type for trace in premium_map(table, "t").data]
['scattergeo']
"""
from __future__ import annotations

import base64
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "premium_heatmap",
    "premium_map",
    "top_languages_bars",
    "premium_distribution",
    "premium_decomposition",
    "decomposition_scatter",
    "published_comparison",
    "context_bars",
    "geo_config",
    "PREMIUM_COLORSCALE",
]

PREMIUM_COLORSCALE = "Turbo"
UNRELIABLE_COLOR = "#9e9e9e"
_TICKS = [0.5, 1, 1.5, 2, 3, 5, 10, 20, 50]
WORLD_TOPOJSON = Path(__file__).resolve().parents[2] / "data" / "world_110m.json"


@lru_cache(maxsize=1)
def geo_config() -> dict:
    """plotly config that makes geo charts draw offline: the shipped world base map as a ``data:`` URL.

    plotly.js asks for ``<topojsonURL>/world_110m.json``; after the ``#`` that path is a URL
    fragment, which a ``data:`` URL ignores, so the request returns the shipped file itself.
    Pass it as ``st.plotly_chart(figure, config=geo_config())`` or ``figure.show(config=...)``.

    >>> geo_config()["topojsonURL"].startswith("data:application/json;base64,")
    True
    """
    if not WORLD_TOPOJSON.is_file():
        raise ValueError(f"The world base map {WORLD_TOPOJSON} is missing; rebuild it with "
                         "`python data/build_topojson.py` (needs npm).")
    encoded = base64.b64encode(WORLD_TOPOJSON.read_bytes()).decode("ascii")
    return {"topojsonURL": f"data:application/json;base64,{encoded}#"}


def _log_colorbar(values: pd.Series, title: str = "premium") -> tuple[dict, float, float]:
    """Colorbar with premium tick labels on a log10 scale, and its (cmin, cmax)."""
    finite = values[np.isfinite(values) & (values > 0)]
    low = float(np.log10(finite.min())) if len(finite) else 0.0
    high = float(np.log10(finite.max())) if len(finite) else 1.0
    low, high = min(low, 0.0), max(high, math.log10(2))
    ticks = [t for t in _TICKS if low - 1e-9 <= math.log10(t) <= high + 1e-9]
    bar = {"title": {"text": title}, "tickvals": [math.log10(t) for t in ticks], "ticktext": [f"{t:g}×" for t in ticks]}
    return bar, low, high


def _label(frame: pd.DataFrame) -> pd.Series:
    return frame["name"].astype(str) + " (" + frame["language"].astype(str) + ")"


def _empty(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _reliable(frame: pd.DataFrame) -> pd.Series:
    return frame["reliable"].astype(bool) if "reliable" in frame else pd.Series(True, index=frame.index)


def premium_heatmap(table: pd.DataFrame, order: list[str] | None = None) -> go.Figure:
    """Tokenizer × language heatmap of premiums (log colour), languages in ``order`` (codes).

    Without ``order`` languages are sorted by their mean premium over the tokenizers, most
    expensive first. Cells whose premium rests on unknown tokens are grey.
    """
    if table.empty:
        return _empty("No languages to show")
    tokenizers = list(dict.fromkeys(table["tokenizer"]))
    premium = table.pivot_table(index="tokenizer", columns="language", values="premium",
                                aggfunc="first").reindex(tokenizers)
    reliable = table.assign(ok=_reliable(table).astype(float)).pivot_table(
        index="tokenizer", columns="language", values="ok", aggfunc="first").reindex(tokenizers)
    if order is None:
        order = premium.mean(axis=0).sort_values(ascending=False).index.tolist()
    order = [code for code in order if code in premium.columns]
    premium, reliable = premium[order], reliable.reindex(columns=order)
    names = table.drop_duplicates("language").set_index("language")["name"].reindex(order)
    labels = [f"{names[code]} ({code})" for code in order]
    colorbar, low, high = _log_colorbar(table["premium"])
    z = np.log10(premium.where(reliable == 1.0).to_numpy(dtype=float))
    hover = np.array([[f"{label}<br>{tok}: {value:.2f}×" for label, value in zip(labels, row, strict=True)]
                      for tok, row in zip(tokenizers, premium.to_numpy(dtype=float), strict=True)])
    figure = go.Figure(go.Heatmap(
        z=z, x=order, y=tokenizers, colorscale=PREMIUM_COLORSCALE, zmin=low, zmax=high, colorbar=colorbar,
        text=hover, hovertemplate="%{text}<extra></extra>", xgap=0, ygap=1, name="premium"))
    grey = np.where(reliable.to_numpy(dtype=float) == 0.0, 1.0, np.nan)
    if np.isfinite(grey).any():
        unreliable_hover = np.array([[f"{text}<br>unknown tokens: premium understated" for text in row]
                                     for row in hover])
        figure.add_trace(go.Heatmap(
            z=grey, x=order, y=tokenizers, colorscale=[[0, UNRELIABLE_COLOR], [1, UNRELIABLE_COLOR]],
            showscale=False, text=unreliable_hover, hovertemplate="%{text}<extra></extra>", name="unknown tokens"))
    figure.update_layout(
        title=f"Premium per tokenizer and language ({len(order)} languages; grey: unknown tokens)",
        height=140 + 34 * len(tokenizers), margin={"l": 10, "r": 10, "t": 50, "b": 40},
        xaxis={"title": "language (hover for its name)", "showticklabels": len(order) <= 80, "type": "category"},
        yaxis={"autorange": "reversed", "type": "category"},
    )
    return figure


def premium_map(table: pd.DataFrame, tokenizer: str) -> go.Figure:
    """World map of one tokenizer's premiums at the UDHR's coordinates (log colour).

    Languages without a real position (the UDHR's placeholder in Antarctica) are left out.
    """
    rows = table[(table["tokenizer"] == tokenizer) & table["latitude"].notna() & (table["latitude"] > -60)]
    if rows.empty:
        return _empty(f"No located languages for {tokenizer}")
    reliable = _reliable(rows)
    colorbar, low, high = _log_colorbar(rows["premium"])
    figure = go.Figure()
    good = rows[reliable].sort_values("premium")
    figure.add_trace(go.Scattergeo(
        lat=good["latitude"], lon=good["longitude"], mode="markers", name="premium",
        marker={"size": 8, "color": np.log10(good["premium"]), "colorscale": PREMIUM_COLORSCALE, "cmin": low,
                "cmax": high, "colorbar": colorbar, "line": {"width": 0.4, "color": "#333"}, "opacity": 0.9},
        customdata=np.stack([_label(good), good["script"], good["tokens"], good["premium"],
                             good.get("bytes_per_token", good["bytes"] / good["tokens"])], axis=1),
        hovertemplate="<b>%{customdata[0]}</b><br>script %{customdata[1]}<br>%{customdata[2]:,} tokens"
                      "<br>premium %{customdata[3]:.2f}×<br>%{customdata[4]:.2f} bytes/token<extra></extra>",
    ))
    bad = rows[~reliable]
    if not bad.empty:
        figure.add_trace(go.Scattergeo(
            lat=bad["latitude"], lon=bad["longitude"], mode="markers", name="unknown tokens",
            marker={"size": 9, "symbol": "x", "color": UNRELIABLE_COLOR},
            customdata=np.stack([_label(bad), bad["script"], bad["premium"]], axis=1),
            hovertemplate="<b>%{customdata[0]}</b><br>script %{customdata[1]}<br>premium %{customdata[2]:.2f}× over "
                          "unknown tokens: understated<extra></extra>",
        ))
    figure.update_geos(projection_type="natural earth", showcountries=True, countrycolor="#ccc",
                       showland=True, landcolor="#f4f4f4", showocean=True, oceancolor="#eaf2fa")
    figure.update_layout(title=f"{tokenizer}: premium by language ({len(rows)} located languages)",
                         height=520, margin={"l": 0, "r": 0, "t": 40, "b": 0}, showlegend=not bad.empty)
    return figure


def top_languages_bars(table: pd.DataFrame, n: int = 20, columns: int = 2) -> go.Figure:
    """The ``n`` most expensive languages per tokenizer, one panel each (reliable premiums only)."""
    tokenizers = list(dict.fromkeys(table["tokenizer"]))
    if not tokenizers:
        return _empty("No tokenizer selected")
    columns = max(1, min(columns, len(tokenizers)))
    rows = math.ceil(len(tokenizers) / columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=tokenizers, horizontal_spacing=0.25,
                           vertical_spacing=min(0.08, 0.5 / rows))
    _, low, high = _log_colorbar(table["premium"])  # one colour scale for every panel
    for index, tokenizer in enumerate(tokenizers):
        part = table[(table["tokenizer"] == tokenizer) & _reliable(table)].nlargest(n, "premium")[::-1]
        figure.add_trace(go.Bar(
            x=part["premium"], y=_label(part), orientation="h", name=tokenizer, showlegend=False,
            marker={"color": np.log10(part["premium"]), "colorscale": PREMIUM_COLORSCALE, "cmin": low, "cmax": high},
            customdata=np.stack([part["script"], part["tokens"]], axis=1),
            hovertemplate="%{y}<br>%{x:.2f}× · script %{customdata[0]} · %{customdata[1]:,} tokens<extra></extra>",
        ), row=index // columns + 1, col=index % columns + 1)
    figure.update_xaxes(title_text="premium (× reference)")
    figure.update_yaxes(tickfont={"size": 9})
    figure.update_layout(title=f"The {n} most expensive languages per tokenizer", height=80 + rows * (18 * n + 60),
                         margin={"l": 10, "r": 10, "t": 70, "b": 30})
    return figure


def premium_distribution(table: pd.DataFrame) -> go.Figure:
    """Distribution of premiums per tokenizer (box with every language as a point, log axis)."""
    if table.empty:
        return _empty("No languages to show")
    figure = go.Figure()
    for tokenizer, part in table[_reliable(table)].groupby("tokenizer", sort=False):
        figure.add_trace(go.Box(
            y=part["premium"], name=tokenizer, boxpoints="all", jitter=0.4, pointpos=0, marker={"size": 3},
            text=_label(part), hovertemplate="%{text}<br>%{y:.2f}×<extra>%{fullData.name}</extra>",
        ))
    figure.add_hline(y=1, line_dash="dot", line_color="#555", annotation_text="parity with the reference")
    figure.update_layout(title="Distribution of premiums per tokenizer", yaxis={"type": "log", "title": "premium"},
                         showlegend=False, height=460, margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


_FACTORS = [
    ("length_factor", "text length (characters ÷ reference)", "#8da0cb"),
    ("script_factor", "script: UTF-8 bytes per character ÷ reference", "#fc8d62"),
    ("vocabulary_factor", "vocabulary: tokens per byte ÷ reference", "#66c2a5"),
]


def premium_decomposition(table: pd.DataFrame, tokenizer: str, n: int = 25) -> go.Figure:
    """premium = length × script × vocabulary, for one tokenizer's ``n`` most expensive languages.

    Bars are stacked in log2 space (so the factors add up to the premium's log); hovering a
    segment shows the factor itself.
    """
    part = table[(table["tokenizer"] == tokenizer) & _reliable(table)].nlargest(n, "premium")[::-1]
    if part.empty:
        return _empty(f"No premiums for {tokenizer}")
    labels = _label(part)
    figure = go.Figure()
    for column, title, color in _FACTORS:
        factor = part[column].astype(float)
        figure.add_trace(go.Bar(
            x=np.log2(factor), y=labels, orientation="h", name=title, marker_color=color,
            customdata=np.stack([factor, part["premium"]], axis=1),
            hovertemplate="%{y}<br>" + title
            + ": %{customdata[0]:.2f}×<br>premium %{customdata[1]:.2f}×<extra></extra>",
        ))
    figure.add_trace(go.Scatter(
        x=np.log2(part["premium"]), y=labels, mode="markers", name="premium", marker={"symbol": "line-ns-open",
                                                                                        "size": 14, "color": "black"},
        hovertemplate="%{y}<br>premium %{customdata:.2f}×<extra></extra>", customdata=part["premium"]))
    ticks = [0.25, 0.5, 1, 2, 4, 8, 16, 32]
    figure.update_layout(
        barmode="relative", title=f"{tokenizer}: where the premium comes from (log scale; factors multiply)",
        xaxis={"title": "factor (× reference)", "tickvals": np.log2(ticks).tolist(),
               "ticktext": [f"{t:g}×" for t in ticks]},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, height=200 + 20 * len(part),
        margin={"l": 10, "r": 10, "t": 90, "b": 40},
    )
    return figure


def decomposition_scatter(table: pd.DataFrame, tokenizer: str) -> go.Figure:
    """Script cost (UTF-8 bytes per character) against vocabulary cost (tokens per byte), one
    point per language, colour = premium: which of the two makes a language expensive."""
    part = table[(table["tokenizer"] == tokenizer) & _reliable(table)]
    if part.empty:
        return _empty(f"No premiums for {tokenizer}")
    colorbar, low, high = _log_colorbar(part["premium"])
    figure = go.Figure(go.Scatter(
        x=part["bytes_per_char"], y=part["tokens_per_byte"], mode="markers",
        marker={"color": np.log10(part["premium"]), "colorscale": PREMIUM_COLORSCALE, "cmin": low, "cmax": high,
                "colorbar": colorbar, "size": 7, "line": {"width": 0.3, "color": "#333"}},
        text=_label(part), customdata=np.stack([part["script"], part["premium"]], axis=1),
        hovertemplate="%{text}<br>script %{customdata[0]}<br>%{x:.2f} bytes/char · %{y:.3f} tokens/byte"
                      "<br>premium %{customdata[1]:.2f}×<extra></extra>",
    ))
    figure.update_layout(title=f"{tokenizer}: script cost against vocabulary cost",
                         xaxis={"title": "UTF-8 bytes per character (the script)"},
                         yaxis={"title": "tokens per byte (the vocabulary)", "type": "log"},
                         height=460, margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def published_comparison(pairs: pd.DataFrame, summary: pd.DataFrame | None = None) -> go.Figure:
    """tokviz's FLORES premiums against the published ones (log-log), one colour per tokenizer."""
    if pairs.empty:
        return _empty("No tokenizer with published counts is selected (cl100k_base, r50k_base, p50k_base, llama2)")
    figure = go.Figure()
    for tokenizer, part in pairs.groupby("tokenizer", sort=False):
        label = tokenizer
        if summary is not None and not summary.empty:
            hit = summary[summary["tokenizer"] == tokenizer]
            if not hit.empty:
                row = hit.iloc[0]
                label = f"{tokenizer} (ρ = {row['spearman']:.3f}, {int(row['exact'])}/{int(row['languages'])} exact)"
        figure.add_trace(go.Scatter(
            x=part["published_premium"], y=part["premium"], mode="markers", name=label, text=_label(part),
            customdata=np.stack([part["published_tokens"], part["tokens"]], axis=1),
            hovertemplate="%{text}<br>published %{x:.3f}× (%{customdata[0]:,.0f} tokens)"
                          "<br>tokviz %{y:.3f}× (%{customdata[1]:,} tokens)<extra></extra>",
        ))
    low = float(min(pairs["published_premium"].min(), pairs["premium"].min()))
    high = float(max(pairs["published_premium"].max(), pairs["premium"].max()))
    figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="identical",
                                line={"dash": "dot", "color": "#555"}, hoverinfo="skip"))
    figure.update_layout(title="tokviz on FLORES-200 against Petrov et al. (2023)",
                         xaxis={"title": "published premium", "type": "log"},
                         yaxis={"title": "tokviz premium", "type": "log"},
                         legend={"orientation": "h", "y": -0.2}, height=480,
                         margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure


def context_bars(calculator: pd.DataFrame, n: int = 25) -> go.Figure:
    """How many words of each language a context window holds (the ``n`` fewest), from
    :func:`tokviz.premiums.context_and_cost` output."""
    if calculator.empty:
        return _empty("No languages to show")
    part = calculator.nsmallest(n, "equivalent_words")[::-1]
    figure = go.Figure(go.Bar(
        x=part["equivalent_words"], y=_label(part), orientation="h", marker_color="#5b8def",
        customdata=np.stack([part["premium"], part["cost"]], axis=1),
        hovertemplate="%{y}<br>%{x:,.0f} English-equivalent words<br>premium %{customdata[0]:.2f}× · "
                      "cost %{customdata[1]:,.2f}<extra></extra>",
    ))
    figure.update_layout(title="What the context window holds, in English-equivalent words (least first)",
                         xaxis={"title": "English-equivalent words that fit"}, height=160 + 20 * len(part),
                         margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return figure
