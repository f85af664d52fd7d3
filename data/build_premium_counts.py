"""Build data/premium_counts_udhr.parquet: the UDHR token counts of the default tokenizers.

Re-run with ``python data/build_premium_counts.py`` after ``data/udhr.parquet`` or a default
tokenizer's files change (the app then stops using the stale file by itself: every lookup
compares the inputs recorded in the file with the ones in use, and counts afresh when they
differ). The script

1. reads the inputs' checksums: the sha256 of ``data/udhr.parquet`` and each default
   tokenizer's identity (``tokviz.catalog.tokenizer_identity``: the sha256 of its files),
2. exits at once when the shipped file was built from exactly these inputs (``--force`` rebuilds),
3. otherwise counts every UDHR section with each tokenizer (tokens, unknown tokens, byte-fallback
   tokens; ``tokviz.premiums.shipped.build_shipped_counts``) and writes the file, zstd-compressed,
   with the inputs in its parquet metadata.

Counts, not premiums, are shipped: the premiums for any reference language are ratios of them.
Prints one JSON object (the inputs, the file's size, and whether it was rebuilt).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from tokviz.catalog import DEFAULT_TOKENIZERS, tokenizer_identity
    from tokviz.corpora import udhr_identity
    from tokviz.premiums.counting import COUNTS_VERSION
    from tokviz.premiums.shipped import SHIPPED_COUNTS_PATH, build_shipped_counts, shipped_inputs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    parser.add_argument("--out", type=Path, default=SHIPPED_COUNTS_PATH, help="where to write the parquet")
    args = parser.parse_args(argv)

    wanted = {"counts_version": COUNTS_VERSION, "udhr_sha256": udhr_identity(),
              "tokenizers": {name: tokenizer_identity(name) for name in DEFAULT_TOKENIZERS}}
    current = shipped_inputs(args.out) or {}
    unchanged = all(current.get(key) == value for key, value in wanted.items())
    started = time.perf_counter()
    if args.force or not unchanged:
        def report(fraction: float, message: str) -> None:
            print(f"\r[{fraction:6.1%}] {message[:70]:<70}", end="", file=sys.stderr, flush=True)

        current = build_shipped_counts(list(DEFAULT_TOKENIZERS), args.out, progress=report)
        print(file=sys.stderr)
    print(json.dumps({"file": str(args.out), "bytes": args.out.stat().st_size, "rebuilt": args.force or not unchanged,
                      "seconds": round(time.perf_counter() - started, 1), "inputs": current}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
