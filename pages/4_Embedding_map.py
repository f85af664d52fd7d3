"""Embedding map: a whole vocabulary's token embeddings as an explorable 2-D map (UMAP / PCA)."""
from __future__ import annotations

import streamlit as st

from tokviz import embeddings
from tokviz.charts.embeddings import CATEGORICAL_PROPERTIES, NUMERIC_PROPERTIES, PROPERTY_LABELS, hover_label
from tokviz.ui.common import qp_get, qp_set, ready_tokenizer_names, save_upload, show_error
from tokviz.ui.embeddings import (UPLOAD, ensure_projection, fetch_embedding, find_cached, frame_download,
                                  load_source_cached, map_figure_cached, map_frame_cached, nearest_cached,
                                  source_choices, text_tokens_cached, undertrained_cached)

METHOD_LABELS = {"umap": "UMAP (neighbourhoods)", "pca": "PCA (immediate)"}
SAMPLES = [0, 5000, 20000, 50000]  # 0 = the whole vocabulary
COLOR_CHOICES = [*CATEGORICAL_PROPERTIES, *NUMERIC_PROPERTIES]
NEIGHBOURS = 10

st.title("Embedding map")
st.caption("Every token of a vocabulary placed by its embedding row: UMAP keeps neighbourhoods, PCA the two "
           "widest directions. Hover for tokens, drag to zoom, double-click to reset; click a point to search it.")

choices, labels, infos = source_choices()


def _init(key: str, url_key: str, default, allowed=None, cast=str) -> None:
    """Seed a widget's state from the URL once per session (bad URL values fall back to the default)."""
    if key in st.session_state:
        return
    value = qp_get(url_key)
    try:
        value = default if value is None else cast(value)
    except (TypeError, ValueError):
        value = default
    if allowed is not None and value not in allowed:
        value = default
    st.session_state[key] = value


_init("emb_matrix", "m", embeddings.DEFAULT_EMBEDDING, choices)
_init("emb_method", "method", "umap", list(METHOD_LABELS))
_init("emb_color", "color", "script", COLOR_CHOICES)
_init("emb_nn", "nn", 15, range(5, 101), int)
_init("emb_md", "md", 0.1, None, float)
_init("emb_metric", "metric", "cosine", list(embeddings.METRICS))
_init("emb_sample", "sample", 0, SAMPLES, int)
_init("emb_q", "q", "")
_init("emb_text", "text", "")
if not 0.0 <= float(st.session_state["emb_md"]) <= 1.0:
    st.session_state["emb_md"] = 0.1

with st.sidebar:
    st.selectbox("Embedding matrix", choices, format_func=labels.get, key="emb_matrix")
    st.radio("Method", list(METHOD_LABELS), format_func=METHOD_LABELS.get, key="emb_method", horizontal=True)
    if st.session_state["emb_method"] == "umap":
        st.slider("n_neighbors", 5, 100, key="emb_nn",
                  help="Size of the local neighbourhood UMAP keeps; small values show fine clusters, "
                       "large ones the global layout (in general 5 to 50).")
        st.slider("min_dist", 0.0, 1.0, step=0.05, key="emb_md", help="How tightly points may pack.")
    st.selectbox("Metric", list(embeddings.METRICS), key="emb_metric",
                 help="cosine: directions only (rows are L2-normalised first); euclidean: raw rows.")
    st.selectbox("Tokens", SAMPLES, key="emb_sample",
                 format_func=lambda n: "the whole vocabulary" if n == 0 else f"a random {n:,}")
    st.selectbox("Colour by", COLOR_CHOICES, format_func=lambda c: PROPERTY_LABELS.get(c, c), key="emb_color")

matrix = st.session_state["emb_matrix"]
method = st.session_state["emb_method"]
n_neighbors = int(st.session_state["emb_nn"])
min_dist = round(float(st.session_state["emb_md"]), 3)
metric = st.session_state["emb_metric"]
sample = int(st.session_state["emb_sample"]) or None
color_by = st.session_state["emb_color"]
for url_key, value in (("m", matrix if matrix != UPLOAD else ""), ("method", method), ("color", color_by),
                       ("nn", n_neighbors if method == "umap" else ""), ("md", min_dist if method == "umap" else ""),
                       ("metric", metric), ("sample", sample or "")):
    qp_set(url_key, value)

