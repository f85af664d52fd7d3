"""Side-by-side segmentations: the same text cut by several tokenizers at once.

Widgets -> one cached segmentation per tokenizer (tokviz.ui.segmentation.segment_all) -> the views.
"""
from __future__ import annotations

import streamlit as st

from tokviz.ui.common import fetch_panel, tokenizer_picker
from tokviz.ui.segmentation import (
    DEFAULT_SEGMENTATION_TOKENIZERS,
    agreement_section,
    chat_section,
    choose_text,
    counts_section,
    downloads,
    explanations,
    segment_all,
    token_rows,
    token_up_close,
    view_options,
)

st.title("Segmentations")
st.markdown("**See how different AI models cut the same text into tokens**, the pieces they read and are billed "
            "by. Type or paste any text below, then hover over a token to find the same spot in every row, "
            "or click it to see how it was built.")
with st.expander("What am I looking at?"):
    st.markdown(
        "- Each row is one tokenizer (the part of a language model that turns text into numbers). The big number "
        "is how many tokens it needs for your text: fewer tokens means cheaper and faster for that model.\n"
        "- Each coloured box is one token; the same token has the same colour in every row.\n"
        "- When a model cuts **inside** a character (common for emoji and many scripts), the character is shown "
        "once, with the tokens' bytes underneath (👋 above `F0 9F 91 | 8B`).\n"
        "- *Show ids* adds each token's number in the vocabulary; *Show bytes* its UTF-8 bytes in hex.")

with st.sidebar:
    specs = tokenizer_picker("Tokenizers", key="seg_tokenizers", default=DEFAULT_SEGMENTATION_TOKENIZERS,
                             url_key="tk")
    fetch_panel(key="seg-fetch")

text = choose_text()
options, add_special = view_options()

if not specs:
    st.error("Pick at least one tokenizer in the sidebar.")
    st.stop()
if not text:
    st.info("Type or paste a text above, or pick an example.")
    st.stop()

with st.spinner("Cutting the text into tokens…"):
    result = segment_all(specs, text, add_special)
for spec, message in result.errors:
    st.error(f"{spec}: {message}")
for warning in result.warnings:
    st.warning(warning)
if not result.rows:
    st.stop()

token_rows(result, options, add_special)
token_up_close(result)

st.subheader("Counts")
counts_section(result)
agreement_section(result, add_special)
chat_section(result)
explanations(result)
downloads(result)
