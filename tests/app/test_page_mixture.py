"""The Mixture inference page under streamlit.testing: shipped results, a real small run, bad and hostile input."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests import helpers
from tokviz.catalog import CATALOG
from tokviz.ui.mixture import markdown_text

PRECOMPUTED = Path(__file__).resolve().parents[2] / "data" / "mixture_precomputed.parquet"
PAGE_FILE = "3_Mixture_inference.py"
TIMEOUT = 600
PAPER_TOKENIZERS = {"r50k_base", "cl100k_base", "o200k_base", "llama2", "llama3", "mistral-7b", "mistral-tekken",
                    "gemma3", "claude-legacy"}
HOSTILE = ("<img src=x onerror=alert(1)>", "%{x}")


def run_page(query: dict | None = None, state: dict | None = None) -> AppTest:
    return helpers.run_page(PAGE_FILE, TIMEOUT, query, state)


def charts(at: AppTest) -> dict[str, dict]:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return {spec["layout"]["title"]["text"]: spec for spec in specs}


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def shown(name: str) -> str:
    """The name the page shows for a catalog tokenizer."""
    return CATALOG[name].display_name


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_default_run_shows_sentences_groups_and_the_paper_beside_tokviz():
    at = run_page()
    clean(at)
    assert at.markdown[0].value.startswith("**What it shows:**") and "**Try:**" in at.markdown[0].value
    assert PRECOMPUTED.exists(), "data/mixture_precomputed.parquet is shipped with the repo"
    found = charts(at)
    groups = found["Inferred mixtures, by group"]
    bars = set(groups["data"][0]["x"])
    tokenizers = {bar for bar in bars if not bar.endswith(": own additions")}
    # what people call them ("Llama 3"), not catalog keys ("llama3")
    assert {shown(n) for n in ("cl100k_base", "o200k_base", "llama3", "llama2", "mistral-7b")} <= tokenizers
    assert {"Llama 3: own additions", f"{shown('qwen3')}: own additions"} <= bars  # beside the full runs
    assert [t["name"] for t in groups["data"]][:2] == ["English", "Other European languages"]
    assert set(found["Inside “English”"]["data"][0]["x"]) == bars
    for name in tokenizers:  # one plain sentence per tokenizer
        assert f"**{name}** — Looks like about" in texts(at)
    assert any(f"Llama 3 are exactly {shown('cl100k_base')}'s" in w.value for w in at.warning)
    published = next(frame.value for frame in at.dataframe if "paper" in frame.value.columns)
    assert set(published["tokenizer"]) == {shown(n) for n in PAPER_TOKENIZERS}  # display names, not keys
    compared = published[published["status"] == "compared"]
    assert {shown("o200k_base"), shown("cl100k_base")} <= set(compared["tokenizer"])
    assert (compared["difference"] - (compared["tokviz"] - compared["paper"])).abs().max() < 1e-12
    everything = next(frame.value for frame in at.dataframe if "what" in frame.value.columns)
    assert everything.loc[everything["measure"] == "web", "status"].str.startswith("not comparable").all()
    runs = next(frame.value for frame in at.dataframe if "stopped" in frame.value.columns)
    assert {shown(t) for t in runs["tokenizer"]} == tokenizers and runs["gap"].between(0, 1).all()
    assert any("Run inference" in info.value for info in at.info)
    assert at.multiselect(key="mix_tokenizers").value == ["o200k_base"]
    assert shown("o200k_base") in at.multiselect(key="mix_tokenizers").options  # the picker shows names too


def test_derived_tokenizers_show_their_own_additions_with_the_base_named():
    at = run_page()
    clean(at)
    own = {s.value.split("'s own merges")[0]: s.value for s in at.success}
    assert set(own) == {"Llama 3", shown("qwen3")}
    assert own["Llama 3"].startswith(f"Llama 3's own merges (the first 1,000 of the 27,654 it added after "
                                     f"{shown('cl100k_base')}'s 100,000) look like about ")
    assert f"after {shown('cl100k_base')}'s 98,900" in own[shown("qwen3")] and "not computed yet" not in texts(at)
    runs = next(frame.value for frame in at.dataframe if "stopped" in frame.value.columns)
    added = runs[runs["run"] == "additions"].set_index("tokenizer")
    assert added.loc["llama3", "base"] == "cl100k_base" and added.loc["llama3", "skip_merges"] == 100_000
    assert added.loc["qwen3", "skip_merges"] == 98_900 and (added["gap"].between(0, 1)).all()
    limits = next(f.value for f in at.dataframe if "largest sample" in f.value.columns).set_index("category")
    assert limits.loc["en", "largest sample"].startswith("any size")
    assert "from all 321,180" in limits.loc["en", "new words or text until"]
    assert limits.loc["shell", "largest sample"].endswith("MB (all its files here)")


def test_drill_down_into_a_group_keeps_its_choice_in_the_url():
    at = run_page()
    at.selectbox(key="pre_group").set_value("Code").run()
    clean(at)
    inside = charts(at)["Inside “Code”"]
    assert {t["name"] for t in inside["data"]} <= {"Python", "C", "JavaScript", "Shell"}
    assert at.query_params["pre_group"] == ["Code"] or at.query_params["pre_group"] == "Code"


def test_a_small_run_draws_every_view_with_full_names():
    at = run_page({"tk": "cl100k_base", "lang": "en,fr", "code": "python", "merges": "400", "size": "100 KB"})
    at.checkbox(key="mix_halves").check()
    at.button(key="mix_run").click().run()
    clean(at)
    found = charts(at)
    bars = found[f"Inferred training-data shares of {shown('cl100k_base')}"]
    assert sorted(bars["data"][0]["y"]) == ["English", "French", "Python"]
    assert "Inferred mixtures, by group" in found  # the shipped results
    assert [tab.label for tab in at.tabs] == ["Shares", "Stability", "Merge timeline", "Table"]  # no one-bar compare
    stability = found["Stability: the estimate from two halves of the samples"]
    assert [trace["name"] for trace in stability["data"]] == ["first half", "second half", "all of it"]
    timeline = found["Where the first merges came from"]
    assert {trace["name"] for trace in timeline["data"]} == {"English", "French", "Python"}
    assert f"**{markdown_text(shown('cl100k_base'))}** — Looks like about" in texts(at)
    details = next(frame.value for frame in at.dataframe if "value" in frame.value.columns)
    assert {"LP rounds", "constraints", "total slack"} <= set(details.iloc[:, 0])
    table = next(frame.value for frame in at.dataframe if "sample bytes" in frame.value.columns)
    assert abs(table["share"].sum() - 1) < 1e-9
    assert at.query_params["merges"] == ["400"] or at.query_params["merges"] == "400"
    # changing a widget keeps the finished run on screen (served from the store, not recomputed)
    at.select_slider(key="mix_size").set_value("300 KB").run()
    assert not at.exception
    assert f"Inferred training-data shares of {shown('cl100k_base')}" in charts(at)


def test_two_tokenizers_are_compared_side_by_side():
    at = run_page({"tk": "cl100k_base,o200k_base", "lang": "en,fr", "code": "python", "merges": "300",
                   "size": "100 KB"})
    at.button(key="mix_run").click().run()
    clean(at)
    assert "Side by side" in [tab.label for tab in at.tabs]
    assert sum("— Looks like about" in m.value for m in at.markdown) >= 2 + 8


def test_hostile_upload_names_show_as_text_everywhere():
    at = run_page({"tk": "cl100k_base", "lang": "en", "code": "python", "merges": "300", "size": "100 KB"})
    sample = ("hello there, this is a sample of my own text with words\n" * 400).encode()
    at.file_uploader(key="mix_uploads").set_value([(f"{name}.txt", sample, "text/plain") for name in HOSTILE])
    at.run()
    at.button(key="mix_run").click().run()
    clean(at)
    bars = charts(at)[f"Inferred training-data shares of {shown('cl100k_base')}"]["data"][0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in bars["y"] and "%{x}" in bars["y"]
    assert bars["hovertemplate"] == "%{customdata[0]} (%{customdata[1]}): %{x:.2%}<extra></extra>"
    assert not any("<img" in m.value.replace("\\<img", "") for m in [*at.markdown, *at.warning, *at.caption])
    table = next(frame.value for frame in at.dataframe if "sample bytes" in frame.value.columns)
    assert set(HOSTILE) <= set(table["category"]) and set(HOSTILE) <= set(table["name"])


def test_bad_urls_and_empty_choices_are_messages():
    at = run_page({"tk": "nope,cl100k_base", "merges": "abc", "size": "99 GB", "halves": "maybe"})
    assert not at.exception
    assert at.multiselect(key="mix_tokenizers").value == ["cl100k_base"]
    assert at.number_input(key="mix_merges").value == 3000 and at.select_slider(key="mix_size").value == "300 KB"
    at.multiselect(key="mix_languages").set_value([])
    at.multiselect(key="mix_code").set_value([])
    at.button(key="mix_run").click().run()
    assert not at.exception
    assert any("at least two categories" in error.value for error in at.error)
    at.multiselect(key="mix_tokenizers").set_value([])
    at.button(key="mix_run").click().run()
    assert any("Pick at least one tokenizer" in error.value for error in at.error)
