"""``python -m tokviz lab {train,steps}``: the Tokenizer lab from the command line (JSON out).

    python -m tokviz lab train --langs eng,amh,hin --weights 3,1,1 --vocab 600 --method parity --out my-tok/
    python -m tokviz lab train --file mine.txt --vocab 2000 --out my-tok/
    python -m tokviz lab steps "low lower lowest" -n 3
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register_cli"]


def _train(args: argparse.Namespace) -> int:
    from ..segment import display_text
    from .evaluate import evaluate, split_own_text, udhr_split
    from .train import train_bpe

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


def _steps(args: argparse.Namespace) -> int:
    from ..segment import display_text
    from .steps import bpe_steps

    rows = [{"step": s.step, "pair": None if s.pair is None else [display_text(p) for p in s.pair],
             "count": s.count, "tokens": len(s.tokens), "vocab_size": s.vocab_size,
             "text": [display_text(t) for t in s.tokens[:60]]} for s in bpe_steps(args.text, args.n)]
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


def register_cli(subparsers) -> None:
    lab = subparsers.add_parser("lab", help="train BPE tokenizers (classic, Parity-aware, SuperBPE), step through")
    commands = lab.add_subparsers(dest="lab_command", required=True)
    train = commands.add_parser("train", help="train a tokenizer, print held-out premiums, save tokenizer.json")
    train.add_argument("--langs", default="eng,amh,hin", help="UDHR codes, comma-separated (default: eng,amh,hin)")
    train.add_argument("--file", nargs="*", help="your own text files instead (one language per file)")
    train.add_argument("--weights", help="copies of each language's text, comma-separated (e.g. 3,1,1)")
    train.add_argument("--vocab", type=int, default=600, help="vocabulary size (default 600)")
    train.add_argument("--method", choices=["bpe", "parity", "superbpe"], default="bpe")
    train.add_argument("--out", help="folder (or file) to save tokenizer.json to")
    train.set_defaults(func=_train)
    steps = commands.add_parser("steps", help="the first merges on a text, one record per step")
    steps.add_argument("text")
    steps.add_argument("-n", type=int, default=10)
    steps.set_defaults(func=_steps)
