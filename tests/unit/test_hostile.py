"""Hostile input against the library (issue 10): Rust panics, regexes that never finish, huge
vocabularies, deep nesting, odd specs, text the tokens do not cover. Every hostile file is
generated here, in tmp_path."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Regex, Tokenizer, models, pre_tokenizers

import tokviz
from tokviz import catalog
from tokviz.backends.formats import MAX_VOCAB_SIZE
from tokviz.escape import escape_html, escape_markdown

ROOT = Path(__file__).resolve().parents[2]


def regex_tokenizer(path: Path, pattern: str, behavior: str = "isolated") -> Path:
    """A byte-free BPE tokenizer.json over letters and '!' whose pre-tokenizer is ``pattern``."""
    vocab = {char: index for index, char in enumerate("abcdefghijklmnopqrstuvwxyz! ")}
    vocab["[UNK]"] = len(vocab)
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(pattern), behavior=behavior)
    tokenizer.save(str(path))
    return path


# ---- Rust panics -------------------------------------------------------------------------------------

def test_onig_retry_limit_panic_becomes_a_value_error(tmp_path):
    path = regex_tokenizer(tmp_path / "tokenizer.json", r"(a+)+$")
    view = catalog.load_tokenizer_file(path)  # in this process: the guard itself answers
    with pytest.raises(ValueError, match="crashed on this text"):
        view.segment("a" * 50 + "!")
    with pytest.raises(ValueError, match="crashed on this text"):
        view.encode_batch(["a" * 50 + "!"])
    assert view.encode("ab") == [0, 1]  # the view still works afterwards


@pytest.mark.parametrize("name", ["o200k_base", "llama3", "qwen3", "mistral-tekken"])
def test_long_whitespace_runs_give_exactly_the_backend_ids(name):
    """Past tiktoken's regex limit the text is encoded piece by piece; on runs it can still take
    in one go, the piecewise ids equal its own."""
    view = tokviz.load_tokenizer(name)
    text = ("Hi!\n" + " " * 30_000 + "x\t\t" + "\t" * 20_000 + "\n\n" + "AB" * 6000 + " end " +
            "\n" * 12_000 + " " * 11_000)
    assert view._encode_in_pieces(text) == view._encoding.encode_ordinary(text)


@pytest.mark.parametrize(("name", "char"), [("o200k_base", " "), ("llama3", "\t")])
def test_a_million_spaces_or_tabs_encode(name, char):
    view = tokviz.load_tokenizer(name)
    text = "x" + char * 1_000_000 + "y"
    ids = view.encode(text)  # tiktoken alone panics on this run
    assert b"".join(view.token_bytes(i) for i in ids).decode("utf-8") == text
    assert view.count_batch([text]).tolist() == [len(ids)]


# ---- uploads that never finish ------------------------------------------------------------------------

def test_a_backtracking_upload_is_stopped_and_the_server_keeps_working(tmp_path):
    path = regex_tokenizer(tmp_path / "slow.json", r"\w*\w*\w*!|.")
    view = tokviz.load_tokenizer(path, time_limit=3)
    assert view.encode("ab!") == [0, 1, 26]  # a short text is fine (the worker started)
    progress = {"ticks": 0, "done": False}

    def tick() -> None:  # runs while the main thread waits for the worker: the GIL is free
        while not progress["done"]:
            progress["ticks"] += 1

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        with pytest.raises(ValueError, match="took more than 3 s"):
            view.segment(("a" * 300 + " ") * 20)
    finally:
        progress["done"] = True
        ticker.join()
    assert progress["ticks"] > 10_000
    assert tokviz.load_tokenizer("cl100k_base").encode("hello world") == [15339, 1917]
    assert view.encode("ab!") == [0, 1, 26]  # a fresh worker answers the next call


def test_uploaded_views_are_evicted_least_recently_used_first(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "MAX_LOADED_FILES", 2)
    views = []
    for index in range(3):
        path = regex_tokenizer(tmp_path / f"t{index}.json", r"\w+|.")
        views.append(tokviz.load_tokenizer(path, isolate=False))
    loaded = list(catalog._LOADED.values())
    assert views[0] not in loaded and views[1] in loaded and views[2] in loaded
    assert tokviz.load_tokenizer("cl100k_base") is tokviz.load_tokenizer("cl100k_base")  # pinned


# ---- sizes, nesting, specs ------------------------------------------------------------------------------

def test_a_ten_million_line_tiktoken_file_is_refused(tmp_path):
    path = tmp_path / "huge.tiktoken"
    line = b"YQ== 0\n"
    path.write_bytes(line * (MAX_VOCAB_SIZE + 10))  # the line count alone decides; 3.5 MB
    with pytest.raises(ValueError, match="more than the 500,000 tokviz loads"):
        tokviz.load_tokenizer(path)


def test_json_nested_100k_levels_is_a_value_error(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text('{"model": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ValueError, match="nested too deeply"):
        tokviz.load_tokenizer(path)


def _gguf_with(path: Path, **fields) -> Path:
    import gguf

    tokens = ["<unk>", "a", "b", "ab"]
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_merges(["a b"])
    writer.add_token_types(fields.get("token_types", [2, 1, 1, 1]))
    writer.add_unk_token_id(fields.get("unk", 0))
    writer.add_tensor("token_embd.weight", np.zeros((len(tokens), 2), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _gguf_nested_arrays(path: Path, depth: int) -> Path:
    import struct

    def string(text: str) -> bytes:
        return struct.pack("<Q", len(text)) + text.encode()

    value = struct.pack("<IQ", 9, 1) * depth + struct.pack("<IQ", 4, 0)  # array of array ... of u32[0]
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + string("tokenizer.ggml.x") + struct.pack("<I", 9) +
                     value)
    return path


@pytest.mark.parametrize("build", [
    lambda tmp: _gguf_with(tmp / "types.gguf", token_types=[1, 1, 1, 1, 3, 3, 3]),
    lambda tmp: _gguf_with(tmp / "unk.gguf", unk=99),
    lambda tmp: _gguf_nested_arrays(tmp / "deep.gguf", 20_000),
])
def test_damaged_gguf_headers_are_value_errors(tmp_path, build):
    with pytest.raises(ValueError, match="damaged|hostile"):
        tokviz.load_tokenizer(build(tmp_path))


def test_a_10kb_spec_is_a_value_error_and_one_line_in_the_cli():
    spec = "x/" * 5000
    with pytest.raises(ValueError):
        tokviz.load_tokenizer(spec)
    result = subprocess.run([sys.executable, "-m", "tokviz", "segment", "a" * 10_000 + ".json", "hi"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr and result.stderr.startswith("tokviz: ")


def test_a_file_named_with_double_colons_loads(tmp_path):
    from tests.helpers import word_tokenizer

    path = Path(word_tokenizer(tmp_path / "my::tok.json", 5))
    assert tokviz.load_tokenizer(path, isolate=False).encode("w1 w4") == [1, 4]


# ---- coverage ----------------------------------------------------------------------------------------

def test_text_the_tokens_do_not_cover_is_reported(tmp_path):
    vocab = {"a": 0, "b": 1}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))  # no unk: other characters vanish
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    view = catalog.load_tokenizer_file(tmp_path / "tokenizer.json")
    segmentation = view.segment("ab c ab" + "z" * 1000)
    assert 1001 <= segmentation.uncovered <= 1004  # HF's offsets shift past dropped characters
    assert any("in no token" in warning for warning in segmentation.warnings)
    assert tokviz.load_tokenizer("cl100k_base").segment("all of it, covered").uncovered == 0


# ---- escaping ----------------------------------------------------------------------------------------

def test_escaping_leaves_no_markdown_or_html():
    hostile = '<img src=x onerror="alert(1)">[log in](https://evil.example) :red[x] $x$ `c`'
    markdown = escape_markdown(hostile)
    assert "](" not in markdown.replace("\\]\\(", "") and "<img" not in markdown.replace("\\<img", "")
    as_html = escape_html(hostile)
    assert not set("<>[]()`$:") & set(as_html.replace("&lt;", "").replace("&gt;", ""))
    assert json.loads(json.dumps(as_html)) == as_html
