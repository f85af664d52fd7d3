"""The Language premiums page under streamlit.testing: default run, changed widgets, bad input."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import tokviz
from tests import helpers

PAGE_FILE = "2_Language_premiums.py"
TIMEOUT = 600  # a cold table counts every default tokenizer over the UDHR once
FLORES = Path(__file__).resolve().parents[2].parent / "shared" / "flores200"


def display_name(name: str) -> str:
    return tokviz.catalog.CATALOG[name].display_name


def run_page(**query) -> AppTest:
    return helpers.run_page(PAGE_FILE, TIMEOUT, query)


def values(array) -> list:
    """A plotly JSON array: a plain list, or plotly 6's typed array {"dtype", "bdata"} (base64)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs by their title."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def chart(at: AppTest, title_part: str) -> dict:
    found = [spec for title, spec in charts(at).items() if title_part in title]
    assert found, f"no chart titled with {title_part!r}: {list(charts(at))}"
    return found[0]


def dataframe_with(at: AppTest, column: str, without: str | None = None):
    """The first st.dataframe on the page that has ``column`` (and not ``without``)."""
    for frame in at.dataframe:
        columns = set(frame.value.columns)
        if column in columns and (without is None or without not in columns):
            return frame.value
    raise AssertionError(f"no dataframe with a {column!r} column")


def open_flores(at: AppTest) -> AppTest:
    """Open the FLORES-200 expander (its contents are built only when open)."""
    at.session_state["prem_exp_flores"] = True
    return at.run()


def open_tab(at: AppTest, label: str) -> AppTest:
    """Click a tab: the page reruns with that tab open (only the open tab is built)."""
    at.session_state["prem_tab"] = label
    return at.run()


def test_default_run_shows_every_default_tokenizer_on_a_map():
    at = run_page()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    world = chart(at, "premium by language")
    points = sum(len(values(trace["lat"])) for trace in world["data"] if trace["type"] == "scattergeo")
    assert points >= 500
    assert list(charts(at)) == [world["layout"]["title"]["text"]]  # a first visit builds the open tab only
    open_tab(at, "Heatmap")
    heatmap = chart(at, "Premium per tokenizer and language")
    assert {display_name(n) for n in tokviz.DEFAULT_TOKENIZERS} <= set(heatmap["data"][0]["y"])
    assert len(heatmap["data"][0]["x"]) >= 500
    for tab, title in (("Most expensive", "most expensive languages"), ("Distribution", "Distribution of premiums"),
                       ("Cost & context", "What the context window holds")):
        open_tab(at, tab)
        chart(at, title)
    assert any("words of Amharic" in info.value for info in at.info)
    at.session_state["prem_exp_decomposition"] = True  # open the expert expander
    at.run()
    for title in ("where the premium comes from", "script cost against vocabulary cost"):
        chart(at, title)
    assert at.query_params["tab"] == "Cost & context"  # the open tab is in the URL, to share
    assert "ref" not in at.query_params and "tk" not in at.query_params  # defaults stay out of the URL (bind)
    assert at.multiselect(key="prem_tokenizers").value == list(tokviz.DEFAULT_TOKENIZERS)


def test_values_in_closed_tabs_survive_tab_switches():
    at = run_page(tk="cl100k_base", tab="Cost & context")
    at.number_input(key="prem_context").set_value(32_000).run()
    open_tab(at, "World map")
    open_tab(at, "Most expensive")
    at.slider(key="prem_top").set_value(7).run()
    open_tab(at, "Cost & context")
    assert at.number_input(key="prem_context").value == 32_000
    assert any("32,000-token context" in info.value for info in at.info)
    assert at.query_params["ctx"] == "32000" and at.query_params["top"] == "7"


def test_changed_reference_and_filters():
    at = run_page(tk="cl100k_base,llama3", tab="Heatmap")
    at.selectbox(key="prem_ref").set_value("deu_1996").run()
    at.multiselect(key="prem_scripts").set_value(["Ethi"]).run()
    assert not at.exception and not at.error
    assert at.query_params["ref"] == "deu_1996" and at.query_params["scr"] == "Ethi"
    heatmap = chart(at, "Premium per tokenizer and language")
    shown = set(heatmap["data"][0]["x"])
    ethiopic = set(tokviz.corpora.udhr_languages().query("script == 'Ethi'")["code"])
    assert shown and shown <= ethiopic
    assert heatmap["data"][0]["y"] == [display_name("cl100k_base"), display_name("llama3")]  # names people read


def test_calculator_and_focus_follow_widgets():
    at = run_page(tk="cl100k_base,o200k_base")
    at.selectbox(key="prem_focus").set_value("o200k_base").run()
    assert not at.exception
    assert "o200k_base" in chart(at, "premium by language")["layout"]["title"]["text"]
    open_tab(at, "Cost & context")
    at.number_input(key="prem_context").set_value(32_000).run()
    assert any("32,000-token context" in info.value for info in at.info)
    assert at.query_params["ctx"] == "32000" and at.query_params["focus"] == "o200k_base"


