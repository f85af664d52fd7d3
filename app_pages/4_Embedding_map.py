"""Embedding map: a whole vocabulary's token embeddings as an explorable 2-D map (UMAP / PCA)."""
from __future__ import annotations

import streamlit as st

from tokviz import embeddings
from tokviz.charts.embeddings import CATEGORICAL_PROPERTIES, NUMERIC_PROPERTIES, PROPERTY_LABELS
from tokviz.ui import embeddings as ui
from tokviz.ui.state import bind, url_set

METHOD_LABELS = {"umap": "UMAP (keeps neighbourhoods)", "pca": "PCA (immediate)"}
SAMPLES = [0, 5000, 20000, 50000]  # 0 = the whole vocabulary
COLOR_CHOICES = [*CATEGORICAL_PROPERTIES, *NUMERIC_PROPERTIES]
NEIGHBOURS = 10
HOW_IT_WORKS = """
A language model turns each token into a list of numbers, its **embedding** (256 numbers per token for
Llama 2 here). Tokens the model uses in similar ways get similar lists. The map squeezes those lists onto
a flat page: **UMAP** keeps each token near the tokens it was near before (neighbourhoods survive, distances
between far-apart regions mean little); **PCA** shows the two directions in which the embeddings differ most
(its axes are the first two *principal components*).

A token's **nearest neighbours** are the tokens whose embeddings point in the most similar direction
(highest cosine similarity over all the numbers, not over the flat map).

**Under-trained tokens** are vocabulary entries the model saw too rarely to learn; prompts containing
them can make models misbehave. The score follows Land & Bartolo (2024, "Magikarp"): similarity to the
embeddings of tokens that are known never to occur (reserved or unreachable tokens), after removing the
first principal component that all rows share.
"""

st.title("Embedding map")
st.markdown("Every token a language model knows is one dot here, placed so that tokens the model treats alike "
            "sit close together.")
st.markdown("**Try this:** type a word such as *king* under *Find a token* to see where it sits and which tokens "
            "are its nearest neighbours; hover a dot to read its token, drag to zoom in, double-click to zoom out.")
with st.expander("How it works"):
    st.markdown(HOW_IT_WORKS)

choices, labels, infos = ui.source_choices()
with st.sidebar:
    matrix = st.selectbox("Embedding matrix", choices, format_func=labels.get,
                          **bind("emb_matrix", embeddings.DEFAULT_EMBEDDING, url="m", options=choices))
    color_by = st.selectbox("Colour dots by", COLOR_CHOICES, format_func=lambda c: PROPERTY_LABELS.get(c, c),
                            **bind("emb_color", "script", url="color", options=COLOR_CHOICES))
    with st.expander("Advanced"):
        method = st.radio("Layout", list(METHOD_LABELS), format_func=METHOD_LABELS.get,
                          **bind("emb_method", "umap", url="method", options=list(METHOD_LABELS)))
        if method == "umap":
            n_neighbors = st.slider("n_neighbors", 5, 100, **bind("emb_nn", 15, url="nn", bounds=(5, 100), parse=int),
                                    help="How many neighbours UMAP keeps together: small values show fine clusters, "
                                         "large ones the overall layout (in general 5 to 50).")
            min_dist = st.slider("min_dist", 0.0, 1.0, step=0.05, help="How tightly dots may pack.",
                                 **bind("emb_md", 0.1, url="md", bounds=(0.0, 1.0), parse=float))
        else:
            n_neighbors, min_dist = 15, 0.1  # unused by PCA; out of the URL
            url_set("nn", None)
            url_set("md", None)
        metric = st.selectbox("Metric", list(embeddings.METRICS),
                              **bind("emb_metric", "cosine", url="metric", options=list(embeddings.METRICS)),
                              help="cosine: directions only (rows are L2-normalised first); euclidean: raw rows.")
        sample = st.selectbox("Tokens", SAMPLES, format_func=lambda n: f"a random {n:,}" if n else "whole vocabulary",
                              **bind("emb_sample", 0, url="sample", options=SAMPLES, parse=int))

choice = ui.choose_matrix(matrix, infos)
params = ui.MapParams(choice.source, choice.tokenizer, method, int(n_neighbors), round(float(min_dist), 3), metric,
                   int(sample) or None)
source, frame = ui.load_map(params)
tokenizer = source.tokenizer
settings = f"n_neighbors={params.n_neighbors}, min_dist={params.min_dist}, {metric}" if method == "umap" else metric
st.markdown(f"**{ui.plain(choice.matrix_name or source.display_name)}** · tokenizer "
            f"**{ui.plain(choice.tokenizer_name or tokenizer.display_name)}** · {len(frame):,} tokens on the map "
            f"({source.rows:,} × {source.dimensions} {source.stored_dtype}, {method.upper()}: {settings})")

