"""Regenerate data/mixture_precomputed.parquet: inferred mixtures of the default BPE tokenizers.

    python scripts/precompute_mixture.py [--merges 5000] [--bytes 300000] [--only o200k_base,llama3]
                                         [--runs full,additions] [--additions-merges 10000]
                                         [--additions-bytes 1000000]

For each tokenizer: the first ``--merges`` merges against every available category of the
default sample bank (tokviz.samples: wordfreq pseudo-text per language, local code), ``--bytes``
per category (run "full"). Tokenizers derived from another one (``DERIVED``: Llama 3 and Qwen
from cl100k_base) get a second run, "additions", that replays the inherited merges
(``tokviz.mixture.inherited_prefix``: 100,000 for Llama 3; 98,900 for Qwen, which kept
cl100k_base's order but left out its 1,100 digit merges) and constrains only the next
``--additions-merges`` merges, with ``--additions-bytes`` per category (additions are rare pairs:
they need larger samples). Prints one JSON line per run; rows of (tokenizer, run) not recomputed
are kept from the existing file.
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
from tokviz.samples import load_samples, sample_bank  # noqa: E402

OUTPUT = ROOT / "data" / "mixture_precomputed.parquet"
TOKENIZERS = ["cl100k_base", "o200k_base", "llama3", "qwen3", "mistral-tekken", "deepseek-v3", "llama2", "mistral-7b"]
#: derived tokenizer -> the tokenizer whose merge order it inherited
DERIVED = {"llama3": "cl100k_base", "qwen3": "cl100k_base"}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--merges", type=int, default=5_000)
    parser.add_argument("--bytes", type=int, default=300_000)
    parser.add_argument("--additions-merges", type=int, default=10_000,
                        help="how many merges after the inherited part the additions run constrains")
    parser.add_argument("--additions-bytes", type=int, default=1_000_000, help="sample bytes per category")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="LP time budget per run")
    parser.add_argument("--max-rounds", type=int, default=400, help="LP round budget per run")
    parser.add_argument("--runs", default="full,additions", help="which runs: full, additions or both")
    parser.add_argument("--only", default="", help="comma-separated tokenizer names (default: all eight)")
    return parser.parse_args()


def _plan(names: list[str], runs: set[str], args: argparse.Namespace) -> list[dict]:
    """One dict per run: tokenizer, run, num_merges, skip_merges, bytes, base, and the prefix report."""
    plan = []
    for name in names:
        if "full" in runs:
            plan.append({"tokenizer": name, "run": "full", "num_merges": args.merges, "skip_merges": 0,
                         "bytes": args.bytes, "base": None})
        if "additions" in runs and name in DERIVED:
            report = merge_order_report(load_tokenizer(name), load_tokenizer(DERIVED[name]))
            skip = report["inherited_prefix"]
            plan.append({"tokenizer": name, "run": "additions", "num_merges": skip + args.additions_merges,
                         "skip_merges": skip, "bytes": args.additions_bytes, "base": DERIVED[name],
                         "shared_prefix": report["shared_prefix"], "inherited_prefix": skip,
                         "dropped_from_base": report["dropped"]})
    return plan


def _rows(run: dict, shares, bank: dict, elapsed: float) -> list[dict]:
    attrs = shares.attrs
    return [{
        "tokenizer": run["tokenizer"], "run": run["run"], "category": category, "label": bank[category]["label"],
        "group": bank[category]["group"], "share": float(share), "num_merges": attrs["num_merges"],
        "skip_merges": attrs["skip_merges"], "base": run["base"] or "",
        "shared_prefix": run.get("shared_prefix", 0), "inherited_prefix": run.get("inherited_prefix", 0),
        "sample_bytes": int(attrs["sample_bytes"][category]),
        "rounds": attrs["rounds"], "constraints": attrs["constraints"], "stopped": attrs["stopped"],
        "gap": attrs["gap"], "absent_merges": attrs["absent_merges"],
        "total_slack": attrs["total_slack"], "seconds": elapsed,
        "computed": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
    } for category, share in shares.items()]


def main() -> int:
    args = _arguments()
    names = [n for n in args.only.split(",") if n] or TOKENIZERS
    bank = sample_bank()
    categories = [c for c, info in bank.items() if info["available"]]
    texts_by_size: dict[int, dict[str, str]] = {}
    rows, done = [], set()
    for run in _plan(names, set(args.runs.split(",")), args):
        if run["bytes"] not in texts_by_size:
            texts_by_size[run["bytes"]] = load_samples(categories, max_bytes=run["bytes"])
        started = time.perf_counter()
        shares = infer_mixture(load_tokenizer(run["tokenizer"]), texts_by_size[run["bytes"]],
                               num_merges=run["num_merges"], skip_merges=run["skip_merges"],
                               max_seconds=args.max_seconds, max_rounds=args.max_rounds)
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
        _write(rows, done)
    return 0


def _write(rows: list[dict], done: set) -> None:
    """Write the new rows, keeping the existing file's rows of (tokenizer, run) not recomputed."""
    frame = pd.DataFrame(rows)
    if OUTPUT.exists():
        old = pd.read_parquet(OUTPUT)
        for column, default in (("base", ""), ("shared_prefix", 0), ("inherited_prefix", 0)):
            if column not in old:
                old[column] = default
        done_keys = {f"{name}|{run}" for name, run in done}
        kept = ~(old["tokenizer"] + "|" + old["run"]).isin(done_keys).to_numpy()
        frame = pd.concat([old[kept], frame], ignore_index=True)
    order = {n: i for i, n in enumerate(TOKENIZERS)}
    frame = frame.sort_values(["tokenizer", "run", "share"], ascending=[True, True, False],
                              key=lambda s: s.map(order) if s.name == "tokenizer" else s).reset_index(drop=True)
    frame.to_parquet(OUTPUT, index=False)
    print(json.dumps({"written": str(OUTPUT.relative_to(ROOT)), "rows": len(frame)}), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
