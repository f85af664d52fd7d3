"""Benchmark of the premium table: the 8 default tokenizers × every UDHR language.

Prints ONE JSON object. Each phase runs in a new Python process, all sharing one fresh cache dir
(never the user's):

* ``cold``: ``token_premiums(DEFAULT_TOKENIZERS)`` with an empty cache (tokenizer loading,
  encoding every UDHR section, writing the disk cache);
* ``warm``: the same call in a new process with the same cache (a restarted app);
* ``bare``: the backends' own batch encode of the same texts (``view._encode_batch``, loading
  excluded), per tokenizer, for the ratio ``cold ÷ bare``.

Targets on 2 cores: cold ≤ 30 s, warm ≤ 2 s.

    python bench/premiums.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold_s": 30.0, "warm_s": 2.0}

_PHASE = r"""
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
import tokviz
from tokviz import premiums
imported = time.perf_counter()
phase = {phase!r}
if phase in ("cold", "warm"):
    start = time.perf_counter()
    table = premiums.token_premiums(list(tokviz.DEFAULT_TOKENIZERS))
    seconds = time.perf_counter() - start
    print(json.dumps({{"seconds": seconds, "import_s": imported - started,
                      "rows": len(table), "languages": int(table["language"].nunique()),
                      "tokens": int(table.groupby("tokenizer")["tokens"].sum().sum()),
                      "loaded_tokenizers": len(tokviz.catalog._LOADED)}}))
else:
    from tokviz.corpora import load_udhr
    texts = load_udhr()["text"].tolist()
    result = {{}}
    for name in tokviz.DEFAULT_TOKENIZERS:
        load_start = time.perf_counter()
        view = tokviz.load_tokenizer(name)
        load_s = time.perf_counter() - load_start
        start = time.perf_counter()
        encoded = view._encode_batch(texts)
        encode_s = time.perf_counter() - start
        result[name] = {{"load_s": load_s, "encode_s": encode_s, "tokens": sum(map(len, encoded))}}
    print(json.dumps(result))
"""


def run_phase(phase: str, cache: Path) -> dict:
    env = dict(os.environ, TOKVIZ_CACHE=str(cache))
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-c", _PHASE.format(root=str(ROOT), phase=phase)],
                               env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{completed.stderr[-4000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    if phase != "bare":
        result["process_s"] = wall
    return result


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="tokviz-bench-premiums-") as tmp:
        cache = Path(tmp) / "cache"
        cold = run_phase("cold", cache)
        warm = run_phase("warm", cache)
        bare = run_phase("bare", cache)
    bare_encode = sum(item["encode_s"] for item in bare.values())
    bare_load = sum(item["load_s"] for item in bare.values())
    report = {
        "benchmark": "premiums",
        "tokenizers": len(bare),
        "languages": cold["languages"],
        "rows": cold["rows"],
        "tokens": cold["tokens"],
        "cold_s": round(cold["seconds"], 2),
        "cold_process_s": round(cold["process_s"], 2),
        "warm_s": round(warm["seconds"], 2),
        "warm_process_s": round(warm["process_s"], 2),
        "warm_loaded_tokenizers": warm["loaded_tokenizers"],
        "bare_encode_s": round(bare_encode, 2),
        "bare_load_s": round(bare_load, 2),
        "ratio_cold_to_bare_encode": round(cold["seconds"] / bare_encode, 2),
        "ratio_cold_to_bare_load_and_encode": round(cold["seconds"] / (bare_encode + bare_load), 2),
        "per_tokenizer_bare": {name: {key: round(value, 3) if isinstance(value, float) else value
                                      for key, value in item.items()} for name, item in bare.items()},
        "targets": TARGETS,
        "meets_targets": {"cold": cold["seconds"] <= TARGETS["cold_s"], "warm": warm["seconds"] <= TARGETS["warm_s"]},
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