def test_state_comes_back_from_the_url():
    at = run_page(tk="llama3", ref="fra", q="arab", top="10", tab="Most expensive")
    assert not at.exception
    assert at.selectbox(key="prem_ref").value == "fra"
    assert at.text_input(key="prem_query").value == "arab"
    names = set(chart(at, "most expensive languages")["data"][0]["y"])
    assert names and all("arab" in name.lower() for name in names)


def test_no_tokenizer_is_a_message():
    at = run_page(tk="llama3")
    at.multiselect(key="prem_tokenizers").set_value([]).run()
    assert not at.exception
    assert any("Pick at least one tokenizer" in error.value for error in at.error)


def test_filter_without_matches_is_a_warning():
    at = run_page(tk="llama3", q="no such language anywhere")
    assert not at.exception
    assert any("No language matches" in warning.value for warning in at.warning)


def test_unknown_reference_in_the_url_falls_back_with_a_warning():
    at = run_page(tk="llama3", ref="klingon")
    assert not at.exception
    assert any("'klingon'" in warning.value for warning in at.warning)
    assert at.selectbox(key="prem_ref").value == "eng"


def test_malformed_flores_folder_is_a_message(tmp_path, monkeypatch):
    (tmp_path / "dev").mkdir()
    monkeypatch.setenv("TOKVIZ_FLORES_DIR", str(tmp_path))
    at = open_flores(run_page(tk="cl100k_base"))
    assert not at.exception
    assert any("no devtest/ subfolder" in error.value.replace("\\", "") for error in at.error)  # escaped or not


@pytest.mark.slow
def test_flores_folder_compares_with_the_published_counts(monkeypatch):
    monkeypatch.setenv("TOKVIZ_FLORES_DIR", str(FLORES))
    at = open_flores(run_page(tk="cl100k_base"))
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    comparison = chart(at, "against Petrov et al.")
    assert "204/204 exact" in comparison["data"][0]["name"]
    summary = dataframe_with(at, "identical counts").set_index("tokenizer")
    assert summary.loc["cl100k_base", "identical counts"] == 204
    assert summary.loc["cl100k_base", "Spearman ρ"] == pytest.approx(1.0)
    ranks = dataframe_with(at, "Spearman ρ", without="identical counts").set_index("tokenizer")
    assert ranks.loc["cl100k_base", "Spearman ρ"] > 0.8


# ---- issue 13: widget state survives every sequence of reruns -------------------------------------
CALCULATOR_DEFAULTS = {"prem_price": 2.5, "prem_context": 128_000, "prem_words": 100_000}


def _clear_and_repick(at: AppTest, tokenizers: list[str]) -> AppTest:
    at.multiselect(key="prem_tokenizers").set_value([]).run()
    assert any("Pick at least one tokenizer" in error.value for error in at.error)
    return at.multiselect(key="prem_tokenizers").set_value(tokenizers).run()


def test_clearing_and_repicking_tokenizers_keeps_the_default_values():
    at = _clear_and_repick(run_page(tk="cl100k_base,llama3"), ["cl100k_base"])
    assert not at.exception, [e.value for e in at.exception]
    open_tab(at, "Cost & context")
    for key, default in CALCULATOR_DEFAULTS.items():
        assert at.number_input(key=key).value == default, key
    assert any("128,000-token context" in info.value and "100,000-word content" in info.value for info in at.info)
    open_tab(at, "Most expensive")
    assert at.slider(key="prem_top").value == 20
    assert len(chart(at, "most expensive languages")["data"][0]["y"]) == 20
    for url_key in ("price", "ctx", "words", "top"):
        assert url_key not in at.query_params, url_key


def test_clearing_and_repicking_tokenizers_keeps_the_chosen_values():
    at = run_page(tk="cl100k_base,llama3", tab="Cost & context")
    at.number_input(key="prem_price").set_value(10.0).run()
    at.number_input(key="prem_context").set_value(32_000).run()
    open_tab(at, "Most expensive")
    at.slider(key="prem_top").set_value(10).run()
    at.selectbox(key="prem_ref").set_value("fra").run()
    at = _clear_and_repick(at, ["cl100k_base", "llama3"])
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="prem_top").value == 10
    assert at.selectbox(key="prem_ref").value == "fra"
    assert [len(t["y"]) for t in chart(at, "most expensive languages")["data"] if t["type"] == "bar"][0] == 10
    open_tab(at, "Cost & context")
    assert at.number_input(key="prem_price").value == 10.0
    assert at.number_input(key="prem_context").value == 32_000
    assert at.query_params["price"] == "10.0" and at.query_params["ctx"] == "32000" and at.query_params["top"] == "10"


