"""What the premiums page shows (tokviz.premiums.view), the vectorised arithmetic and the shipped counts,
on the real UDHR with real tokenizers."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import regex

import tokviz
from tokviz import premiums
from tokviz.premiums import counting, shipped, view
from tokviz.premiums.table import premiums_from_counts


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return premiums.token_premiums(["cl100k_base", "llama2"])


@pytest.fixture(scope="module")
def calculator(table) -> pd.DataFrame:
    return premiums.context_and_cost(table, "cl100k_base", price_per_million=10.0, context_tokens=1000,
                                     content_words=1000)


class TestFiltering:
    def test_scripts_regions_and_query(self, table):
        ethiopic = view.filter_languages(table, scripts=["Ethi"])
        assert set(ethiopic["script"]) == {"Ethi"} and "amh" in set(ethiopic["language"])
        african_latin = view.filter_languages(table, scripts=["Latn"], regions=["Africa"])
        assert "swh" in set(african_latin["language"]) and set(african_latin["region"]) == {"Africa"}
        assert view.filter_languages(table, query="  QUECHUA ")["name"].str.contains("Quechua").all()
        by_code = view.filter_languages(table, query="cmn_hans")
        assert "cmn_hans" in set(by_code["language"]) and by_code["language"].str.startswith("cmn_hans").all()

    def test_query_is_plain_text_not_a_regex(self, table):
        assert view.filter_languages(table, query=".*").empty
        assert set(view.filter_languages(table, query="(grantha)")["language"]) == {"san_gran"}

    def test_no_filter_keeps_everything(self, table):
        assert view.filter_languages(table) is table


class TestOrdering:
    def test_mean_premium_most_expensive_first(self, table):
        order = view.language_order(table, view.SORT_MEAN)
        means = table.groupby("language")["premium"].mean()
        assert order == means.sort_values(ascending=False).index.tolist()
        assert means[order[0]] >= means[order[-1]] and order[-1] in {"eng", "sco"} | set(order[-20:])

    def test_premium_under_one_tokenizer(self, table):
        order = view.language_order(table, "premium under llama2")
        llama2 = table[table["tokenizer"] == "llama2"].set_index("language")["premium"]
        assert llama2[order].is_monotonic_decreasing

    def test_name_and_script(self, table):
        names = table.drop_duplicates("language").set_index("language")["name"]
        by_name = view.language_order(table, view.SORT_NAME)
        assert [n.lower() for n in names[by_name]] == sorted(n.lower() for n in names)
        scripts = table.drop_duplicates("language").set_index("language")["script"]
        assert scripts[view.language_order(table, view.SORT_SCRIPT)].is_monotonic_increasing

    def test_unknown_order_falls_back_to_the_mean(self, table):
        assert view.language_order(table, "premium under nope") == view.language_order(table, view.SORT_MEAN)
        assert view.sort_options(["a", "b"]) == [view.SORT_MEAN, "premium under a", "premium under b",
                                                 view.SORT_SCRIPT, view.SORT_NAME]


class TestCalculator:
    def test_languages_most_expensive_first_amharic_preferred(self, calculator):
        codes, preferred = view.calculator_languages(calculator)
        premium = calculator.set_index("language")["premium"]
        assert premium[codes].is_monotonic_decreasing and preferred == "amh"
        assert view.calculator_languages(calculator[calculator["language"] != "amh"])[1] == codes[0]
        assert view.calculator_languages(calculator.iloc[0:0]) == ([], None)

    def test_sentence_arithmetic(self, calculator):
        amharic = calculator.set_index("language").loc["amh"]
        english = calculator.set_index("language").loc["eng"]
        sentence = view.calculator_sentence(calculator, "amh", "eng", "cl100k_base", "English", 1000, 1000)
        assert f"**{amharic['words_in_context']:,.0f} words of Amharic**" in sentence
        assert f"against {english['words_in_context']:,.0f} words of English" in sentence
        assert f"**\\${amharic['cost']:,.2f}** in Amharic ({amharic['premium']:.2f}×)" in sentence
        assert f"instead of \\${english['cost']:,.2f}" in sentence
        # content tokens = content words × reference tokens per word (over the shared sections) × premium
        row = premiums.token_premiums(["cl100k_base"]).set_index("language").loc["amh"]
        assert amharic["content_tokens"] == pytest.approx(1000 * row["ref_tokens"] / row["ref_words"] * row["premium"])
        assert amharic["cost"] == pytest.approx(amharic["content_tokens"] / 1e6 * 10.0)
        assert amharic["words_in_context"] == pytest.approx(1000 * row["words"] / row["tokens"])

    def test_a_tiny_context_says_word_and_keeps_a_decimal(self, calculator):
        # the smallest context (1 token) holds about one English word and a tenth of an Amharic one:
        # "1 word", not "1 words"; "0.1 words", not "0 words"
        tiny = calculator.set_index("language")
        tiny.loc["eng", "words_in_context"], tiny.loc["amh", "words_in_context"] = 1.02, 0.12
        sentence = view.calculator_sentence(tiny.reset_index(), "amh", "eng", "cl100k_base", "English", 1, 1000)
        assert "**0.1 words of Amharic**" in sentence and "against 1 word of English" in sentence
        assert not re.search(r"(?<![\d.,])(1 words|0 words)", sentence)

    def test_unspaced_language_counts_reference_words(self, calculator):
        unspaced = calculator[~calculator["spaced"]]
        assert not unspaced.empty
        code = unspaced["language"].iloc[0]
        sentence = view.calculator_sentence(calculator, code, "eng", "cl100k_base", "English", 1000, 1000)
        words = unspaced["equivalent_words"].iloc[0]
        assert "written without spaces" in sentence and f"{words:,.0f} English words" in sentence

    def test_unknown_language_is_a_clear_error(self, calculator):
        with pytest.raises(ValueError, match="no row for 'xx'"):
            view.calculator_sentence(calculator, "xx", "eng", "cl100k_base", "English", 1000, 1000)


class TestSummaries:
    def test_distribution_summary(self, table):
        summary = view.distribution_summary(table)
        assert list(summary.index) == ["cl100k_base", "llama2"]
        llama2 = table[(table["tokenizer"] == "llama2") & table["reliable"]]
        assert summary.loc["llama2", "languages"] == len(llama2)
        assert summary.loc["llama2", "median"] == pytest.approx(llama2["premium"].median())
        assert summary.loc["llama2", "most expensive"] == llama2.loc[llama2["premium"].idxmax(), "name"]

    def test_unreliable_warning_names_languages(self, table):
        assert view.unreliable_warning(table[table["reliable"]]) is None
        unreliable = table[~table["reliable"]]
        if unreliable.empty:  # make one: the warning is about whatever the table flags
            unreliable = table.head(1).assign(reliable=False)
        warning = view.unreliable_warning(unreliable)
        assert f"{len(unreliable)} premium(s)" in warning

    def test_markdown_text_defuses_links_images_and_directives(self):
        for hostile in ("[x](http://evil)", "![i](http://e/a.png)", "<img src=x>", ":red[big]", "$x$",
                        "www.evil.example", "**bold**"):
            escaped = view.markdown_text(hostile)
            shown = regex.sub(r"\\(.)", r"\1", escaped.replace("\u200b", ""))
            assert shown == hostile  # nothing lost, only escaped
            assert not regex.search(r"(?<!\\)[\[\]()<>*:$.!]", escaped), escaped
            assert not regex.search(r"://|www\.\w", escaped.replace("\\", ""))  # no autolink can form


class TestVectorisedArithmetic:
    def test_equals_the_per_language_merge_on_the_udhr(self):
        """premiums_from_counts against a straightforward pandas merge + groupby (the former code)."""
        data = counting._load_corpus("udhr")
        counts = counting._cached_counts(counting._handle("llama2"), data)
        for reference in ("eng", "amh", "cmn_hans"):
            fast = premiums_from_counts({"llama2": counts}, data.units, reference).set_index("language")
            units = counts.assign(**{c: data.units[c].to_numpy() for c in ("chars", "bytes", "words")})
            ref = units.loc[units["language"] == reference, ["unit", "tokens", "bytes"]]
            shared = units.merge(ref.rename(columns={"tokens": "ref_tokens", "bytes": "ref_bytes"}), on="unit")
            slow = shared.groupby("language")[["tokens", "ref_tokens", "bytes", "ref_bytes"]].sum()
            slow = slow[(slow["tokens"] > 0) & (slow["ref_tokens"] > 0)]
            assert set(fast.index) == set(slow.index)
            np.testing.assert_array_equal(fast.loc[slow.index, "tokens"], slow["tokens"])
            np.testing.assert_allclose(fast.loc[slow.index, "premium"], slow["tokens"] / slow["ref_tokens"])
            np.testing.assert_allclose(fast.loc[slow.index, "byte_premium"], slow["bytes"] / slow["ref_bytes"])
            assert fast.loc[reference, "premium"] == 1.0

    def test_word_counts_equal_the_unicode_regex(self):
        texts = tokviz.corpora.load_udhr()["text"].tolist()[::7]
        pattern = regex.compile(r"[\p{L}\p{M}\p{N}]+")
        expected = [len(pattern.findall(text)) for text in texts]
        assert counting.word_counts(texts).tolist() == expected


class TestShippedCounts:
    def test_shipped_counts_equal_fresh_counts(self):
        data = counting._load_corpus("udhr")
        handle = counting._handle("cl100k_base")
        from_file = shipped.shipped_counts(handle, data)
        assert from_file is not None, "data/premium_counts_udhr.parquet is stale: run data/build_premium_counts.py"
        fresh = counting._count_units(handle.view, data.units["text"].tolist()[:400], None, "cl100k_base")
        np.testing.assert_array_equal(from_file["tokens"].to_numpy()[:400], fresh["tokens"].to_numpy())
        np.testing.assert_array_equal(from_file["byte_fallback"].to_numpy()[:400], fresh["byte_fallback"].to_numpy())

    def test_every_default_tokenizer_is_shipped_with_its_identity(self):
        inputs = shipped.shipped_inputs()
        assert inputs["udhr_sha256"] == tokviz.corpora.udhr_identity()
        assert inputs["tokenizers"] == {name: tokviz.catalog.tokenizer_identity(name)
                                        for name in tokviz.DEFAULT_TOKENIZERS}

    def test_other_inputs_are_never_served_from_the_file(self, tmp_path, monkeypatch):
        data = counting._load_corpus("udhr")
        handle = counting._handle("cl100k_base")
        table = pq.read_table(shipped.SHIPPED_COUNTS_PATH)
        meta = json.loads(table.schema.metadata[b"tokviz.premium_counts"])
        meta["tokenizers"]["cl100k_base"] = "another identity"
        stale = tmp_path / "stale.parquet"
        pq.write_table(table.replace_schema_metadata({b"tokviz.premium_counts": json.dumps(meta)}), stale)
        monkeypatch.setattr(shipped, "SHIPPED_COUNTS_PATH", stale)
        assert shipped.shipped_counts(handle, data) is None
        assert shipped.shipped_counts(counting._handle("llama3"), data) is not None
        monkeypatch.setattr(shipped, "SHIPPED_COUNTS_PATH", tmp_path / "missing.parquet")
        assert shipped.shipped_counts(counting._handle("llama3"), data) is None
        (tmp_path / "garbage.parquet").write_bytes(b"not parquet")
        monkeypatch.setattr(shipped, "SHIPPED_COUNTS_PATH", tmp_path / "garbage.parquet")
        assert shipped.shipped_counts(counting._handle("llama3"), data) is None

    def test_build_script_writes_a_file_the_lookup_accepts(self, tmp_path):
        out = tmp_path / "counts.parquet"
        meta = shipped.build_shipped_counts(["cl100k_base"], out)
        assert shipped.shipped_inputs(out) == meta
        assert pq.read_table(out).num_rows == len(counting._load_corpus("udhr").units)
