"""Seconds to train each Tokenizer-lab variant to 8,000 tokens on 5 MB of UDHR text; prints one JSON object.

    .venv/bin/python bench/lab.py [--megabytes 5] [--vocab 8000] [--languages 0]

The text is the shipped UDHR, whole translations in corpus order until the size is reached
(``--languages N`` instead takes the first N translations, for a parity run with few languages).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tokviz.corpora import udhr_languages, udhr_text  # noqa: E402
from tokviz.lab.train import hf_classic_merges, train_bpe, train_classic_python  # noqa: E402


def corpus(megabytes: float, languages: int) -> dict[str, str]:
    texts, size = {}, 0
    for code in udhr_languages()["code"]:
        text = udhr_text(code)
        texts[code] = text
        size += len(text.encode("utf-8"))
        if (languages and len(texts) >= languages) or (not languages and size >= megabytes * 1e6):
            break
    return texts


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    seconds = time.perf_counter() - start
    print(f"{getattr(function, '__name__', function)} {args[2:] if len(args) > 2 else ''}: {seconds:.1f} s",
          file=sys.stderr, flush=True)  # partial results survive an interrupted run
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--languages", type=int, default=0)
    args = parser.parse_args()
    texts = corpus(args.megabytes, args.languages)
    size = sum(len(t.encode("utf-8")) for t in texts.values())
    hf_seconds, (hf_vocab, hf_merges) = timed(hf_classic_merges, texts, args.vocab)
    py_seconds, (py_vocab, py_merges, _) = timed(train_classic_python, texts, args.vocab)
    parity_seconds, parity = timed(train_bpe, texts, args.vocab, "parity")
    super_seconds, superbpe = timed(train_bpe, texts, args.vocab, "superbpe")
    same = [(hf_vocab[a], hf_vocab[b]) for a, b in hf_merges] == [(py_vocab[a], py_vocab[b]) for a, b in py_merges]
    print(json.dumps({
        "bytes": size, "languages": len(texts), "vocab_size": args.vocab,
        "seconds": {"bpe_hf_rust": round(hf_seconds, 2), "bpe_python_engine": round(py_seconds, 2),
                    "parity_python_engine": round(parity_seconds, 2),
                    "superbpe_hf_stage1_python_stage2": round(super_seconds, 2)},
        "ratio_to_hf": {"bpe_python_engine": round(py_seconds / hf_seconds, 1),
                        "parity": round(parity_seconds / hf_seconds, 1),
                        "superbpe": round(super_seconds / hf_seconds, 1)},
        "python_engine_merges_equal_hf": same,
        "vocab_reached": {"bpe": len(hf_vocab), "parity": parity.vocab_size, "superbpe": superbpe.vocab_size},
        "superbpe_transition": superbpe.info.transition,
    }, indent=1))


if __name__ == "__main__":
    main()
