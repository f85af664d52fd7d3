"""Build data/mixture_inherited.csv: which shipped tokenizers start with another tokenizer's merges.

    python data/build_mixture_inherited.py

For every tokenizer in data/mixture_precomputed*.parquet and every base tokenizer others were
built on (cl100k_base, o200k_base, r50k_base): ``tokviz.mixture.shared_prefix`` (leading merges
equal position by position) and ``inherited_prefix`` (leading merges that are the base's, in the
base's order, some left out). Rows with at least 1,000 inherited merges are written, so that the
Mixture inference page can say so without loading every tokenizer on a first visit.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tokviz import load_tokenizer  # noqa: E402
from tokviz.mixture import inherited_prefix, shared_prefix  # noqa: E402

BASES = ("cl100k_base", "o200k_base", "r50k_base")
OUTPUT = ROOT / "data" / "mixture_inherited.csv"


def main() -> int:
    names = sorted({n for p in sorted((ROOT / "data").glob("mixture_precomputed*.parquet"))
                    for n in pd.read_parquet(p, columns=["tokenizer"])["tokenizer"]})
    bases = {name: load_tokenizer(name) for name in BASES}
    rows = []
    for name in names:
        tokenizer = load_tokenizer(name)
        for base, view in bases.items():
            if base == name:
                continue
            inherited = inherited_prefix(tokenizer, view)
            print(name, base, inherited, flush=True)
            if inherited >= 1_000:
                rows.append({"tokenizer": name, "base": base, "shared_prefix": shared_prefix(tokenizer, view),
                             "inherited_prefix": inherited, "merges": len(tokenizer.merges())})
    pd.DataFrame(rows, columns=["tokenizer", "base", "shared_prefix", "inherited_prefix", "merges"]).to_csv(
        OUTPUT, index=False)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
