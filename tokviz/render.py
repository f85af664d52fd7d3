"""What several segmentations of one text share: boundary agreement, cut marks, merge trees as DOT, counts.

Plain data first, markup second (as HF tokenizers' visualizer does). The token rows themselves are
drawn by :mod:`tokviz.token_view` (re-exported here: ``segmentation_html``, ``token_colour``,
``visible_whitespace``).

>>> token_colour(15339) == token_colour(15339)
True
>>> visible_whitespace(" a\\tb\\n")
'·a→b↵'
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from .segment import Segmentation
from .token_view import MAX_RENDERED_TOKENS, segmentation_html, token_colour, visible_whitespace

__all__ = [
    "token_colour",
    "visible_whitespace",
    "segmentation_html",
    "boundary_agreement",
    "agreement_html",
    "pairwise_agreement",
    "merge_tree_dot",
    "merge_tree_nodes",
    "MergeNode",
    "comparison_table",
    "MAX_RENDERED_TOKENS",
    "markdown_escape",
]

_CSS = """
<style>
.tv-agree{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:0.92rem;line-height:2.1;
 white-space:pre-wrap;word-break:break-word}
.tv-agree .tv-nl{display:block;height:0}
.tv-agree .tv-b{display:inline-block;width:2px;height:1.2em;vertical-align:middle;margin:0 1px}
</style>
"""


def _cut_matrix(segmentations: Sequence[Segmentation]) -> np.ndarray:
    """tokenizers × inner offsets (1 .. len-1): True where a token starts or ends before that character."""
    length = len(segmentations[0].text)
    matrix = np.zeros((len(segmentations), max(length - 1, 0)), dtype=bool)
    for row, segmentation in enumerate(segmentations):
        offsets = np.concatenate([segmentation.starts, segmentation.ends])
        offsets = offsets[(offsets > 0) & (offsets < length)]
        matrix[row, offsets - 1] = True
    return matrix


def boundary_agreement(segmentations: Sequence[Segmentation]) -> pd.DataFrame:
    """Per inner character offset: how many tokenizers put a token boundary there.

    Columns: ``offset`` (a boundary sits before the character at this offset), ``count``,
    ``share`` (count / tokenizers) and one boolean column per tokenizer.
    """
    if not segmentations:
        return pd.DataFrame(columns=["offset", "count", "share"])
    matrix = _cut_matrix(segmentations)
    frame = pd.DataFrame({"offset": np.arange(1, matrix.shape[1] + 1, dtype=np.int64)})
    for row, segmentation in enumerate(segmentations):
        frame[segmentation.tokenizer] = matrix[row]
    frame["count"] = matrix.sum(axis=0)
    frame["share"] = frame["count"] / len(segmentations)
    return frame


def pairwise_agreement(segmentations: Sequence[Segmentation]) -> pd.DataFrame:
    """Jaccard similarity of boundary sets, tokenizer × tokenizer (1 = identical cuts).

    >>> import tokviz
    >>> segs = [tokviz.load_tokenizer(n).segment("unbelievably") for n in ("cl100k_base", "llama3")]
    >>> pairwise_agreement(segs).round(2).to_numpy().tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    names = [s.tokenizer for s in segmentations]
    if not segmentations:
        return pd.DataFrame()
    matrix = _cut_matrix(segmentations).astype(np.float64)
    shared = matrix @ matrix.T
    sizes = np.diag(shared)
    union = sizes[:, None] + sizes[None, :] - shared
    values = np.divide(shared, union, out=np.ones_like(shared), where=union > 0)
    return pd.DataFrame(values, index=names, columns=names)


def agreement_html(text: str, agreement: pd.DataFrame, total: int, max_chars: int = 6000,
                   show_whitespace: bool = True) -> str:
    """The text with a bar between characters wherever some tokenizer cuts.

    Green: every tokenizer cuts here; orange: only some do (where they disagree).
    """
    counts = np.zeros(len(text) + 1, dtype=np.int64)
    if len(agreement):
        counts[agreement["offset"].to_numpy()] = agreement["count"].to_numpy()
    out = [_CSS, '<div class="tv-agree">']
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


