"""First visit of every page on an empty cache, in a real browser (issue 13's yardstick).

For each page: a new ``streamlit run app.py`` with a brand-new ``TOKVIZ_CACHE`` (only the fetched
tokenizer files linked in), then headless Chromium opens the page straight from its URL, the way a
student follows a link. ``first_visit_s`` runs from ``page.goto`` until the page's main view is
drawn and its script run has ended. Each page gets its own fresh server and cache, so no page
warms another.

Prints ONE JSON object. Targets on this 2-core machine: Language premiums ≤ 10 s, Embedding map
≤ 15 s (issue 13); the others are reported.

    python bench/first_visit.py [--pages segmentations language-premiums ...]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from first_visit_premiums import _start_server, _stop  # noqa: E402 - one way to start the app for benches

from tests.e2e.conftest import APP_IDLE_SELECTOR, CHROMIUM_ARGS, CHROMIUM_PATH, VIEWPORT  # noqa: E402

#: url path -> the element that means "the page's main view is drawn"
MAIN_VIEW = {
    "segmentations": ".js-plotly-plot",
    "language-premiums": ".js-plotly-plot .geo",
    "mixture-inference": ".js-plotly-plot",
    "embedding-map": ".js-plotly-plot",
    "tokenizer-lab": ".js-plotly-plot",
}
TARGETS = {"language-premiums": 10.0, "embedding-map": 15.0}


def first_visit(url_path: str, assets: Path) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="tokviz-bench-first-visit-") as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        (cache / "assets").symlink_to(assets, target_is_directory=True)
        process, url = _start_server(cache)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True,
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                started = time.perf_counter()
                page.goto(f"{url}/{url_path}", timeout=600_000)
                page.wait_for_selector(MAIN_VIEW[url_path], state="visible", timeout=600_000)
                drawn = time.perf_counter() - started
                page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=600_000)
                idle = time.perf_counter() - started
                browser.close()
        finally:
            _stop(process)
    return {"first_view_s": round(drawn, 2), "first_visit_s": round(idle, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", default=list(MAIN_VIEW), choices=list(MAIN_VIEW))
    args = parser.parse_args()
    from tokviz.cache import cache_dir

    assets = cache_dir("assets")
    pages = {}
    for url_path in args.pages:
        pages[url_path] = first_visit(url_path, assets)
        if url_path in TARGETS:
            pages[url_path]["target_s"] = TARGETS[url_path]
            pages[url_path]["meets_target"] = pages[url_path]["first_visit_s"] <= TARGETS[url_path]
    print(json.dumps({"benchmark": "first_visit", "pages": pages, "cores": os.cpu_count(),
                      "load_average": [round(x, 2) for x in os.getloadavg()]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
