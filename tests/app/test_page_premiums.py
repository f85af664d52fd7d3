"""The Language premiums page under streamlit.testing: default run, changed widgets, bad input."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import tokviz
from tests import helpers

PAGE_FILE = "2_Language_premiums.py"
TIMEOUT = 600  # a cold table counts every default tokenizer over the UDHR once
FLORES = Path(__file__).resolve().parents[2].parent / "shared" / "flores200"


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


def test_default_run_shows_every_default_tokenizer_on_a_map():
    at = run_page()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    world = chart(at, "premium by language")
    points = sum(len(values(trace["lat"])) for trace in world["data"] if trace["type"] == "scattergeo")
    assert points >= 500
    heatmap = chart(at, "Premium per tokenizer and language")
    assert set(tokviz.DEFAULT_TOKENIZERS) <= set(heatmap["data"][0]["y"])
    assert len(heatmap["data"][0]["x"]) >= 500
    for title in ("most expensive languages", "Distribution of premiums", "where the premium comes from",
                  "script cost against vocabulary cost", "What the context window holds"):
        chart(at, title)
    assert any("words of Amharic" in info.value for info in at.info)
    assert at.query_params["ref"] == "eng"
    assert set(tokviz.DEFAULT_TOKENIZERS) <= set(at.query_params["tk"].split(","))


def test_changed_reference_and_filters():
    at = run_page(tk="cl100k_base,llama3")
    at.selectbox(key="prem_ref").set_value("deu_1996").run()
    at.multiselect(key="prem_scripts").set_value(["Ethi"]).run()
    assert not at.exception and not at.error
    assert at.query_params["ref"] == "deu_1996" and at.query_params["scr"] == "Ethi"
    heatmap = chart(at, "Premium per tokenizer and language")
    shown = set(heatmap["data"][0]["x"])
    ethiopic = set(tokviz.corpora.udhr_languages().query("script == 'Ethi'")["code"])
    assert shown and shown <= ethiopic
    assert heatmap["data"][0]["y"] == ["cl100k_base", "llama3"]


def test_calculator_and_focus_follow_widgets():
    at = run_page(tk="cl100k_base,o200k_base")
    at.selectbox(key="prem_focus").set_value("o200k_base").run()
    at.number_input(key="prem_context").set_value(32_000).run()
    assert not at.exception
    assert "o200k_base" in chart(at, "premium by language")["layout"]["title"]["text"]
    assert any("32,000-token context" in info.value for info in at.info)
    assert at.query_params["ctx"] == "32000" and at.query_params["focus"] == "o200k_base"


def test_state_comes_back_from_the_url():
    at = run_page(tk="llama3", ref="fra", q="arab", top="10")
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


def test_malformed_flores_folder_is_a_message(tmp_path):
    (tmp_path / "dev").mkdir()
    at = run_page(tk="cl100k_base", flores=str(tmp_path))
    assert not at.exception
    assert any("no devtest/ subfolder" in error.value for error in at.error)


@pytest.mark.slow
def test_flores_folder_compares_with_the_published_counts():
    at = run_page(tk="cl100k_base", flores=str(FLORES))
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    comparison = chart(at, "against Petrov et al.")
    assert "204/204 exact" in comparison["data"][0]["name"]
    summary = dataframe_with(at, "identical counts").set_index("tokenizer")
    assert summary.loc["cl100k_base", "identical counts"] == 204
    assert summary.loc["cl100k_base", "Spearman ρ"] == pytest.approx(1.0)
    ranks = dataframe_with(at, "Spearman ρ", without="identical counts").set_index("tokenizer")
    assert ranks.loc["cl100k_base", "Spearman ρ"] > 0.8
