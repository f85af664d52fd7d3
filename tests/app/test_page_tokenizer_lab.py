"""The Tokenizer lab page under streamlit.testing: default run, changed widgets, bad input."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

import tokviz
from tests import helpers

PAGE_FILE = "5_Tokenizer_lab.py"
TIMEOUT = 600


def run_page(query: dict | None = None, state: dict | None = None) -> AppTest:
    return helpers.run_page(PAGE_FILE, TIMEOUT, query, state)


def chart_titles(at: AppTest) -> list[str]:
    titles = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        titles.append((layout.get("title") or {}).get("text", ""))
    return titles


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_default_run_compares_three_variants_on_english_amharic_hindi():
    at = run_page()
    clean(at)
    titles = chart_titles(at)
    assert any("Premium on unseen text" in t for t in titles)
    assert any("Parity-aware evens out" in t for t in titles)
    premium = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                   if "Premium on unseen" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    assert [trace["name"] for trace in premium["data"]] == ["Classic BPE", "Parity-aware BPE", "SuperBPE"]
    assert list(premium["data"][0]["x"]) == ["English", "Amharic", "Hindi"]
    story = next(m.value for m in at.markdown if "With **classic BPE**" in m.value)
    assert "Parity-aware BPE" in story and "SuperBPE" in story
    assert any(m.value.startswith("**Start:**") for m in at.markdown)  # the step-through at step 0
    assert at.query_params.get("v") is None  # the default size is left out of the URL


def test_url_state_and_a_changed_step_and_size():
    at = run_page(query={"step": "5", "v": "400"})
    clean(at)
    assert at.number_input(key="lab_vocab").value == 400
    assert any(m.value.startswith("**Step 5:**") for m in at.markdown)
    at.slider(key="lab_step").set_value(12).run()
    clean(at)
    assert any(m.value.startswith("**Step 12:**") for m in at.markdown)
    assert at.query_params["step"] in ("12", ["12"])


def test_play_advances_ten_merges():
    at = run_page()
    at.button(key="lab_play").click().run()
    clean(at)
    assert at.slider(key="lab_step").value == 10
    assert any(m.value.startswith("**Step 10:**") for m in at.markdown)


def test_one_language_warns_that_parity_needs_two():
    at = run_page(query={"langs": "eng"})
    clean(at)
    assert any("at least two languages" in w.value for w in at.warning)
    assert any(m.value.startswith("With one language every premium is 1×") for m in at.markdown)
    premium = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
               if "Premium on unseen" in json.loads(c.proto.spec)["layout"]["title"]["text"]][0]
    assert [trace["name"] for trace in premium["data"]] == ["Classic BPE", "SuperBPE"]


def test_empty_own_text_is_a_clear_error():
    at = run_page(query={"src": "Your own text"})
    assert not at.exception
    assert any("empty" in e.value for e in at.error)


def test_huge_vocabulary_is_clamped_and_training_says_it_stopped_early():
    at = run_page(query={"v": "10000000", "langs": "eng,fra"})
    clean(at)
    assert at.number_input(key="lab_vocab").value == 50_000
    assert any("stopped at" in info.value for info in at.info)


def test_use_on_other_pages_lists_the_trained_tokenizer_in_the_picker():
    at = run_page(query={"langs": "eng,deu_1996"})
    at.button(key="lab_offer").click().run()
    clean(at)
    assert any("tokenizer pickers" in s.value for s in at.success)
    extra = at.session_state["tokviz_extra_tokenizers"]
    (path, label), = extra.items()
    assert path.endswith("tokenizer.json") and label.startswith("Lab: Classic BPE")


def test_a_lab_tokenizer_offered_to_other_pages_works_on_segmentations(tmp_path):
    from tokviz.lab import train_bpe

    trained = train_bpe({"eng": "All human beings are born free and equal in dignity and rights. " * 20}, 300)
    path = str(trained.save(tmp_path))
    at = helpers.run_page("1_Segmentations.py", TIMEOUT, query={"tk": path},
                          state={"tokviz_extra_tokenizers": {path: "Lab: Classic BPE 300 (eng)"}})
    clean(at)
    picker = at.multiselect(key="seg_tokenizers")
    assert picker.value == [path]
    counts = at.dataframe[0].value  # the page's token-count table: one row, the lab tokenizer's own count
    assert len(counts) == 1
    assert counts["tokens"].item() == len(tokviz.load_tokenizer(path).encode(at.text_area[0].value))


def test_next_merge_moves_one_step():
    at = run_page(query={"step": "3"})
    at.button(key="lab_next").click().run()
    clean(at)
    assert at.slider(key="lab_step").value == 4
    assert any(m.value.startswith("**Step 4:**") for m in at.markdown)
