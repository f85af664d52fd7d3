"""tokviz: the entry point. Page config, navigation over app_pages/, and the intro; no logic here.

The pages live in app_pages/, not pages/: Streamlit takes a pages/ folder for its older multipage
layout until st.navigation has run once, so the first link to a page after a server start showed
"Page not found" over the page.
"""

import streamlit as st

st.set_page_config(page_title="tokviz — tokenizer explorer", page_icon="🧩", layout="wide")


def intro() -> None:
    st.title("tokviz")
    st.markdown(
        """
**See how AI language models read text.** Models do not read letters or words: they read *tokens*, pieces of
text cut by a tokenizer. This app runs the real tokenizers behind GPT-4o, Llama, Mistral, Qwen, DeepSeek and
more, so you can see the pieces, count them, and compare. Start with **Segmentations** and type any sentence.

| page | what it shows |
|---|---|
| **Segmentations** | one text cut by several tokenizers: how many tokens each needs, where they cut |
| **Language premiums** | what the same text costs in 500+ languages, per tokenizer, on a map |
| **Mixture inference** | what a tokenizer reveals about the languages and code it was trained on |
| **Embedding map** | a map of every token a model knows, grouped by what the model learned about it |
| **Tokenizer lab** | train a small tokenizer yourself and watch it learn its pieces, step by step |

Pick a page in the sidebar. Every view keeps its state in the web address, so you can share what you see.
"""
    )
    from tokviz.catalog import available_tokenizers

    infos = available_tokenizers()
    ready = [i for i in infos if i.available]
    missing = len(infos) - len(ready)
    more = f", {missing} more one fetch away" if missing else ""
    with st.expander(f"The tokenizers: {len(ready)} ready now{more}"):
        st.caption("Fetch the others with `python -m tokviz fetch --all`, or with the Fetch buttons in each page's "
                   "sidebar. Papers behind the pages: Petrov et al. 2023 (language premiums), Hayase et al. 2024 "
                   "(mixture inference), Land & Bartolo 2024 (under-trained tokens).")
        st.dataframe(
            [{"tokenizer": i.display_name, "family": i.family, "algorithm": i.algorithm, "vocab": i.vocab_size,
              "normalizer": i.normalizer, "ready": "yes" if i.available else "fetch to use", "license": i.license}
             for i in infos],
            hide_index=True, width="stretch")


pages = [
    st.Page(intro, title="Home", icon="🏠", default=True),
    st.Page("app_pages/1_Segmentations.py", title="Segmentations", icon="✂️", url_path="segmentations"),
    st.Page("app_pages/2_Language_premiums.py", title="Language premiums", icon="🌍", url_path="language-premiums"),
    st.Page("app_pages/3_Mixture_inference.py", title="Mixture inference", icon="🧪", url_path="mixture-inference"),
    st.Page("app_pages/4_Embedding_map.py", title="Embedding map", icon="🗺️", url_path="embedding-map"),
    st.Page("app_pages/5_Tokenizer_lab.py", title="Tokenizer lab", icon="🧱", url_path="tokenizer-lab"),
]
st.navigation(pages).run()