def test_switching_the_reference_reuses_the_cached_counts(monkeypatch):
    """Premiums are ratios of counts cached per tokenizer: a new reference never counts again."""
    at = run_page(tk="cl100k_base,llama3")
    monkeypatch.setattr(tokviz.premiums.counting, "_count_units",
                        lambda *a, **k: pytest.fail("a reference switch must not count tokens"))
    before = chart(at, "premium by language")
    at.selectbox(key="prem_ref").set_value("amh").run()
    assert not at.exception and not at.error
    after = chart(at, "premium by language")
    assert before != after
    open_tab(at, "Table")
    table = dataframe_with(at, "byte_fallback_share")
    english = table[(table["tokenizer"] == "cl100k_base") & (table["language"] == "eng")].iloc[0]
    amharic = table[(table["tokenizer"] == "cl100k_base") & (table["language"] == "amh")].iloc[0]
    assert amharic["premium"] == pytest.approx(1.0) and english["premium"] < 1.0


def test_page_opens_with_a_plain_sentence_and_expert_detail_in_expanders():
    at = run_page(tk="cl100k_base")
    assert "500+ languages" in at.markdown[0].value and "Try:" in at.markdown[1].value
    labels = [expander.label for expander in at.expander]
    assert any("where the premium comes from" in label for label in labels)
    assert any("published FLORES-200" in label for label in labels)


# ---- issue 10: hostile URLs ------------------------------------------------------------------------
def test_a_markdown_link_in_the_reference_is_shown_as_text():
    at = run_page(tk="cl100k_base", ref="[log in again](http://evil.example) ![i](http://evil.example/a.png)")
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "from the link" in w.value]
    assert "](http" not in warning and "![" not in warning and "http://" not in warning
    assert "\\[log in again\\]" in warning
    assert at.selectbox(key="prem_ref").value == "eng"


def test_paths_in_the_url_are_never_read(monkeypatch):
    monkeypatch.delenv("TOKVIZ_FLORES_DIR", raising=False)
    monkeypatch.setattr(tokviz.corpora, "load_flores", lambda *a, **k: pytest.fail("read a path from the URL"))
    at = open_flores(run_page(tk="cl100k_base", flores="/etc", pub="/etc/passwd"))
    assert not at.exception and not at.error
    shown = " ".join(e.value for e in [*at.markdown, *at.caption, *at.warning, *at.info])
    assert "/etc" not in shown and "TOKVIZ_FLORES_DIR" in shown


def test_out_of_range_url_values_are_clamped():
    at = run_page(tk="cl100k_base,llama3", top="1000", price="-5", ctx="0", words="lots", sort="nope",
                  focus="<script>", lang="zzz", scr="Ethi,Nope")
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="prem_focus").value == "cl100k_base"
    assert at.multiselect(key="prem_scripts").value == ["Ethi"]
    open_tab(at, "Most expensive")
    assert at.slider(key="prem_top").value == 40
    assert at.query_params["top"] == "40"
    open_tab(at, "Heatmap")
    assert at.selectbox(key="prem_sort").value.startswith("mean premium")
    open_tab(at, "Cost & context")
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="prem_price").value == 0.0
    assert at.number_input(key="prem_context").value == 1
    assert at.number_input(key="prem_words").value == 100_000
    assert at.selectbox(key="prem_lang").value == "amh"


# ---- issue 13: the shipped default and the recompute path -------------------------------------------
def test_first_visit_uses_the_shipped_counts(empty_cache, monkeypatch):
    """The default tokenizers' UDHR counts ship in data/: an empty cache loads no tokenizer, counts nothing."""
    monkeypatch.setattr(tokviz.premiums.counting, "_count_units",
                        lambda *a, **k: pytest.fail("the shipped counts must be used"))
    monkeypatch.setattr(tokviz.premiums.counting, "_COUNTS_MEMO", {})
    st.cache_data.clear()
    at = run_page(tab="Heatmap")
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    heatmap = chart(at, "Premium per tokenizer and language")
    assert {display_name(n) for n in tokviz.DEFAULT_TOKENIZERS} <= set(heatmap["data"][0]["y"])
    assert not list((empty_cache / "premiums").glob("*.parquet"))


def test_counts_are_recomputed_when_the_shipped_inputs_differ(empty_cache, monkeypatch, tmp_path):
    import pyarrow.parquet as pq

    from tokviz.premiums import shipped

    table = pq.read_table(shipped.SHIPPED_COUNTS_PATH)
    meta = json.loads(table.schema.metadata[b"tokviz.premium_counts"])
    meta["udhr_sha256"] = "0" * 64  # as if data/udhr.parquet had changed since the build
    stale = tmp_path / "stale.parquet"
    pq.write_table(table.replace_schema_metadata({b"tokviz.premium_counts": json.dumps(meta)}), stale)
    monkeypatch.setattr(shipped, "SHIPPED_COUNTS_PATH", stale)
    monkeypatch.setattr(tokviz.premiums.counting, "_COUNTS_MEMO", {})
    st.cache_data.clear()
    at = run_page(tk="cl100k_base", tab="Table")
    assert not at.exception and not at.error
    assert len(list((empty_cache / "premiums").glob("*.parquet"))) == 1  # counted afresh, cached on disk
    rows = dataframe_with(at, "byte_fallback_share").set_index("language")
    expected = tokviz.premiums.token_premiums(["cl100k_base"]).set_index("language")
    assert (rows.loc[expected.index, "tokens"] == expected["tokens"]).all()
