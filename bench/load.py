"""Benchmark: many users at once against a real ``streamlit run`` (issue 10, "many users").

N concurrent browser sessions (one headless Chromium, one browser context = one Streamlit
session each) open Segmentations with 4 tokenizers and a 20 KB text typed into the text box,
then Language premiums. For N = 1, 5, 10 (``--sessions``) it prints one JSON object: p50/p95
seconds per page, errors (timeouts, exceptions shown by the app) and the server's peak RSS
(the server process and its children, e.g. the upload workers), plus the machine's load average
before and after, because the machine may be shared.

    python bench/load.py                       # N = 1, 5, 10 against this checkout
    python bench/load.py --sessions 1 5 --repo /work/main

A warm-up session runs the same flow first (untimed, reported as ``warmup_s``), so the numbers
are for a server whose tokenizers are loaded, as in a class after the first student.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TOKENIZERS = ["o200k_base", "llama3", "mistral-7b", "deepseek-v3"]  # three backends: tiktoken, sentencepiece, HF
TEXT_BYTES = 20_000
PAGE_TIMEOUT_MS = 300_000  # a page slower than this counts as an error (--page-timeout)
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SPINNER = "[data-testid='stSpinner']"
CHROMIUM = "/usr/bin/chromium"


def bench_text(target_bytes: int = TEXT_BYTES) -> str:
    """~20 KB of mixed text: the Segmentations presets (several scripts, code, numbers), repeated."""
    sys.path.insert(0, str(REPO_ROOT))
    from tokviz.ui.segmentation import PRESETS

    block = "\n\n".join(PRESETS.values())
    text = (block + "\n\n") * (target_bytes // len(block.encode("utf-8")) + 1)
    return text.encode("utf-8")[:target_bytes].decode("utf-8", "ignore")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _tree_rss_bytes(pid: int, children: dict[int, list[int]] | None = None) -> int:
    """RSS of ``pid`` and its descendants, from /proc."""
    total = 0
    for current in _tree(pid, _children() if children is None else children):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return seconds


class RssSampler(threading.Thread):
    """Samples every 0.25 s the server's RSS (``peak`` since the last ``reset()``) and the CPU seconds
    spent by the server's process tree and by the browsers (this process's children: Playwright's
    driver and Chromium), so a round says whether the server or the browsers used the 2 cores."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True
        self.server_cpu: dict[int, float] = {}
        self.browser_cpu: dict[int, float] = {}

    def sample(self) -> None:
        children = _children()
        self.peak = max(self.peak, _tree_rss_bytes(self.pid, children))
        self.server_cpu.update(_cpu_seconds(_tree(self.pid, children)))
        browsers = [pid for pid in _tree(os.getpid(), children) if pid not in (os.getpid(), self.pid)]
        self.browser_cpu.update(_cpu_seconds([pid for pid in browsers if pid not in self.server_cpu]))

    def run(self) -> None:
        while self.running:
            self.sample()
            time.sleep(0.25)

    def reset(self) -> None:
        self.peak = _tree_rss_bytes(self.pid)
        self.server_cpu, self.browser_cpu = {}, {}
        self.sample()
        self._start = sum(self.server_cpu.values()), sum(self.browser_cpu.values())

    def cpu(self) -> dict:
        """CPU seconds since ``reset()``: the server's process tree, and the browsers with their driver."""
        self.sample()
        return {"server_cpu_s": round(sum(self.server_cpu.values()) - self._start[0], 1),
                "browsers_cpu_s": round(sum(self.browser_cpu.values()) - self._start[1], 1)}


async def _wait_idle(page) -> None:
    await page.wait_for_selector(IDLE, state="attached", timeout=PAGE_TIMEOUT_MS)
    await page.wait_for_selector(SPINNER, state="detached", timeout=PAGE_TIMEOUT_MS)
    await page.wait_for_selector(IDLE, state="attached", timeout=PAGE_TIMEOUT_MS)


