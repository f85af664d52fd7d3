"""Derived tokenizers: the merges they share with a base tokenizer, and estimating only their additions."""
from __future__ import annotations

import pytest

import tokviz
from tokviz.mixture import infer_mixture, inherited_prefix, merge_order_report, shared_prefix
from tokviz.samples import load_samples


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKVIZ_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def merges():
    return {name: tokviz.load_tokenizer(name).merges() for name in ("cl100k_base", "llama3", "qwen3")}


class TestSharedPrefix:
    def test_llama3_starts_with_all_of_cl100k(self, merges):
        assert shared_prefix(merges["llama3"], merges["cl100k_base"]) == 100_000
        assert len(merges["cl100k_base"]) == 100_000  # so Llama 3 holds cl100k_base whole, then adds
        assert inherited_prefix(merges["llama3"], merges["cl100k_base"]) == 100_000

    def test_accepts_names_and_views(self):
        assert shared_prefix("o200k_base", tokviz.load_tokenizer("cl100k_base")) < 1_000

    def test_qwen_inherits_cl100k_without_its_digit_merges(self, merges):
        """Qwen shares only the first 154 merges exactly, yet its first 98,900 are cl100k_base's in
        cl100k_base's order: it left out the 1,100 merges of digits (it splits numbers into digits)."""
        report = merge_order_report(merges["qwen3"], merges["cl100k_base"])
        assert report["shared_prefix"] == 154
        assert report["inherited_prefix"] == 98_900
        assert report["dropped"] == 1_100
        assert all(text.strip().isdigit() for text in report["dropped_examples"])
        assert report["order_kept"] > 0.999
        assert report["additions"] == len(merges["qwen3"]) - 98_900

    def test_unrelated_tokenizers(self):
        toy = [(b"a", b"b"), (b"c", b"d")]
        assert shared_prefix(toy, [(b"x", b"y")]) == 0 and inherited_prefix(toy, [(b"x", b"y")]) == 0
        assert shared_prefix(toy, toy) == 2 and merge_order_report(toy, toy)["additions"] == 0
        # a reordered copy is inherited only up to the first merge out of order
        base = [(b"a", b"b"), (b"c", b"d"), (b"e", b"f")]
        assert inherited_prefix([(b"a", b"b"), (b"e", b"f"), (b"c", b"d")], base) == 2


class TestSkipMergesOnRealTokenizers:
    def test_base_skips_the_shared_prefix_and_says_so(self):
        texts = load_samples(["en", "de", "python"], max_bytes=40_000)
        shares = infer_mixture("llama3", texts, num_merges=100_400, base="cl100k_base")
        assert shares.attrs["base"] == "cl100k_base" and shares.attrs["skip_merges"] == 100_000
        assert abs(shares.sum() - 1) < 1e-9 and (shares >= 0).all()
        plain = infer_mixture("cl100k_base", texts, num_merges=400, skip_merges=100)
        assert plain.attrs["base"] is None and plain.attrs["skip_merges"] == 100

    def test_skipping_everything_is_refused(self):
        texts = {"en": "the cat sat on the mat " * 500, "code": "def f(x):\n    return x\n" * 500}
        with pytest.raises(ValueError, match="skip_merges"):
            infer_mixture("cl100k_base", texts, num_merges=300, skip_merges=300)
