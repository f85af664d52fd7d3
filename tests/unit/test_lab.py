"""tokviz.lab: BPE training (classic = HF's merges, Parity-aware, SuperBPE), step records, round trips."""
from __future__ import annotations

import sysconfig
from collections import Counter
from pathlib import Path

import pytest

import tokviz
from tokviz.corpora import udhr_text
from tokviz.lab import bpe_steps, train_bpe
from tokviz.lab.evaluate import evaluate, udhr_split
from tokviz.lab.export import pre_tokenize
from tokviz.lab.inference import compare_inference, inference_differences, longest_prefix, merge_order
from tokviz.lab.train import hf_classic_merges, train_classic_python
from tokviz.merges import merge_pair

THREE = ["eng", "amh", "hin"]


def _python_source(limit: int = 300_000) -> str:
    """Real code: Python standard-library modules, about ``limit`` characters."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    parts, size = [], 0
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        parts.append(text)
        size += len(text)
        if size > limit:
            break
    return "\n".join(parts)


@pytest.fixture(scope="module")
def split():
    return udhr_split(THREE)


@pytest.mark.parametrize("corpus", ["english", "three-languages-weighted", "python-code"])
def test_classic_engine_gives_exactly_hf_trainers_merges(corpus):
    texts, weights = {
        "english": ({"eng": udhr_text("eng")}, None),
        "three-languages-weighted": ({c: udhr_text(c) for c in THREE}, {"eng": 3, "amh": 1, "hin": 1}),
        "python-code": ({"py": _python_source()}, None),
    }[corpus]
    hf_vocab, hf_merges = hf_classic_merges(texts, 1500, weights=weights)
    py_vocab, py_merges, _ = train_classic_python(texts, 1500, weights=weights)
    ours = [(py_vocab[a], py_vocab[b]) for a, b in py_merges]
    theirs = [(hf_vocab[a], hf_vocab[b]) for a, b in hf_merges]
    assert len(theirs) > 500
    assert ours == theirs
    assert py_vocab == hf_vocab  # same ids for the same tokens, too


def _spread(table) -> float:
    return float(table["premium"].max() / table["premium"].min())


def test_parity_aware_bpe_narrows_the_premium_spread_on_held_out_udhr(split):
    train, held = split
    weights = {"eng": 3, "amh": 1, "hin": 1}
    classic = train_bpe(train, 600, "bpe", weights=weights)
    parity = train_bpe(train, 600, "parity", weights=weights, dev_texts=train)
    assert classic.vocab_size == parity.vocab_size == 600
    classic_spread, parity_spread = _spread(evaluate(classic, held)), _spread(evaluate(parity, held))
    assert parity_spread < classic_spread * 0.9, (classic_spread, parity_spread)
    turns = parity.info.merges_by_language
    assert set(turns) == set(THREE) and min(turns.values()) > 0  # every language got merges


def test_parity_without_a_dev_text_uses_each_languages_own_compression(split):
    train, held = split
    parity = train_bpe(train, 500, "parity")
    assert parity.vocab_size == 500 and len(parity.info.chosen_language) == 500 - 256


def test_superbpe_needs_fewer_tokens_per_byte_and_has_tokens_across_spaces(split):
    train, held = split
    classic = train_bpe(train, 800, "bpe")
    superbpe = train_bpe(train, 800, "superbpe")
    assert superbpe.vocab_size == classic.vocab_size == 800
    assert superbpe.info.transition == 720  # 90 % of the vocabulary, the paper's best ratio
    assert superbpe.merges()[:400] == classic.merges()[:400]  # stage 1 is classic BPE
    classic_bpt = evaluate(classic, held)["bytes_per_token"].mean()
    super_bpt = evaluate(superbpe, held)["bytes_per_token"].mean()
    assert super_bpt > classic_bpt * 1.05
    inner_space = [t for t in superbpe.vocab_bytes if b" " in t.strip()]
    assert inner_space, "SuperBPE should learn tokens with a space inside"
    assert not [t for t in classic.vocab_bytes if b" " in t.strip()]


@pytest.mark.parametrize("method", ["bpe", "parity", "superbpe"])
def test_tokenizer_json_round_trips_with_identical_ids(method, split, tmp_path):
    train, held = split
    trained = train_bpe(train, 700, method)
    path = trained.save(tmp_path / method)
    assert path.name == "tokenizer.json"
    loaded = tokviz.load_tokenizer(str(path))
    for text in list(held.values()) + ["Hello, world! 123 ✓ 😀"]:
        assert loaded.encode(text) == trained.encode(text)
        assert loaded.decode(trained.encode(text)) == text
    assert loaded.merges() == trained.merges()
    assert loaded.vocab_size == trained.vocab_size == 700


def test_bpe_steps_match_a_plain_reference_on_real_text():
    text = udhr_text("eng", ["1", "2"])
    steps = bpe_steps(text, 25)
    assert len(steps) == 26 and steps[0].pair is None
    words = [[bytes([b]) for b in piece.encode("utf-8")] for piece in _pieces(text)]
    assert steps[0].tokens == [t for w in words for t in w]
    for step in steps[1:]:
        counts = Counter(pair for w in words for pair in zip(w, w[1:], strict=False))
        best = max(counts.values())
        assert step.count == counts[step.pair] == best
        assert (step.top_pairs[0][2], len(step.top_pairs)) == (best, 8)
        words = [merge_pair(w, *step.pair) for w in words]
        assert step.tokens == [t for w in words for t in w]
        assert step.token == step.pair[0] + step.pair[1]
        assert step.vocab_size == 256 + step.step
    assert steps[-1].token_count < steps[0].token_count


def _pieces(text: str) -> list[str]:
    from tokviz.backends.hf_backend import gpt2_byte_decoder

    decoder = gpt2_byte_decoder()
    return [bytes(decoder[c] for c in piece).decode("utf-8") for piece in pre_tokenize(text)]


def test_inference_methods_cut_the_same_bytes_and_report_where_they_differ(split):
    train, held = split
    trained = train_bpe(train, 900, "bpe")
    text = held["eng"]
    greedy, bpe = longest_prefix(trained, text), merge_order(trained, text)
    assert b"".join(greedy) == b"".join(bpe) == text.encode("utf-8")
    table = compare_inference(trained, held)
    assert list(table["text"]) == THREE and (table["greedy_tokens"] > 0).all()
    differences = inference_differences(trained, " ".join(held.values()), limit=None)
    assert len(differences) == int(table["words_cut_differently"].sum()) or len(differences) > 0


@pytest.mark.parametrize("call, message", [
    (lambda: train_bpe({}, 500), "at least one language"),
    (lambda: train_bpe({"en": "   "}, 500), "empty"),
    (lambda: train_bpe({"en": "text"}, 100), "vocab_size"),
    (lambda: train_bpe({"en": "text"}, 10**7), "vocab_size"),
    (lambda: train_bpe({"en": "text text"}, 300, "parity"), "at least two languages"),
    (lambda: train_bpe({"en": "text"}, 300, "nope"), "Unknown method"),
    (lambda: bpe_steps("", 5), "empty"),
    (lambda: bpe_steps("x" * 30_000, 5), "under"),
])
def test_bad_input_gives_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_huge_vocabulary_on_a_small_text_stops_early_and_says_why():
    trained = train_bpe({"en": udhr_text("eng", ["1"])}, 50_000)
    assert trained.vocab_size < 1000 and "stopped at" in trained.info.stopped_early


def test_compare_variants_and_its_story_in_plain_words(split):
    from tokviz.lab.evaluate import compare_variants, variants_story

    train, held = split
    variants = compare_variants(train, held, 500, weights={"eng": 3, "amh": 1, "hin": 1}, reference="eng")
    summary = variants.summary.set_index("method")
    assert list(summary.index) == ["bpe", "parity", "superbpe"] and (summary["vocab"] == 500).all()
    assert summary.loc["parity", "premium_spread"] < summary.loc["bpe", "premium_spread"]
    assert summary.loc["superbpe", "tokens"] < summary.loc["bpe", "tokens"]
    story = variants_story(variants, {"eng": "English", "amh": "Amharic", "hin": "Hindi"},
                           {"eng": 60, "amh": 20, "hin": 20})
    worst = {"amh": "Amharic", "hin": "Hindi"}[summary.loc["bpe", "worst_language"]]
    assert story.startswith(f"With **classic BPE**, {worst} needs") and "of the training text" in story
    assert "Parity-aware BPE" in story and "SuperBPE" in story
