"""Side-by-side segmentations: the same text cut by several tokenizers at once."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from tokviz.charts.segmentation import agreement_heatmap, boundary_strip, counts_bar
from tokviz.render import (agreement_html, boundary_agreement, comparison_table, merge_tree_dot,
                           pairwise_agreement, segmentation_html)
from tokviz.segment import byte_chips
from tokviz.ui.common import (fetch_panel, load_tokenizer_cached, qp_get, qp_set, show_error,
                              tokenizer_picker)
from tokviz.ui.segmentation import (DEFAULT_SEGMENTATION_TOKENIZERS, PRESETS, count_explanations,
                                    segment_cached, undertrained_badges, udhr_choices, udhr_preset_text)

URL_TEXT_LIMIT = 500  # texts up to this many characters travel in the URL
UDHR_PRESET = "UDHR article"
CUSTOM = "Your own text"

st.title("Segmentations")
st.caption("The same text, cut by several real tokenizers. Colours follow token ids; dashed tokens hold pieces "
           "of a character split across tokens, shown as byte chips.")

with st.sidebar:
    specs = tokenizer_picker("Tokenizers", key="seg_tokenizers", default=DEFAULT_SEGMENTATION_TOKENIZERS,
                             url_key="tk")
    fetch_panel(key="seg-fetch")

# ---- the text -----------------------------------------------------------------------------------------
preset_names = list(PRESETS) + [UDHR_PRESET, CUSTOM]
if "seg_text" not in st.session_state:
    url_text = qp_get("t")
    url_preset = qp_get("p")
    if url_text is not None:
        st.session_state["seg_preset"] = CUSTOM
        st.session_state["seg_text"] = url_text
    else:
        st.session_state["seg_preset"] = url_preset if url_preset in preset_names else preset_names[0]
        st.session_state["seg_text"] = PRESETS.get(st.session_state["seg_preset"], PRESETS["English prose"])


def _apply_preset() -> None:
    name = st.session_state["seg_preset"]
    if name in PRESETS:
        st.session_state["seg_text"] = PRESETS[name]
    elif name == UDHR_PRESET:
        st.session_state["seg_text"] = udhr_preset_text(st.session_state.get("seg_udhr_lang", "eng"),
                                                        st.session_state.get("seg_udhr_article", "1"))


columns = st.columns([2, 2, 1])
columns[0].selectbox("Example", preset_names, key="seg_preset", on_change=_apply_preset)
if st.session_state["seg_preset"] == UDHR_PRESET:
    languages = udhr_choices()
    codes = list(languages)
    columns[1].selectbox("UDHR language", codes, index=codes.index("eng") if "eng" in codes else 0,
                         format_func=lambda c: f"{languages[c]} ({c})", key="seg_udhr_lang", on_change=_apply_preset)
    columns[2].selectbox("Article", ["preamble"] + [str(i) for i in range(1, 31)], index=1, key="seg_udhr_article",
                         on_change=_apply_preset)
def _mark_custom() -> None:
    """Editing the text makes it the user's own (and lets a short one travel in the URL)."""
    if st.session_state["seg_text"] != PRESETS.get(st.session_state["seg_preset"]):
        st.session_state["seg_preset"] = CUSTOM


text = st.text_area("Text", key="seg_text", height=170, on_change=_mark_custom)

toggles = st.columns(4)
show_ids = toggles[0].toggle("Show ids", key="seg_ids")
show_whitespace = toggles[1].toggle("Visible whitespace (· → ↵)", value=True, key="seg_ws")
show_bytes = toggles[2].toggle("Byte chips for every token", key="seg_bytes")
add_special = toggles[3].toggle("Add special tokens (BOS/EOS)", key="seg_special",
                                help="Add what the model puts around a prompt, e.g. <s> or <|begin_of_text|>.")

qp_set("p", st.session_state["seg_preset"])
qp_set("t", text if st.session_state["seg_preset"] == CUSTOM and len(text) <= URL_TEXT_LIMIT else None)

if not specs:
    st.error("Pick at least one tokenizer in the sidebar.")
    st.stop()
if not text:
    st.info("Type or paste a text above, or pick an example.")
    st.stop()

# ---- segment ------------------------------------------------------------------------------------------
segmentations = []
names = {}
for spec in specs:
    try:
        tokenizer = load_tokenizer_cached(spec)
        segmentation = segment_cached(spec, text, add_special)
    except Exception as error:  # noqa: BLE001 - every failure becomes a message
        show_error(error, spec)
        continue
    names[segmentation.tokenizer] = tokenizer.display_name
    segmentations.append((spec, tokenizer, segmentation))
if not segmentations:
    st.stop()
for warning in segmentations[0][2].warnings:
    st.warning(warning)

# ---- per tokenizer ------------------------------------------------------------------------------------
st.subheader("Tokens")
for spec, tokenizer, segmentation in segmentations:
    stats = segmentation.stats()
    badges = undertrained_badges(spec, tuple(segmentation.ids))
    st.markdown(f"**{tokenizer.display_name}** · {stats['tokens']:,} tokens · "
                f"{stats['chars_per_token']:.2f} chars/token · <small>{tokenizer.meta.algorithm}</small>"
                + (f" · :orange-badge[⚠ {len(badges)} likely under-trained]" if badges else ""),
                unsafe_allow_html=True)
    if badges:
        st.caption("Likely under-trained tokens (see the Embedding map page): " + ", ".join(badges[:8]))
    st.html(segmentation_html(segmentation, show_ids=show_ids, show_whitespace=show_whitespace,
                              show_bytes=show_bytes))

