"""Mixture inference: what a BPE tokenizer's merge order reveals about its training data."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from tokviz.charts.mixture import merge_timeline_chart, share_bars, stability_chart, stacked_shares
from tokviz.ui.common import qp_get, qp_get_list, qp_set, ready_tokenizer_names, show_error
from tokviz.ui.mixture import (
    bank_table,
    category_texts,
    precomputed_runs,
    precomputed_table,
    published_comparison_table,
    read_uploads,
    run_inference,
    shares_frame,
    split_halves,
)

SIZES = {"100 KB": 100_000, "300 KB": 300_000, "1 MB": 1_000_000}
DEFAULT_LANGUAGES = ["en", "de", "fr", "es", "ru", "zh", "ja", "ar", "hi", "pt"]
DEFAULT_CODE = ["python", "c", "javascript"]

st.title("Mixture inference")
st.caption(
    "A BPE tokenizer's t-th merge was the most frequent pair at step t of its training. Given the ordered "
    "merges and a text sample per category, a linear program finds the category proportions under which every "
    "merge was (close to) the most frequent pair when it was chosen — Hayase et al. (2024), *Data Mixture "
    "Inference: What do BPE Tokenizers Reveal about their Training Data?*"
)

bank = bank_table()
available = bank[bank["available"]]
labels = dict(zip(bank["category"], bank["label"]))

# ---- precomputed results (shown at once) ------------------------------------------------------
st.subheader("The default tokenizers, precomputed")
precomputed = precomputed_table()
if precomputed.empty:
    st.info("No precomputed results are shipped (data/mixture_precomputed.parquet is missing); "
            "run `python scripts/precompute_mixture.py` to make them.")
else:
    full = precomputed[precomputed["run"] == "full"] if "run" in precomputed.columns else precomputed
    st.plotly_chart(stacked_shares(full, title="Inferred training mixtures of the default tokenizers"),
                    width="stretch", key="mix_precomputed_chart")
    first = full.iloc[0]
    st.caption(f"Each tokenizer: its first {int(first['num_merges']):,} merges against "
               f"{full['category'].nunique()} categories of ~{int(first['sample_bytes']) // 1000:,} KB each "
               "(wordfreq pseudo-text per language, local code per programming language). The categories are only "
               "those tokviz has samples for, so each share says 'looks most like', not 'was'. The SentencePiece BPE "
               "tokenizers (llama2, mistral-7b) merge characters, not bytes: there Chinese and Japanese samples, whose "
               "character pairs are spread thin, can soak up the LP's slack and take more weight than they should, "
               "and their LPs stop at the time limit with wide gaps (see below) — read their bars with that in mind.")
    with st.expander("How each precomputed estimate was solved"):
        st.dataframe(precomputed_runs(precomputed), hide_index=True, key="mix_precomputed_runs",
                     column_config={"gap": st.column_config.NumberColumn(format="percent"),
                                    "seconds": st.column_config.NumberColumn(format="%.0f")})
        st.caption("gap: how far the LP's objective can be from its optimum, proven by a lower and an upper bound; "
                   "'within gap' means at most 1%. absent_merges: merges whose pair no sample holds, which say "
                   "nothing about the weights and are left unconstrained.")
    st.markdown("**Beside the paper's published estimates**")
    st.dataframe(published_comparison_table(precomputed), hide_index=True, key="mix_published",
                 column_config={"paper": st.column_config.NumberColumn(format="percent"),
                                "tokviz": st.column_config.NumberColumn(format="percent")})
    st.caption("The paper used ~1 GB per category from real corpora and 112 categories; tokviz's offline bank is "
               "smaller and synthetic for languages, so expect the same direction, not the same digits.")

# ---- your own run -----------------------------------------------------------------------------------
st.subheader("Run it yourself")
ready = [n for n in ready_tokenizer_names()]
if "mix_tokenizers" not in st.session_state:
    st.session_state["mix_tokenizers"] = [n for n in qp_get_list("tk", ["o200k_base"]) if n in ready] or ready[:1]
if "mix_languages" not in st.session_state:
    st.session_state["mix_languages"] = [c for c in qp_get_list("lang", DEFAULT_LANGUAGES)
                                         if c in set(available["category"])]
if "mix_code" not in st.session_state:
    st.session_state["mix_code"] = [c for c in qp_get_list("code", DEFAULT_CODE) if c in set(available["category"])]
if "mix_merges" not in st.session_state:
    try:
        st.session_state["mix_merges"] = max(1, int(qp_get("merges", 3000)))
    except (TypeError, ValueError):
        st.session_state["mix_merges"] = 3000

left, right = st.columns([1, 1])
with left:
    names = st.multiselect("Tokenizers (the first one gets every view; several are compared side by side)",
                           ready, key="mix_tokenizers", max_selections=4)
    languages = st.multiselect(
        "Languages", available.loc[available["group"] == "language", "category"].tolist(), key="mix_languages",
        format_func=lambda c: f"{labels.get(c, c)} ({c})")
    code = st.multiselect(
        "Code", available.loc[available["group"] == "code", "category"].tolist(), key="mix_code",
        format_func=lambda c: f"{labels.get(c, c)} ({int(bank.set_index('category').at[c, 'bytes']) / 1e6:.1f} MB here)")
    uploads = st.file_uploader("Your own categories: <category>.txt files (about 1 MB each)", type=["txt"],
                               accept_multiple_files=True, key="mix_uploads")
with right:
    num_merges = st.number_input("Merges to use (the paper uses 30,000; more is slower)", min_value=1,
                                 max_value=300_000, step=500, key="mix_merges",
                                 help="The first N merges of each tokenizer. A value above a tokenizer's merge count "
                                      "uses all of its merges.")
    size_label = st.select_slider("Sample size per category", list(SIZES), value="300 KB", key="mix_size")
    stability = st.checkbox("Stability: also run on each half of the samples", key="mix_halves")
    run = st.button("Run inference", type="primary", key="mix_run")
qp_set("tk", names)
qp_set("lang", languages)
qp_set("code", code)
qp_set("merges", None if num_merges == 3000 else int(num_merges))

with st.expander("Where the category samples come from"):
    st.markdown(
        "- **Languages**: the `wordfreq` package's frequency lists — pseudo-text of words drawn at their corpus "
        "frequency. Mixture inference counts byte pairs *inside words*, weighted by word frequency, which is what a "
        "frequency list holds, and it can give any size; the UDHR has only ~10 KB per language.\n"
        "- **Code**: files on this machine (Python's standard library, C headers, npm's JavaScript, shell scripts).\n"
        "- **Yours**: upload `<category>.txt` files above (a category named like a default one replaces it).")
    st.dataframe(bank[["category", "label", "group", "bytes", "available", "source"]], hide_index=True,
                 key="mix_bank")

uploaded_texts, problems = read_uploads(uploads)
for problem in problems:
    st.warning(problem)

if run:
    st.session_state["mix_last"] = {"names": list(names), "categories": list(languages) + list(code),
                                    "uploads": uploaded_texts, "merges": int(num_merges),
                                    "bytes": SIZES[size_label], "halves": bool(stability)}
last = st.session_state.get("mix_last")
if last is None:
    st.info("Choose a tokenizer and categories, then press **Run inference** (about 10–60 s with 3,000 merges; "
            "repeated runs are instant).")
    st.stop()

if not last["names"]:
    st.error("Pick at least one tokenizer to run mixture inference on.")
    st.stop()
categories = last["categories"]
if len(categories) + len(last["uploads"]) < 2:
    st.error("Pick at least two categories (languages, code or your own uploads): the method compares them.")
    st.stop()

try:
    texts = dict(category_texts(tuple(categories), last["bytes"])) if categories else {}
except ValueError as error:
    show_error(error, "Could not prepare the samples")
    st.stop()
texts.update(last["uploads"])

results: dict[str, pd.Series] = {}
for name in last["names"]:
    try:
        results[name] = run_inference(name, texts, last["merges"], label=f"{name} · ")
    except Exception as error:  # noqa: BLE001 - bad input and unusable tokenizers become messages
        show_error(error, f"{name}")
if not results:
    st.stop()

main_name = next(iter(results))
main = results[main_name]
for warning in main.attrs.get("warnings", []):
    st.warning(warning)
frame = shares_frame(main, bank)
attrs = main.attrs
seconds = attrs.get("seconds", {})
within = f", objective within {attrs['gap']:.1%} of the optimum" if attrs.get("gap", 0) > 0 else ""
absent = (f" · {attrs['absent_merges']:,} merges that no sample holds left unconstrained"
          if attrs.get("absent_merges") else "")
st.markdown(
    f"**{main_name}** · first {attrs['num_merges']:,} merges · {len(main)} categories · "
    f"{attrs['rounds']} LP rounds, {attrs['constraints']:,} constraints, total slack {attrs['total_slack']:.3g} "
    f"({attrs['stopped']}{within}){absent} · "
    + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items() if k != "load"))

tab_bars, tab_compare, tab_stability, tab_timeline, tab_table = st.tabs(
    ["Shares", "Side by side", "Stability", "Merge timeline", "Table"])
with tab_bars:
    st.plotly_chart(share_bars(frame, title=f"Inferred training-data shares of {main_name}"), width="stretch",
                    key="mix_bars")
with tab_compare:
    comparison = pd.concat([shares_frame(series, bank).assign(tokenizer=name) for name, series in results.items()])
    st.plotly_chart(stacked_shares(comparison), width="stretch", key="mix_stacked")
    if len(results) == 1:
        st.caption("Pick more tokenizers above to compare them here.")
with tab_stability:
    if last["halves"]:
        first_half, second_half = split_halves(texts)
        try:
            halves = [run_inference(main_name, part, last["merges"], label=f"{main_name} · {which} half · ")
                      for which, part in (("first", first_half), ("second", second_half))]
        except Exception as error:  # noqa: BLE001
            show_error(error, "Stability run")
        else:
            rows = [shares_frame(series, bank).assign(half=which)
                    for which, series in zip(("first half", "second half"), halves)]
            rows.append(frame.assign(half="all of it"))
            st.plotly_chart(stability_chart(pd.concat(rows)), width="stretch", key="mix_stability")
            gap = pd.concat([r.set_index("category")["share"] for r in rows[:2]], axis=1).diff(axis=1).abs().iloc[:, 1]
            st.caption(f"Largest difference between the halves: {gap.max():.1%} ({gap.idxmax()}).")
    else:
        st.info("Tick **Stability** above and run again to see the estimate from each half of the samples.")
with tab_timeline:
    timeline = pd.DataFrame(attrs["timeline"])
    st.plotly_chart(merge_timeline_chart(timeline.head(40)), width="stretch", key="mix_timeline")
    st.caption("Each bar is one of the first merges; its colours are the categories' shares of the merged pair's "
               "count (weighted by the inferred mixture) at the moment it was chosen. Merges that only one "
               "category can explain pin that category's weight down.")
with tab_table:
    st.dataframe(frame, hide_index=True, key="mix_table",
                 column_config={"share": st.column_config.NumberColumn(format="percent")})
    st.download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"),
                       file_name=f"tokviz-mixture-{main_name}.csv", mime="text/csv", key="mix_download")
