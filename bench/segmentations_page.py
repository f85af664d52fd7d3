"""Time one run of the Segmentations page (AppTest, the four default tokenizers) on texts of growing size.

Prints one JSON object: per size, seconds for the first run on a new text (nothing cached) and for a
rerun with a toggle changed. The page's text cap (tokviz.ui.segmentation.PAGE_TEXT_LIMIT) is chosen so
that a run at the cap stays under 10 s on the 2-core reference machine.

    .venv/bin/python bench/segmentations_page.py [--sizes 50000,100000,200000]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def mixed_text(size: int) -> str:
    from tokviz.ui.segmentation import PRESETS

    base = "\n\n".join(PRESETS.values())
    return (base * (size // len(base) + 1))[:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,100000,200000")
    args = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    from tokviz.ui.segmentation import PAGE_TEXT_LIMIT

    results = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        at = AppTest.from_file(str(ROOT / "pages" / "1_Segmentations.py"), default_timeout=600).run()
        text = mixed_text(size)
        start = time.perf_counter()
        at.text_area[0].input(text).run()
        first = time.perf_counter() - start
        assert not at.exception, at.exception
        start = time.perf_counter()
        at.toggle(key="seg_ids").set_value(True).run()
        rerun = time.perf_counter() - start
        results[str(size)] = {"first_run_s": round(first, 2), "rerun_ids_on_s": round(rerun, 2)}
    print(json.dumps({"page": "segmentations", "tokenizers": 4, "page_text_limit": PAGE_TEXT_LIMIT,
                      "runs": results}))


if __name__ == "__main__":
    main()
