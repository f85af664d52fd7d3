"""Regenerate data/mixture_precomputed.parquet: inferred mixtures of the default BPE tokenizers.

    python scripts/precompute_mixture.py [--merges 5000] [--bytes 300000] [--only o200k_base,llama3]
                                         [--runs full,additions] [--additions-merges 1000]
                                         [--additions-bytes 1000000]
                                         [--additions-words all] [--additions-formulation scale_invariant]

For each tokenizer: the first ``--merges`` merges against every available category of the
default sample bank (tokviz.samples: wordfreq pseudo-text per language, local code), ``--bytes``
per category (run "full"). Tokenizers derived from another one (``DERIVED``: Llama 3 and Qwen
from cl100k_base) get a second run, "additions", that replays the inherited merges
(``tokviz.mixture.inherited_prefix``: 100,000 for Llama 3; 98,900 for Qwen, which kept
cl100k_base's order but left out its 1,100 digit merges) and constrains only the next
``--additions-merges`` merges, with ``--additions-bytes`` per category (additions are rare pairs:
they need larger samples). Prints one JSON line per run; rows of (tokenizer, run) not recomputed
are kept from the existing file.

Why the additions run of 2026-12-02 (46 x 1 MB, 5,000 additions) degenerated to 100% English with a
~100% gap, measured (scratch scripts and numbers in the s15 "additions" report):
- not coverage: 4,308 of Llama 3's first 5,000 additions occur in the 1 MB samples (4,348 at 4 MB,
  4,357 at 4 MB of whole word lists: it saturates. Of the 742 the replay finds in no 1 MB sample, 286
  are Thai, which tokviz has no sample of; 103 digits or punctuation, 103 Latin, 56 Greek, 54 Cyrillic).
  The 43,972 absent merges were mostly cl100k_base's own (43,237 of 100,000), replayed, not constrained.
- not the replay: it matches BPE encoding of every pre-token on 101,964 of 102,000 steps (the rest
  are runs of one repeated symbol, counted as overlapping pairs), additions included.
- the formulation ``sum(alpha) = 1``: after cl100k_base's 100,000 merges English pseudo-text keeps
  1.9% of its pairs (code 3-6%, Hebrew 47%), so weight on English shrinks every violation: on the
  1,000-addition problem the objective is 0.032 at "all English", 0.48 uniform, 1.19 "all Hindi";
  with 2,000 additions 0.064 at "all English" against 0.123 at the scale-invariant estimate. The
  additions are rare pairs found in one or two categories, so the lazy LP also stalls: its lower
  bound stays near 0 (gap 85% after 150 s with 1,000 additions, 98% after 240 s with 5,000) and the
  best point it has seen is "all English".
- ``formulation="scale_invariant"`` (the mixed count of the chosen merges is fixed to 1 instead, so
  a category without the chosen pairs cannot take weight for free) converges on the first 1,000
  additions: within gap (0.04%) in 58 rounds, 114 s (English 24%, code 16%, other languages 60%);
  on the first 2,000 too (0.36%, 88 rounds, 210 s: 18% / 14% / 68%); on 5,000 not (99.8% gap
  after 350 s). The first 1,000 are the best-supported additions (836 occur in the samples) and the
  ones the LP solves in minutes; rerun with ``--additions-merges`` when the LP is faster.

Rerun the additions only (writes only their rows):

    python scripts/precompute_mixture.py --only llama3,qwen3 --runs additions
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from tokviz import load_tokenizer  # noqa: E402
from tokviz.mixture import infer_mixture, merge_order_report  # noqa: E402
from tokviz.samples import DEFAULT_WORDS, load_samples, sample_bank, sample_limits  # noqa: E402

OUTPUT = ROOT / "data" / "mixture_precomputed.parquet"
#: tokenizers fetched on demand (not embedded): their rows go to a file of their own
FETCHABLE = ["r50k_base", "claude-legacy", "gemma3"]
OUTPUT_FETCHABLE = ROOT / "data" / "mixture_precomputed_fetchable.parquet"
LIMITS = ROOT / "data" / "mixture_sample_limits.csv"
TOKENIZERS = ["cl100k_base", "o200k_base", "llama3", "qwen3", "mistral-tekken", "deepseek-v3", "llama2", "mistral-7b"]
#: derived tokenizer -> the tokenizer whose merge order it inherited
DERIVED = {"llama3": "cl100k_base", "qwen3": "cl100k_base"}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--merges", type=int, default=5_000)
    parser.add_argument("--bytes", type=int, default=300_000)
    parser.add_argument("--additions-merges", type=int, default=1_000,
                        help="how many merges after the inherited part the additions run constrains")
    parser.add_argument("--additions-bytes", type=int, default=1_000_000,
                        help="sample bytes per category (code: at most all of its files here)")
    parser.add_argument("--additions-words", default="all",
                        help="language samples draw from this many most frequent words, or 'all' (the whole list)")
    parser.add_argument("--additions-formulation", default="scale_invariant", choices=["sum", "scale_invariant"],
                        help="LP normalisation of the additions run (see above for why not 'sum')")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="LP time budget per run")
    parser.add_argument("--max-rounds", type=int, default=400, help="LP round budget per run")
    parser.add_argument("--runs", default="full,additions", help="which runs: full, additions or both")
    parser.add_argument("--sample-limits", action="store_true",
                        help=f"only write {LIMITS.relative_to(ROOT)}: how large each language sample can usefully get")
    parser.add_argument("--only", default="", help="comma-separated tokenizer names (default: all eight embedded ones; "
                        "r50k_base, claude-legacy, gemma3 write data/mixture_precomputed_fetchable.parquet)")
    return parser.parse_args()


def _words(value: str) -> int | None:
    return None if value == "all" else int(value)


def _plan(names: list[str], runs: set[str], args: argparse.Namespace) -> list[dict]:
    """One dict per run: tokenizer, run, num_merges, skip_merges, bytes, words, formulation, base, prefix report."""
    plan = []
    for name in names:
        if "full" in runs:
            plan.append({"tokenizer": name, "run": "full", "num_merges": args.merges, "skip_merges": 0,
                         "bytes": args.bytes, "words": 30_000, "formulation": None, "base": None})  # the default
        if "additions" in runs and name in DERIVED:
            report = merge_order_report(load_tokenizer(name), load_tokenizer(DERIVED[name]))
            skip = report["inherited_prefix"]
            plan.append({"tokenizer": name, "run": "additions", "num_merges": skip + args.additions_merges,
                         "skip_merges": skip, "bytes": args.additions_bytes, "words": _words(args.additions_words),
                         "formulation": args.additions_formulation, "base": DERIVED[name],
                         "shared_prefix": report["shared_prefix"], "inherited_prefix": skip,
                         "additions": report["additions"]})
    return plan


def _rows(run: dict, shares, bank: dict, elapsed: float) -> list[dict]:
    attrs = shares.attrs
    extra = {} if run["run"] == "full" else {  # the additions run's own columns (empty for the full runs)
        "base": run["base"], "shared_prefix": run["shared_prefix"], "inherited_prefix": run["inherited_prefix"],
        "additions": run["additions"], "sample_words": "all" if run["words"] is None else str(run["words"])}
    return [{
        "tokenizer": run["tokenizer"], "run": run["run"], "category": category, "label": bank[category]["label"],
        "group": bank[category]["group"], "share": float(share), "num_merges": attrs["num_merges"],
        "skip_merges": attrs["skip_merges"], "sample_bytes": int(attrs["sample_bytes"][category]),
        "rounds": attrs["rounds"], "constraints": attrs["constraints"], "stopped": attrs["stopped"],
        "total_slack": attrs["total_slack"], "seconds": elapsed,
        "computed": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "gap": attrs["gap"],
        "absent_merges": attrs["absent_merges"], "formulation": attrs["formulation"], **extra,
    } for category, share in shares.items()]


def _write_sample_limits() -> None:
    """Per language: distinct words and the size up to which a sample brings new ones (default and whole list)."""
    from importlib.metadata import version

    default = {limit.category: limit for limit in sample_limits(DEFAULT_WORDS) if limit.largest_bytes is None}
    whole = {limit.category: limit for limit in sample_limits(None) if limit.largest_bytes is None}
    frame = pd.DataFrame([{"category": c, "words_default": default[c].words,
                           "useful_bytes_default": default[c].useful_bytes, "words_all": whole[c].words,
                           "useful_bytes_all": whole[c].useful_bytes, "wordfreq": version("wordfreq")}
                          for c in default])
    frame.to_csv(LIMITS, index=False)
    print(json.dumps({"written": str(LIMITS.relative_to(ROOT)), "rows": len(frame)}), flush=True)


def main() -> int:
    args = _arguments()
    if args.sample_limits:
        _write_sample_limits()
        return 0
    names = [load_tokenizer(n).name for n in args.only.split(",") if n] or TOKENIZERS  # "qwen2.5" -> "qwen3"
    bank = sample_bank()
    categories = [c for c, info in bank.items() if info["available"]]
    texts_by_size: dict[tuple, dict[str, str]] = {}
    rows, done = [], set()
    for run in _plan(names, set(args.runs.split(",")), args):
        size = (run["bytes"], run["words"])
        if size not in texts_by_size:  # code categories smaller than asked give all they have (fit)
            texts_by_size[size] = load_samples(categories, max_bytes=run["bytes"], words=run["words"], fit=True)
        started = time.perf_counter()
        shares = infer_mixture(load_tokenizer(run["tokenizer"]), texts_by_size[size],
                               num_merges=run["num_merges"], skip_merges=run["skip_merges"],
                               max_seconds=args.max_seconds, max_rounds=args.max_rounds,
                               lp_options={"formulation": run["formulation"]} if run["formulation"] else None)
        elapsed = time.perf_counter() - started
        rows.extend(_rows(run, shares, bank, elapsed))
        done.add((run["tokenizer"], run["run"]))
        attrs = shares.attrs
        print(json.dumps({"tokenizer": run["tokenizer"], "run": run["run"], "seconds": round(elapsed, 1),
                          "stage_seconds": {k: round(v, 1) for k, v in attrs["seconds"].items()},
                          "skip_merges": attrs["skip_merges"], "num_merges": attrs["num_merges"],
                          "rounds": attrs["rounds"], "constraints": attrs["constraints"],
                          "stopped": attrs["stopped"], "gap": round(attrs["gap"], 4),
                          "absent_merges": attrs["absent_merges"],
                          "top": {k: round(float(v), 4) for k, v in shares.head(6).items()}}), flush=True)
        output = _output_for(run["tokenizer"])
        _write([row for row in rows if _output_for(row["tokenizer"]) == output], done, output)
    return 0


def _output_for(tokenizer: str) -> Path:
    """The shipped file a tokenizer's rows belong in: the fetchable ones have their own."""
    return OUTPUT_FETCHABLE if tokenizer in FETCHABLE else OUTPUT


