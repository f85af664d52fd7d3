"""One progress protocol for every long computation: ``progress(fraction, message)``.

Library functions that take a while accept ``progress: Progress | None``; they call it with the
fraction done in [0, 1] and a short sentence a person can read. Pages pass a Streamlit progress
bar's update, the CLI a terminal bar, tests a list's ``append``. Nothing else is reported through
it: results are returned, never printed.

A computation made of stages hands each stage its own slice of the bar with :func:`stage`:

>>> seen = []
>>> counting = stage(lambda f, m: seen.append((round(f, 2), m)), 0.0, 0.5, "Counting")
>>> counting(0.5, "english")
>>> seen
[(0.25, 'Counting: english')]
"""
from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "stage", "report"]

#: ``progress(fraction done in [0, 1], message)``; returns nothing.
Progress = Callable[[float, str], None]


def report(progress: Progress | None, fraction: float, message: str) -> None:
    """Call ``progress`` if there is one, with the fraction clamped into [0, 1]."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))), message)


def stage(progress: Progress | None, start: float, end: float, label: str = "") -> Progress | None:
    """The part of ``progress`` from ``start`` to ``end``: a stage's 0..1 maps onto that slice,
    and its messages are prefixed with ``label``."""
    if progress is None:
        return None

    def staged(fraction: float, message: str) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        text = f"{label}: {message}" if label and message else (label or message)
        progress(start + (end - start) * fraction, text)

    return staged
