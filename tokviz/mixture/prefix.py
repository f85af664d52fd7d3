"""Derived tokenizers: how much of one tokenizer's merge order another one inherited.

Llama 3's first 100,000 merges are exactly cl100k_base's; Qwen's first 98,900 are cl100k_base's
in the same order with the 1,100 merges of digits left out (Qwen splits numbers into single
digits, so those merges could never apply). Those inherited merges say nothing about the derived
tokenizer's own training data: mixture inference should constrain only the merges after them
(``infer_mixture(..., skip_merges=inherited_prefix(a, b))``, or ``base=b``).

- :func:`shared_prefix`: the length of the common leading merges (exact, position by position).
- :func:`inherited_prefix`: the length of the longest prefix of ``a``'s merges that are ``b``'s
  merges in ``b``'s order, possibly with some of ``b``'s merges left out.
- :func:`merge_order_report`: both numbers and what lies between them, for a page to show.
"""
from __future__ import annotations

import numpy as np

__all__ = ["shared_prefix", "inherited_prefix", "merge_order_report"]


def _merges(tokenizer) -> list[tuple[bytes, bytes]]:
    """The ordered merge list of a TokenizerView, a catalog name/spec, or a list of merges."""
    if isinstance(tokenizer, list):
        return tokenizer
    if not hasattr(tokenizer, "merges"):
        import tokviz

        tokenizer = tokviz.load_tokenizer(tokenizer)
    try:
        return list(tokenizer.merges())
    except ValueError as exc:
        raise ValueError(f"Comparing merge orders needs two BPE tokenizers: {exc}") from None


def _ranks_in(merges_a: list, merges_b: list) -> np.ndarray:
    """For each merge of ``a``, its position in ``b`` (-1 where ``b`` lacks it)."""
    rank_b = {merge: rank for rank, merge in enumerate(merges_b)}
    return np.fromiter((rank_b.get(merge, -1) for merge in merges_a), dtype=np.int64, count=len(merges_a))


def shared_prefix(a, b) -> int:
    """How many leading merges two tokenizers have in common, position by position.

    ``a`` and ``b`` are TokenizerViews, anything ``tokviz.load_tokenizer`` accepts, or lists of
    merges.

    >>> shared_prefix([(b"a", b"b"), (b"c", b"d"), (b"e", b"f")], [(b"a", b"b"), (b"c", b"d"), (b"x", b"y")])
    2
    >>> shared_prefix("llama3", "cl100k_base")  # doctest: +SKIP
    100000
    """
    merges_a, merges_b = _merges(a), _merges(b)
    n = min(len(merges_a), len(merges_b))
    for position in range(n):
        if merges_a[position] != merges_b[position]:
            return position
    return n


def _inherited_length(ranks: np.ndarray) -> int:
    """Length of the longest prefix of ``ranks`` that is >= 0 and strictly increasing."""
    if not len(ranks):
        return 0
    bad = ranks < 0
    bad[1:] |= ranks[1:] <= np.maximum.accumulate(ranks)[:-1]
    first_bad = np.flatnonzero(bad)
    return int(first_bad[0]) if len(first_bad) else len(ranks)


def inherited_prefix(a, b) -> int:
    """How many leading merges of ``a`` are ``b``'s merges in ``b``'s order (some of ``b``'s may be left out).

    This is at least :func:`shared_prefix`: a tokenizer that copied ``b``'s merge list, dropped
    the merges its pre-tokenizer can never use and then trained on, inherits the whole copied part.

    >>> base = [(b"a", b"b"), (b"1", b"2"), (b"c", b"d"), (b"e", b"f")]
    >>> derived = [(b"a", b"b"), (b"c", b"d"), (b"e", b"f"), (b"g", b"h")]
    >>> shared_prefix(derived, base), inherited_prefix(derived, base)
    (1, 3)
    """
    merges_a, merges_b = _merges(a), _merges(b)
    return _inherited_length(_ranks_in(merges_a, merges_b))


def merge_order_report(a, b, examples: int = 5) -> dict:
    """How ``a``'s merge order relates to ``b``'s: the numbers a page needs to explain a derived tokenizer.

    Keys: ``shared_prefix``, ``inherited_prefix``, ``merges_a``, ``merges_b``, ``common`` (merges in
    both), ``dropped`` (merges of ``b`` before the end of the inherited part that ``a`` left out),
    ``dropped_examples`` (a few of them, as text), ``order_kept`` (fraction of the common merges
    whose relative order ``a`` keeps: Spearman's rho of the two rank lists), ``additions``
    (``merges_a - inherited_prefix``: the merges ``a``'s own training data chose).

    >>> base = [(b"a", b"b"), (b"1", b"2"), (b"c", b"d"), (b"e", b"f")]
    >>> report = merge_order_report([(b"a", b"b"), (b"c", b"d"), (b"g", b"h")], base)
    >>> report["shared_prefix"], report["inherited_prefix"], report["dropped"], report["additions"]
    (1, 2, 1, 1)
    """
    merges_a, merges_b = _merges(a), _merges(b)
    ranks = _ranks_in(merges_a, merges_b)
    inherited = _inherited_length(ranks)
    covered = int(ranks[inherited - 1]) + 1 if inherited else 0  # b's merges up to the last inherited one
    taken = np.zeros(len(merges_b), dtype=bool)
    taken[ranks[:inherited]] = True
    dropped = np.flatnonzero(~taken[:covered])
    common = ranks >= 0
    order_kept = float("nan")
    if common.sum() > 1:
        positions = np.flatnonzero(common).astype(float)
        order_kept = float(np.corrcoef(np.argsort(np.argsort(positions)),
                                       np.argsort(np.argsort(ranks[common])))[0, 1])
    return {
        "shared_prefix": shared_prefix(merges_a, merges_b),
        "inherited_prefix": inherited,
        "merges_a": len(merges_a),
        "merges_b": len(merges_b),
        "common": int(common.sum()),
        "dropped": int(len(dropped)),
        "dropped_examples": [(merges_b[i][0] + merges_b[i][1]).decode("utf-8", errors="replace")
                             for i in dropped[:examples]],
        "order_kept": order_kept,
        "additions": len(merges_a) - inherited,
    }
