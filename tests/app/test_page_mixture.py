"""The Mixture inference page under streamlit.testing: default run, a real small inference, bad input."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests import helpers

PRECOMPUTED = Path(__file__).resolve().parents[2] / "data" / "mixture_precomputed.parquet"
PAGE_FILE = "3_Mixture_inference.py"
TIMEOUT = 600


def run_page(**query) -> AppTest:
    return helpers.run_page(PAGE_FILE, TIMEOUT, query)


def charts(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def test_default_run_shows_the_precomputed_results_and_waits_for_a_run():
    at = run_page()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert PRECOMPUTED.exists(), "data/mixture_precomputed.parquet is shipped with the repo"
    stacked = charts(at)["Inferred training mixtures of the default tokenizers"]
    tokenizers = set(stacked["data"][0]["x"])
    assert {"cl100k_base", "o200k_base", "llama3", "qwen3", "mistral-tekken", "deepseek-v3", "llama2",
            "mistral-7b"} <= tokenizers
    published = next(frame.value for frame in at.dataframe if "paper" in frame.value.columns)
    assert set(published["tokenizer"]) == {"o200k_base", "cl100k_base", "llama3"}
    assert published.set_index("tokenizer").loc[["o200k_base", "cl100k_base"], "tokviz"].between(0, 1).all()
    runs = next(frame.value for frame in at.dataframe if "stopped" in frame.value.columns)
    assert set(runs["tokenizer"]) == tokenizers and runs["gap"].between(0, 1).all()
    assert set(runs["stopped"]) <= {"no violated constraint", "within gap", "round limit", "time limit"}
    assert any("Run inference" in info.value for info in at.info)
    assert at.multiselect(key="mix_tokenizers").value == ["o200k_base"]


def test_a_small_run_draws_every_view():
    at = run_page(tk="cl100k_base", lang="en,fr", code="python", merges="400")
    at.select_slider(key="mix_size").set_value("100 KB")
    at.checkbox(key="mix_halves").check()
    at.button(key="mix_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    found = charts(at)
    bars = found["Inferred training-data shares of cl100k_base"]
    assert sorted(bars["data"][0]["y"]) == ["en", "fr", "python"]
    assert "Inferred mixtures side by side" in found
    stability = found["Stability: the estimate from two halves of the samples"]
    assert [trace["name"] for trace in stability["data"]] == ["first half", "second half", "all of it"]
    timeline = found["Where the first merges came from"]
    assert {trace["name"] for trace in timeline["data"]} == {"en", "fr", "python"}
    status = next(m.value for m in at.markdown if "LP rounds" in m.value)
    assert "(no violated constraint" in status or "(within gap, objective within" in status
    table = next(frame.value for frame in at.dataframe if "sample bytes" in frame.value.columns)
    assert abs(table["share"].sum() - 1) < 1e-9
    assert at.query_params["merges"] == "400" and at.query_params["tk"] == "cl100k_base"
    # changing a widget keeps the finished run on screen (served from the store, not recomputed)
    at.select_slider(key="mix_size").set_value("300 KB").run()
    assert not at.exception
    assert "Inferred training-data shares of cl100k_base" in charts(at)


def test_no_categories_is_a_message():
    at = run_page(tk="cl100k_base", lang="en", code="python")
    at.multiselect(key="mix_languages").set_value([])
    at.multiselect(key="mix_code").set_value([])
    at.button(key="mix_run").click().run()
    assert not at.exception
    assert any("at least two categories" in error.value for error in at.error)


def test_no_tokenizer_is_a_message():
    at = run_page(tk="cl100k_base", lang="en", code="python")
    at.multiselect(key="mix_tokenizers").set_value([])
    at.button(key="mix_run").click().run()
    assert not at.exception
    assert any("Pick at least one tokenizer" in error.value for error in at.error)