# ---- which matrix ------------------------------------------------------------------------------------
tokenizer_spec: str | None = None
if matrix == UPLOAD:
    with st.sidebar:
        uploaded = st.file_uploader("Matrix file", type=["safetensors", "npy"], key="emb_upload",
                                    help="One row per token id; float16/float32. Files are read as numbers only.")
        ready = ready_tokenizer_names()
        tokenizer_choice = st.selectbox("Its tokenizer", ready, key="emb_upload_tokenizer",
                                        index=ready.index("llama2") if "llama2" in ready else 0)
        tokenizer_file = st.file_uploader("…or a tokenizer file", key="emb_upload_tokenizer_file",
                                          help="tokenizer.json, *.tiktoken, SentencePiece *.model, GGUF")
    try:
        for widget_file, prefix in ((uploaded, "emb_upload"), (tokenizer_file, "emb_upload_tokenizer")):
            if widget_file is not None:
                st.session_state[f"{prefix}_path"] = str(save_upload(widget_file))
                st.session_state[f"{prefix}_name"] = widget_file.name
                st.session_state[f"{prefix}_from_widget"] = True
            elif st.session_state.pop(f"{prefix}_from_widget", False):  # the user removed the file
                st.session_state.pop(f"{prefix}_path", None)
                st.session_state.pop(f"{prefix}_name", None)
    except ValueError as error:
        show_error(error)
        st.stop()
    if "emb_upload_path" not in st.session_state:
        st.info("Upload a token embedding matrix (.safetensors or .npy, one row per token id) in the sidebar "
                "and pick the tokenizer whose ids index its rows.")
        st.stop()
    source_spec = st.session_state["emb_upload_path"]
    tokenizer_spec = st.session_state.get("emb_upload_tokenizer_path") or tokenizer_choice
    if st.session_state.get("emb_upload_tokenizer_path"):
        st.sidebar.caption(f"Rows are read with the uploaded tokenizer "
                           f"{st.session_state.get('emb_upload_tokenizer_name', '')}; remove it to use the list.")
else:
    info = infos[matrix]
    if not info.available:
        fetch_embedding(info, key=f"emb-fetch-{matrix}")
        st.stop()
    source_spec = matrix

params = (source_spec, tokenizer_spec, method, n_neighbors, min_dist, metric, sample)
try:
    source = load_source_cached(source_spec, tokenizer_spec)
    ensure_projection(*params)
    frame = map_frame_cached(*params)
except ValueError as error:
    show_error(error, "This matrix cannot be mapped")
    st.stop()
except Exception as error:  # noqa: BLE001 - never a traceback on the page
    show_error(error, "Mapping failed")
    st.stop()

tokenizer = source.tokenizer
basis = frame.attrs.get("undertrained_basis", "")
shown_name = st.session_state.get("emb_upload_name", source.display_name) if matrix == UPLOAD else source.display_name
shown_tokenizer = (st.session_state.get("emb_upload_tokenizer_name") if matrix == UPLOAD and
                   st.session_state.get("emb_upload_tokenizer_path") else None) or tokenizer.display_name
st.markdown(
    f"**{shown_name}** — {source.rows:,} × {source.dimensions} "
    f"({source.stored_dtype}), tokenizer **{shown_tokenizer}**; {len(frame):,} tokens on the map, "
    f"{METHOD_LABELS[method].split(' ')[0]}"
    + (f" (n_neighbors={n_neighbors}, min_dist={min_dist}, {metric})" if method == "umap" else f" ({metric})")
)
if source.description:
    st.caption(source.description)

# ---- search and typed text --------------------------------------------------------------------------
left, right = st.columns(2)
left.text_input("Find a token", key="emb_q", placeholder="e.g. king, the, #278",
                help="A token's text (a leading space or ▁ is tried too) or #id; it is highlighted and zoomed to, "
                     "and its nearest neighbours (cosine, full dimension) are listed.")
right.text_input("Mark a text on the map", key="emb_text", placeholder="Type a sentence",
                 help="Its tokens (through the same tokenizer) are ringed in red.")
query = st.session_state["emb_q"].strip("\n")
text = st.session_state["emb_text"]
qp_set("q", query)
qp_set("text", text[:300])

