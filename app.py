"""tokviz: the entry point. Page config, navigation over pages/, and the intro; no logic here."""
import streamlit as st

st.set_page_config(page_title="tokviz — tokenizer explorer", page_icon="🧩", layout="wide")


def intro() -> None:
    st.title("tokviz")
    st.markdown(
        """
**Explore how real tokenizers cut text**: the ones behind GPT-4 and GPT-4o, Llama 2 and 3, Mistral,
Qwen, DeepSeek, and more, all running their real vocabularies on this machine.

| page | what it shows |
|---|---|
| **Segmentations** | the same text cut by several tokenizers at once: coloured tokens, ids, bytes, split characters, where they disagree, and how BPE built any token |
| **Language premiums** | what the same text costs in 500+ languages (the Universal Declaration of Human Rights), per tokenizer, on a map |
| **Mixture inference** | what a BPE tokenizer's merge order reveals about the languages and code it was trained on (Hayase et al. 2024) |
| **Embedding map** | token-embedding matrices as explorable maps (UMAP / PCA), coloured by script, merge rank, length, norm |

Pick a page in the sidebar. Every view keeps its state in the URL, so you can share what you see.
"""
    )
    from tokviz.catalog import available_tokenizers

    infos = available_tokenizers()
    ready = [i for i in infos if i.available]
    st.caption(f"{len(ready)} tokenizers ready now, {len(infos) - len(ready)} more one fetch away "
               "(`python -m tokviz fetch --all`, or the Fetch buttons in each page's sidebar).")
    st.dataframe(
        [{"tokenizer": i.display_name, "family": i.family, "algorithm": i.algorithm, "vocab": i.vocab_size,
          "normalizer": i.normalizer, "ready": "yes" if i.available else "fetch to use", "licence": i.license}
         for i in infos],
        hide_index=True, width="stretch")


pages = [
    st.Page(intro, title="Home", icon="🏠", default=True),
    st.Page("pages/1_Segmentations.py", title="Segmentations", icon="✂️", url_path="segmentations"),
    st.Page("pages/2_Language_premiums.py", title="Language premiums", icon="🌍", url_path="language-premiums"),
    st.Page("pages/3_Mixture_inference.py", title="Mixture inference", icon="🧪", url_path="mixture-inference"),
    st.Page("pages/4_Embedding_map.py", title="Embedding map", icon="🗺️", url_path="embedding-map"),
    st.Page("pages/5_Tokenizer_lab.py", title="Tokenizer lab", icon="🧱", url_path="tokenizer-lab"),
]
st.navigation(pages).run()
