"""Tokenizer lab: build a BPE tokenizer step by step, and see what its training choices cost."""
from __future__ import annotations

import streamlit as st

from tokviz.charts.lab import mixture_bars, parity_turns, premium_bars, recut_html, variant_totals
from tokviz.lab.evaluate import (
    language_names,
    longest_tokens,
    shares_to_weights,
    split_own_text,
    true_mixture,
    variants_story,
)
from tokviz.lab.train import METHOD_NAMES
from tokviz.ui.common import show_error
from tokviz.ui.lab import (
    INFERENCE_COLUMNS,
    VARIANTS_EXPLAINED,
    draw_step,
    inference_cached,
    mixture_check_cached,
    offer_to_other_pages,
    play_steps,
    split_cached,
    steps_cached,
    trainers_agree_cached,
    udhr_choices,
    variants_cached,
)
from tokviz.ui.state import bind

UDHR, OWN = "UDHR languages", "Your own text"
STEPS = 40

st.title("Tokenizer lab")
st.markdown("**A tokenizer learns its pieces from example text:** it starts from single letters (bytes) and, again "
            "and again, glues together the two pieces that most often stand side by side. Here you watch it happen, "
            "and see which languages pay for the choices.")
st.caption("Try this: keep English, Amharic and Hindi, read the premium bars below (what the same text costs in "
           "each language), then open “Step through” and press ▶ Play.")

# ---- training text ------------------------------------------------------------------------------------
source = st.radio("Training text", [UDHR, OWN], horizontal=True,
                  **bind("lab_src", UDHR, url="src", options=[UDHR, OWN]))
if source == UDHR:
    choices = udhr_choices()
    codes = st.multiselect("Languages (Universal Declaration of Human Rights)", list(choices),
                           format_func=lambda c: f"{choices[c]} ({c})", max_selections=8,
                           **bind("lab_langs", ["eng", "amh", "hin"], url="langs", options=list(choices)))
    if not codes:
        st.info("Pick at least one language to train on (three make the best comparison).")
        st.stop()
    columns = st.columns(len(codes))
    shares = {code: columns[i].slider(f"{choices[code]}: share", 0, 100, step=5,
                                      help="How much of the training text is in this language (copies of the "
                                           "same UDHR articles).",
                                      **bind(f"lab_share_{code}", 60 if code == "eng" else 20))
              for i, code in enumerate(codes)}
    train, held = split_cached(tuple(codes))
    st.caption("Trained on 21 of the UDHR's 31 sections; every number below is measured on the other 10 "
               "(articles 3, 6, … 30), text the tokenizer never saw.")
else:
    own = st.text_area("Your text", height=140, key="lab_own_text", placeholder="Paste a few paragraphs…")
    files = st.file_uploader("…or upload text files (one language or source per file)", type=["txt", "md", "py"],
                             accept_multiple_files=True, key="lab_files")
    texts = {"your text": own} | {f.name: f.getvalue().decode("utf-8", "replace") for f in files or []}
    try:
        train, held = split_own_text(texts)
    except ValueError as error:
        st.error(str(error))
        st.stop()
    codes, shares = list(train), {name: 50 for name in train}
    st.caption("The last 20 % of each text is held out: numbers below are measured on it.")
names = language_names(codes)
vocab_size = st.number_input("Vocabulary size (tokens)", 300, 50_000, step=100,
                             help="256 single bytes + one token per merge. Real models use 32,000–256,000; the "
                                  "UDHR is small, so differences show best at a few hundred.",
                             **bind("lab_vocab", 600, url="v", bounds=(300, 50_000), parse=int))
try:
    weights = shares_to_weights(shares)
except ValueError as error:
    st.error(str(error))
    st.stop()
trained_languages = [c for c in codes if weights.get(c)]
methods = ("bpe", "parity", "superbpe") if len(trained_languages) >= 2 else ("bpe", "superbpe")
if len(trained_languages) < 2:
    st.warning("Parity-aware BPE balances languages against each other: give at least two languages a share "
               "above 0 to see it.")

tab_compare, tab_steps, tab_inference, tab_use = st.tabs(
    ["Compare variants", "Step through", "Inference methods", "Take it with you"])

try:
    variants = variants_cached(train, held, int(vocab_size), weights, methods)
except ValueError as error:
    show_error(error, "Training failed")
    st.stop()
per_language = variants.per_language