async def _errors_shown(page) -> int:
    return await page.locator("[data-testid='stException']").count()


async def one_session(browser, url: str, text: str) -> dict:
    """Segmentations (4 tokenizers, the 20 KB text), then Language premiums; seconds for each."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_MS)  # typing into a busy page waits like a page load
    page = await context.new_page()
    result: dict = {"errors": []}
    try:
        began = time.monotonic()
        await page.goto(f"{url}/segmentations?tk={','.join(TOKENIZERS)}", timeout=PAGE_TIMEOUT_MS)
        await _wait_idle(page)
        box = page.get_by_role("textbox", name="Text")
        await page.evaluate("() => { window.__runs = 0; new MutationObserver(() => window.__runs++).observe("
                            "document.querySelector(\"[data-testid='stApp']\"), {attributes: true, "
                            "attributeFilter: ['data-test-script-state']}); }")
        await box.fill(text)
        await box.press("Control+Enter")
        await page.wait_for_function("() => window.__runs > 0", timeout=PAGE_TIMEOUT_MS)
        await _wait_idle(page)
        result["segmentations_s"] = time.monotonic() - began
        if await _errors_shown(page):
            result["errors"].append("Segmentations shows an exception")
        began = time.monotonic()
        await page.goto(f"{url}/language-premiums", timeout=PAGE_TIMEOUT_MS)
        await _wait_idle(page)
        result["premiums_s"] = time.monotonic() - began
        if await _errors_shown(page):
            result["errors"].append("Language premiums shows an exception")
    except Exception as error:  # noqa: BLE001 - a failed session is a measured error
        result["errors"].append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()
    return result


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 2)


async def run_round(url: str, sessions: int, text: str, sampler: RssSampler) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        sampler.reset()
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            began = time.monotonic()
            results = await asyncio.gather(*(one_session(browser, url, text) for _ in range(sessions)))
            wall = time.monotonic() - began
            cpu = sampler.cpu()
        finally:
            await browser.close()
    summary: dict = {"sessions": sessions, "wall_s": round(wall, 2), **cpu}
    for key in ("segmentations_s", "premiums_s"):
        values = [r[key] for r in results if key in r]
        summary[key] = {"p50": _percentile(values, 0.5), "p95": _percentile(values, 0.95),
                        "max": _percentile(values, 1.0), "completed": len(values)}
    summary["errors"] = [error for r in results for error in r["errors"]]
    summary["server_peak_rss_mb"] = round(sampler.peak / 2**20)
    return summary


def start_server(repo: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"tokviz-load-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=repo, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while not _healthy(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start; see {log.name}")
        time.sleep(0.5)
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="checkout whose app.py is served")
    parser.add_argument("--page-timeout", type=float, default=PAGE_TIMEOUT_MS / 1000, help="seconds per page")
    args = parser.parse_args()
    globals()["PAGE_TIMEOUT_MS"] = args.page_timeout * 1000
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out
    text = bench_text()
    load_before = os.getloadavg()
    process, url = start_server(args.repo)
    sampler = RssSampler(process.pid)
    sampler.start()
    try:
        warmup = asyncio.run(run_round(url, 1, text, sampler))
        print(json.dumps({"warmup": warmup}), file=sys.stderr, flush=True)
        rounds = []
        for sessions in args.sessions:
            rounds.append(asyncio.run(run_round(url, sessions, text, sampler)))
            print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)
    finally:
        sampler.running = False
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    print(json.dumps({
        "bench": "load", "repo": str(args.repo), "tokenizers": TOKENIZERS, "text_bytes": len(text.encode()),
        "cpus": os.cpu_count(), "loadavg_before": [round(x, 1) for x in load_before],
        "loadavg_after": [round(x, 1) for x in os.getloadavg()], "warmup_s": warmup["wall_s"],
        "warmup_errors": warmup["errors"], "rounds": rounds,
    }, indent=1))


if __name__ == "__main__":
    main()
