"""``python -m tokviz {list,fetch,segment,premiums,mixture,map}``.

Every subcommand prints JSON (or writes the file it is asked for) so that it can be piped.
Errors print one line to stderr and exit with status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from importlib import import_module
from pathlib import Path

__all__ = ["main", "build_parser"]

# capability modules that add their own subcommand with register_cli(subparsers)
_CAPABILITY_MODULES = ("tokviz.premiums", "tokviz.embeddings")


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


# ==== mixture (tokviz.mixture) ================================================================
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


def register_mixture_cli(subparsers) -> None:
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
# ==== end of mixture ============================================================================


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

    for module_name in _CAPABILITY_MODULES:
        import_module(module_name).register_cli(sub)
    register_mixture_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, PermissionError) as error:
        print(f"tokviz: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
