"""Escaping user-controlled strings (file names, URL values, vocabulary strings) for their sink.

Streamlit renders Markdown in ``st.markdown``, ``st.caption``, ``st.error`` and widget labels, and
HTML too where ``unsafe_allow_html=True``. A file named ``[log in again](https://evil)`` or
``<img src=x onerror=...>`` must show as those characters, never as a link or an image.

* :func:`escape_markdown` for Markdown sinks: every ASCII punctuation character that Markdown
  (and Streamlit's extensions: ``:red[...]``, ``:emoji:``, ``$math$``) could read as syntax is
  backslash-escaped; line breaks become spaces.
* :func:`escape_html` for HTML sinks (``unsafe_allow_html=True``, Plotly hover templates): HTML
  special characters, and the Markdown ones, become character references, which both HTML and
  Markdown show as the plain character.

>>> escape_markdown("[log in](https://x.example) *now*")
'\\\\[log in\\\\]\\\\(https\\\\:\\\\/\\\\/x\\\\.example\\\\) \\\\*now\\\\*'
>>> escape_html('<img src=x onerror="alert(1)">')
'&lt;img src&#61;x onerror&#61;&quot;alert&#40;1&#41;&quot;&gt;'
"""
from __future__ import annotations

import string

__all__ = ["escape_markdown", "escape_html"]

_MARKDOWN = {ord(char): "\\" + char for char in string.punctuation}
_MARKDOWN.update({ord("\n"): " ", ord("\r"): " "})
_HTML = {ord(char): f"&#{ord(char)};" for char in "<>&\"'[]()*_`$:!#~|\\{}+-.=^/"}
_HTML.update({ord("<"): "&lt;", ord(">"): "&gt;", ord("&"): "&amp;", ord('"'): "&quot;"})


def escape_markdown(text: object) -> str:
    """``text`` as Markdown that shows exactly its characters (no links, images, HTML, emphasis)."""
    return str(text).translate(_MARKDOWN)


def escape_html(text: object) -> str:
    """``text`` as HTML (inside Markdown, too) that shows exactly its characters."""
    return str(text).translate(_HTML)
