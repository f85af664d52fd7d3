"""Data-mixture inference: replay against a brute-force recount, exact recovery, real tokenizers, bad input."""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

import tokviz
from tokviz.cli import add_mixture_command as register_cli
from tokviz.merges import merge_pair
from tokviz.mixture import (
    count_pretokens,
    infer_mixture,
    read_samples,
    replay_merges,
    solve_mixture,
)
from tokviz.mixture.controlled import train_controlled_bpe
from tokviz.mixture.sweep import PairCounts
from tokviz.samples import CODE_BLOCK_CHARS, code_blocks, code_sample, load_samples, sample_bank


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKVIZ_CACHE", str(tmp_path / "cache"))


def train_bpe(texts: dict[str, str], repeats: dict[str, int], num_merges: int, path) -> str:
    """An HF byte-level BPE (Digits first, then the GPT-2 regex) trained on texts × repeats."""
    stream = (text for category, text in texts.items() for _ in range(repeats[category]))
    return train_controlled_bpe(stream, num_merges, path)


def naive_pair_counts(table: dict[tuple, int]) -> Counter:
    """Pair counts of words (tuples of symbols) weighted by their counts."""
    pairs = Counter()
    for word, n in table.items():
        for a, b in zip(word, word[1:], strict=False):
            pairs[(a, b)] += n
    return pairs


def naive_merge(table: dict[tuple, int], left: bytes, right: bytes) -> dict[tuple, int]:
    """Every word with each (left, right) occurrence joined, left to right."""
    merged: dict[tuple, int] = {}
    for word, n in table.items():
        out = tuple(merge_pair(word, left, right))
        merged[out] = merged.get(out, 0) + n
    return merged


def greedy_bpe_merges(words: dict[str, Counter], count: int) -> list[tuple[bytes, bytes]]:
    """Merges chosen as BPE would on the union of the categories' words: the most frequent pair each time."""
    table = Counter()
    for counter in words.values():
        table.update(counter)
    seqs = {tuple(bytes([b]) for b in w): n for w, n in table.items()}
    merges = []
    for _ in range(count):
        pairs = naive_pair_counts(seqs)
        if not pairs:
            break
        (left, right), _ = pairs.most_common(1)[0]
        merges.append((left, right))
        seqs = naive_merge(seqs, left, right)
    return merges


def brute_force_counts(words: dict[str, Counter], merges, steps):
    """Pair counts per category before each merge in ``steps``, by applying merges naively."""
    state = {c: {tuple(bytes([b]) for b in w): n for w, n in counter.items()} for c, counter in words.items()}
    snapshots = {}
    for t, (left, right) in enumerate(merges):
        if t in steps:
            snapshots[t] = {c: naive_pair_counts(table) for c, table in state.items()}
        state = {c: naive_merge(table, left, right) for c, table in state.items()}
    return snapshots


class TestReplay:
    def test_replay_matches_a_naive_recount(self):
        rng = random.Random(7)
        alphabet = b"abcde "
        words = {c: Counter(bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 9))) for _ in range(400))
                 for c in ("x", "y", "z")}
        merges = greedy_bpe_merges(words, 25)
        replay = replay_merges(words, merges)
        steps = [0, 3, 10, len(merges) - 1]
        expected = brute_force_counts(words, merges, set(steps))
        index = PairCounts(replay)
        for t in steps:
            for k, category in enumerate(replay.categories):
                left, right = merges[t]
                assert replay.merge_counts[t, k] == expected[t][category][(left, right)]
        # every pair's count at step t, from the event index, equals the naive count
        pair_ids = np.arange(replay.n_pairs)
        for t in steps:
            counts = index.counts(np.full(replay.n_pairs, t), pair_ids)
            totals_naive = sum(sum(c.values()) for c in expected[t].values())
            assert counts.sum() == totals_naive
        assert replay.pair_totals.tolist() == [float(sum(v.values())) for v in expected[0].values()]

    def test_long_words_with_repeated_symbols_match_a_naive_recount_at_every_step(self):
        # Long words of few symbols (like a CJK line under Metaspace): runs such as "aaaa" make overlapping
        # occurrences of a merge, and most of each word is untouched by a merge. Every pair's count in every
        # category after every merge must still be the naive recount's.
        rng = random.Random(11)
        words = {c: Counter(bytes(rng.choice(b"aab ") for _ in range(rng.randint(20, 120))) for _ in range(60))
                 for c in ("x", "y")}
        merges = greedy_bpe_merges(words, 30)
        replay = replay_merges(words, merges)
        expected = brute_force_counts(words, merges, set(range(len(merges))))
        index = PairCounts(replay)
        pair_ids = np.arange(replay.n_pairs)
        for t, (left, right) in enumerate(merges):
            counts = index.counts(np.full(replay.n_pairs, t), pair_ids)
            for k, category in enumerate(replay.categories):
                assert replay.merge_counts[t, k] == expected[t][category][(left, right)]
                # the same multiset of pair counts (pair ids are internal; the merged pair's is checked above)
                naive = sorted(n for n in expected[t][category].values() if n)
                assert sorted(int(n) for n in counts[:, k] if n) == naive

    def test_docstring_example(self):
        replay = replay_merges({"a": Counter({b"aab": 2}), "b": Counter({b"ab": 1})}, [(b"a", b"b"), (b"a", b"ab")])
        assert replay.merge_counts.tolist() == [[2.0, 1.0], [2.0, 0.0]]


