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


def test_default_view_maps_the_whole_llama2_vocabulary():
    at = run_page()
    assert not at.exception
    assert not at.error
    spec, size = chart_spec(at)
    assert point_count(spec) == 32000
    assert all(trace["type"] == "scattergl" for trace in spec["data"])
    names = [trace["name"] for trace in spec["data"]]
    assert names[0].startswith("Latin") and any(name.startswith("Cyrillic") for name in names)
    assert size < 5_000_000
    assert "UMAP" in at.markdown[0].value and "32,000 tokens" in at.markdown[0].value
    assert at.query_params["m"] == "llama2" and at.query_params["method"] == "umap"
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
    at = run_page({"method": "tsne", "nn": "abc", "md": "7", "color": "nope", "m": "gpt9"})
    assert not at.exception and not at.error
    assert at.session_state["emb_method"] == "umap" and at.session_state["emb_nn"] == 15
    assert at.session_state["emb_md"] == 0.1 and at.session_state["emb_matrix"] == "llama2"


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
    assert "262,144 tokens on the map" in at.markdown[0].value
