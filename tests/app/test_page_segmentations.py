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


def token_view_html(at: AppTest) -> str:
    """The HTML the interactive token view was given (a st.components.v2 component)."""
    (view,) = [element for element in at.get("bidi_component") if element.proto.component_name == "tokviz.token_rows"]
    return json.loads(view.proto.json)["html"]


def token_blocks(at: AppTest) -> list[str]:
    """One HTML block per tokenizer row of the token view."""
    return token_view_html(at).split('<div class="tv-row"')[1:]


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
    assert "tk" not in at.query_params  # the default choice keeps the URL clean (ui.state.bind)
    at.multiselect(key="seg_tokenizers").set_value(["llama3", "o200k_base"]).run()
    assert at.query_params["tk"] in ("llama3,o200k_base", ["llama3,o200k_base"])


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
    assert 'class="tv-group"' in blocks[0], "cl100k splits the emoji: it is drawn once above its tokens' bytes"
    assert '<span class="tv-char">·🤦' in blocks[0]


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


def test_text_over_the_page_limit_is_cut_with_a_warning():
    from tokviz.ui.segmentation import PAGE_TEXT_LIMIT

    at = run_page(tk="o200k_base")
    at.text_area[0].input("word " * 220_000).run()
    assert not at.exception
    assert any(f"{PAGE_TEXT_LIMIT:,}" in w.value for w in at.warning)
    assert at.dataframe[0].value["characters"].item() == PAGE_TEXT_LIMIT


def test_unknown_tokenizer_in_the_url_is_ignored():
    at = run_page(tk="no-such-tokenizer,cl100k_base")
    assert not at.exception
    assert len(token_blocks(at)) == 1


@pytest.mark.parametrize("label", ["Download CSV", "Download JSON"])
def test_downloads_are_offered(label):
    at = run_page()
    assert any(b.proto.label == label for b in at.get("download_button"))


# ---- issue 13: bugs seen in the browser ------------------------------------------------------------------

def _dot_leaves(at: AppTest) -> str:
    from tests.unit.test_segmentation_render import dot_leaf_labels

    return "".join(dot_leaf_labels(at.get("graphviz_chart")[0].proto.spec))


@pytest.mark.parametrize("word", ["Token", "Hello"])
def test_merge_tree_leaves_spell_the_token(word):
    at = run_page(tk="cl100k_base", t=word)
    assert not at.exception
    assert _dot_leaves(at) == word


def _picker(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Token")


def test_token_picker_follows_a_changed_text():
    at = run_page(tk="cl100k_base", t="Token Hello")
    picker = _picker(at)
    picker.set_value(1).run()
    assert {m.label: m.value for m in at.metric}["id"] == "22691"  # " Hello"
    at.text_area[0].input("Hello world again").run()
    assert not at.exception
    picker = _picker(at)
    first = tokviz.load_tokenizer("cl100k_base").encode("Hello world again")[0]
    assert picker.value == 0, "a new text starts the picker at its first token"
    assert picker.options[picker.index].endswith(f"(id {first})")
    assert {m.label: m.value for m in at.metric}["id"] == str(first)


def test_a_token_in_the_url_is_the_token_up_close():
    at = run_page(tk="cl100k_base,llama3", t="Token Hello", tok="llama3:1")
    assert not at.exception
    assert at.selectbox(key="seg_inspect_tok").value == "llama3"
    assert _picker(at).value == 1
    assert {m.label: m.value for m in at.metric}["id"] == str(tokviz.load_tokenizer("llama3").encode("Token Hello")[1])
    assert 'data-r="1" data-i="1"' in token_view_html(at)


def test_a_split_character_is_drawn_once_above_its_bytes():
    at = run_page(tk="cl100k_base", t="hi 👋")
    assert not at.exception
    block = token_blocks(at)[0]
    assert block.count('<span class="tv-char">·👋</span>') == 1
    assert "F0 9F 91" in block and "8B" in block
    labels = _picker(at).options
    assert "#2: b'\\x8b' (id 233)" in labels, labels


def test_ids_and_bytes_sit_under_each_token():
    at = run_page(tk="cl100k_base", t="hello world", ids="1", bytes="1")
    assert not at.exception
    block = token_blocks(at)[0]
    assert '<span class="tv-id">15339</span>' in block
    assert '<span class="tv-hex">68 65 6C 6C 6F</span>' in block


def test_hostile_text_is_shown_as_text():
    hostile = '<script>alert(1)</script> [log in](https://evil.example) <img src=x onerror=alert(2)> <|endoftext|>'
    at = run_page(tk="cl100k_base,mistral-7b", t=hostile)
    assert not at.exception
    html = token_view_html(at)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script" in html or "&lt;" in html
    for element in at.markdown:
        assert "](https://evil.example)" not in element.value, "no markdown link from the text"


def test_a_megabyte_of_spaces_is_a_message_not_a_crash():
    at = run_page(tk="o200k_base,llama3")
    at.text_area[0].input(" " * 1_000_000).run()
    assert not at.exception
    assert at.warning, "the text is cut to the page limit, with a warning"


@pytest.mark.parametrize("query", [{"tok": "cl100k_base:999999"}, {"tok": "nope:1"}, {"chart": "nope"},
                                   {"ids": "maybe"}, {"p": "no such example"}, {"p": "UDHR article", "art": "99"},
                                   {"tok": "cl100k_base:-5"}])
def test_url_values_out_of_range_are_mended(query):
    at = run_page(tk="cl100k_base", **query)
    assert not at.exception
    assert len(token_blocks(at)) == 1


def test_closed_expanders_are_built_only_when_opened():
    """The ids, chat counts, pairwise heatmap and count explanations cost the server and the browser only
    when their expander is open (issue 10: what each of many sessions does)."""
    at = run_page(tk="cl100k_base,llama3", t="hello world, hello tokens")
    ids = ", ".join(map(str, tokviz.load_tokenizer("llama3").encode("hello world, hello tokens")))
    assert not at.exception
    assert ids not in [block.value for block in at.code]
    assert not any("with chat template" in frame.value.columns for frame in at.dataframe)
    assert len(at.get("plotly_chart")) == 2  # the counts bar and the cut-point strip
    for key in ("seg_exp_ids", "seg_exp_pairwise", "seg_exp_chat", "seg_exp_why"):
        at.session_state[key] = True
    at.run()
    assert not at.exception
    assert ids in [block.value for block in at.code]
    assert len(at.get("plotly_chart")) == 3
    assert any("with chat template" in frame.value.columns for frame in at.dataframe)
    assert any("normalizer" in block.value for block in at.markdown)


def test_chat_conversation_is_counted_through_mistral_template():
    at = run_page(tk="cl100k_base,mistral-7b")
    at.session_state["seg_exp_chat"] = True
    at.run()
    assert not at.exception
    table = next(frame.value for frame in at.dataframe if "with chat template" in frame.value.columns)
    mistral = table[table["tokenizer"].str.startswith("Mistral")].iloc[0]
    assert mistral["with chat template"] > mistral["plain text"]
    assert table[table["tokenizer"].str.startswith("cl100k")]["with chat template"].isna().all()


def test_counts_chart_uses_display_names():
    at = run_page(tk="cl100k_base,llama3")
    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        assert '"cl100k_base"' not in spec and '"llama3"' not in spec
