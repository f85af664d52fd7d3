"""``python -m tokviz {list,fetch,segment,premiums,mixture,map,lab}``: the one CLI module.

Every subcommand prints JSON (or writes the file it is asked for) so that it can be piped.
Errors print one line to stderr and exit with status 2, never a traceback.
One section per command: a ``_cmd_<name>`` that runs it and an ``add_<name>_command(subparsers)``
that declares its flags; :func:`build_parser` registers them all.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "build_parser", "add_premiums_command", "add_mixture_command", "add_map_command", "add_lab_command"]



def _cmd_list(args: argparse.Namespace) -> int:
    from .catalog import available_tokenizers

    rows = [
        {
            "name": info.name,
            "display_name": info.display_name,
            "family": info.family,
            "algorithm": info.algorithm,
            "vocab_size": info.vocab_size,
            "normalizer": info.normalizer,
            "pre_tokenizer": info.pre_tokenizer,
            "license": info.license,
            "source": info.source,
            "default": info.default,
            "available": info.available,
            "how_to_get": info.how_to_get,
        }
        for info in available_tokenizers()
    ]
    if args.format == "table":
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            status = "ready" if r["available"] else "fetch to use"
            print(f"{r['name']:<{width}}  {r['vocab_size']:>7,}  {r['algorithm']:<42}  {status:<12}  {r['family']}")
    else:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    return 0


def _progress_bar(fraction: float, message: str) -> None:
    filled = int(round(30 * max(0.0, min(1.0, fraction))))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}% {message[:60]:<60}")
    sys.stderr.flush()
    if fraction >= 1.0:
        sys.stderr.write("\n")


def _cmd_fetch(args: argparse.Namespace) -> int:
    from . import assets
    from .catalog import CATALOG

    names = list(args.names)
    if args.all:
        names = list(assets.FETCHABLE)
    if not names:
        raise ValueError("Name what to fetch (e.g. `python -m tokviz fetch r50k_base`) or pass --all. "
                         f"Fetchable: {', '.join(assets.FETCHABLE)}.")
    results = {}
    for name in names:
        entry = CATALOG.get(name)
        asset = entry.asset if entry is not None and entry.asset else name
        if entry is not None and entry.embedded:
            results[name] = "embedded (installed with requirements.txt)"
            continue
        sys.stderr.write(f"fetching {asset}\n")
        path = assets.fetch(asset, progress=None if args.quiet else _progress_bar)
        results[name] = str(path)
    print(json.dumps(results, indent=2))
    return 0


def _cmd_segment(args: argparse.Namespace) -> int:
    from .catalog import load_tokenizer

    text = args.text if args.text is not None else sys.stdin.read()
    segmentation = load_tokenizer(args.name).segment(text, add_special_tokens=args.special)
    print(segmentation.to_json())
    return 0


# ==== embeddings: `python -m tokviz map` ====================================================================

def _cmd_map(args: argparse.Namespace) -> int:
    from .embeddings import load_embeddings, token_map

    def report(fraction: float, message: str) -> None:
        print(f"[{fraction:5.0%}] {message}", file=sys.stderr, flush=True)

    try:
        source = load_embeddings(args.source, tokenizer=args.tokenizer)
        frame = token_map(source, method=args.method, n_neighbors=args.n_neighbors, min_dist=args.min_dist,
                          metric=args.metric, sample=args.sample, progress=report)
    except ValueError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False)
    else:
        frame.to_parquet(out, index=False)
    print(json.dumps({
        "source": source.name, "rows": len(frame), "method": args.method, "out": str(out),
        "undertrained_basis": frame.attrs["undertrained_basis"],
        "flagged_undertrained": int(frame.undertrained.sum()),
    }))
    return 0


def add_map_command(subparsers: argparse._SubParsersAction) -> None:
    """Add ``map SOURCE --method umap --out map.parquet`` to the tokviz CLI."""
    from .embeddings import EMBEDDING_CATALOG, METHODS, METRICS

    parser = subparsers.add_parser(
        "map", help="project a token embedding matrix to 2-D (PCA or UMAP) with per-token properties",
        description="Write the 2-D map of a whole vocabulary (token_id, token, x, y, script, length, norm, "
                    "merge_rank, special, undertrained_score, ...) as parquet or CSV.")
    parser.add_argument("source", help=f"catalog name ({', '.join(EMBEDDING_CATALOG)}) or a .safetensors/.npy file")
    parser.add_argument("--tokenizer", default=None, help="tokenizer spec for a matrix file (e.g. llama2)")
    parser.add_argument("--method", choices=METHODS, default="umap")
    parser.add_argument("--metric", choices=METRICS, default="cosine")
    parser.add_argument("--n-neighbors", type=int, default=15)
    parser.add_argument("--min-dist", type=float, default=0.1)
    parser.add_argument("--sample", type=int, default=None, help="map a random subset of this many tokens")
    parser.add_argument("--out", default="map.parquet", help="output file (.parquet or .csv)")
    parser.set_defaults(func=_cmd_map)



# ==== premiums: `python -m tokviz premiums` =================================================================
# `python -m tokviz premiums ...` (owner: the Language premiums page; moved from tokviz/premiums.py)
def _premiums_split_names(values: Sequence[str]) -> list[str]:
    return [name for value in values for name in value.split(",") if name.strip()]


def _cmd_premiums(args: argparse.Namespace) -> int:
    from .premiums import token_premiums

    def report(fraction: float, message: str) -> None:
        print(f"\r[{fraction:6.1%}] {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    try:
        names = _premiums_split_names(args.tokenizers)
        if not names or names == ["default"]:
            from .catalog import DEFAULT_TOKENIZERS

            names = list(DEFAULT_TOKENIZERS)
        table = token_premiums(names, corpus=args.corpus, reference=args.reference,
                               progress=None if args.quiet else report)
    except ValueError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(file=sys.stderr)
    if args.csv:
        table.to_csv(args.csv, index=False)
    summary = {"corpus": str(args.corpus), "reference": args.reference, "languages": int(table["language"].nunique()),
               "csv": str(args.csv) if args.csv else None, "tokenizers": {}}
    for name, group in table.groupby("tokenizer", sort=False):
        reliable = group[group["reliable"]]
        top = reliable.nlargest(5, "premium")
        summary["tokenizers"][name] = {
            "median_premium": round(float(reliable["premium"].median()), 4),
            "max_premium": round(float(reliable["premium"].max()), 4),
            "most_expensive": [{"language": r.language, "name": r.name, "premium": round(float(r.premium), 3)}
                               for r in top.itertuples()],
            "unreliable_languages": group.loc[~group["reliable"], "language"].tolist(),
        }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def add_premiums_command(subparsers) -> None:
    """Add ``premiums --tokenizers ... [--corpus PATH] [--reference eng] [--csv OUT]``."""
    parser = subparsers.add_parser(
        "premiums",
        help="token premiums of every language of a parallel corpus",
        description="Token premiums (tokens ÷ reference tokens) of every language of the UDHR or a "
                    "FLORES-200 folder, per tokenizer. Prints a JSON summary; --csv writes the full table.",
    )
    parser.add_argument("--tokenizers", nargs="+", default=["default"],
                        help="tokenizer names or paths (space- or comma-separated); default: the 8 embedded ones")
    parser.add_argument("--corpus", default="udhr", help="'udhr' (default) or a FLORES-200 style folder")
    parser.add_argument("--reference", default="eng", help="reference language code (default: eng)")
    parser.add_argument("--csv", type=Path, default=None, help="write the full table to this CSV file")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=_cmd_premiums)


# ==== lab: `python -m tokviz lab {train,steps}` =============================================================
def _cmd_lab_train(args: argparse.Namespace) -> int:
    from .lab.evaluate import evaluate, split_own_text, udhr_split
    from .lab.train import train_bpe
    from .segment import display_text

    if args.file:
        texts = {Path(f).stem: Path(f).read_text(encoding="utf-8", errors="replace") for f in args.file}
        train, held = split_own_text(texts)
    else:
        train, held = udhr_split([c for c in args.langs.split(",") if c])
    weights = None
    if args.weights:
        values = [int(v) for v in args.weights.split(",")]
        if len(values) != len(train):
            raise ValueError(f"--weights needs one whole number per language ({len(train)}), got {len(values)}.")
        weights = dict(zip(train, values, strict=True))
    tokenizer = train_bpe(train, args.vocab, args.method, weights=weights,
                          dev_texts=dict(train) if args.method == "parity" else None)
    table = evaluate(tokenizer, held, "eng" if "eng" in held else None)
    result = {"method": args.method, "vocab_size": tokenizer.vocab_size, "seconds": round(tokenizer.info.seconds, 2),
              "trainer": tokenizer.info.trainer, "stopped_early": tokenizer.info.stopped_early,
              "held_out": table.to_dict(orient="records"),
              "last_merges": [[display_text(a), display_text(b)] for a, b in tokenizer.merges()[-5:]]}
    if args.out:
        result["saved"] = str(tokenizer.save(args.out))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def _cmd_lab_steps(args: argparse.Namespace) -> int:
    from .lab.steps import bpe_steps
    from .segment import display_text

    rows = [{"step": s.step, "pair": None if s.pair is None else [display_text(p) for p in s.pair],
             "count": s.count, "tokens": len(s.tokens), "vocab_size": s.vocab_size,
             "text": [display_text(t) for t in s.tokens[:60]]} for s in bpe_steps(args.text, args.n)]
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


def add_lab_command(subparsers) -> None:
    """``lab train`` / ``lab steps``: the Tokenizer lab from the command line (JSON out)."""
    lab = subparsers.add_parser("lab", help="train BPE tokenizers (classic, Parity-aware, SuperBPE), step through")
    commands = lab.add_subparsers(dest="lab_command", required=True)
    train = commands.add_parser("train", help="train a tokenizer, print held-out premiums, save tokenizer.json")
    train.add_argument("--langs", default="eng,amh,hin", help="UDHR codes, comma-separated (default: eng,amh,hin)")
    train.add_argument("--file", nargs="*", help="your own text files instead (one language per file)")
    train.add_argument("--weights", help="copies of each language's text, comma-separated (e.g. 3,1,1)")
    train.add_argument("--vocab", type=int, default=600, help="vocabulary size (default 600)")
    train.add_argument("--method", choices=["bpe", "parity", "superbpe"], default="bpe")
    train.add_argument("--out", help="folder (or file) to save tokenizer.json to")
    train.set_defaults(func=_cmd_lab_train)
    steps = commands.add_parser("steps", help="the first merges on a text, one record per step")
    steps.add_argument("text")
    steps.add_argument("-n", type=int, default=10)
    steps.set_defaults(func=_cmd_lab_steps)


# ==== mixture: `python -m tokviz mixture` ===================================================================
def _cmd_mixture(args: argparse.Namespace) -> int:
    from .mixture import infer_mixture

    shares = infer_mixture(args.name, args.samples, num_merges=args.merges, unit=args.unit,
                           skip_merges=args.skip, base=args.base, scheduler=args.scheduler)
    payload = {
        "tokenizer": shares.attrs["tokenizer"],
        "num_merges": shares.attrs["num_merges"],
        "unit": args.unit,
        "shares": {k: float(v) for k, v in shares.items()},
        "diagnostics": {k: shares.attrs[k] for k in ("rounds", "constraints", "total_slack", "gap", "converged",
                                                     "stopped", "seconds", "warnings", "skip_merges", "base")},
    }
    text = json.dumps(payload, indent=2)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


def add_mixture_command(subparsers) -> None:
    """Add ``mixture NAME --samples DIR [--merges N] [--skip N | --base NAME] [--json OUT]``."""
    parser = subparsers.add_parser(
        "mixture", help="infer the training-data mixture of a BPE tokenizer (Hayase et al. 2024)",
        description="Infer the category proportions of a BPE tokenizer's training data from its merge order.",
    )
    parser.add_argument("name", help="tokenizer: catalog name, tokenizer.json path or hf:org/repo")
    parser.add_argument("--samples", required=True, help="folder of <category>.txt files (about 1 MB each)")
    parser.add_argument("--merges", type=int, default=None, help="use only the first N merges (default: all)")
    parser.add_argument("--unit", choices=("bytes", "pairs"), default="bytes", help="report byte or pair shares")
    parser.add_argument("--skip", type=int, default=0, help="replay but do not constrain the first N merges")
    parser.add_argument("--base", default=None,
                        help="the tokenizer this one extends (e.g. cl100k_base): skip the merges it inherited")
    parser.add_argument("--scheduler", default=None,
                        help="count pre-tokens on a Dask cluster at this address (e.g. tcp://host:8786)")
    parser.add_argument("--json", default=None, help="also write the JSON result to this file")
    parser.set_defaults(func=_cmd_mixture)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tokviz", description="Explore real tokenizers.")
    sub = parser.add_subparsers(dest="command", required=True)

    listing = sub.add_parser("list", help="every known tokenizer, and whether it is ready or needs a fetch")
    listing.add_argument("--format", choices=["json", "table"], default="json")
    listing.set_defaults(func=_cmd_list)

    fetch = sub.add_parser("fetch", help="download non-default tokenizer/embedding files from their registries")
    fetch.add_argument("names", nargs="*", help="asset names (see `list`)")
    fetch.add_argument("--all", action="store_true", help="fetch every non-default asset")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(func=_cmd_fetch)

    segment = sub.add_parser("segment", help="segment a text, print JSON")
    segment.add_argument("name", help="tokenizer name, file path or hf:org/repo")
    segment.add_argument("text", nargs="?", help="the text (default: standard input)")
    segment.add_argument("--special", action="store_true", help="add BOS/EOS as the model would")
    segment.set_defaults(func=_cmd_segment)

    add_premiums_command(sub)
    add_mixture_command(sub)
    add_map_command(sub)
    add_lab_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError, RecursionError) as error:  # bad input: one line, never a traceback
        print(f"tokviz: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