search_ids: list[int] = []
neighbours = None
if query.strip():
    try:
        search_ids = find_cached(source_spec, tokenizer_spec, query)
        if search_ids:
            neighbours = nearest_cached(source_spec, tokenizer_spec, f"#{search_ids[0]}", NEIGHBOURS)
        else:
            pieces = [tokenizer.token_text(i) for i in tokenizer.encode(query)]
            st.warning(f"{query!r} is not a single token of {tokenizer.display_name}; it encodes to "
                       f"{len(pieces)} tokens: {', '.join(repr(p) for p in pieces[:12])}. Search one of them.")
    except ValueError as error:
        show_error(error)
text_ids: list[int] = []
flagged: list[dict] = []
if text.strip():
    text_ids, flagged = text_tokens_cached(source_spec, tokenizer_spec, text)

mapped = set(frame["token_id"].tolist()) if sample else None
focus = search_ids[0] if search_ids else None
if sample and focus is not None and focus not in mapped:
    st.info("That token is not in the sampled subset; choose 'the whole vocabulary' to see it on the map.")


def _select_from_map() -> None:
    """Clicking a point makes it the searched token."""
    selection = st.session_state.get("emb_chart", {}).get("selection", {})
    points = selection.get("points", []) if selection else []
    for point in points:
        token_id = point.get("customdata")
        if isinstance(token_id, list):
            token_id = token_id[0] if token_id else None
        if token_id is not None:
            st.session_state["emb_q"] = f"#{int(token_id)}"
            return


figure = map_figure_cached(*params, color_by, tuple(search_ids[:1]),
                           tuple(int(i) for i in neighbours.token_id) if neighbours is not None else (),
                           tuple(dict.fromkeys(text_ids)), focus)
st.plotly_chart(figure, key="emb_chart", on_select=_select_from_map, selection_mode="points",
                config={"scrollZoom": True, "displaylogo": False})

if flagged:
    names = ", ".join(f"{hover_label(hit['token'])!s} (#{hit['token_id']})" for hit in flagged[:10])
    st.warning(f"The text contains {len(flagged)} likely under-trained token(s): {names}. Models often "
               "behave oddly on such tokens (Land & Bartolo 2024).")

columns = st.columns(2)
with columns[0]:
    if neighbours is not None:
        searched = search_ids[0]
        st.subheader(f"Nearest to {hover_label(tokenizer.token_text(searched))} (#{searched})")
        if len(search_ids) > 1:
            st.caption("Other tokens with this text: " + ", ".join(f"#{i}" for i in search_ids[1:8]))
        st.dataframe(neighbours[["token_id", "token", "similarity"]], hide_index=True, width="stretch",
                     column_config={"similarity": st.column_config.NumberColumn("cosine", format="%.3f")})
    elif text_ids:
        st.subheader("Your text's tokens")
        st.dataframe(frame.set_index("token_id").reindex(text_ids)[["token", "script", "norm", "undertrained_score"]]
                     .reset_index(), hide_index=True, width="stretch")
with columns[1]:
    st.subheader("Likely under-trained tokens")
    st.caption(f"Indicator: {basis}. Higher = more like a token training never reached. "
               "Reserved/unused tokens (the reference) and specials are left out.")
    include_bytes = st.checkbox("include byte / partial-UTF-8 tokens", value=False, key="emb_ut_bytes")
    table = undertrained_cached(source_spec, tokenizer_spec, 400)
    if not include_bytes:
        table = table[table.script != "bytes"]
    st.dataframe(table.head(100), hide_index=True, width="stretch", height=320,
                 column_config={"undertrained_score": st.column_config.NumberColumn("score", format="%.3f"),
                                "undertrained": st.column_config.CheckboxColumn("flagged")})

st.subheader("Download the map")
name = f"{source.name}-{method}"
download_columns = st.columns(2)
download_columns[0].download_button("Coordinates + properties (CSV)", frame_download(frame, "csv"),
                                    file_name=f"{name}.csv", mime="text/csv", on_click="ignore")
download_columns[1].download_button("Coordinates + properties (parquet)", frame_download(frame, "parquet"),
                                    file_name=f"{name}.parquet", mime="application/octet-stream",
                                    on_click="ignore")
