"""Mixture inference: what a BPE tokenizer's merge order reveals about its training data."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from tokviz.charts.mixture import merge_timeline_chart, safe_text, share_bars, stability_chart
from tokviz.mixture.summary import additions_summary, plain_summary
from tokviz.ui import mixture as ui
from tokviz.ui.common import ready_tokenizer_names, show_error
from tokviz.ui.state import bind

st.title("Mixture inference")
st.markdown("**What it shows:** a guess at what a tokenizer was trained on — how much English, code and other "
            "languages — read from the order in which it learned its pieces of words. "
            "**Try:** look at the tokenizers below, then run one yourself with your own choice of languages.")
with st.expander("How it works"):
    st.markdown("A BPE tokenizer's *t*-th merge was the most frequent pair of pieces at step *t* of its training. "
                "Given the ordered merges and a text sample per category, a linear program finds the proportions "
                "under which every merge was (close to) the most frequent pair when it was chosen — Hayase et al. "
                "(2024), *Data Mixture Inference: What do BPE Tokenizers Reveal about their Training Data?* "
                "Each share says 'looks most like', among the categories tokviz has samples for.")

bank = ui.bank_table()
available = bank[bank["available"]]
labels = dict(zip(bank["category"], bank["label"], strict=True))
PERCENT = {c: st.column_config.NumberColumn(format="percent") for c in ("paper", "tokviz", "difference", "share")}


# ---- shipped results -----------------------------------------------------------------------------
st.subheader("The paper's tokenizers, precomputed")
precomputed = ui.precomputed_table()
full, additions = precomputed[precomputed["run"] == "full"], precomputed[precomputed["run"] == "additions"]
for name, part in full.groupby("tokenizer", sort=False):
    note = ui.inherited_note(name, int(part["num_merges"].iloc[0]))
    st.markdown(f"**{ui.display_name(name)}** — {plain_summary(part.set_index('category')['share'])}"
                + (" *(inherited: see below)*" if note else ""))
    if note:
        st.warning(note)
    if name in set(additions["tokenizer"]):
        own = additions[additions["tokenizer"] == name]
        st.success(additions_summary(ui.display_name(name), own, ui.display_name(str(own["base"].iloc[0]))))
if not full.empty:
    ui.show_mixture_charts(pd.concat([full, ui.additions_frame(precomputed)]), "pre")
    with st.expander("How each precomputed estimate was solved"):
        st.dataframe(ui.precomputed_runs(precomputed), hide_index=True, key="mix_precomputed_runs",
                     column_config={"gap": st.column_config.NumberColumn(format="percent")})
        st.caption("full: the first 5,000 merges against 46 categories of 300 KB. additions: the merges after the "
                   "base's (replayed, not constrained), 46 categories of 1 MB drawn from whole word lists. gap: how "
                   "far the LP's objective can be from its optimum; 'within gap' means at most 1%. formulation: the "
                   "SentencePiece-style tokenizers (Llama 2, Mistral 7B, Gemma 3) merge characters, not bytes; "
                   "they are solved 'scale_invariant' (the mixed count of the chosen merges fixed to 1, so a "
                   "language with flat pair counts, like Chinese, cannot lower every violation by taking weight), "
                   "the others with the paper's 'sum' (weights summing to 1).")

st.subheader("The paper beside tokviz")
paper = ui.named_tokenizers(ui.paper_table())  # "r50k_base (GPT-2, GPT-3)", not the key
main_rows = paper[paper["measure"].isin(["english", "code", "non_english"])]
st.dataframe(main_rows[["paper_tokenizer", "tokenizer", "measure", "paper", "tokviz", "difference", "status"]],
             hide_index=True, key="mix_published", column_config=PERCENT)
st.caption("The paper used ~1 GB of real text per category and 112 categories, with English split into web, books, "
           "academic and Wikipedia; tokviz has one English sample, so its 'english' is compared with the sum of "
           "those four. Gemma: the paper used Gemma 1's 256,000-token vocabulary, tokviz has Gemma 3's (262,144).")
with st.expander("What each figure measures, and the paper's English domains (not comparable)"):
    st.dataframe(paper, hide_index=True, key="mix_published_all", column_config=PERCENT)

# ---- your own run ----------------------------------------------------------------------------------
st.subheader("Run it yourself")
ready = ready_tokenizer_names()
languages_all = available.loc[available["kind"] == "language", "category"].tolist()
code_all = available.loc[available["kind"] == "code", "category"].tolist()
left, right = st.columns(2)
with left:
    names = st.multiselect("Tokenizers (up to 4)", ready, max_selections=4, format_func=ui.display_name,
                           **bind("mix_tokenizers", ["o200k_base"], url="tk", options=ready))
    languages = st.multiselect("Languages", languages_all, format_func=lambda c: labels.get(c, c),
                               **bind("mix_languages", ["en", "de", "fr", "es", "ru", "zh", "ja", "ar", "hi", "pt"],
                                      url="lang", options=languages_all))
    code = st.multiselect("Code", code_all, format_func=lambda c: labels.get(c, c),
                          **bind("mix_code", ["python", "c", "javascript"], url="code", options=code_all))
    uploads = st.file_uploader("Your own categories: <category>.txt files", type=["txt"],
                               accept_multiple_files=True, key="mix_uploads")
with right:
    num_merges = st.number_input("Merges to use (the paper uses 30,000; more is slower)", 1, 300_000, step=500,
                                 **bind("mix_merges", 3000, url="merges", parse=int, bounds=(1, 300_000)))
    size_label = st.select_slider("Sample size per category", list(ui.SIZES),
                                  **bind("mix_size", "300 KB", url="size", options=list(ui.SIZES)))
    stability = st.checkbox("Stability: also run on each half of the samples",
                            **bind("mix_halves", False, url="halves", parse=bool))
    run = st.button("Run inference", type="primary", key="mix_run")
with st.expander("Where the samples come from, and how large each can get"):
    st.markdown("Languages: pseudo-text drawn from the `wordfreq` package's word-frequency lists (any size, but "
                "past some size a larger sample only repeats words). "
                "Code: files on this machine (up to all of them). Yours: uploaded `.txt` files, up to the upload "
                "limit; for larger folders use `python -m tokviz mixture NAME --samples DIR` (streamed from disk, "
                "optionally on a Dask cluster with `--scheduler tcp://host:8786`).")
    st.dataframe(ui.sample_limits_table(), hide_index=True, key="mix_bank")
uploaded_texts, problems = ui.read_uploads(uploads)
for problem in problems:
    st.warning(ui.markdown_text(problem))

if run:
    st.session_state["mix_last"] = {"names": list(names), "categories": list(languages) + list(code),
                                    "uploads": uploaded_texts, "merges": int(num_merges),
                                    "bytes": ui.SIZES[size_label], "halves": bool(stability), "scroll": True}
last = st.session_state.get("mix_last")
if last is None:
    st.info("Choose tokenizers and categories, then press **Run inference** (about 10–60 s with 3,000 merges; "
            "repeated runs are instant).")
    st.stop()
if not last["names"]:
    st.error("Pick at least one tokenizer to run mixture inference on.")
    st.stop()
if len(last["categories"]) + len(last["uploads"]) < 2:
    st.error("Pick at least two categories (languages, code or your own uploads): the method compares them.")
    st.stop()
try:
    texts = {**ui.category_texts(tuple(last["categories"]), last["bytes"]), **last["uploads"]}
except ValueError as error:
    show_error(error, "Could not prepare the samples")
    st.stop()

results_box = st.container(key="mix_results")
results, errors = ui.run_all(last["names"], texts, last["merges"])
for name, error in errors.items():
    st.error(ui.markdown_text(f"{name}: {error}"))
with results_box:
    st.subheader("Your results")
    ui.show_summaries(results)
if not results:
    st.stop()
main_name, main = next(iter(results.items()))
frame = ui.shares_frame(main)
tabs = ["Shares", "Stability", "Merge timeline", "Table"] + (["Side by side"] if len(results) > 1 else [])
views = dict(zip(tabs, st.tabs(tabs), strict=True))
with views["Shares"]:
    title = f"Inferred training-data shares of {safe_text(ui.display_name(main_name))}"
    st.plotly_chart(share_bars(frame, title=title), width="stretch", key="mix_bars")
if "Side by side" in views:
    with views["Side by side"]:
        ui.show_mixture_charts(pd.concat([ui.shares_frame(s).assign(tokenizer=n) for n, s in results.items()]), "run")
with views["Stability"]:
    if last["halves"]:
        rows = ui.stability_rows(main_name, texts, last["merges"])
        st.plotly_chart(stability_chart(pd.concat([*rows, frame.assign(half="all of it")])), width="stretch",
                        key="mix_stability")
    else:
        st.info("Tick **Stability** above and run again to see the estimate from each half of the samples.")
with views["Merge timeline"]:
    st.plotly_chart(merge_timeline_chart(pd.DataFrame(main.attrs["timeline"]).head(40)), width="stretch",
                    key="mix_timeline")
    st.caption("Each bar is one of the first merges; its colours are the categories' shares of the merged pair's "
               "count (weighted by the inferred mixture) when it was chosen.")
with views["Table"]:
    st.dataframe(frame, hide_index=True, key="mix_table", column_config=PERCENT)
    st.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"),
                       file_name=f"tokviz-mixture-{main_name}.csv", mime="text/csv", key="mix_download")
if last.pop("scroll", False):
    st.html("<script>document.querySelector('.st-key-mix_results')?.scrollIntoView({behavior: 'smooth'});</script>",
            unsafe_allow_javascript=True)
