"""The sample bank's sizes: larger samples where the package data allows, a clear message where it does not."""
from __future__ import annotations

import pytest

from tokviz.samples import (
    DEFAULT_WORDS,
    fit_size,
    largest_sample,
    load_samples,
    sample_bank,
    sample_limits,
    sample_text,
)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def test_a_larger_request_gives_a_larger_sample_where_the_data_allows():
    for category in ("en", "python"):
        small, large = sample_text(category, 100_000), sample_text(category, 400_000)
        assert 95_000 <= _size(small) <= 100_000 < 380_000 <= _size(large) <= 400_000


def test_code_larger_than_its_files_is_refused_with_a_message_or_fitted():
    holds = sample_bank()["shell"]["bytes"]
    assert largest_sample("shell").largest_bytes == holds
    with pytest.raises(ValueError, match=r"at most [\d,]+ bytes on this machine.*fit=True"):
        sample_text("shell", holds + 1)
    assert fit_size("shell", holds * 10) == holds and fit_size("en", holds * 10) == holds * 10
    everything = load_samples(["shell", "en"], max_bytes=holds + 100_000, fit=True)
    assert 0.9 * holds <= _size(everything["shell"]) <= holds
    assert _size(everything["en"]) > holds  # a language has no such cap


def test_the_whole_word_list_brings_words_the_top_30000_lack():
    import wordfreq

    top = set(list(wordfreq.get_frequency_dict("en", wordlist="best"))[:DEFAULT_WORDS])
    default, whole = ({word.removesuffix(".") for word in text.split()}
                      for text in (sample_text("en", 300_000), sample_text("en", 300_000, words=None)))
    assert len(default - top) <= 1  # the last word may be cut
    assert len(whole - top) > 100
    limit, limit_all = largest_sample("en"), largest_sample("en", words=None)
    assert limit.largest_bytes is None and limit.words == DEFAULT_WORDS and limit_all.words > 300_000
    # past useful_bytes a sample only repeats words: the whole list stays useful ~100x longer (524 MB vs 5.4 MB)
    assert 1_000_000 < limit.useful_bytes < 20_000_000 < 50 * limit.useful_bytes < limit_all.useful_bytes


def test_bad_sizes_and_word_counts_say_what_to_do():
    with pytest.raises(ValueError, match="positive number of words"):
        sample_text("en", 1_000, words=0)
    with pytest.raises(ValueError, match="max_bytes must be positive"):
        sample_text("en", 0)
    with pytest.raises(ValueError, match="Unknown sample category"):
        largest_sample("klingon")


def test_limits_cover_every_available_category():
    limits = {limit.category: limit for limit in sample_limits()}
    available = {c for c, info in sample_bank().items() if info["available"]}
    assert set(limits) == available
    assert all(limit.source for limit in limits.values())
    assert limits["c"].largest_bytes == sample_bank()["c"]["bytes"]
