"""Widget state that survives every rerun and lives in the URL: one helper for every page.

Streamlit forgets a widget's value on any rerun in which the widget is not drawn (a chart hidden
behind "pick a tokenizer first", a tab's contents skipped by ``st.stop()``), and it never puts a
value in the URL by itself. :func:`bind` fixes both for one widget:

- on the first run of a session the value comes from the URL (parsed, checked against the
  widget's options or clamped to its range) or else from the default;
- on every later run the value the user last chose is restored, even if the widget was not drawn
  in between (a shadow copy in ``st.session_state`` keeps it);
- the URL is kept in step (a default value is left out of the URL).

Use it by spreading its result into the widget call::

    top_n = st.slider("Top N", 5, 50, **bind("prem_top", 20, url="top", bounds=(5, 50), parse=int))

The pure parts (:func:`parse_url_value`, :func:`url_text`) need no Streamlit and are unit-tested.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

__all__ = ["bind", "parse_url_value", "url_text", "url_get", "url_set", "lazy_tabs", "lazy_expander"]

_SHADOW = "_tokviz_keep:"


def url_text(value: Any) -> str | None:
    """How a value is written into the URL (lists comma-joined; None / empty / [] leave it out).

    >>> url_text(["cl100k_base", "llama3"]), url_text(2.5), url_text(""), url_text([])
    ('cl100k_base,llama3', '2.5', None, None)
    """
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def parse_url_value(raw: str | None, default: Any, *, parse: Callable[[str], Any] | None = None,
                    options: Sequence[Any] | None = None,
                    bounds: tuple[float, float] | None = None) -> Any:
    """The widget value a URL string stands for; ``default`` when it is missing or unusable.

    A list default makes the value a comma-separated list (items outside ``options`` dropped);
    a number is clamped into ``bounds``; anything outside ``options`` falls back to ``default``.

    >>> parse_url_value("1000", 20, parse=int, bounds=(5, 50))
    50
    >>> parse_url_value("cl100k_base,nope", [], options=["cl100k_base", "llama3"])
    ['cl100k_base']
    >>> parse_url_value("abc", 2.5, parse=float)
    2.5
    """
    if raw is None or raw == "":
        return default
    parse = parse or (type(default) if isinstance(default, (bool, int, float, str)) else str)
    if parse is bool:
        parse = _parse_bool
    if isinstance(default, list):
        items = [part for part in str(raw).split(",") if part]
        values = []
        for item in items:
            try:
                values.append(parse(item) if parse is not str else item)
            except (TypeError, ValueError):
                continue
        return [v for v in values if options is None or v in options]
    try:
        value = parse(str(raw))
    except (TypeError, ValueError, OverflowError):
        return default
    if isinstance(value, float) and not math.isfinite(value):
        return default
    if bounds is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = type(value)(min(max(value, bounds[0]), bounds[1]))
    if options is not None and value not in options:
        return default
    return value


def _parse_bool(raw: str) -> bool:
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def url_get(key: str) -> str | None:
    """The raw URL value of ``key`` (None when absent or empty)."""
    value = st.query_params.get(key)
    return None if value is None or value == "" else value


def url_set(key: str, value: Any, default: Any = None) -> None:
    """Keep ``key`` in the URL; a value equal to ``default`` (or empty) removes it."""
    text = None if value == default else url_text(value)
    if text is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != text:
        st.query_params[key] = text


def bind(key: str, default: Any, *, url: str | None = None, parse: Callable[[str], Any] | None = None,
         options: Sequence[Any] | None = None, bounds: tuple[float, float] | None = None) -> dict[str, Any]:
    """Give the widget ``key`` a value that survives reruns and the URL; returns ``{"key": key}``.

    Call it right before the widget and pass its result as keyword arguments (do not pass
    ``value=`` / ``default=`` / ``index=`` to the widget as well). ``options`` and ``bounds`` also
    mend a remembered value that the widget could no longer show (an option that disappeared).
    """
    shadow = _SHADOW + key
    if key in st.session_state:
        value = st.session_state[key]
    elif shadow in st.session_state:
        value = st.session_state[shadow]
    elif url is not None:
        value = parse_url_value(url_get(url), default, parse=parse, options=options, bounds=bounds)
    else:
        value = default
    value = _mend(value, default, options, bounds)
    st.session_state[key] = value
    st.session_state[shadow] = value
    if url is not None:
        url_set(url, value, default)
    return {"key": key}


def _mend(value: Any, default: Any, options: Sequence[Any] | None, bounds: tuple[float, float] | None) -> Any:
    """A remembered value the widget can still show."""
    if isinstance(default, list):
        value = list(value) if isinstance(value, (list, tuple)) else list(default)
        return [v for v in value if options is None or v in options]
    if bounds is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = type(value)(min(max(value, bounds[0]), bounds[1]))
    if options is not None and value not in options:
        return default if default in options or not options else options[0]
    return value


def lazy_tabs(labels: Sequence[str], key: str, *, url: str | None = None) -> list:
    """Tabs whose hidden contents are not built: draw a tab's contents only ``if tab.open``.

    Streamlit otherwise runs and sends every tab's charts on every run, though one tab shows;
    with ``on_change="rerun"`` a click on a tab reruns the page with that tab open. The open tab
    survives reruns and, with ``url``, lives in the URL (the first tab is left out of it).
    """
    bind(key, labels[0], url=url, options=list(labels))
    return list(st.tabs(list(labels), key=key, on_change="rerun"))


def lazy_expander(label: str, key: str, expanded: bool = False):
    """An expander whose contents are built only when it is open: draw them ``if box.open``.

    A closed expander's charts and tables cost the server and the browser as much as open ones;
    opening this one reruns the page with it open.
    """
    return st.expander(label, on_change="rerun", **bind(key, expanded))