class MergeNode(NamedTuple):
    """One node of a drawn merge tree: one occurrence of a piece, its two parts in text order."""

    node_id: str
    data: bytes
    children: tuple[str, ...]  # () for a base unit; (left, right) node ids for a merge
    rank: int | None  # the merge's rank (None for a base unit)


def merge_tree_nodes(steps, final: bytes) -> list[MergeNode]:
    """The merge tree of ``final`` as nodes, root first, one node per occurrence of a piece.

    Children are in text order, so the leaves, read in list order, spell the token:

    >>> from tokviz import MergeStep
    >>> steps = [MergeStep(b"ll", b"l", b"l", 5), MergeStep(b"lll", b"ll", b"l", 9)]
    >>> [(n.data, n.children) for n in merge_tree_nodes(steps, b"lll")]
    [(b'lll', ('n1', 'n4')), (b'll', ('n2', 'n3')), (b'l', ()), (b'l', ()), (b'l', ())]
    """
    recipe = {step.result: step for step in steps}
    nodes: list[MergeNode] = []

    def expand(data: bytes, depth: int) -> str:
        node_id = f"n{len(nodes)}"
        position = len(nodes)
        step = recipe.get(data) if depth < 64 else None
        nodes.append(MergeNode(node_id, data, (), None))
        if step is not None:
            children = (expand(step.left, depth + 1), expand(step.right, depth + 1))
            nodes[position] = MergeNode(node_id, data, children, step.rank)
        return node_id

    expand(final, 0)
    return nodes


def _dot_label(data: bytes) -> str:
    try:
        text = visible_whitespace(data.decode("utf-8"))
    except UnicodeDecodeError:
        text = repr(data)  # a partial character reads as b'\x8b', not as the text "8B"
    return text.replace("\\", "\\\\").replace('"', '\\"')


def merge_tree_dot(steps, final: bytes | None = None) -> str:
    """A Graphviz DOT digraph of a token's merge tree: the token on top, its base units on the bottom row.

    One node per occurrence of a piece; each merge's two parts sit left and right in text order,
    and the bottom row (the base units) reads the token left to right.
    """
    if final is None:
        final = steps[-1].result if steps else b""
    nodes = merge_tree_nodes(steps, final)
    lines = ["digraph merges {", "rankdir=TB; ordering=out; nodesep=0.15; ranksep=0.35;",
             'node [shape=box, style="rounded,filled", fontname="monospace"];', "edge [dir=back];"]
    for node in nodes:
        if node.children:
            lines.append(f'{node.node_id} [label="{_dot_label(node.data)}\\nmerge #{node.rank:,}", '
                         'fillcolor="#bfdbfe"];')
        else:
            lines.append(f'{node.node_id} [label="{_dot_label(node.data)}", fillcolor="#e5e7eb"];')
    for node in nodes:
        for child in node.children:
            lines.append(f"{node.node_id} -> {child};")
    leaves = [node.node_id for node in nodes if not node.children]
    if len(leaves) > 1:
        lines.append("{rank=same; " + " -> ".join(leaves) + " [style=invis];}")
    lines.append("}")
    return "\n".join(lines)


def comparison_table(segmentations: Sequence[Segmentation],
                     display_names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per tokenizer: tokens, characters, bytes, characters/token, bytes/token."""
    rows = []
    for segmentation in segmentations:
        stats = segmentation.stats()
        rows.append({"tokenizer": (display_names or {}).get(segmentation.tokenizer, segmentation.tokenizer), **stats})
    return pd.DataFrame(rows, columns=["tokenizer", "tokens", "characters", "bytes", "chars_per_token",
                                       "bytes_per_token"])


_MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$:="})


def markdown_escape(text: str) -> str:
    """``text`` with every Markdown (and Streamlit directive) character escaped, to show it as itself.

    >>> markdown_escape("[log in](https://x.example) <b>")
    '\\\\[log in\\\\]\\\\(https\\\\://x\\\\.example\\\\) \\\\<b\\\\>'
    """
    return str(text).translate(_MARKDOWN_SPECIALS)