@pytest.fixture(scope="module")
def bank_texts():
    categories = ["python", "c", "javascript", "en", "fr"]
    available = sample_bank()
    categories = [c for c in categories if available[c]["available"]]
    return load_samples(categories, max_bytes=60_000)


class TestExactRecovery:
    def test_trained_tokenizer_gives_back_its_mixture(self, tmp_path, bank_texts):
        repeats = dict(zip(bank_texts, [3, 1, 2, 4, 2], strict=False))
        path = train_bpe(bank_texts, repeats, 1500, tmp_path / "tokenizer.json")
        shares = infer_mixture(path, bank_texts)
        sizes = {c: len(t.encode("utf-8")) * repeats[c] for c, t in bank_texts.items()}
        total = sum(sizes.values())
        truth = np.array([sizes[c] / total for c in shares.index])
        mse = float(np.mean((shares.to_numpy() - truth) ** 2))
        assert np.log10(mse + 1e-300) <= -8, (shares.to_dict(), truth)
        assert shares.attrs["converged"] and shares.attrs["stopped"] == "no violated constraint"
        assert abs(shares.sum() - 1) < 1e-12
        assert shares.attrs["num_merges"] == 1500
        # pair shares on request: alpha itself, also summing to 1, and different from byte shares
        pairs = infer_mixture(path, bank_texts, unit="pairs")
        assert abs(pairs.sum() - 1) < 1e-9
        assert pairs.attrs["unit"] == "pairs"

    def test_a_merge_no_sample_holds_leaves_the_estimate_alone(self, tmp_path, bank_texts):
        """Training data the samples lack (here: a merge of bytes no sample has) says nothing about
        the weights; the estimate with it equals the estimate without it."""
        texts = {c: bank_texts[c] for c in ("python", "en", "fr")}
        path = train_bpe(texts, {"python": 2, "en": 1, "fr": 3}, 600, tmp_path / "t.json")
        merges = tokviz.load_tokenizer(path).merges()
        counters = {c: count_pretokens(tokviz.load_tokenizer(path), t) for c, t in texts.items()}
        foreign = (b"\xe2\x82", b"\xac")  # the euro sign's bytes: in none of the samples
        assert not any(b"\xe2\x82\xac" in word for counter in counters.values() for word in counter)
        plain = solve_mixture(replay_merges(counters, merges))
        with_foreign = replay_merges(counters, merges[:300] + [foreign] + merges[300:])
        assert (with_foreign.merge_counts.sum(axis=1) == 0).sum() == 1
        assert np.allclose(solve_mixture(with_foreign).alpha, plain.alpha, atol=1e-9)

    def test_cli_writes_json(self, tmp_path, bank_texts, capsys):
        folder = tmp_path / "samples"
        folder.mkdir()
        for category, text in list(bank_texts.items())[:3]:
            (folder / f"{category}.txt").write_text(text, encoding="utf-8")
        repeats = {c: 1 for c in bank_texts}
        path = train_bpe({c: bank_texts[c] for c in list(bank_texts)[:3]}, repeats, 400, tmp_path / "t.json")
        parser = argparse.ArgumentParser()
        register_cli(parser.add_subparsers())
        args = parser.parse_args(["mixture", path, "--samples", str(folder), "--merges", "300",
                                  "--json", str(tmp_path / "out.json")])
        assert args.func(args) == 0
        written = json.loads((tmp_path / "out.json").read_text())
        assert written["num_merges"] == 300
        assert set(written["shares"]) == set(list(bank_texts)[:3])
        assert abs(sum(written["shares"].values()) - 1) < 1e-9
        assert json.loads(capsys.readouterr().out) == written