# ---- counts ---------------------------------------------------------------------------------------------
st.subheader("Counts")
table = comparison_table([s for _, _, s in segmentations], names)
left, right = st.columns([3, 2])
left.dataframe(table, hide_index=True, width="stretch",
               column_config={"chars_per_token": st.column_config.NumberColumn("chars/token", format="%.2f"),
                              "bytes_per_token": st.column_config.NumberColumn("bytes/token", format="%.2f")})
metric = right.radio("Chart", ["tokens", "chars_per_token", "bytes_per_token"], horizontal=True, key="seg_metric",
                     format_func=lambda m: m.replace("_per_", "/").replace("chars", "chars"))
right.plotly_chart(counts_bar(table, metric), width="stretch", key="seg_counts_chart")

# ---- agreement ------------------------------------------------------------------------------------------
if len(segmentations) > 1:
    st.subheader("Where they agree and disagree")
    plain = [s for _, _, s in segmentations]
    if add_special:
        plain = [segment_cached(spec, text, False) for spec, _, _ in segmentations]
    agreement = boundary_agreement(plain)
    shared = int((agreement["count"] == len(plain)).sum()) if len(agreement) else 0
    contested = int(((agreement["count"] > 0) & (agreement["count"] < len(plain))).sum()) if len(agreement) else 0
    st.caption(f"Green bars: all {len(plain)} tokenizers cut here ({shared:,} places). Orange: only some do "
               f"({contested:,} places), darker when more do.")
    st.html(agreement_html(segmentations[0][2].text, agreement, len(plain), show_whitespace=show_whitespace))
    a_left, a_right = st.columns(2)
    a_left.markdown("**Shared cut points** (Jaccard)")
    a_left.plotly_chart(agreement_heatmap(pairwise_agreement(plain)), width="stretch", key="seg_pairwise")
    a_right.markdown("**Cut points along the text**")
    a_right.plotly_chart(boundary_strip(agreement.head(3000), segmentations[0][2].text, [s.tokenizer for s in plain]),
                         width="stretch", key="seg_strip")

# ---- a token up close -------------------------------------------------------------------------------------
st.subheader("A token up close")
inspect_cols = st.columns([2, 3])
chosen_spec = inspect_cols[0].selectbox("Tokenizer", [spec for spec, _, _ in segmentations], key="seg_inspect_tok",
                                        format_func=lambda s: load_tokenizer_cached(s).display_name)
chosen = next(item for item in segmentations if item[0] == chosen_spec)
tokens = chosen[2].tokens
if tokens:
    index = inspect_cols[1].selectbox("Token", list(range(min(len(tokens), 2000))), key="seg_inspect_idx",
                                      format_func=lambda i: f"#{i}: {tokens[i].text!r} (id {tokens[i].id})")
    token = tokens[index]
    tokenizer = chosen[1]
    rank = tokenizer.merge_rank(token.id)
    facts = st.columns(4)
    facts[0].metric("id", token.id)
    facts[1].metric("bytes", len(token.bytes))
    facts[2].metric("merge rank", "—" if rank is None else f"{rank:,}")
    facts[3].metric("characters", f"{token.start}–{token.end}")
    st.code(f"hex: {byte_chips(token.bytes)}\ntext: {token.text!r}", language=None)
    try:
        steps = tokenizer.merge_tree(token.id)
    except ValueError as error:
        st.info(str(error))
    else:
        if steps:
            st.caption(f"How BPE built this token: {len(steps)} merges, applied in rank order (# = merge rank).")
            st.graphviz_chart(merge_tree_dot(steps, token.bytes))
        elif token.special:
            st.info("A special token: added to the vocabulary whole, never merged.")
        else:
            st.info("A base unit (a single byte or character): nothing was merged to make it.")

# ---- why doesn't my count match -------------------------------------------------------------------------
with st.expander("Why doesn't my count match?"):
    for spec, tokenizer, _ in segmentations:
        st.markdown(f"**{tokenizer.display_name}** — normalizer: {tokenizer.meta.normalizer}; "
                    f"pre-tokenizer: {tokenizer.meta.pre_tokenizer}")
        for reason in count_explanations(spec, text):
            st.markdown(f"- {reason}")
        if tokenizer.meta.license:
            st.caption(f"Licence of the tokenizer file: {tokenizer.meta.license}")

# ---- downloads ---------------------------------------------------------------------------------------------
frames = []
for spec, tokenizer, segmentation in segmentations:
    frame = segmentation.to_frame()
    frame.insert(0, "tokenizer", segmentation.tokenizer)
    frames.append(frame)
download_cols = st.columns(2)
download_cols[0].download_button("Download CSV", pd.concat(frames).to_csv(index=False).encode("utf-8"),
                                 file_name="segmentations.csv", mime="text/csv")
payload = "[" + ",".join(s.to_json() for _, _, s in segmentations) + "]"
download_cols[1].download_button("Download JSON", json.dumps(json.loads(payload), ensure_ascii=False, indent=1),
                                 file_name="segmentations.json", mime="application/json")
