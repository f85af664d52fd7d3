"""First visit of the Language premiums page on an empty cache, in a real browser; and a warm reference switch.

Starts ``streamlit run app.py`` (as tests/e2e/conftest.py does) with a brand-new ``TOKVIZ_CACHE``
(only the fetched tokenizer files linked in), opens the home page once (a fresh server learns
its pages on its first run), then measures in headless Chromium:

* ``first_visit_s``: from opening ``/language-premiums`` until the run has ended and the world map
  (the page's main chart) is drawn — the shipped UDHR counts of the default tokenizers make this
  independent of counting;
* ``reference_switch_s``: with the page warm, from choosing another reference language until the
  page says the new reference and every chart is drawn again (median of a few switches);
* ``page_blanked_during_switch``: whether the map disappeared at any moment of a switch.

Prints ONE JSON object. Targets on this 2-core machine: first visit ≤ 10 s, switch ≤ 1 s.

    python bench/first_visit_premiums.py [--switches 3]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402 - the e2e harness' own helpers, so the bench starts the app alike
    APP_IDLE_SELECTOR,
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    VIEWPORT,
    _free_port,
    _health_ok,
    wait_for_app,
)

TARGETS = {"first_visit_s": 10.0, "reference_switch_s": 1.0}
REFERENCES = ["German, Standard (1901)", "Amharic", "French"]
MAP = ".js-plotly-plot .geo"
_WATCH_MAP_JS = """
() => { window.__mapGone = false;
  const check = () => { if (!document.querySelector(".js-plotly-plot .geo")) window.__mapGone = true; };
  window.__mapObserver = new MutationObserver(check);
  window.__mapObserver.observe(document.body, {childList: true, subtree: true}); }
"""


def _start_server(cache: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONUNBUFFERED="1", TOKVIZ_CACHE=str(cache))
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while not _health_ok(url):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            raise SystemExit(f"streamlit did not start on {url}")
        time.sleep(0.25)
    return process, url


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _switch(page, name: str) -> tuple[float, bool]:
    box = page.locator("[data-testid='stSelectbox']").first
    page.evaluate(_WATCH_MAP_JS)
    box.click()
    page.keyboard.type(name)
    started = time.perf_counter()
    page.keyboard.press("Enter")
    page.get_by_text(f"reference {name}").first.wait_for(state="visible", timeout=300_000)
    wait_for_app(page, timeout=300_000)
    seconds = time.perf_counter() - started
    return seconds, bool(page.evaluate("() => window.__mapGone"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tokviz.cache import cache_dir

    assets = cache_dir("assets")  # where `python -m tokviz fetch` put the fetched tokenizers
    with tempfile.TemporaryDirectory(prefix="tokviz-bench-first-visit-") as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        (cache / "assets").symlink_to(assets, target_is_directory=True)
        started = time.perf_counter()
        process, url = _start_server(cache)
        server_s = time.perf_counter() - started
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=VIEWPORT)
                started = time.perf_counter()
                page.goto(url, timeout=300_000)
                page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=300_000)
                home_s = time.perf_counter() - started
                started = time.perf_counter()
                page.goto(f"{url}/language-premiums", timeout=300_000)
                page.wait_for_selector(MAP, state="visible", timeout=300_000)
                map_s = time.perf_counter() - started
                wait_for_app(page, timeout=300_000)
                ready_s = time.perf_counter() - started
                switches = [_switch(page, REFERENCES[i % len(REFERENCES)]) for i in range(args.switches)]
                browser.close()
        finally:
            _stop(process)
        computed = sorted(path.name for path in (cache / "premiums").glob("*.parquet")) if (
            cache / "premiums").is_dir() else []
    switch_s = statistics.median(s for s, _ in switches)
    report = {
        "benchmark": "first_visit_premiums",
        "server_start_s": round(server_s, 2),
        "home_page_s": round(home_s, 2),
        "first_visit_s": round(map_s, 2),
        "first_visit_all_charts_s": round(ready_s, 2),
        "reference_switch_s": round(switch_s, 2),
        "reference_switches_s": [round(s, 2) for s, _ in switches],
        "page_blanked_during_switch": any(gone for _, gone in switches),
        "counts_computed_on_first_visit": len(computed),
        "targets": TARGETS,
        "meets_targets": {"first_visit": map_s <= TARGETS["first_visit_s"],
                          "reference_switch": switch_s <= TARGETS["reference_switch_s"]},
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
