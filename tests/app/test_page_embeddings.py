"""AppTest of the Embedding map page: the default Llama 2 map, changed widgets, search and typed
text, URL state, bad input, and a 262,144-token (Gemma 3 sized) map within the message limit."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from tests import helpers
from tests.helpers import word_tokenizer

ROOT = Path(__file__).resolve().parents[2]
PAGE_FILE = "4_Embedding_map.py"
TIMEOUT = 600  # the first UMAP of the session (cold numba + layout) runs inside the default view


def run_page(query: dict | None = None, state: dict | None = None) -> AppTest:
    return helpers.run_page(PAGE_FILE, TIMEOUT, query, state)


def chart_spec(at: AppTest) -> tuple[dict, int]:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = charts[0].proto.spec
    return json.loads(spec), len(spec.encode("utf-8"))


def point_count(spec: dict, trace_type: str = "scattergl") -> int:
    total = 0
    for trace in spec["data"]:
        if trace["type"] != trace_type:
            continue
        x = trace["x"]
        # Plotly 6 sends numpy arrays as base64 typed arrays: {"dtype": "f4", "bdata": ...}
        total += len(x) if isinstance(x, list) else len(np.frombuffer(__import__("base64").b64decode(x["bdata"]),
                                                                         dtype=x["dtype"]))
    return total




def messages(at: AppTest) -> str:
    return " ".join([e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info])


def summary(at: AppTest) -> str:
    """The line naming the matrix, the tokenizer and how many tokens are on the map."""
    lines = [m.value for m in at.markdown if "tokens on the map" in m.value]
    assert len(lines) == 1, [m.value for m in at.markdown]
    return lines[0]


def test_default_view_maps_the_whole_llama2_vocabulary():
    at = run_page()
    assert not at.exception
    assert not at.error
    spec, size = chart_spec(at)
    assert point_count(spec) == 32000
    # every point is drawn with WebGL; the SVG traces are the legend's opaque dots, one empty point each
    assert all(trace["type"] == "scattergl" for trace in spec["data"] if trace.get("showlegend") is False)
    assert all(trace["x"] == [None] for trace in spec["data"] if trace["type"] != "scattergl")
    names = [trace["name"] for trace in spec["data"]]
    assert names[0].startswith("Latin") and any(name.startswith("Cyrillic") for name in names)
    assert size < 5_000_000
    assert "UMAP" in summary(at) and "32,000 tokens" in summary(at)
    # the default view keeps the URL clean (ui.state.bind leaves defaults out); a change shows up
    assert "m" not in at.query_params and "method" not in at.query_params
    # the under-trained table lists Magikarp's known Llama 2 tokens
    table = at.dataframe[-1].value
    assert " Mediabestanden" in table.token.head(60).tolist()
    assert [button.proto.label for button in at.get("download_button")] == [
        "Coordinates + properties (CSV)", "Coordinates + properties (parquet)"]


def test_pca_and_numeric_colour_from_widgets():
    at = run_page()
    at.radio(key="emb_method").set_value("pca").run()
    at.selectbox(key="emb_color").set_value("norm").run()
    assert not at.exception
    spec, _ = chart_spec(at)
    coloured = [trace for trace in spec["data"] if trace["name"] == "L2 norm"]
    assert len(coloured) == 1 and coloured[0]["marker"]["colorbar"]["title"]["text"] == "L2 norm"
    assert point_count(spec) == 32000
    assert at.query_params["method"] == "pca" and at.query_params["color"] == "norm"
    assert "nn" not in at.query_params  # UMAP parameters leave the URL with PCA


def test_search_highlights_zooms_and_lists_neighbours():
    at = run_page({"method": "pca", "q": " king", "text": "See the Mediabestanden page"})
    assert not at.exception
    spec, _ = chart_spec(at)
    by_name = {trace["name"]: trace for trace in spec["data"]}
    assert by_name["searched token"]["customdata"] in ([6989], {"dtype": "i4", "bdata": "TRsAAA=="})
    assert "range" in spec["layout"]["xaxis"]  # zoomed to the token
    assert "nearest neighbours" in by_name and "typed text" in by_name
    neighbours = at.dataframe[0].value
    assert len(neighbours) == 10 and " King" in neighbours.token.tolist()
    assert "Mediabestanden" in messages(at) and "under-trained" in messages(at)


def test_url_state_round_trip_and_bad_url_values():
    # unknown values fall back to the default; out-of-range numbers are clamped to the slider's range
    at = run_page({"method": "tsne", "nn": "abc", "md": "7", "color": "nope", "m": "gpt9", "sample": "5000"})
    assert not at.exception and not at.error
    assert at.session_state["emb_method"] == "umap" and at.session_state["emb_nn"] == 15
    assert at.session_state["emb_md"] == 1.0 and at.session_state["emb_matrix"] == "llama2"
    assert at.query_params["md"] == "1.0" and "nn" not in at.query_params
    assert "5,000 tokens on the map" in summary(at)


def test_search_for_a_multi_token_text_warns():
    at = run_page({"method": "pca", "q": "antidisestablishmentarianism"})
    assert not at.exception
    assert "is not a single token" in messages(at)


@pytest.mark.parametrize("rows, poison, expected", [
    (1000, None, "1,000 rows but the tokenizer"),
    (32000, "nan", "NaN or infinite values"),
    (32000, "pickle", "pickled objects are never loaded"),
])
def test_bad_uploads_give_messages(tmp_path, rows, poison, expected):
    path = tmp_path / "upload.npy"
    if poison == "pickle":
        array = np.empty((rows, 2), dtype=object)
        with open(path, "wb") as handle:
            np.lib.format.write_array(handle, array, allow_pickle=True)
    else:
        matrix = np.random.default_rng(0).normal(size=(rows, 8)).astype(np.float32)
        if poison == "nan":
            matrix[5, 1] = np.nan
        np.save(path, matrix)
    at = run_page({"method": "pca"}, {"emb_matrix": "upload", "emb_upload_path": str(path),
                                      "emb_upload_tokenizer": "llama2"})
    assert not at.exception
    assert expected in messages(at)
    assert not at.get("plotly_chart")


def test_upload_without_a_file_asks_for_one():
    at = run_page(state={"emb_matrix": "upload"})
    assert not at.exception
    assert "Upload a token embedding matrix" in messages(at)


def test_gemma_sized_vocabulary_renders_within_the_message_limit(tmp_path):
    """262,144 × 64 (Gemma 3's vocabulary): the page sends every point, far below the limit."""
    rows = 262_144
    matrix = np.random.default_rng(7).standard_normal((rows, 64), dtype=np.float32)
    np.save(tmp_path / "gemma-sized.npy", matrix)
    del matrix
    tokenizer = word_tokenizer(tmp_path / "tokenizer.json", rows)
    at = run_page({"method": "pca"}, {"emb_matrix": "upload", "emb_upload_path": str(tmp_path / "gemma-sized.npy"),
                                      "emb_upload_tokenizer_path": tokenizer})
    assert not at.exception and not at.error
    spec, size = chart_spec(at)
    assert point_count(spec) == rows
    limit_bytes = st_config.get_option("server.maxMessageSize") * 1024 * 1024
    assert size < limit_bytes / 8, f"{size:,} bytes"  # aim far below Streamlit's limit (200 MB)
    assert "262,144 tokens on the map" in summary(at)


# ---- issue 13: reads right; issue 10: hostile input ------------------------------------------------------

def test_default_view_opens_with_plain_sentences_and_hides_jargon():
    at = run_page()
    assert not at.exception
    first, second = at.markdown[0].value, at.markdown[1].value
    assert first.startswith("Every token a language model knows is one dot") and "Try this" in second
    assert [e.label for e in at.expander][:1] == ["How it works"]
    visible = first + second + summary(at)
    assert "Magikarp" not in visible and "principal component" not in visible
    how = " ".join(m.value for m in at.expander[0].markdown)
    assert "principal components" in how and "Magikarp" in how and "nearest neighbours" in how
    assert at.slider(key="emb_nn").label == "n_neighbors"  # only under Advanced
    assert "Advanced" in [e.label for e in at.sidebar.expander]


def test_searching_king_finds_the_word_token_and_labels_its_neighbours():
    at = run_page({"q": "king"})  # the default UMAP view, shipped in data/
    assert not at.exception and not at.error
    spec, _ = chart_spec(at)
    by_name = {trace["name"]: trace for trace in spec["data"]}
    assert by_name["searched token"]["customdata"] in ([6989], {"dtype": "i4", "bdata": "TRsAAA=="})
    labels = [annotation["text"] for annotation in spec["layout"]["annotations"]]
    assert labels[0] == "<b>␣king</b>" and "␣King" in labels and "␣queen" not in labels[:1]
    assert len(labels) == 1 + 10
    assert all(a["bgcolor"].startswith("rgba(255,255,255") for a in spec["layout"]["annotations"])
    assert at.subheader[0].value.startswith("Nearest to ␣king (#6989)")
    captions = " ".join(c.value for c in at.caption)
    assert "Nearest neighbours are the tokens the model represents most alike" in captions
    assert "Other forms of this text: king \\(#9292\\), ␣King \\(#4088\\)" in captions
    # the toolbar sits in the top margin, above the legend
    assert spec["layout"]["margin"]["t"] >= 30 and spec["layout"]["legend"]["y"] == 1.0


def test_hostile_url_values_are_clamped_or_dropped():
    at = run_page({"method": "pca", "sample": "77", "color": "<script>", "q": "x" * 5000, "text": "y" * 5000})
    assert not at.exception
    assert at.session_state["emb_sample"] == 0 and at.session_state["emb_color"] == "script"
    assert len(at.session_state["emb_q"]) == 200 and len(at.session_state["emb_text"]) == 300
    assert "32,000 tokens on the map" in summary(at)


def test_a_300_character_upload_name_gives_a_message(tmp_path):
    at = run_page({"method": "pca"}, {"emb_matrix": "upload", "emb_upload_path": str(tmp_path / ("a" * 300 + ".npy")),
                                      "emb_upload_tokenizer": "llama2"})
    assert not at.exception
    assert "shorter plain name" in messages(at) and not at.get("plotly_chart")


def test_html_and_markdown_in_an_upload_name_show_as_text(tmp_path):
    path = tmp_path / "matrix.npy"
    np.save(path, np.random.default_rng(3).normal(size=(32000, 8)).astype(np.float32))
    hostile = "<img src=x onerror=alert(1)>[log in](http://evil.example)"
    at = run_page({"method": "pca"}, {"emb_matrix": "upload", "emb_upload_path": str(path),
                                      "emb_upload_name": hostile, "emb_upload_tokenizer": "llama2"})
    assert not at.exception and not at.error
    line = summary(at)
    assert "\\<img src=x onerror=alert\\(1\\)\\>\\[log in\\]\\(http://evil.example\\)" in line
    assert "<img" not in line.replace("\\<img", "") and "](http" not in line.replace("\\](http", "")


class _FakeUpload:
    def __init__(self, name: str, data: bytes):
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


@pytest.mark.parametrize("name", ["a" * 300 + ".npy", "tab\there.npy"])
def test_store_upload_refuses_names_the_disk_cannot_hold(name):
    from tokviz.ui.embeddings import store_upload

    with pytest.raises(ValueError, match="rename the file"):
        store_upload(_FakeUpload(name, b"\x93NUMPY"))