with tab_compare:
    st.markdown(variants_story(variants, names, shares))
    st.plotly_chart(premium_bars(per_language, names), width="stretch", key="lab_premiums")
    st.plotly_chart(variant_totals(variants.summary), width="stretch", key="lab_totals")
    notes = {n for n in variants.summary["note"] if n}
    for note in notes:
        st.info(f"Training {note}.")
    sample_language = st.selectbox("How a sentence is cut", list(held), format_func=lambda c: names.get(c, c),
                                   **bind("lab_sample", codes[-1], options=list(held)))
    sample = (held[sample_language] or train[sample_language]).split("\n")[0][:220]
    for method, tokenizer in variants.tokenizers.items():
        ids = tokenizer.encode(sample)
        st.markdown(f"**{METHOD_NAMES[method]}** · {len(ids)} tokens · longest tokens: "
                    + ", ".join(f"`{t}`" for t in longest_tokens(tokenizer, 5)))
        st.html(recut_html([tokenizer.vocab_bytes[i] for i in ids]))
    with st.expander("How the three variants choose their merges (papers, and what is simplified here)"):
        st.markdown(VARIANTS_EXPLAINED)
        if "parity" in variants.tokenizers:
            turns = variants.tokenizers["parity"].info.merges_by_language
            st.plotly_chart(parity_turns(turns, names), width="stretch", key="lab_turns")
        st.dataframe(variants.summary, hide_index=True, width="stretch")
        if st.button("Check: train classic BPE with tokviz's own engine too, and compare the merges", key="lab_agree"):
            check = trainers_agree_cached(tuple(train.items()), int(vocab_size), tuple(weights.items()))
            verdict = "identical" if check["identical"] else f"the same for the first {check['agreeing_prefix']:,}"
            st.success(f"HF's Rust trainer and tokviz's engine learned {check['merges']:,} merges: {verdict}. "
                       f"Seconds: HF {check['hf_seconds']:.2f}, tokviz {check['python_seconds']:.2f}.")

with tab_steps:
    step_language = st.selectbox("Text to train on", list(train), format_func=lambda c: names.get(c, c),
                                 **bind("lab_step_lang", codes[0], options=list(train)))
    step_text = train[step_language][:600]
    try:
        steps = steps_cached(step_text, STEPS)
    except ValueError as error:
        st.error(str(error))
        st.stop()
    if "lab_step_next" in st.session_state:
        st.session_state["lab_step"] = st.session_state.pop("lab_step_next")
    controls = st.columns([4, 1, 1])
    step = controls[0].slider("Merge step", 0, len(steps) - 1, **bind("lab_step", 0, url="step",
                                                                        bounds=(0, len(steps) - 1), parse=int))
    if controls[1].button("Next merge ▸", key="lab_next", width="stretch", disabled=step >= len(steps) - 1):
        st.session_state["lab_step_next"] = step + 1
        st.rerun()
    play = controls[2].button("▶ Play 10 merges", key="lab_play", width="stretch")
    left, right = st.columns(2)
    slots = (left.empty(), right.empty(), st.empty(), st.empty())
    draw_step(slots, steps, step)
    if play:
        st.session_state["lab_step_next"] = play_steps(slots, steps, step, 10)
        st.rerun()

with tab_inference:
    chosen = st.selectbox("Vocabulary", list(variants.tokenizers), format_func=METHOD_NAMES.get,
                          **bind("lab_inf_method", "bpe", options=list(variants.tokenizers)))
    tokenizer = variants.tokenizers[chosen]
    table, differences = inference_cached(tokenizer, tokenizer.identity, tuple(held.items()))
    st.markdown("The same vocabulary can cut a word in more than one way. **Merge order** replays the merges as "
                "they were learned (what real BPE tokenizers do); **longest-prefix greedy** takes the longest token "
                "that starts the rest of the word.")
    st.dataframe(table.assign(text=table["text"].map(lambda c: names.get(c, c))).rename(columns=INFERENCE_COLUMNS),
                 hide_index=True, width="stretch")
    st.dataframe(differences, hide_index=True, width="stretch")
    with st.expander("About inference methods"):
        st.markdown("Uzan et al. 2024, *Greed is All You Need* (arXiv:2403.01289), compare seven ways to apply one "
                    "vocabulary; greedy longest-prefix does surprisingly well. Here: two of them, inside the same "
                    "pre-tokens, on bytes.")

with tab_use:
    pick = st.selectbox("Tokenizer", list(variants.tokenizers), format_func=METHOD_NAMES.get,
                        **bind("lab_use_method", "bpe", url="m", options=list(variants.tokenizers)))
    tokenizer = variants.tokenizers[pick]
    label = f"Lab: {METHOD_NAMES[pick]} {tokenizer.vocab_size:,} ({'+'.join(trained_languages)})"
    cols = st.columns(2)
    cols[0].download_button("Download tokenizer.json", tokenizer.tokenizer_json, file_name="tokenizer.json",
                            mime="application/json", key="lab_download")
    if cols[1].button("Use on other pages", key="lab_offer"):
        path = offer_to_other_pages(tokenizer, label)
        st.success(f"“{label}” is now in the tokenizer pickers of the other pages (saved as {path}).")
    if len(trained_languages) >= 2 and st.button("Does the mixture LP recover what you trained on?", key="lab_lp"):
        try:
            samples = tuple((c, train[c]) for c in trained_languages)
            inferred = mixture_check_cached(tokenizer, tokenizer.identity, samples)
        except Exception as error:  # noqa: BLE001 - shown to the user
            show_error(error, "Mixture inference")
        else:
            truth = true_mixture({c: train[c] for c in trained_languages}, weights)
            st.plotly_chart(mixture_bars(truth, inferred, names), width="stretch", key="lab_mixture")
            st.caption("Hayase et al. 2024 infer a tokenizer's training mixture from its merge order alone "
                       "(the Mixture inference page). Shares here are of training *bytes*: the share sliders count "
                       "copies of the same articles, and the same content takes more bytes in some scripts.")
