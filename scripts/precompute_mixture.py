"""Regenerate data/mixture_precomputed.parquet: inferred mixtures of the default BPE tokenizers.

    python scripts/precompute_mixture.py [--merges 5000] [--bytes 300000] [--only o200k_base,llama3]

For each tokenizer: the first ``--merges`` merges against every available category of the
default sample bank (tokviz.samples: wordfreq pseudo-text per language, local code), ``--bytes``
per category. With ``--llama3-additions`` llama3 gets a second run that constrains only the merges
after the first 100,000 (the ones Llama 3 added to cl100k_base, as in Hayase et al. 2024); it is
off by default because samples of a few hundred KB rarely hold those late merges' pairs, and the
estimate then degenerates (tried 2026-11-22 with 46 x 300 KB: 100% English, a 96% gap). Prints one JSON line per run;
rows of tokenizers not recomputed are kept from the existing file.
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
from tokviz.mixture import infer_mixture  # noqa: E402
from tokviz.samples import load_samples, sample_bank  # noqa: E402

OUTPUT = ROOT / "data" / "mixture_precomputed.parquet"
TOKENIZERS = ["cl100k_base", "o200k_base", "llama3", "qwen3", "mistral-tekken", "deepseek-v3", "llama2", "mistral-7b"]
LLAMA3_INHERITED = 100_000  # Llama 3's first 100k merges are cl100k_base's


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--merges", type=int, default=5_000)
    parser.add_argument("--bytes", type=int, default=300_000)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="LP time budget per run")
    parser.add_argument("--max-rounds", type=int, default=400, help="LP round budget per run")
    parser.add_argument("--llama3-additions", action="store_true",
                        help="also estimate the mixture behind llama3's merges 100,000+ (needs large samples)")
    parser.add_argument("--only", default="", help="comma-separated tokenizer names (default: all eight)")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or TOKENIZERS
    bank = sample_bank()
    categories = [c for c, info in bank.items() if info["available"]]
    texts = load_samples(categories, max_bytes=args.bytes)
    runs = []
    for name in names:
        runs.append((name, "full", args.merges, 0))
        if name == "llama3" and args.llama3_additions:
            runs.append((name, "additions", LLAMA3_INHERITED + args.merges, LLAMA3_INHERITED))
    rows = []
    for name, run, num_merges, skip in runs:
        started = time.perf_counter()
        tokenizer = load_tokenizer(name)
        shares = infer_mixture(tokenizer, texts, num_merges=num_merges, skip_merges=skip,
                               max_seconds=args.max_seconds, max_rounds=args.max_rounds)
        elapsed = time.perf_counter() - started
        attrs = shares.attrs
        for category, share in shares.items():
            rows.append({
                "tokenizer": name, "run": run, "category": category, "label": bank[category]["label"],
                "group": bank[category]["group"], "share": float(share), "num_merges": attrs["num_merges"],
                "skip_merges": skip, "sample_bytes": int(attrs["sample_bytes"][category]),
                "rounds": attrs["rounds"], "constraints": attrs["constraints"], "stopped": attrs["stopped"],
                "gap": attrs["gap"], "absent_merges": attrs["absent_merges"],
                "total_slack": attrs["total_slack"], "seconds": elapsed,
                "computed": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            })
        top = {k: round(float(v), 4) for k, v in shares.head(6).items()}
        print(json.dumps({"tokenizer": name, "run": run, "seconds": round(elapsed, 1), "rounds": attrs["rounds"],
                          "stopped": attrs["stopped"], "gap": round(attrs["gap"], 4),
                          "absent_merges": attrs["absent_merges"], "top": top}), flush=True)
    frame = pd.DataFrame(rows)
    if OUTPUT.exists():
        old = pd.read_parquet(OUTPUT)
        frame = pd.concat([old[~old["tokenizer"].isin(names)], frame], ignore_index=True)
    order = {n: i for i, n in enumerate(TOKENIZERS)}
    frame = frame.sort_values(["tokenizer", "run", "share"], ascending=[True, True, False],
                              key=lambda s: s.map(order) if s.name == "tokenizer" else s).reset_index(drop=True)
    frame.to_parquet(OUTPUT, index=False)
    print(json.dumps({"written": str(OUTPUT.relative_to(ROOT)), "rows": len(frame)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
