"""Reading a mixture: groups, full names, the plain sentence, fixed colours, escaping, the paper beside tokviz."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tokviz import load_tokenizer
from tokviz.charts import mixture as charts
from tokviz.mixture import default_formulation, summary
from tokviz.samples import CODE_SOURCES, LANGUAGE_NAMES

PAPER_TOKENIZERS = {"r50k_base", "cl100k_base", "o200k_base", "llama2", "llama3", "mistral-7b", "mistral-tekken",
                    "gemma3", "claude-legacy"}


def test_every_default_category_has_one_group_and_a_full_name():
    for category in LANGUAGE_NAMES:
        assert summary.category_group(category) in summary.GROUPS[:4]
        assert summary.category_label(category) == LANGUAGE_NAMES[category]
    for category in CODE_SOURCES:
        assert summary.category_group(category) == "Code"
    assert summary.EUROPEAN.isdisjoint(summary.ASIAN)
    assert (summary.category_label("sh"), summary.category_label("ms"), summary.category_label("lv")) == (
        "Serbo-Croatian", "Malay", "Latvian")
    assert summary.category_group("<img src=x onerror=alert(1)>") == "Your samples"


@pytest.mark.parametrize(("shares", "sentence"), [
    ({"en": 0.274, "python": 0.3, "c": 0.2, "javascript": 0.127, "fr": 0.05, "zh": 0.049},
     "Looks like about 63% code, 27% English and 10% other languages."),
    ({"en": 1.0}, "Looks like about 100% English."),
    ({"en": 0.996, "de": 0.004}, "Looks like about 100% English."),
    ({"ja": 0.5, "ar": 0.25, "python": 0.25}, "Looks like about 75% other languages and 25% code."),
])
def test_plain_summary_reads_as_one_sentence_in_whole_percents(shares, sentence):
    assert summary.plain_summary(shares) == sentence
    assert summary.plain_summary(pd.Series(shares)) == sentence


def test_plain_summary_names_the_users_samples_and_refuses_nothing():
    assert summary.plain_summary({"my notes": 0.6, "en": 0.4}) == \
        "Looks like about 60% your sample “my notes” and 40% English."
    with pytest.raises(ValueError, match="No shares"):
        summary.plain_summary({})
    with pytest.raises(ValueError, match="zero"):
        summary.plain_summary({"en": 0.0})


def test_group_shares_sum_per_group_in_a_fixed_order():
    grouped = summary.group_shares({"python": 0.2, "ko": 0.1, "en": 0.4, "sv": 0.3})
    assert list(grouped.index) == ["English", "Other European languages", "Asian languages", "Code"]
    assert grouped.sum() == pytest.approx(1.0)


def test_each_category_keeps_one_colour_in_every_chart():
    defaults = list(LANGUAGE_NAMES) + list(CODE_SOURCES)
    assert len({charts.CATEGORY_COLORS[c] for c in defaults}) == len(defaults)  # distinct, so never repeating
    first = pd.DataFrame({"tokenizer": ["a"] * 3, "category": ["en", "fr", "python"], "share": [0.5, 0.2, 0.3]})
    second = pd.DataFrame({"tokenizer": ["b"] * 2, "category": ["python", "fr"], "share": [0.9, 0.1]})
    seen: dict[str, set] = {}
    for figure in (charts.category_stack(first), charts.category_stack(second),
                   charts.merge_timeline_chart(pd.DataFrame({"step": [0], "merge": ["a + b"], "fr": [1.0],
                                                             "python": [0.0]}))):
        for trace in figure.data:
            seen.setdefault(trace.name, set()).add(trace.marker.color)
    assert seen["French"] == {charts.CATEGORY_COLORS["fr"]} and seen["Python"] == {charts.CATEGORY_COLORS["python"]}
    bars = charts.share_bars(first.drop(columns="tokenizer"))
    assert list(bars.data[0].marker.color) == [charts.CATEGORY_COLORS[c] for c in ["fr", "python", "en"]]


def test_group_chart_and_drill_down_use_full_names():
    frame = pd.DataFrame({"tokenizer": ["a"] * 4, "category": ["en", "sh", "ms", "python"],
                          "share": [0.4, 0.2, 0.1, 0.3]})
    grouped = charts.group_stack(frame)
    assert [t.name for t in grouped.data] == ["English", "Other European languages", "Asian languages", "Code"]
    assert [t.marker.color for t in grouped.data] == [charts.GROUP_COLORS[t.name] for t in grouped.data]
    inside = charts.category_stack(frame, "Other European languages")
    assert [t.name for t in inside.data] == ["Serbo-Croatian"]
    with pytest.raises(ValueError, match="Unknown group"):
        charts.category_stack(frame, "Klingon")


def _figures(name: str) -> list:
    frame = pd.DataFrame({"tokenizer": ["t", "t"], "category": [name, "en"], "share": [0.5, 0.5]})
    return [charts.category_stack(frame), charts.group_stack(frame), charts.share_bars(frame),
            charts.stability_chart(frame.assign(half=name)),
            charts.merge_timeline_chart(pd.DataFrame({"step": [0], "merge": [name], name: [1.0]}))]


def _texts(trace: dict) -> list[str]:
    return [str(trace.get("name", "")), *map(str, trace.get("x") or []), *map(str, trace.get("y") or []),
            *map(str, trace.get("customdata") or [])]


@pytest.mark.parametrize("hostile", ["<img src=x onerror=alert(1)>", "%{x}", "%{customdata[0]}<br>", "a&b"])
def test_hostile_category_names_reach_plotly_escaped_and_never_as_template(hostile):
    for figure, benign in zip(_figures(hostile), _figures("benign"), strict=True):
        for trace, reference in zip(json.loads(figure.to_json())["data"], json.loads(benign.to_json())["data"],
                                    strict=True):
            # the hover template never depends on a category name: names travel as (escaped) data
            assert trace.get("hovertemplate") == reference.get("hovertemplate")
            assert not any("<img" in text or "<br>" in text for text in _texts(trace))
    assert charts.safe_text(hostile) in {t.name for t in _figures(hostile)[0].data}


def test_the_paper_table_has_a_row_per_tokenizer_and_measure():
    published = summary.read_published()
    assert set(published["tokenizer"]) == PAPER_TOKENIZERS
    headline = published.set_index(["tokenizer", "measure"])["paper_share"]
    assert headline["o200k_base", "non_english"] == pytest.approx(0.39, abs=0.01)
    assert headline["cl100k_base", "code"] == pytest.approx(0.63, abs=0.01)
    assert headline["llama3", "non_english"] == pytest.approx(0.48, abs=0.01)
    assert headline["mistral-tekken", "non_english"] == pytest.approx(0.47, abs=0.01)
    assert headline["claude-legacy", "code"] == pytest.approx(0.575, abs=0.01)
    for tokenizer, part in published.groupby("tokenizer"):
        sums = part.set_index("measure")["paper_share"]
        assert sums[["english", "code", "non_english"]].sum() == pytest.approx(1.0, abs=0.01), tokenizer
        assert sums[["web", "books", "academic", "wikipedia"]].sum() == pytest.approx(sums["english"], abs=1e-6)


def test_published_comparison_against_the_shipped_results():
    from pathlib import Path

    data = Path(summary.PUBLISHED_PATH).parent
    precomputed = pd.concat([pd.read_parquet(p) for p in sorted(data.glob("mixture_precomputed*.parquet"))])
    table = summary.published_comparison(precomputed)
    assert set(table["tokenizer"]) == PAPER_TOKENIZERS
    assert len(table) == len(summary.read_published())
    main = table.set_index(["tokenizer", "measure"])
    gpt4o = main.loc[("o200k_base", "non_english")]
    assert gpt4o["status"] == "compared" and 0 < gpt4o["tokviz"] < 1
    assert gpt4o["difference"] == pytest.approx(gpt4o["tokviz"] - gpt4o["paper"])
    assert main.loc[("cl100k_base", "code"), "tokviz"] > 0.3
    domains = table[table["measure"].isin(["web", "books", "academic", "wikipedia"])]
    assert domains["status"].str.startswith("not comparable").all() and domains["tokviz"].isna().all()
    if "additions" not in set(precomputed.get("run", [])):
        assert main.loc[("llama3", "non_english"), "status"].startswith("not computed yet")


def test_the_shipped_additions_runs_name_their_base_and_skip_the_inherited_merges():
    from pathlib import Path

    precomputed = pd.read_parquet(Path(summary.PUBLISHED_PATH).parent / "mixture_precomputed.parquet")
    added = precomputed[precomputed["run"] == "additions"]
    assert set(added["tokenizer"]) == {"llama3", "qwen3"}
    for name, part in added.groupby("tokenizer"):
        assert (part["base"] == "cl100k_base").all() and (part["skip_merges"] > 0).all()
        assert part["skip_merges"].iloc[0] == {"llama3": 100_000, "qwen3": 98_900}[name]
        assert part["num_merges"].iloc[0] > part["skip_merges"].iloc[0] and part["share"].sum() == pytest.approx(1)
        assert part["sample_bytes"].max() >= 900_000 and part["gap"].between(0, 1).all()
        assert summary.additions_summary(name, part).startswith(f"{name}'s own merges (the first ")
    # the paper's Llama 3* is compared with the additions run, not with the inherited cl100k_base part
    table = summary.published_comparison(precomputed).set_index(["tokenizer", "measure"])
    assert table.loc[("llama3", "non_english"), "status"] == "compared"
    full = precomputed[precomputed["run"] == "full"]
    assert len(full) == 8 * 46 and (full.get("base", pd.Series("", index=full.index)) == "").all()


def test_additions_summary_refuses_an_empty_run():
    with pytest.raises(ValueError, match="--runs additions"):
        summary.additions_summary("llama3", pd.DataFrame(columns=["category", "share"]))


def test_the_shipped_full_runs_use_each_tokenizers_default_formulation():
    # what a user's own run would use (tokviz.mixture.default_formulation), so that the shipped bars and a rerun agree
    precomputed = pd.read_parquet(Path(summary.PUBLISHED_PATH).parent / "mixture_precomputed.parquet")
    full = precomputed[precomputed["run"] == "full"].drop_duplicates("tokenizer").set_index("tokenizer")
    for name, row in full.iterrows():
        assert row["formulation"] == default_formulation(load_tokenizer(name)), name
    assert set(full.index[full["formulation"] == "scale_invariant"]) == {"llama2", "mistral-7b"}