left, right = st.columns(2)
query = left.text_input("Find a token", placeholder="e.g. king, the, #278", max_chars=200,
                        **bind("emb_q", "", url="q", parse=lambda raw: raw[:200]),
                        help="A word or token (its word-start form, with a leading space, comes first) or #id. "
                             "Its nearest neighbours are marked and listed.")
text = right.text_input("Mark a text on the map", placeholder="Type a sentence", max_chars=300,
                        **bind("emb_text", "", url="text", parse=lambda raw: raw[:300]),
                        help="Its tokens (through the same tokenizer) are ringed in red.")
found = ui.search(params, tokenizer, query, NEIGHBOURS)
if found.warning:
    st.warning(ui.plain(found.warning))
text_ids, flagged = ui.text_tokens_cached(*params[:2], text) if text.strip() else ([], [])
focus = found.ids[0] if found.ids else None
if params.sample and focus is not None and focus not in set(frame["token_id"].tolist()):
    st.info("That token is not in the sampled subset; choose 'whole vocabulary' under Advanced to see it.")


def _select_from_map() -> None:
    """Clicking a dot makes it the searched token."""
    points = (st.session_state.get("emb_chart", {}).get("selection") or {}).get("points", [])
    ids = [point.get("customdata") for point in points if point.get("customdata") is not None]
    if ids:
        st.session_state["emb_q"] = f"#{int(ids[0][0] if isinstance(ids[0], list) else ids[0])}"


neighbour_ids = tuple(int(i) for i in found.neighbours.token_id) if found.neighbours is not None else ()
figure = ui.map_figure_cached(*params, color_by, tuple(found.ids[:1]), neighbour_ids, tuple(dict.fromkeys(text_ids)),
                           focus)
st.plotly_chart(figure, key="emb_chart", on_select=_select_from_map, selection_mode="points",
                config={"scrollZoom": True, "displaylogo": False})
if flagged:
    names = ", ".join(f"{ui.shown_token(hit['token'])} (#{hit['token_id']})" for hit in flagged[:10])
    st.warning(ui.plain(f"The text contains {len(flagged)} likely under-trained token(s): {names}. Models often "
                     "behave oddly on such tokens."))

columns = st.columns(2)
with columns[0]:
    if found.neighbours is not None:
        st.subheader(f"Nearest to {ui.plain(ui.shown_token(tokenizer.token_text(found.ids[0])))} (#{found.ids[0]})")
        st.caption("Nearest neighbours are the tokens the model represents most alike: their embeddings point in "
                   "the most similar direction (cosine similarity, 1.0 = same direction). ␣ marks a leading space, "
                   "i.e. a token that starts a word.")
        if len(found.ids) > 1:
            st.caption(ui.plain("Other forms of this text: " + ui.other_forms(tokenizer, found.ids[1:])))
        st.dataframe(found.neighbours[["token_id", "token", "similarity"]], hide_index=True, width="stretch",
                     column_config={"similarity": st.column_config.NumberColumn("similarity", format="%.3f")})
    elif text_ids:
        st.subheader("Your text's tokens")
        st.dataframe(frame.set_index("token_id").reindex(text_ids)[["token", "script", "norm", "undertrained_score"]]
                     .reset_index(), hide_index=True, width="stretch")
with columns[1]:
    st.subheader("Likely under-trained tokens")
    st.caption("Tokens the model probably never learned. Higher score = more like a token training never reached "
               "(how: see \"How it works\").")
    include_bytes = st.checkbox("include byte / partial-UTF-8 tokens", value=False, key="emb_ut_bytes")
    table = ui.undertrained_cached(*params[:2], 400)
    st.dataframe((table if include_bytes else table[table.script != "bytes"]).head(100), hide_index=True,
                 width="stretch", height=320,
                 column_config={"undertrained_score": st.column_config.NumberColumn("score", format="%.3f"),
                                "undertrained": st.column_config.CheckboxColumn("flagged")})
    with st.expander("Advanced: the indicator"):
        st.caption(ui.plain(f"Indicator: {frame.attrs.get('undertrained_basis', '')}. Reserved/unused tokens (the "
                         "reference) and special tokens are left out."))

st.subheader("Download the map")
name = f"{source.name if matrix != ui.UPLOAD else 'uploaded-matrix'}-{method}"
downloads = st.columns(2)
downloads[0].download_button("Coordinates + properties (CSV)", ui.frame_download(frame, "csv"),
                             file_name=f"{name}.csv", mime="text/csv", on_click="ignore")
downloads[1].download_button("Coordinates + properties (parquet)", ui.frame_download(frame, "parquet"),
                             file_name=f"{name}.parquet", mime="application/octet-stream", on_click="ignore")
