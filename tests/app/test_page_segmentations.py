"""AppTest of app.py and the Segmentations page: default run, changed widgets, bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import tokviz
from tests import helpers

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILE = "1_Segmentations.py"
TIMEOUT = 180


def run_page(**query) -> AppTest:
    return helpers.run_page(PAGE_FILE, TIMEOUT, query)


def token_blocks(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html") if 'class="tv-tok' in element.proto.body]


def test_app_home_runs_and_lists_the_catalog():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "tokviz"
    table = at.dataframe[0].value
    assert set(tokviz.DEFAULT_TOKENIZERS) <= {info.name for info in tokviz.available_tokenizers()}
    assert len(table) == len(tokviz.available_tokenizers())


def test_default_view_shows_four_tokenizers():
    at = run_page()
    assert not at.exception
    assert len(token_blocks(at)) == 4
    counts = at.dataframe[0].value
    assert len(counts) == 4
    prose = at.text_area[0].value
    for _, row in counts.iterrows():
        assert row["characters"] == len(prose)
    expected = tokviz.load_tokenizer("o200k_base").encode(prose)
    assert counts.loc[counts["tokenizer"].str.startswith("o200k"), "tokens"].item() == len(expected)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["data"][0]["type"] == "bar"
    assert at.query_params["tk"] == "o200k_base,llama3,mistral-7b,qwen3"


def test_changed_widgets_change_the_view():
    at = run_page()
    at.selectbox(key="seg_preset").set_value("Python code").run()
    assert not at.exception
    assert at.text_area[0].value.startswith("def fibonacci")
    at.toggle(key="seg_ids").set_value(True).run()
    code_ids = tokviz.load_tokenizer("o200k_base").encode(at.text_area[0].value)
    assert f'<span class="tv-id">{code_ids[0]}</span>' in token_blocks(at)[0]
    at.multiselect(key="seg_tokenizers").set_value(["cl100k_base", "deepseek-v3"]).run()
    assert not at.exception
    assert len(token_blocks(at)) == 2
    assert at.query_params["tk"] == "cl100k_base,deepseek-v3"


def test_custom_text_travels_in_the_url_and_back():
    at = run_page(tk="cl100k_base,llama2", t="naïve café 🤦🏼‍♂️")
    assert not at.exception
    assert at.text_area[0].value == "naïve café 🤦🏼‍♂️"
    blocks = token_blocks(at)
    assert len(blocks) == 2
    assert "tv-chip" in blocks[0], "cl100k splits the emoji: its pieces are byte chips"


def test_a_token_up_close_shows_its_merge_tree():
    at = run_page(tk="cl100k_base", t="tokenization")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    first = tokviz.load_tokenizer("cl100k_base").encode("tokenization")[0]
    assert metrics["id"] == str(first)
    assert metrics["merge rank"] != "—"
    assert at.get("graphviz_chart"), "the merge tree is drawn"


def test_udhr_preset_fills_the_text():
    at = run_page()
    at.selectbox(key="seg_preset").set_value("UDHR article").run()
    assert not at.exception
    assert "free and equal" in at.text_area[0].value
    at.selectbox(key="seg_udhr_lang").set_value("deu_1996").run()
    assert not at.exception
    assert "Menschen" in at.text_area[0].value


def test_no_tokenizer_is_an_error_message_not_a_traceback():
    at = run_page()
    at.multiselect(key="seg_tokenizers").set_value([]).run()
    assert not at.exception
    assert any("Pick at least one tokenizer" in e.value for e in at.error)


def test_empty_text_is_a_hint():
    at = run_page()
    at.text_area[0].input("").run()
    assert not at.exception
    assert any("Type or paste" in i.value for i in at.info)


def test_text_over_one_megabyte_is_cut_with_a_warning():
    at = run_page(tk="o200k_base")
    at.text_area[0].input("word " * 220_000).run()
    assert not at.exception
    assert any("1 MB" in w.value for w in at.warning)
    assert at.dataframe[0].value["bytes"].item() == 1_000_000


def test_unknown_tokenizer_in_the_url_is_ignored():
    at = run_page(tk="no-such-tokenizer,cl100k_base")
    assert not at.exception
    assert len(token_blocks(at)) == 1


@pytest.mark.parametrize("label", ["Download CSV", "Download JSON"])
def test_downloads_are_offered(label):
    at = run_page()
    assert any(b.proto.label == label for b in at.get("download_button"))
