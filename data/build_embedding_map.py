"""Build the Embedding map page's default view, shipped in ``data/``:

- ``embedding_map_llama2_umap.npz``: the UMAP layout of Llama 2's (WordLlama's) 32,000 × 256 matrix
  with the page's default parameters (about 100 s to compute on 2 cores);
- ``embedding_properties_llama2.parquet``: llama2's per-token properties (script, lengths, norm,
  merge rank, under-trained score; 5-12 s, most of it deriving the merge ranks).

This script computes exactly what ``tokviz.embeddings.project`` and ``token_properties`` compute
and stores each with its cache key (the matrix file's sha256, the tokenizer's identity, every
parameter, the code's version). The library uses a shipped file only when the key it is asked for
is that key; any other matrix, tokenizer or parameter is computed.

Run it again when the wordllama package, the projection code (``_MAP_VERSION``) or the page's
defaults change, then update data/SOURCES.md:

    python data/build_embedding_map.py [--check]

``--check`` prints whether the shipped files still match the current inputs and exits 1 if not.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The page's default view (app_pages/4_Embedding_map.py): what is shipped.
DEFAULT_VIEW = {"source": "llama2", "method": "umap", "n_neighbors": 15, "min_dist": 0.1, "metric": "cosine",
                "sample": None}


def main() -> int:
    parser = argparse.ArgumentParser(description="Build the shipped default embedding map.")
    parser.add_argument("--check", action="store_true", help="only say whether the shipped map is current")
    args = parser.parse_args()
    os.environ["TOKVIZ_SHIPPED_MAPS"] = "0"  # compute (or read the disk cache), never read the old file

    from tokviz.embeddings import load_embeddings, project, token_properties
    from tokviz.embeddings.projection import projection_key
    from tokviz.embeddings.properties import properties_key
    from tokviz.embeddings.shipped import (
        SHIPPED_MAPS,
        SHIPPED_PROPERTIES,
        key_text,
        write_shipped_map,
        write_shipped_properties,
    )

    view = dict(DEFAULT_VIEW)
    source = load_embeddings(view.pop("source"))
    map_key, props_key = projection_key(source, **view), properties_key(source)
    map_file, props_file = SHIPPED_MAPS[0], SHIPPED_PROPERTIES[0]
    if args.check:
        import numpy as np
        import pyarrow.parquet as pq

        current = {
            str(map_file.relative_to(ROOT)):
                map_file.is_file() and str(np.load(map_file, allow_pickle=False)["key"]) == key_text(map_key),
            str(props_file.relative_to(ROOT)):
                props_file.is_file()
                and (pq.read_schema(props_file).metadata or {}).get(b"tokviz_key") == key_text(props_key).encode(),
        }
        print(json.dumps({"current": current, "map_key": map_key, "properties_key": props_key}))
        return 0 if all(current.values()) else 1
    started = time.perf_counter()
    arrays = project(source, **view, progress=lambda f, m: print(f"[{f:4.0%}] {m}", file=sys.stderr))
    write_shipped_map(map_file, map_key, arrays)
    write_shipped_properties(props_file, props_key, token_properties(source))
    print(json.dumps({
        "files": {str(path.relative_to(ROOT)): path.stat().st_size for path in (map_file, props_file)},
        "rows": len(arrays["token_id"]), "seconds": round(time.perf_counter() - started, 1),
        "map_key": map_key, "properties_key": props_key,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
