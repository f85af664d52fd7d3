"""The vocabulary map as a Plotly figure: DataFrame in, Figure out (no streamlit).

One WebGL (``scattergl``) trace per colour group holds the whole vocabulary; the figure stays
compact so that 262,144 points travel well under Streamlit's message limit: coordinates and
colour values are float32 numpy arrays (Plotly 6 writes them as base64 typed arrays), ids ride
in ``customdata`` as int32, and the only per-point strings are the hover texts.

>>> import pandas as pd
>>> frame = pd.DataFrame({"token_id": [0, 1], "token": ["a", "b"], "x": [0.0, 1.0], "y": [0.0, 1.0],
...                       "script": ["Latin", "Latin"], "norm": [1.0, 2.0]})
>>> [(trace.type, trace.showlegend) for trace in embedding_map_figure(frame, color_by="script").data]
[('scattergl', False), ('scatter', None)]
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = [
    "CATEGORICAL_PROPERTIES",
    "NUMERIC_PROPERTIES",
    "PROPERTY_LABELS",
    "embedding_map_figure",
    "hover_label",
]

#: Properties coloured by group (one trace and legend entry each).
CATEGORICAL_PROPERTIES = ("script", "special", "undertrained")
#: Properties coloured on a continuous scale.
NUMERIC_PROPERTIES = ("undertrained_score", "norm", "length", "length_bytes", "merge_rank", "token_id")
PROPERTY_LABELS = {
    "script": "Unicode script",
    "special": "special / control token",
    "undertrained": "flagged as under-trained",
    "undertrained_score": "under-trained score",
    "norm": "L2 norm",
    "length": "length (characters)",
    "length_bytes": "length (bytes)",
    "merge_rank": "BPE merge rank",
    "token_id": "token id",
}
_PALETTE = (
    "#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2", "#FF9DA6",
    "#9D755D", "#79706E", "#D67195", "#439894",
)
_GREY = "#B0B0B0"
_NEIGHBOUR_COLOUR = "#FF7F0E"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def hover_label(token: str) -> str:
    """A token as safe hover text: control characters as escapes, HTML escaped, spaces visible.

    >>> hover_label(" <s>\\n")
    '␣&lt;s&gt;\\\\n'
    """
    shown = _CONTROL.sub(lambda match: repr(match.group())[1:-1], token)
    if shown.strip() == "":
        shown = shown.replace(" ", "␣") or "(empty)"
    elif shown.startswith(" "):
        shown = "␣" + shown[1:]
    return html.escape(shown, quote=False)


def _hover_texts(frame: pd.DataFrame) -> list[str]:
    return [hover_label(token) for token in frame["token"].tolist()]


def _marker_style(points: int) -> tuple[float, float]:
    """Dot size and opacity: at tens of thousands of points small, see-through dots show where
    tokens crowd (dense regions darken) instead of one solid blob of the largest group.

    >>> _marker_style(32000), _marker_style(300)
    ((3.0, 0.45), (6.0, 0.85))
    """
    if points > 100_000:
        return 2.0, 0.35
    if points > 20_000:
        return 3.0, 0.45
    if points > 2_000:
        return 4.0, 0.6
    return 6.0, 0.85


def _base_trace(part: pd.DataFrame, texts: Sequence[str], name: str, style: tuple[float, float],
                hover_value: str | None, **marker) -> go.Scattergl:
    template = "<b>%{text}</b><br>id %{customdata}"
    if hover_value:
        template += hover_value
    return go.Scattergl(
        x=part["x"].to_numpy(np.float32),
        y=part["y"].to_numpy(np.float32),
        customdata=part["token_id"].to_numpy(np.int32),
        text=list(texts),
        mode="markers",
        name=name,
        marker=dict(size=style[0], opacity=style[1], **marker),
        hovertemplate=template + "<extra>%{fullData.name}</extra>",
    )


def _category_values(frame: pd.DataFrame, color_by: str) -> pd.Series:
    values = frame[color_by]
    if values.dtype == bool:
        return values.map({True: "yes", False: "no"})
    return values.astype(str)


def _categorical_traces(frame: pd.DataFrame, texts: list[str], color_by: str, size: tuple[float, float],
                        max_categories: int) -> list[go.Scattergl | go.Scatter]:
    values = _category_values(frame, color_by)
    counts = values.value_counts()
    shown = list(counts.index[:max_categories])
    if len(counts) > max_categories:
        values = values.where(values.isin(shown), "other")
        shown.append("other")
    if color_by in ("special", "undertrained"):  # draw the rare "yes" group last, on top
        shown = sorted(shown, key=lambda value: value == "yes")
    texts_array = np.asarray(texts, dtype=object)
    traces, legend = [], []
    for index, value in enumerate(shown):
        mask = (values == value).to_numpy()
        part = frame.loc[mask]
        colour = _GREY if value in ("other", "no") else _PALETTE[index % len(_PALETTE)]
        if color_by in ("special", "undertrained") and value == "yes":
            colour = "#E45756"
        name = f"{value} ({int(mask.sum()):,})"
        trace = _base_trace(part, texts_array[mask].tolist(), name, size, None, color=colour)
        trace.update(showlegend=False, legendgroup=name)
        traces.append(trace)
        legend.append(_legend_entry(name, colour))
    return traces + legend


def _legend_entry(name: str, colour: str) -> go.Scatter:
    """A point-less trace that shows a group in the legend with an opaque dot (the map's dots are
    see-through, and a legend dot copies its trace's opacity); clicking it toggles the group.
    (Plotly leaves traces with no data out of the legend, hence one empty ``None`` point.)"""
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, legendgroup=name, hoverinfo="skip",
                      marker=dict(size=10, color=colour, opacity=1.0))


def _numeric_traces(frame: pd.DataFrame, texts: list[str], color_by: str,
                    size: tuple[float, float]) -> list[go.Scattergl]:
    values = frame[color_by].to_numpy(np.float64)
    valid = np.isfinite(values)
    if color_by == "merge_rank":
        valid &= values >= 0
    texts_array = np.asarray(texts, dtype=object)
    traces = []
    if (~valid).any():
        traces.append(_base_trace(frame.loc[~valid], texts_array[~valid].tolist(),
                                  f"no {PROPERTY_LABELS.get(color_by, color_by)} ({int((~valid).sum()):,})",
                                  size, None, color=_GREY))
    if valid.any():
        shown = values[valid].astype(np.float32)
        low, high = (float(v) for v in np.quantile(shown, [0.01, 0.99]))
        if high <= low:
            low, high = float(shown.min()), float(shown.max()) + 1e-6
        label = PROPERTY_LABELS.get(color_by, color_by)
        traces.append(_base_trace(
            frame.loc[valid], texts_array[valid].tolist(), label, size,
            f"<br>{label} %{{marker.color:.4g}}",
            color=shown, colorscale="Viridis", cmin=low, cmax=high,
            colorbar=dict(title=dict(text=label, side="right"), thickness=12),
        ))
    return traces


def _highlight_trace(frame: pd.DataFrame, ids: Sequence[int], name: str, colour: str, symbol: str,
                     labels: bool) -> go.Scatter | None:
    if not len(ids):
        return None
    lookup = pd.Series(np.arange(len(frame)), index=frame["token_id"].to_numpy())
    present = [int(i) for i in ids if int(i) in lookup.index]
    if not present:
        return None
    part = frame.iloc[lookup.loc[present].to_numpy()]
    texts = _hover_texts(part)
    return go.Scatter(
        x=part["x"].to_numpy(np.float32), y=part["y"].to_numpy(np.float32),
        customdata=part["token_id"].to_numpy(np.int32), text=texts,
        mode="markers+text" if labels else "markers", name=name,
        textposition="top center", textfont=dict(size=12, color=colour),
        marker=dict(size=12, color="rgba(0,0,0,0)", symbol=symbol, line=dict(width=2.5, color=colour)),
        hovertemplate="<b>%{text}</b><br>id %{customdata}<extra>" + html.escape(name) + "</extra>",
    )


def embedding_map_figure(frame: pd.DataFrame, color_by: str = "script", *, search_ids: Sequence[int] = (),
                         neighbour_ids: Sequence[int] = (), text_ids: Sequence[int] = (),
                         focus_id: int | None = None, title: str | None = None, height: int = 720,
                         max_categories: int = 12) -> go.Figure:
    """A WebGL scatter of every token in ``frame`` (columns token_id, token, x, y and properties).

    ``color_by`` names a column: categorical ones (script, special, undertrained) get one trace
    and legend entry per group (the ``max_categories`` largest, the rest as "other"); numeric
    ones a Viridis scale clipped to the 1st-99th percentile, with rows lacking a value in grey.
    ``search_ids`` / ``neighbour_ids`` / ``text_ids`` are drawn as labelled rings on top;
    ``focus_id`` zooms to that token and its neighbours.
    """
    required = {"token_id", "token", "x", "y"}
    missing = required - set(frame.columns)
    if missing:
        raise ValueError(f"The map frame lacks columns {sorted(missing)}; build it with tokviz.embeddings.token_map.")
    if color_by not in frame.columns:
        raise ValueError(f"Cannot colour by {color_by!r}: the frame has no such column.")
    size = _marker_style(len(frame))
    texts = _hover_texts(frame)
    categorical = (color_by in CATEGORICAL_PROPERTIES or frame[color_by].dtype == bool
                   or not pd.api.types.is_numeric_dtype(frame[color_by]))
    if categorical:
        traces: list = _categorical_traces(frame, texts, color_by, size, max_categories)
    else:
        traces = _numeric_traces(frame, texts, color_by, size)
    for trace in (
        _highlight_trace(frame, text_ids, "typed text", "#D62728", "circle", labels=len(set(text_ids)) <= 60),
        _highlight_trace(frame, neighbour_ids, "nearest neighbours", _NEIGHBOUR_COLOUR, "circle", labels=False),
        _highlight_trace(frame, search_ids, "searched token", "#000000", "diamond", labels=False),
    ):
        if trace is not None:
            traces.append(trace)
    figure = go.Figure(data=traces)
    figure.update_layout(
        # the top margin holds the toolbar (mode bar), so that it never covers the legend below it
        title=title, height=height, margin=dict(l=10, r=10, t=60 if title else 36, b=10),
        # groups: a legend on the right; a colour scale: its bar on the right and the legend below the map
        legend=(dict(itemsizing="constant", orientation="v", x=1.01, y=1.0, yanchor="top",
                     bgcolor="rgba(255,255,255,0.8)", title=dict(text=PROPERTY_LABELS.get(color_by, color_by)))
                if categorical else dict(itemsizing="constant", orientation="h", x=0, y=-0.01, yanchor="top")),
        annotations=_labels(frame, search_ids[:1], neighbour_ids),
        hoverlabel=dict(font=dict(family="monospace")),
        uirevision=f"focus-{focus_id}", dragmode="zoom", plot_bgcolor="white",
    )
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, title=None)
    figure.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, title=None)
    if focus_id is not None and int(focus_id) in set(frame["token_id"].tolist()):
        figure.update_layout(**_focus_ranges(frame, int(focus_id), neighbour_ids))
    return figure


def _labels(frame: pd.DataFrame, search_ids: Sequence[int], neighbour_ids: Sequence[int]) -> list[dict]:
    """Legible labels for the searched token and its neighbours: white boxes, pushed outward from the
    searched token along the direction to each neighbour, with a line back to the dot.

    >>> frame = pd.DataFrame({"token_id": [0, 1], "token": [" king", " queen"], "x": [0.0, 1.0], "y": [0.0, 0.0]})
    >>> [(label["text"], label["ax"] > 0) for label in _labels(frame, [0], [1])]
    [('<b>␣king</b>', False), ('␣queen', True)]
    """
    index = pd.Series(np.arange(len(frame)), index=frame["token_id"].to_numpy())
    wanted = [int(i) for i in [*search_ids, *neighbour_ids] if int(i) in index.index]
    if not wanted:
        return []
    rows = frame.iloc[index.loc[wanted].to_numpy()]
    xy = rows[["x", "y"]].to_numpy(np.float64)
    centre = xy[0] if search_ids and int(search_ids[0]) == wanted[0] else xy.mean(axis=0)
    scale = np.ptp(xy, axis=0) + 1e-9
    labels = []
    for position, (token_id, token) in enumerate(zip(rows["token_id"], rows["token"], strict=True)):
        is_query = position == 0 and bool(search_ids) and int(token_id) == int(search_ids[0])
        direction = (xy[position] - centre) / scale
        angle = float(np.arctan2(direction[1], direction[0])) if np.abs(direction).sum() > 1e-6 else np.pi
        offset = 30 if is_query else 38 + 10 * (position % 2)
        labels.append(dict(
            x=float(xy[position, 0]), y=float(xy[position, 1]), xref="x", yref="y",
            text=f"<b>{hover_label(token)}</b>" if is_query else hover_label(token),
            showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor="#555555",
            ax=round(offset * np.cos(angle)), ay=round(-offset * np.sin(angle)),
            font=dict(size=14 if is_query else 13, color="#000000" if is_query else "#8A3B00", family="monospace"),
            bgcolor="rgba(255,255,255,0.9)", bordercolor="#000000" if is_query else _NEIGHBOUR_COLOUR,
            borderwidth=1, borderpad=2,
        ))
    return labels


def _focus_ranges(frame: pd.DataFrame, focus_id: int, neighbour_ids: Sequence[int]) -> dict:
    """Axis ranges around a token (and its neighbours), at least 6% of the map's extent."""
    ids = frame["token_id"].to_numpy()
    points = frame.loc[np.isin(ids, [focus_id, *neighbour_ids]), ["x", "y"]].to_numpy(np.float64)
    centre = frame.loc[ids == focus_id, ["x", "y"]].to_numpy(np.float64)[0]
    extent = np.ptp(frame[["x", "y"]].to_numpy(np.float64), axis=0)
    half = np.maximum(extent * 0.03, np.abs(points - centre).max(axis=0) * 1.2)
    return dict(
        xaxis=dict(range=[centre[0] - half[0], centre[0] + half[0]]),
        yaxis=dict(range=[centre[1] - half[1], centre[1] + half[1]]),
    )
