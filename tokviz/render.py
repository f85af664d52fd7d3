"""Segmentations as HTML: coloured token spans, boundary agreement, merge trees as DOT.

Plain data first, markup second (as HF tokenizers' visualizer does): the functions here turn a
:class:`~tokviz.segment.Segmentation` into per-token and per-character facts, then into
self-contained HTML that any page (or a notebook) can show.

>>> token_colour(15339) == token_colour(15339)
True
>>> visible_whitespace(" a\\tb\\n")
'·a→b↵'
"""
from __future__ import annotations

import html
from typing import Sequence

import numpy as np
import pandas as pd

from .segment import Segmentation, byte_chips

__all__ = [
    "token_colour",
    "visible_whitespace",
    "segmentation_html",
    "boundary_agreement",
    "agreement_html",
    "pairwise_agreement",
    "merge_tree_dot",
    "comparison_table",
    "MAX_RENDERED_TOKENS",
]

MAX_RENDERED_TOKENS = 4000
_GOLDEN = 0.6180339887498949


def token_colour(token_id: int) -> str:
    """A stable pastel colour for a token id (the same id is the same colour everywhere)."""
    hue = (token_id * _GOLDEN) % 1.0 * 360
    return f"hsl({hue:.0f}, 75%, 84%)"


_WHITESPACE = str.maketrans({" ": "·", "\n": "↵", "\t": "→", "\r": "␍", "\u00a0": "⍽", "\u3000": "□"})


def visible_whitespace(text: str) -> str:
    """Spaces as ·, tabs as →, newlines as ↵, CR as ␍ (so a token's whitespace can be seen)."""
    return text.translate(_WHITESPACE)


_CSS = """
<style>
.tv-wrap{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:0.92rem;line-height:2.1;
 white-space:pre-wrap;word-break:break-word}
.tv-tok{border-radius:4px;padding:1px 2px;margin:0 1px 0 0;border:1px solid rgba(0,0,0,.12);color:#111}
.tv-tok.tv-partial{border-style:dashed;border-color:#b45309}
.tv-tok.tv-special{outline:2px solid #6d28d9}
.tv-chip{font-size:0.72rem;background:#fff7ed;border:1px solid #fdba74;border-radius:3px;padding:0 2px;color:#9a3412}
.tv-id{font-size:0.66rem;color:#374151;vertical-align:sub;margin-left:1px}
.tv-hex{font-size:0.62rem;color:#6b7280;vertical-align:super;margin-left:1px}
.tv-nl{display:block;height:0}
.tv-b{display:inline-block;width:2px;height:1.2em;vertical-align:middle;margin:0 1px}
</style>
"""


def _token_markup(token, show_ids: bool, show_whitespace: bool, show_bytes: bool) -> str:
    raw = token.bytes
    try:
        shown = raw.decode("utf-8")
        label = html.escape(visible_whitespace(shown) if show_whitespace else shown)
        partial = False
    except UnicodeDecodeError:
        partial = True
        label = _partial_markup(raw, show_whitespace)
    classes = "tv-tok" + (" tv-partial" if partial else "") + (" tv-special" if token.special else "")
    title = html.escape(f"id {token.id} · bytes {byte_chips(raw)} · chars {token.start}–{token.end}", quote=True)
    extra = ""
    if show_ids:
        extra += f'<span class="tv-id">{token.id}</span>'
    if show_bytes and not partial:
        extra += f'<span class="tv-hex">{byte_chips(raw)}</span>'
    newline = '<span class="tv-nl"></span>' if not show_whitespace and raw.endswith(b"\n") else ""
    return (f'<span class="{classes}" style="background:{token_colour(token.id)}" title="{title}">'
            f"{label}{extra}</span>{newline}")


def _partial_markup(raw: bytes, show_whitespace: bool) -> str:
    """Whole characters as text, stray bytes of split characters as chips."""
    out = []
    position = 0
    while position < len(raw):
        try:
            piece = raw[position:].decode("utf-8")
            out.append(html.escape(visible_whitespace(piece) if show_whitespace else piece))
            break
        except UnicodeDecodeError as error:
            good = raw[position:position + error.start].decode("utf-8")
            if good:
                out.append(html.escape(visible_whitespace(good) if show_whitespace else good))
            bad_end = position + error.end
            out.append(f'<span class="tv-chip">{byte_chips(raw[position + error.start:bad_end])}</span>')
            position = bad_end
    return "".join(out)


def segmentation_html(segmentation: Segmentation, *, show_ids: bool = False, show_whitespace: bool = True,
                      show_bytes: bool = False, max_tokens: int = MAX_RENDERED_TOKENS) -> str:
    """The tokens of a segmentation as coloured spans (partial UTF-8 pieces as byte chips)."""
    tokens = segmentation.tokens[:max_tokens]
    body = "".join(_token_markup(t, show_ids, show_whitespace, show_bytes) for t in tokens)
    more = ""
    if len(segmentation.tokens) > max_tokens:
        more = (f'<div><em>… {len(segmentation.tokens) - max_tokens:,} more tokens not drawn '
                f"(all are counted and in the downloads)</em></div>")
    return f'{_CSS}<div class="tv-wrap">{body}</div>{more}'


