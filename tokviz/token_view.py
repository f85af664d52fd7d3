"""The token rows of the Segmentations page as HTML: one row of coloured token boxes per tokenizer.

Plain data first, markup second: :func:`token_groups` finds which tokens share characters (a
character split across tokens), :func:`token_rows_html` draws them. Every box carries its
tokenizer row, token index, id, bytes and character span as ``data-*`` attributes, so a small
script (see ``tokviz/ui/segmentation.py``) can show a tooltip, highlight the same characters in
every row, and report a click. All text reaching the HTML is escaped.

Layout rules: a token is one ``inline-flex`` box and never breaks across lines; ids and bytes sit
under the token's text in small type; a character split across tokens is drawn once, as itself,
above the byte pieces of the tokens that share it (👋 above ``F0 9F 91 | 8B``).

>>> token_label(b"hi")
'hi'
>>> token_label(b"\\x8b")
"b'\\\\x8b'"
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .segment import Segmentation, byte_chips, is_partial_utf8

__all__ = ["ViewOptions", "TokenRow", "token_label", "token_groups", "token_rows_html", "visible_whitespace",
           "parse_pick", "token_repr", "token_colour", "TOKEN_VIEW_CSS", "MAX_RENDERED_TOKENS"]

MAX_RENDERED_TOKENS = 2000
_GOLDEN = 0.6180339887498949


def token_colour(token_id: int) -> str:
    """A stable pastel colour for a token id (the same id is the same colour everywhere).

    >>> token_colour(15339) == token_colour(15339)
    True
    """
    hue = (token_id * _GOLDEN) % 1.0 * 360
    return f"hsl({hue:.0f}, 75%, 84%)"


_WHITESPACE = str.maketrans({" ": "·", "\n": "↵", "\t": "→", "\r": "␍", "\u00a0": "⍽", "\u3000": "□"})


def visible_whitespace(text: str) -> str:
    """Spaces as ·, tabs as →, newlines as ↵, CR as ␍ (so a token's whitespace can be seen).

    >>> visible_whitespace(" a\\tb\\n")
    '·a→b↵'
    """
    return text.translate(_WHITESPACE)


def token_label(data: bytes) -> str:
    """A token's text for labels and tooltips: its characters, or ``b'\\x8b'`` when it holds part of one."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return repr(data)


def token_repr(data: bytes) -> str:
    """A token as Python would write it: ``'hello'`` for whole characters, ``b'\\x8b'`` for part of one.

    >>> token_repr(b" hi"), token_repr(b"\\x8b")
    ("' hi'", "b'\\\\x8b'")
    """
    try:
        return repr(data.decode("utf-8"))
    except UnicodeDecodeError:
        return repr(data)


class ViewOptions(NamedTuple):
    """What the token rows show besides the tokens' text."""

    show_ids: bool = False
    show_whitespace: bool = True
    show_bytes: bool = False
    max_tokens: int = MAX_RENDERED_TOKENS


class TokenRow(NamedTuple):
    """One tokenizer's row: its display name, its segmentation and an optional plain-text note."""

    name: str
    segmentation: Segmentation
    note: str = ""


def token_groups(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Start index of each group of consecutive tokens that share characters (one group per token
    unless a character is split across tokens).

    >>> token_groups(np.array([0, 1, 1, 2]), np.array([1, 2, 2, 3])).tolist()  # tokens 1 and 2 share a character
    [0, 1, 3]
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    reach = np.maximum.accumulate(ends)
    new_group = np.ones(starts.size, dtype=bool)
    # a token starts a new group unless it begins before the furthest end so far (a shared character);
    # zero-width tokens (BOS/EOS) always stand alone
    new_group[1:] = (starts[1:] >= reach[:-1]) | (ends[1:] == starts[1:]) | (ends[:-1] == starts[:-1])
    return np.flatnonzero(new_group)


_CSS_RULES = """
.tv-rows{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#111}
.tv-row{margin:0 0 14px 0}
.tv-head{font-family:var(--st-font,sans-serif);margin:0 0 4px 0;display:flex;align-items:baseline;gap:10px;
 flex-wrap:wrap}
.tv-name{font-weight:600}
.tv-count{font-size:1.55rem;font-weight:700;color:#1d4ed8;font-family:var(--st-font,sans-serif)}
.tv-sub{color:#6b7280;font-size:0.85rem}
.tv-note{color:#b45309;font-size:0.85rem}
.tv-wrap{font-size:0.95rem;line-height:1.2;display:flex;flex-wrap:wrap;align-items:flex-start;row-gap:6px}
.tv-tok{display:inline-flex;flex-direction:column;align-items:center;border-radius:4px;padding:2px 3px;
 margin:0 2px 0 0;border:1px solid rgba(0,0,0,.14);white-space:pre;cursor:pointer;max-width:100%;
 overflow-wrap:anywhere}
.tv-tok.tv-partial{border-style:dashed;border-color:#b45309}
.tv-tok.tv-special{outline:2px solid #6d28d9}
.tv-tok.tv-hl{outline:3px solid #dc2626;outline-offset:0;box-shadow:0 0 0 1px #fff inset}
.tv-tok.tv-picked{outline:3px solid #111}
.tv-id{font-size:0.66rem;color:#374151;line-height:1.1}
.tv-hex{font-size:0.6rem;color:#6b7280;line-height:1.1}
.tv-group{display:inline-flex;flex-direction:column;align-items:center;margin:0 2px 0 0;max-width:100%}
.tv-char{font-size:1.1rem;line-height:1.3;padding:0 2px;border-bottom:2px solid #fdba74;margin-bottom:2px}
.tv-pieces{display:inline-flex;flex-wrap:nowrap}
.tv-pieces .tv-tok .tv-t{font-size:0.7rem;color:#9a3412}
.tv-br{flex-basis:100%;height:0}
.tv-inv{font-size:0.55rem;color:#6b21a8;border:1px dotted #a855f7;border-radius:2px;padding:0 1px;margin:0 1px}
.tv-more{font-style:italic;color:#6b7280;font-family:var(--st-font,sans-serif);margin-top:4px}
.tv-tip{position:fixed;z-index:1000;background:#111827;color:#f9fafb;padding:3px 8px;border-radius:6px;
 font-size:0.8rem;pointer-events:none;white-space:nowrap;max-width:70vw;overflow:hidden;text-overflow:ellipsis;
 display:none}
"""
TOKEN_VIEW_CSS = _CSS_RULES  # for st.components.v2 (no <style> wrapper)


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


#: characters that draw nothing on their own, named in small type inside a token box
INVISIBLE_NAMES = {"\u200d": "ZWJ", "\u200c": "ZWNJ", "\u200b": "ZWSP", "\u2060": "WJ", "\ufeff": "BOM",
                   "\ufe0f": "VS16", "\ufe0e": "VS15", "\u00ad": "SHY", "\u200e": "LRM", "\u200f": "RLM"}
_INVISIBLE_MARKUP = {ord(char): f'<span class="tv-inv">{name}</span>' for char, name in INVISIBLE_NAMES.items()}


def _shown(text: str, show_whitespace: bool, name_invisible: bool = True) -> str:
    """Escaped text for a token box: visible whitespace, or newlines dropped (a line break follows);
    invisible characters (ZWJ, variation selectors) named in small type.

    >>> _shown("a\u200d b", True)
    'a<span class="tv-inv">ZWJ</span>·b'
    """
    text = visible_whitespace(text) if show_whitespace else text.replace("\n", "").replace("\r", "")
    text = html.escape(text)
    return text.translate(_INVISIBLE_MARKUP) if name_invisible else text


def _pieces_markup(data: bytes, show_whitespace: bool) -> str:
    """A token inside a split character's group: whole characters as text, stray bytes as hex."""
    out = []
    position = 0
    while position < len(data):
        try:
            out.append(_shown(data[position:].decode("utf-8"), show_whitespace))
            break
        except UnicodeDecodeError as error:
            good = data[position:position + error.start].decode("utf-8")
            if good:
                out.append(_shown(good, show_whitespace) + " ")
            bad_end = position + error.end
            out.append(byte_chips(data[position + error.start:bad_end]))
            position = bad_end
            if position < len(data):
                out.append(" ")
    return "".join(out)


class _Row(NamedTuple):
    """One row's columns as plain lists (indexing numpy scalars per token is slow)."""

    number: int
    text: str
    ids: list[int]
    token_bytes: list[bytes]
    starts: list[int]
    ends: list[int]
    special: list[bool]
    options: ViewOptions


def _token_box(row: _Row, index: int, in_group: bool) -> str:
    data = row.token_bytes[index]
    token_id = row.ids[index]
    start, end = row.starts[index], row.ends[index]
    try:
        shown = _shown(data.decode("utf-8"), row.options.show_whitespace)
        partial = False
    except UnicodeDecodeError:
        shown = _pieces_markup(data, row.options.show_whitespace)
        partial = True
    special = row.special[index]
    classes = "tv-tok" + (" tv-partial" if partial else "") + (" tv-special" if special else "")
    chips = data.hex(" ").upper()
    inner = f'<span class="tv-t">{shown}</span>'
    if row.options.show_ids:
        inner += f'<span class="tv-id">{token_id}</span>'
    if row.options.show_bytes and not in_group:
        inner += f'<span class="tv-hex">{chips}</span>'
    return (f'<span class="{classes}" style="background:{token_colour(token_id)}" data-r="{row.number}" '
            f'data-i="{index}" data-id="{token_id}" data-s="{start}" data-e="{end}" data-hex="{chips}" '
            f'data-text="{_attr(token_label(data))}">{inner}</span>')


def _group_markup(row: _Row, first: int, last: int) -> str:
    """Tokens ``first..last-1``: one box, or a shared character drawn once above its tokens' pieces."""
    if last - first == 1 and not is_partial_utf8(row.token_bytes[first]):
        markup = _token_box(row, first, in_group=False)
    else:
        start, end = row.starts[first], max(row.ends[first:last])
        characters = _shown(row.text[start:end], row.options.show_whitespace, name_invisible=False)
        boxes = "".join(_token_box(row, index, in_group=True) for index in range(first, last))
        markup = (f'<span class="tv-group"><span class="tv-char">{characters}</span>'
                  f'<span class="tv-pieces">{boxes}</span></span>')
    if any(b"\n" in data for data in row.token_bytes[first:last]):
        markup += '<span class="tv-br"></span>'
    return markup


def _row_markup(number: int, token_row: TokenRow, options: ViewOptions) -> str:
    seg = token_row.segmentation
    shown = min(len(seg), options.max_tokens)
    bounds = token_groups(seg.starts[:shown], seg.ends[:shown]).tolist() + [shown]
    row = _Row(number, seg.text, seg.ids[:shown], seg.token_bytes[:shown], seg.starts[:shown].tolist(),
               seg.ends[:shown].tolist(), seg.special[:shown].tolist(), options)
    body = "".join(_group_markup(row, first, last) for first, last in zip(bounds, bounds[1:], strict=False))
    stats = seg.stats()
    per_token = f"{stats['chars_per_token']:.2f} characters per token" if len(seg) else "no tokens"
    head = (f'<div class="tv-head"><span class="tv-name">{html.escape(token_row.name)}</span>'
            f'<span class="tv-count">{len(seg):,}</span><span class="tv-sub">tokens · {per_token}</span>'
            + (f'<span class="tv-note">{html.escape(token_row.note)}</span>' if token_row.note else "")
            + "</div>")
    more = ""
    if len(seg) > shown:
        more = (f'<div class="tv-more">… {len(seg) - shown:,} more tokens not drawn '
                "(all are counted, and in the downloads)</div>")
    return f'<div class="tv-row" data-r="{number}">{head}<div class="tv-wrap">{body}</div>{more}</div>'


def token_rows_html(rows: Sequence[TokenRow], options: ViewOptions | None = None) -> str:
    """Every tokenizer's row of token boxes, as one HTML fragment (no <style>: see TOKEN_VIEW_CSS).

    >>> import tokviz
    >>> seg = tokviz.load_tokenizer("cl100k_base").segment("hi <b>")
    >>> "<b>" in token_rows_html([TokenRow("cl100k", seg)]), "&lt;" in token_rows_html([TokenRow("cl100k", seg)])
    (False, True)
    """
    options = options or ViewOptions()
    body = "".join(_row_markup(number, row, options) for number, row in enumerate(rows))
    return f'<div class="tv-rows">{body}<div class="tv-tip"></div></div>'


def segmentation_html(segmentation: Segmentation, *, show_ids: bool = False, show_whitespace: bool = True,
                      show_bytes: bool = False, max_tokens: int = MAX_RENDERED_TOKENS) -> str:
    """One segmentation's row with its own <style>, for st.html or a notebook."""
    options = ViewOptions(show_ids, show_whitespace, show_bytes, max_tokens)
    rows = token_rows_html([TokenRow(segmentation.tokenizer, segmentation)], options)
    return f"<style>{TOKEN_VIEW_CSS}</style>{rows}"


def parse_pick(raw: str | None, counts: dict[str, int]) -> tuple[str, int] | None:
    """``"<tokenizer>:<index>"`` from a URL as (tokenizer, index), or None when it names no drawn token.

    >>> parse_pick("cl100k_base:3", {"cl100k_base": 10}), parse_pick("cl100k_base:99", {"cl100k_base": 10})
    (('cl100k_base', 3), ('cl100k_base', 9))
    >>> parse_pick("nope:1", {"cl100k_base": 10}), parse_pick("cl100k_base:x", {"cl100k_base": 10})
    (None, None)
    """
    if not raw or ":" not in raw:
        return None
    spec, _, number = raw.rpartition(":")
    if spec not in counts or counts[spec] <= 0:
        return None
    try:
        index = int(number)
    except ValueError:
        return None
    return spec, min(max(index, 0), counts[spec] - 1)
