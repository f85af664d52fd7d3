"""Benchmark: TokenizerView.segment() against the bare backend encode, per default tokenizer.

Prints one JSON object. Text: ~100 KB of mixed prose (UDHR in 12 languages), Python source from
the standard library, numbers and emoji. Target: segment ≤ 3 × bare encode.

    python bench/segment.py
"""
from __future__ import annotations

import inspect
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tokviz  # noqa: E402
from tokviz.backends.hf_backend import HFTokenizerView  # noqa: E402
from tokviz.backends.sentencepiece_backend import SentencePieceView  # noqa: E402
from tokviz.backends.tiktoken_backend import TiktokenView  # noqa: E402

LANGUAGES = ["eng", "deu_1996", "fra", "rus", "arb", "hin", "cmn_hans", "jpn", "kor", "amh", "tha", "swh"]


def mixed_text(target_bytes: int = 100_000) -> str:
    import json as json_module

    from tokviz.corpora import udhr_text

    parts = []
    for code in LANGUAGES:
        try:
            parts.append(udhr_text(code)[:5000])
        except ValueError:
            continue
    parts.append(inspect.getsource(json_module.decoder))
    parts.append("Invoice 2024-03-15: $98,765.43 (3.14159%) 🤦🏼\u200d♂️👨\u200d👩\u200d👧 🇺🇳 " * 40)
    text = "\n\n".join(parts)
    while len(text.encode("utf-8")) < target_bytes:
        text += "\n\n" + text
    return text.encode("utf-8")[:target_bytes].decode("utf-8", "ignore")


def bare_encode(view):
    if isinstance(view, TiktokenView):
        encoding = view._encoding
        return lambda text: encoding.encode_ordinary(view.normalize(text))
    if isinstance(view, HFTokenizerView):
        return lambda text: view.backend.encode(text, add_special_tokens=False).ids
    if isinstance(view, SentencePieceView):
        return view.processor.encode
    raise TypeError(type(view))


def best_of(function, argument, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    text = mixed_text()
    results = {}
    for name in tokviz.DEFAULT_TOKENIZERS:
        view = tokviz.load_tokenizer(name)
        view.segment("warm up the per-vocabulary tables")
        encode = bare_encode(view)
        assert len(view.segment(text).ids) == len(encode(text))
        bare_best, bare_median = best_of(encode, text)
        segment_best, segment_median = best_of(view.segment, text)
        results[name] = {
            "tokens": len(view.segment(text).ids),
            "bare_encode_s": round(bare_best, 5),
            "segment_s": round(segment_best, 5),
            "ratio": round(segment_best / bare_best, 2),
            "ratio_median": round(segment_median / bare_median, 2),
        }
    print(json.dumps({
        "benchmark": "segment_vs_bare_encode",
        "text_bytes": len(text.encode("utf-8")),
        "text_chars": len(text),
        "target_ratio": 3.0,
        "max_ratio": max(r["ratio"] for r in results.values()),
        "python": platform.python_version(),
        "tokenizers": results,
    }, indent=2))


if __name__ == "__main__":
    main()