def boundary_agreement(segmentations: Sequence[Segmentation]) -> pd.DataFrame:
    """Per inner character offset: how many tokenizers put a token boundary there.

    Columns: ``offset`` (a boundary sits before the character at this offset), ``count``,
    ``share`` (count / tokenizers) and one boolean column per tokenizer.
    """
    if not segmentations:
        return pd.DataFrame(columns=["offset", "count", "share"])
    length = len(segmentations[0].text)
    matrix = np.zeros((len(segmentations), max(length - 1, 0)), dtype=bool)
    for row, segmentation in enumerate(segmentations):
        offsets = np.fromiter(segmentation.boundaries(), dtype=np.int64)
        offsets = offsets[(offsets > 0) & (offsets < length)]
        matrix[row, offsets - 1] = True
    frame = pd.DataFrame({"offset": np.arange(1, length, dtype=np.int64)})
    for row, segmentation in enumerate(segmentations):
        frame[segmentation.tokenizer] = matrix[row]
    frame["count"] = matrix.sum(axis=0)
    frame["share"] = frame["count"] / len(segmentations)
    return frame


def pairwise_agreement(segmentations: Sequence[Segmentation]) -> pd.DataFrame:
    """Jaccard similarity of boundary sets, tokenizer × tokenizer (1 = identical cuts)."""
    names = [s.tokenizer for s in segmentations]
    sets = [s.boundaries() for s in segmentations]
    values = np.ones((len(sets), len(sets)))
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            union = sets[i] | sets[j]
            values[i, j] = values[j, i] = len(sets[i] & sets[j]) / len(union) if union else 1.0
    return pd.DataFrame(values, index=names, columns=names)


def agreement_html(text: str, agreement: pd.DataFrame, total: int, max_chars: int = 6000,
                   show_whitespace: bool = True) -> str:
    """The text with a bar between characters wherever some tokenizer cuts.

    Green: every tokenizer cuts here; orange: only some do (where they disagree).
    """
    counts = np.zeros(len(text) + 1, dtype=np.int64)
    if len(agreement):
        counts[agreement["offset"].to_numpy()] = agreement["count"].to_numpy()
    out = [_CSS, '<div class="tv-wrap">']
    for index, char in enumerate(text[:max_chars]):
        if index and counts[index]:
            share = counts[index] / total
            colour = "#16a34a" if counts[index] == total else f"rgba(234,88,12,{0.25 + 0.75 * share:.2f})"
            out.append(f'<span class="tv-b" style="background:{colour}" '
                       f'title="{counts[index]} of {total} tokenizers cut here"></span>')
        shown = visible_whitespace(char) if show_whitespace else char
        out.append(html.escape(shown))
        if char == "\n":
            out.append('<span class="tv-nl"></span>')
    if len(text) > max_chars:
        out.append(f"<em> … ({len(text) - max_chars:,} more characters)</em>")
    out.append("</div>")
    return "".join(out)


def merge_tree_dot(steps, final: bytes | None = None) -> str:
    """A Graphviz DOT digraph of a token's merge tree (leaves: base units; edges: merges)."""
    def label(data: bytes) -> str:
        try:
            text = visible_whitespace(data.decode("utf-8"))
        except UnicodeDecodeError:
            text = byte_chips(data)
        return text.replace("\\", "\\\\").replace('"', '\\"')

    lines = ["digraph merges {", "rankdir=BT;", 'node [shape=box, style="rounded,filled", fontname="monospace"];']
    nodes: dict[bytes, str] = {}

    def node(data: bytes, colour: str) -> str:
        if data not in nodes:
            nodes[data] = f"n{len(nodes)}"
            lines.append(f'{nodes[data]} [label="{label(data)}", fillcolor="{colour}"];')
        return nodes[data]

    for step in steps:
        left = node(step.left, "#e5e7eb")
        right = node(step.right, "#e5e7eb")
        result = node(step.result, "#bfdbfe")
        lines.append(f'{left} -> {result} [label="#{step.rank}"];')
        if right != left:
            lines.append(f"{right} -> {result};")
        else:
            lines.append(f"{right} -> {result} [style=dashed];")
    if not steps and final is not None:
        node(final, "#bfdbfe")
    lines.append("}")
    return "\n".join(lines)


def comparison_table(segmentations: Sequence[Segmentation], display_names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per tokenizer: tokens, characters, bytes, characters/token, bytes/token."""
    rows = []
    for segmentation in segmentations:
        stats = segmentation.stats()
        rows.append({"tokenizer": (display_names or {}).get(segmentation.tokenizer, segmentation.tokenizer), **stats})
    return pd.DataFrame(rows, columns=["tokenizer", "tokens", "characters", "bytes", "chars_per_token",
                                       "bytes_per_token"])
