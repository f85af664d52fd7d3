"""tokviz.embeddings on the real matrices (WordLlama / Llama 2, SmolLM2, MiniLM) and on toy
matrices whose geometry is known; every bad input ends in a ValueError that says what to do."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tokviz
from tests.helpers import word_tokenizer
from tokviz import embeddings
from tokviz.embeddings import (
    find_tokens,
    load_embeddings,
    nearest,
    project,
    token_map,
    token_properties,
    undertrained_in_text,
    undertrained_tokens,
)

MAP_COLUMNS = ["token_id", "token", "x", "y", "script", "length", "norm", "merge_rank", "special",
               "undertrained_score"]




@pytest.fixture(scope="module")
def llama2():
    return load_embeddings("llama2")


# ---- the real matrices ---------------------------------------------------------------------------------

class TestRealMatrices:
    def test_llama2_is_embedded_and_lazy(self):
        info = {i.name: i for i in embeddings.available_embeddings()}["llama2"]
        assert info.available and (info.rows, info.dimensions) == (32000, 256)
        source = embeddings.EmbeddingSource("probe", load_embeddings("llama2").path, tokenizer="llama2")
        assert source.shape == (32000, 256) and source.stored_dtype == "F16"
        assert not source.is_loaded  # the header alone gave the shape

    def test_llama2_matrix_is_one_float32_copy(self, llama2):
        matrix = llama2.matrix
        assert matrix.shape == (32000, 256) and matrix.dtype == np.float32
        assert not matrix.flags.writeable and np.isfinite(matrix).all()
        assert llama2.tokenizer.vocab_size == 32000

    @pytest.mark.parametrize("name, shape, tokenizer", [
        ("smollm2", (49152, 576), "smollm2"),
        ("bert-base-uncased", (30522, 384), "bert-base-uncased"),
    ])
    def test_fetched_matrices_load_with_their_tokenizers(self, name, shape, tokenizer):
        source = load_embeddings(name)
        assert source.shape == shape
        assert source.tokenizer.name == tokenizer and source.tokenizer.vocab_size == shape[0]
        props = token_properties(source)
        assert len(props) == shape[0] and (props["norm"] > 0).all()
        # the dequantised Q8_0 / fp32 rows are real embeddings: a token is nearest to a related one
        probe = " king" if name == "smollm2" else "king"
        neighbours = nearest(source, probe, k=20).token.str.strip().str.lower().tolist()
        assert {"kings", "queen", "king", "prince", "royal"} & set(neighbours), neighbours
        source.release()

    def test_bert_reference_is_its_unused_tokens(self):
        props = token_properties("bert-base-uncased")
        assert props.attrs["undertrained_basis"].startswith("cosine similarity to the mean of")
        assert props.loc[props.token == "[unused0]", "unused_reference"].item()
        assert props.unused_reference.sum() >= 990

    def test_smollm2_has_no_reference_so_the_norm_based_indicator_is_used(self):
        props = token_properties("smollm2")
        assert props.unused_reference.sum() == 0  # no reserved tokens, no unreachable single bytes
        assert props.attrs["undertrained_basis"].startswith("norm-based")
        flagged = set(props.loc[props.undertrained, "token"])
        assert {"swigfaiss", "ManagementPlaneProtection", " transistorsum"} <= flagged
        assert not {" John", " the", " king"} & flagged
        assert 20 <= len(flagged) <= 100

    def test_property_columns(self, llama2):
        props = token_properties(llama2)
        assert len(props) == 32000
        row = props.loc[props.token == " the"].iloc[0]
        assert row.script == "Latin" and row.length == 4 and row.length_bytes == 4
        assert row.merge_rank >= 0 and not row.special
        assert props.loc[props.token_id == 1, "special"].item()  # <s>
        assert props.loc[props.token == "▁", "token_id"].empty  # display text has spaces, not ▁
        assert set(props.loc[3:258, "script"]) == {"bytes"}  # the byte-fallback block <0x00>..<0xFF>
        assert props.loc[83, "token"] == "<0x50>" and props.loc[props.token == "P", "script"].tolist() == ["Latin"]
        assert (props.loc[props.token == " Привет", "script"] == "Cyrillic").all()
        assert props.loc[props.script == "Han"].shape[0] > 500

    def test_llama2_undertrained_finds_magikarps_tokens(self, llama2):
        props = token_properties(llama2)
        # Llama 2 has no reserved tokens; the byte tokens for 0xC0, 0xC1, 0xF5-0xFF can never occur
        # in UTF-8 text, so they are the reference set
        assert props.unused_reference.sum() == 13
        assert "Magikarp" in props.attrs["undertrained_basis"]
        flagged = set(props.loc[props.undertrained, "token"])
        assert {" Mediabestanden", " Portály", " Расподела"} <= flagged
        assert " the" not in flagged and " king" not in flagged
        table = undertrained_tokens(llama2, top=300)
        assert not table.token_id.isin(props.loc[props.unused_reference, "token_id"]).any()
        assert table.undertrained_score.is_monotonic_decreasing

    def test_undertrained_in_text(self, llama2):
        ids = llama2.tokenizer.encode("See the Mediabestanden category")
        hits = undertrained_in_text("llama2", ids)
        assert [hit["token"] for hit in hits] == [" Mediabestanden"]
        assert ids[hits[0]["position"]] == hits[0]["token_id"]
        assert undertrained_in_text("llama2", llama2.tokenizer.encode("The king sat down.")) == []
        assert undertrained_in_text("cl100k_base", [1, 2, 3]) == []

    def test_pca_map_and_disk_cache_hit(self, empty_cache, monkeypatch):
        frame = token_map("llama2", method="pca")
        assert list(frame.columns[:10]) == MAP_COLUMNS
        assert len(frame) == 32000 and frame.token_id.tolist() == list(range(32000))
        assert np.isfinite(frame[["x", "y"]].to_numpy()).all()
        assert frame[["x", "y"]].std().min() > 0
        assert len(list((empty_cache / "embedding-maps").glob("*.npz"))) == 1

        def fail(*args, **kwargs):
            raise AssertionError("the second call must come from the disk cache")

        monkeypatch.setattr(embeddings.projection, "_pca_project", fail)
        monkeypatch.setattr(embeddings.properties, "_properties_frame", fail)
        again = token_map("llama2", method="pca")
        pd.testing.assert_frame_equal(frame, again)
        with pytest.raises(AssertionError, match="disk cache"):
            token_map("llama2", method="pca", metric="euclidean")  # other parameters: a new key

    def test_umap_on_a_sample_of_llama2(self):
        frame = token_map("llama2", method="umap", sample=3000, n_neighbors=10)
        assert len(frame) == 3000 and frame.token_id.is_monotonic_increasing
        assert np.isfinite(frame[["x", "y"]].to_numpy()).all()
        assert frame.attrs["method"] == "umap" and frame.attrs["n_neighbors"] == 10

    def test_nearest_and_find(self, llama2):
        assert find_tokens(llama2, "#278") == [278]
        assert 278 in find_tokens(llama2, "the")  # " the" is found from "the"
        neighbours = nearest(llama2, " king", k=10)
        assert len(neighbours) == 10 and neighbours.similarity.is_monotonic_decreasing
        assert " King" in neighbours.token.tolist() and " king" not in neighbours.token.tolist()
        with pytest.raises(ValueError, match="not a single token"):
            nearest(llama2, "Mediabestandenxyzzy", k=5)

    def test_cli_map_writes_parquet(self, tmp_path, capsys):
        from tokviz.cli import build_parser

        out = tmp_path / "map.parquet"
        args = build_parser().parse_args(["map", "llama2", "--method", "pca", "--out", str(out)])
        assert args.func(args) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["rows"] == 32000 and Path(report["out"]) == out
        assert list(pd.read_parquet(out).columns[:10]) == MAP_COLUMNS


# ---- toy matrices whose geometry is known -----------------------------------------------------------------

class TestKnownGeometry:
    def test_pca_recovers_a_line(self, tmp_path):
        size = 200
        rng = np.random.default_rng(1)
        direction = rng.normal(size=16)
        positions = np.linspace(-5, 5, size)
        matrix = (positions[:, None] * direction[None, :] + rng.normal(scale=0.01, size=(size, 16))).astype(np.float32)
        np.save(tmp_path / "line.npy", matrix)
        source = load_embeddings(tmp_path / "line.npy", tokenizer=word_tokenizer(tmp_path / "tok.json", size))
        frame = token_map(source, method="pca", metric="euclidean")
        correlation = np.corrcoef(frame.x, positions)[0, 1]
        assert abs(correlation) > 0.999  # the first axis is the line, in order
        assert frame.attrs["explained_variance"][0] > 0.99

    def test_clusters_stay_apart_in_umap_and_neighbours(self, tmp_path):
        size, clusters = 600, 3
        rng = np.random.default_rng(2)
        centres = rng.normal(size=(clusters, 32)) * 10
        labels = np.arange(size) % clusters
        matrix = (centres[labels] + rng.normal(size=(size, 32))).astype(np.float32)
        np.save(tmp_path / "clusters.npy", matrix)
        source = load_embeddings(tmp_path / "clusters.npy", tokenizer=word_tokenizer(tmp_path / "tok.json", size))
        frame = token_map(source, method="umap", n_neighbors=10, metric="euclidean")
        xy = frame[["x", "y"]].to_numpy()
        distances = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(distances, np.inf)
        nearest_in_map = distances.argmin(axis=1)
        assert (labels[nearest_in_map] == labels).mean() > 0.98
        near = nearest(source, 5, k=20)
        assert (labels[near.token_id.to_numpy()] == labels[5]).all()

    def test_exact_neighbours_match_brute_force(self):
        points = np.random.default_rng(3).normal(size=(500, 8)).astype(np.float32)
        index, distance = embeddings.projection._exact_neighbours(points, 7, chunk=128)
        brute = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
        expected = np.argsort(brute, axis=1, kind="stable")[:, :7]
        assert (index[:, 0] == np.arange(500)).all()
        assert (np.sort(index, axis=1) == np.sort(expected, axis=1)).mean() > 0.999
        assert np.allclose(distance, np.take_along_axis(brute, index, axis=1), atol=1e-3)

    def test_safetensors_upload_with_padding_rows(self, tmp_path):
        from safetensors.numpy import save_file

        matrix = np.random.default_rng(4).normal(size=(130, 8)).astype(np.float16)  # 2 padding rows
        save_file({"model.embed_tokens.weight": matrix, "lm_head.bias": np.zeros((130, 1), np.float16)},
                  str(tmp_path / "m.safetensors"))
        source = load_embeddings(tmp_path / "m.safetensors", tokenizer=word_tokenizer(tmp_path / "t.json", 128))
        assert source.tensor == "model.embed_tokens.weight" and source.token_count == 128
        assert len(token_map(source, method="pca")) == 128


# ---- bad input ---------------------------------------------------------------------------------------------

class TestBadInput:
    @pytest.fixture
    def tok(self, tmp_path):
        return word_tokenizer(tmp_path / "tok.json", 100)

    def test_row_count_must_match_the_tokenizer(self, tmp_path, tok):
        np.save(tmp_path / "short.npy", np.ones((60, 4), np.float32))
        with pytest.raises(ValueError, match="60 rows but the tokenizer .* has 100 ids"):
            load_embeddings(tmp_path / "short.npy", tokenizer=tok).tokenizer  # noqa: B018 - loading the tokenizer checks the rows
        np.save(tmp_path / "long.npy", np.ones((5000, 4), np.float32))
        with pytest.raises(ValueError, match="only 100 ids"):
            load_embeddings(tmp_path / "long.npy", tokenizer=tok).tokenizer  # noqa: B018 - loading the tokenizer checks the rows

    def test_nan_and_inf_are_refused(self, tmp_path, tok):
        matrix = np.random.default_rng(0).normal(size=(100, 4)).astype(np.float32)
        matrix[7, 2] = np.nan
        matrix[9, 0] = np.inf
        np.save(tmp_path / "nan.npy", matrix)
        with pytest.raises(ValueError, match=r"NaN or infinite values in 2 rows \(first rows: \[7, 9\]\)"):
            token_map(load_embeddings(tmp_path / "nan.npy", tokenizer=tok), method="pca")

    def test_size_limit(self, tmp_path, tok):
        np.save(tmp_path / "big.npy", np.zeros((100, 64), np.float32))
        with pytest.raises(ValueError, match="are refused"):
            load_embeddings(tmp_path / "big.npy", tokenizer=tok, max_bytes=10_000)

    def test_non_numeric_files(self, tmp_path, tok):
        (tmp_path / "text.npy").write_text("token,x\nthe,1\n")
        with pytest.raises(ValueError, match="not a readable .npy"):
            load_embeddings(tmp_path / "text.npy", tokenizer=tok)
        np.save(tmp_path / "strings.npy", np.array([["a", "b"]] * 100))
        with pytest.raises(ValueError, match="must be numeric"):
            load_embeddings(tmp_path / "strings.npy", tokenizer=tok)
        (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
        with pytest.raises(ValueError, match="not a readable .safetensors"):
            load_embeddings(tmp_path / "junk.safetensors", tokenizer=tok)
        (tmp_path / "matrix.csv").write_text("1,2\n3,4\n")
        with pytest.raises(ValueError, match="unsupported matrix format"):
            load_embeddings(tmp_path / "matrix.csv", tokenizer=tok)

    def test_pickles_are_never_executed(self, tmp_path, tok):
        marker = tmp_path / "executed"

        class Payload:
            def __reduce__(self):
                return (Path.touch, (marker,))

        array = np.empty((100, 2), dtype=object)
        array[:] = Payload()
        with open(tmp_path / "evil.npy", "wb") as handle:
            np.lib.format.write_array(handle, array, allow_pickle=True)
        with pytest.raises(ValueError, match="pickled objects are never loaded"):
            load_embeddings(tmp_path / "evil.npy", tokenizer=tok)
        (tmp_path / "evil.safetensors").write_bytes(pickle.dumps(Payload()))
        with pytest.raises(ValueError):
            load_embeddings(tmp_path / "evil.safetensors", tokenizer=tok)
        assert not marker.exists()

    def test_unknown_source_and_missing_tokenizer(self, tmp_path):
        with pytest.raises(ValueError, match="Unknown embedding 'gpt9'"):
            load_embeddings("gpt9")
        np.save(tmp_path / "m.npy", np.ones((10, 4), np.float32))
        with pytest.raises(ValueError, match="say which tokenizer"):
            load_embeddings(tmp_path / "m.npy")

    @pytest.mark.parametrize("kwargs, message", [
        ({"method": "tsne"}, "method must be one of"),
        ({"metric": "hamming"}, "metric must be one of"),
        ({"n_neighbors": 1}, "n_neighbors must be an integer from 2 to 200"),
        ({"min_dist": 1.5}, "min_dist must be between 0.0 and 1.0"),
        ({"sample": 3}, "sample must be None"),
    ])
    def test_bad_parameters(self, llama2, kwargs, message):
        with pytest.raises(ValueError, match=message):
            project(llama2, **{"method": "umap", **kwargs})

    def test_nearest_k_and_unknown_tokens(self, llama2):
        with pytest.raises(ValueError, match="k must be an integer"):
            nearest(llama2, " the", k=0)
        with pytest.raises(ValueError, match="outside 0..31999"):
            find_tokens(llama2, "#40000")


def test_public_names_exist():
    assert callable(tokviz.load_tokenizer)
    for name in embeddings.__all__:
        assert hasattr(embeddings, name), name
