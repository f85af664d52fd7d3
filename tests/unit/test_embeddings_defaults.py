"""The Embedding map's search order on the real Llama 2 vocabulary, the default view shipped in
data/ (used when its inputs match, recomputed when they differ), and hostile matrix file names."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tokviz.embeddings import find_tokens, load_embeddings, project, shipped, token_map, token_properties
from tokviz.embeddings import projection as projection_module
from tokviz.embeddings import properties as properties_module
from tokviz.embeddings.lookup import rank_forms
from tokviz.embeddings.projection import projection_key
from tokviz.embeddings.properties import properties_key


@pytest.fixture(scope="module")
def llama2():
    return load_embeddings("llama2")


def _fail(*args, **kwargs):
    raise AssertionError("computed although a shipped result matches")


# ---- search order -------------------------------------------------------------------------------------------

class TestSearchOrder:
    def test_king_finds_the_word_token_first_then_the_other_forms(self, llama2):
        found = find_tokens(llama2, "king")
        texts = [llama2.tokenizer.token_text(i) for i in found]
        assert texts[0] == " king" and found[0] == 6989
        assert texts[1] == "king"  # the sub-word piece (as in "making") comes after the word
        assert " King" in texts[2:]
        assert len(set(found)) == len(found)

    @pytest.mark.parametrize("query, first", [("the", " the"), ("queen", " queen"), (" king", " king"),
                                              ("King", " King"), ("Mediabestanden", " Mediabestanden")])
    def test_word_start_forms_come_first(self, llama2, query, first):
        assert llama2.tokenizer.token_text(find_tokens(llama2, query)[0]) == first

    def test_rank_forms_orders_word_start_exact_other_case(self):
        tokens = pd.Series(["KING", "king", " King", "kingdom", " king", "▁king", "x"])
        assert [tokens[i] for i in rank_forms(tokens, "king")] == [" king", "king", "▁king", " King", "KING"]
        assert rank_forms(tokens, "   ") == [] and rank_forms(tokens, "queen") == []


# ---- the default view shipped in data/ ---------------------------------------------------------------------

class TestShippedDefault:
    def test_shipped_files_match_the_current_inputs(self, llama2):
        with np.load(shipped.SHIPPED_MAPS[0], allow_pickle=False) as stored:
            assert json.loads(str(stored["key"])) == projection_key(llama2, "umap")
            assert stored["xy"].shape == (32000, 2) and stored["xy"].dtype == np.float32
            assert np.isfinite(stored["xy"]).all()

    def test_default_map_comes_from_data_without_computing(self, empty_cache, monkeypatch, llama2):
        monkeypatch.setattr(projection_module, "_compute_projection", _fail)
        monkeypatch.setattr(properties_module, "_properties_frame", _fail)
        frame = token_map(llama2, method="umap")  # the page's default view
        with np.load(shipped.SHIPPED_MAPS[0], allow_pickle=False) as stored:
            np.testing.assert_array_equal(frame[["x", "y"]].to_numpy(np.float32), stored["xy"])
        assert len(frame) == 32000 and frame.attrs["undertrained_basis"].startswith("cosine similarity")
        assert not list(empty_cache.glob("embedding-maps/*.npz"))  # nothing computed, nothing cached

    def test_shipped_properties_equal_a_fresh_computation(self, empty_cache, monkeypatch, llama2):
        shipped_frame = token_properties(llama2)
        monkeypatch.setenv("TOKVIZ_SHIPPED_MAPS", "0")
        computed = token_properties(llama2)
        assert list(empty_cache.glob("embedding-properties/*.parquet"))  # really computed this time
        pd.testing.assert_frame_equal(shipped_frame, computed)
        assert shipped_frame.attrs == computed.attrs

    def test_a_map_is_used_only_for_its_exact_inputs(self, empty_cache, monkeypatch, tmp_path, llama2):
        """A shipped file keyed to llama2's PCA view (with marker coordinates) is used for that view only."""
        path = tmp_path / "map.npz"
        monkeypatch.setattr(shipped, "SHIPPED_MAPS", [path])
        key = projection_key(llama2, "pca")
        marker = {"token_id": np.arange(32000), "xy": np.full((32000, 2), 7.0, np.float32),
                  "explained_variance": np.array([0.5, 0.25], np.float32)}
        shipped.write_shipped_map(path, key, marker)
        assert (project(llama2, "pca")["xy"] == 7.0).all()  # inputs match: the shipped result
        assert not (project(llama2, "pca", metric="euclidean")["xy"] == 7.0).all()  # another parameter
        shipped.write_shipped_map(path, {**key, "matrix": "0" * 64 + ":embedding.weight"}, marker)
        recomputed = project(llama2, "pca")  # another matrix file: computed, not the marker
        assert not (recomputed["xy"] == 7.0).all() and recomputed["xy"].std() > 0
        shipped.write_shipped_map(path, {**key, "v": key["v"] + 1}, marker)
        assert not (project(llama2, "pca")["xy"] == 7.0).all()  # another code version

    def test_a_damaged_shipped_file_is_ignored(self, monkeypatch, tmp_path, llama2):
        path = tmp_path / "map.npz"
        path.write_bytes(b"PK\x03\x04 not really a zip")
        monkeypatch.setattr(shipped, "SHIPPED_MAPS", [path])
        assert shipped.shipped_projection(projection_key(llama2, "pca")) is None

    def test_properties_key_names_matrix_and_tokenizer(self, llama2):
        key = properties_key(llama2)
        assert key["matrix"].startswith("64b47a2dc493cb8e") and key["tokenizer"]


# ---- hostile matrix files ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, message", [("a" * 300 + ".npy", "shorter plain name"),
                                           ("bad\x00name.npy", "Unknown embedding")])
def test_unopenable_file_names_give_a_clear_message(tmp_path, name, message):
    with pytest.raises(ValueError, match=message):
        load_embeddings(str(tmp_path / name), tokenizer="llama2")


def test_html_in_a_file_name_is_only_a_name(tmp_path):
    path = tmp_path / "<img src=x onerror=alert(1)>.npy"
    np.save(path, np.random.default_rng(0).normal(size=(32000, 4)).astype(np.float32))
    source = load_embeddings(str(path), tokenizer="llama2")
    assert source.shape == (32000, 4) and source.name == "<img src=x onerror=alert(1)>"