class TestRealTokenizers:
    def test_cl100k_reads_code_heavy(self, bank_texts):
        shares = infer_mixture("cl100k_base", bank_texts, num_merges=2000)
        assert set(shares.index) == set(bank_texts)
        assert abs(shares.sum() - 1) < 1e-9 and (shares >= 0).all()
        assert shares.attrs["rounds"] >= 1 and shares.attrs["constraints"] > 0
        assert {"counting", "replay", "lp"} <= set(shares.attrs["seconds"])
        timeline = shares.attrs["timeline"]
        assert len(timeline["step"]) == 60 and set(timeline["top"]) <= set(bank_texts) | {""}

    def test_gap_bounds_hold_against_the_exact_optimum(self, bank_texts):
        """Stopping within a 1% gap gives an objective within 1% of the fully solved LP's."""
        tok = tokviz.load_tokenizer("cl100k_base")
        counters = {c: count_pretokens(tok, t) for c, t in bank_texts.items()}
        replay = replay_merges(counters, tok.merges()[:2000])
        exact = solve_mixture(replay, gap_tolerance=0.0, max_rounds=1000, max_seconds=600)
        quick = solve_mixture(replay, gap_tolerance=0.01, max_rounds=1000, max_seconds=600)  # gap decides, not time
        assert exact.stopped == "no violated constraint" and exact.gap == 0.0
        assert quick.converged and quick.gap <= 0.01
        assert exact.total_slack * (1 - 1e-6) <= quick.total_slack <= exact.total_slack * 1.01 + 1e-12
        assert all(g >= 0 for g in quick.gaps) and quick.rounds <= exact.rounds

    def test_reported_bounds_bracket_the_exact_optimum(self, bank_texts):
        """Every lower bound is at most the fully solved LP's optimum, every swept objective at least it."""
        tok = tokviz.load_tokenizer("cl100k_base")
        counters = {c: count_pretokens(tok, t) for c, t in bank_texts.items()}
        replay = replay_merges(counters, tok.merges()[:1000])
        optimum = solve_mixture(replay, gap_tolerance=0.0, max_rounds=1000, max_seconds=600).total_slack
        lazy = solve_mixture(replay, gap_tolerance=0.05, max_new_per_round=100, max_rounds=1000, max_seconds=600)
        assert lazy.stopped in ("within gap", "no violated constraint") and lazy.rounds >= 2
        lowers, uppers = np.array(lazy.lower_bounds), np.array(lazy.upper_bounds)
        assert len(lowers) == len(uppers) == len(lazy.gaps) >= 1
        assert (lowers <= optimum * (1 + 1e-6) + 1e-12).all() and (np.diff(lowers) >= 0).all()
        assert (uppers >= optimum * (1 - 1e-6) - 1e-12).all()
        # the answer is the best swept point: its objective is within the reported gap of the optimum
        assert optimum * (1 - 1e-6) <= lazy.total_slack <= uppers.min() + 1e-12
        assert lazy.total_slack <= optimum / (1 - lazy.gap) * (1 + 1e-6) + 1e-12

    def test_sentencepiece_bpe_starts_from_characters(self, bank_texts):
        tok = tokviz.load_tokenizer("mistral-7b")
        assert tok.merge_units == "chars"
        counts = count_pretokens(tok, "hello world  again")
        assert all(b" " not in word[1:] for word in counts)  # no word crosses a word start
        shares = infer_mixture(tok, {c: bank_texts[c] for c in ("python", "en")}, num_merges=800)
        assert abs(shares.sum() - 1) < 1e-9
        # character-level BPE is solved scale-invariant by default; asking for the paper's "sum" is honoured
        assert shares.attrs["formulation"] == "scale_invariant"
        asked = infer_mixture(tok, {c: bank_texts[c] for c in ("python", "en")}, num_merges=800,
                              lp_options={"formulation": "sum"})
        assert asked.attrs["formulation"] == "sum"
        assert infer_mixture("o200k_base", {c: bank_texts[c] for c in ("python", "en")},
                             num_merges=300).attrs["formulation"] == "sum"

    def test_second_run_uses_the_disk_cache(self, bank_texts):
        texts = {c: bank_texts[c] for c in ("python", "fr")}
        infer_mixture("o200k_base", texts, num_merges=300)
        again = infer_mixture("o200k_base", texts, num_merges=300)
        assert "cache" in again.attrs["seconds"] and "counting" not in again.attrs["seconds"]