def _write(rows: list[dict], done: set, output: Path = OUTPUT) -> None:
    """Write the new rows, keeping the existing file's rows of (tokenizer, run) not recomputed as they are."""
    frame = pd.DataFrame(rows)
    if output.exists():
        old = pd.read_parquet(output)
        done_keys = {f"{name}|{run}" for name, run in done}
        kept = ~(old["tokenizer"] + "|" + old["run"]).isin(done_keys).to_numpy()
        frame = pd.concat([old[kept], frame], ignore_index=True)
    for column, default in _ADDITIONS_COLUMNS.items():  # full runs: no base, no prefix
        if column in frame:
            frame[column] = frame[column].fillna(default).astype(type(default))
    order = {n: i for i, n in enumerate(TOKENIZERS + FETCHABLE)}
    frame = frame.sort_values(["tokenizer", "run", "share"], ascending=[True, True, False],
                              key=lambda s: s.map(order) if s.name == "tokenizer" else s).reset_index(drop=True)
    frame.to_parquet(output, index=False)
    print(json.dumps({"written": str(output.relative_to(ROOT)), "rows": len(frame)}), flush=True)


#: columns only the additions runs fill, and their value in the full runs ("formulation": every run records its
#: own now; "sum" fills rows written before it did)
_ADDITIONS_COLUMNS = {"base": "", "shared_prefix": 0, "inherited_prefix": 0, "additions": 0, "formulation": "sum",
                      "sample_words": "30000"}


if __name__ == "__main__":
    raise SystemExit(main())