class TestBadInput:
    def test_non_bpe_tokenizer_is_refused(self, tmp_path):
        tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
        tokenizer.train_from_iterator(["the cat sat on the mat"] * 20,
                                      trainers.WordPieceTrainer(vocab_size=60, special_tokens=["[UNK]"]))
        path = tmp_path / "wordpiece.json"
        tokenizer.save(str(path))
        with pytest.raises(ValueError, match="BPE merge list"):
            infer_mixture(str(path), {"a": "the cat " * 3000, "b": "sat on " * 3000})

    def test_no_categories(self):
        with pytest.raises(ValueError, match="No categories"):
            infer_mixture("cl100k_base", {})

    def test_one_category(self):
        with pytest.raises(ValueError, match="at least two"):
            infer_mixture("cl100k_base", {"en": "hello " * 5000})

    def test_empty_category(self):
        with pytest.raises(ValueError, match="'code' is empty"):
            infer_mixture("cl100k_base", {"en": "hello world " * 2000, "code": "  \n"})

    def test_tiny_category_warns(self, bank_texts):
        shares = infer_mixture("cl100k_base", {"en": bank_texts["en"], "tiny": "def f(x):\n    return x\n" * 20},
                               num_merges=300)
        assert any("'tiny' is only" in w and "10 KB" in w for w in shares.attrs["warnings"])
        assert abs(shares.sum() - 1) < 1e-9

    def test_bad_parameters(self, bank_texts):
        texts = {c: bank_texts[c] for c in ("python", "en")}
        with pytest.raises(ValueError, match="unit"):
            infer_mixture("cl100k_base", texts, unit="tokens")
        with pytest.raises(ValueError, match="num_merges"):
            infer_mixture("cl100k_base", texts, num_merges=0)
        with pytest.raises(ValueError, match="not a folder"):
            read_samples("/nonexistent/folder")

    def test_round_limit_returns_best_estimate_with_warning(self, bank_texts):
        shares = infer_mixture("o200k_base", bank_texts, num_merges=1500, max_rounds=1)
        assert shares.attrs["stopped"] == "round limit" and 0 < shares.attrs["gap"] <= 1
        assert any("did not converge" in w and "of the optimum" in w for w in shares.attrs["warnings"])
        assert abs(shares.sum() - 1) < 1e-9

    def test_folder_of_category_files(self, tmp_path):
        (tmp_path / "en.txt").write_text("hello", encoding="utf-8")
        (tmp_path / "py.txt").write_text("def f(): pass", encoding="utf-8")
        assert read_samples(tmp_path) == {"en": "hello", "py": "def f(): pass"}


class TestSamples:
    def test_bank_has_30_languages_and_3_code_categories(self):
        bank = sample_bank()
        languages = [c for c, v in bank.items() if v["group"] == "language" and v["available"]]
        code = [c for c, v in bank.items() if v["group"] == "code" and v["available"]]
        assert len(languages) >= 30 and "en" in languages
        assert len(code) >= 3 and "python" in code
        assert all(v["bytes"] > 0 for v in bank.values() if v["available"])

    def test_parts_are_disjoint_and_sized(self):
        first = load_samples(["python", "de"], max_bytes=20_000, part=0)
        second = load_samples(["python", "de"], max_bytes=20_000, part=1)
        for category in first:
            assert 15_000 <= len(first[category].encode("utf-8")) <= 20_000
            assert first[category] != second[category]
        assert first["python"][:2000] not in second["python"]

    def test_code_is_sampled_in_small_blocks_from_all_files(self):
        from tokviz.samples import _code_files

        blocks = code_blocks("python")
        assert len(blocks) > 10_000 and max(map(len, blocks)) <= CODE_BLOCK_CHARS
        texts = [Path(path).read_bytes().decode("utf-8", errors="replace") for path, _ in _code_files("python")]
        # the first 100 blocks (the start of a 100 KB sample) come from all over the standard library
        homes = {next(i for i, text in enumerate(texts) if block in text) for block in blocks[:100]}
        assert len(homes) >= 80
        first, later = code_sample("python", 200_000), code_sample("python", 200_000, offset=200_000)
        assert blocks[0] in first and 150_000 <= len(first.encode("utf-8")) <= 200_000
        assert not [block for block in blocks[:100] if len(block) > 300 and block in later]

    def test_unknown_category(self):
        with pytest.raises(ValueError, match="Unknown sample category"):
            load_samples(["klingon"])
