"""Real-browser harness: the real app under ``streamlit run``, driven in Debian's headless Chromium.

Fixtures
--------
``app_url`` (session)
    ``http://127.0.0.1:<port>`` of ``python -m streamlit run app.py`` started from the repo root
    with the session's environment (so the same ``TOKVIZ_CACHE``); stopped, with its whole
    process group, when the session ends.
``browser`` (session)
    Playwright's Chromium, launched from ``/usr/bin/chromium`` (Debian package ``chromium``).
``page`` (per test)
    A fresh 1400×1000 page; on a failed test a screenshot ``FAILED-<test>.png`` is saved
    next to the other artifacts.
``artifact_path``
    ``artifact_path("segmentations")`` -> ``tests/e2e/artifacts/segmentations.png``.
``open_page`` / ``wait_for_app`` / ``wait_for_rerun``
    The helpers below, as fixtures, so test files need no import.

A typical test::

    def test_segmentations_page(page, app_url, open_page, artifact_path):
        open_page(page, app_url, "Segmentations")
        assert page.locator(".js-plotly-plot").first.is_visible()
        page.screenshot(path=artifact_path("segmentations"), full_page=True)

Every test under ``tests/e2e`` gets the ``e2e`` marker (``-m "not e2e"`` skips the browser).
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT_S = 90
RUN_START_GRACE_MS = 30_000  # how long wait_for_rerun waits to see the run start
APP_RUN_TIMEOUT_MS = 120_000
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
E2E_DIR = Path(__file__).resolve().parent

# Streamlit 1.67 puts the script run state on the root element: "initial" before the first run,
# then "running" / "rerunRequested" / "notRunning" (see its frontend's ScriptRunState enum).
APP_IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"
SPINNER_SELECTOR = "[data-testid='stSpinner']"
# Some elements (Plotly charts among them) are lazily loaded components: after the run has ended
# they show an stSkeleton placeholder until their code arrives, then plotly.js draws the figure.
SKELETON_SELECTOR = "[data-testid='stSkeleton']"
_CHARTS_DRAWN_JS = """
() => Array.from(document.querySelectorAll("[data-testid='stPlotlyChart']"))
  .every((chart) => chart.querySelector(".js-plotly-plot .main-svg") !== null)
"""


# --------------------------------------------------------------------------- helpers


def wait_for_app(page, timeout: float = APP_RUN_TIMEOUT_MS) -> None:
    """Wait until the Streamlit script run has finished, no ``st.spinner`` shows, charts are drawn."""
    page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=timeout)
    page.wait_for_selector(SPINNER_SELECTOR, state="detached", timeout=timeout)
    # A spinner may have ended the run's last phase; make sure the run is (still) finished.
    page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=timeout)
    page.wait_for_selector(SKELETON_SELECTOR, state="detached", timeout=timeout)
    page.wait_for_function(_CHARTS_DRAWN_JS, timeout=timeout)


def open_page(page, app_url: str, url_path: str = "", timeout: float = APP_RUN_TIMEOUT_MS):
    """Open ``app_url/url_path`` (e.g. ``"Segmentations"``; ``""`` is the home page) and wait for it.

    Returns the page, so ``open_page(page, app_url, "Segmentations").locator(...)`` chains.
    """
    page.goto(f"{app_url.rstrip('/')}/{url_path.lstrip('/')}", timeout=timeout)
    wait_for_app(page, timeout=timeout)
    return page


_WATCH_RUN_STATE_JS = """
() => {
  window.__tokvizRunSeen = false;
  const root = document.querySelector("[data-testid='stApp']");
  if (window.__tokvizRunObserver) window.__tokvizRunObserver.disconnect();
  // The state was "notRunning" when this was installed, so any change of it means a run started
  // (reading the attribute inside the callback could miss a run that ended within one batch).
  window.__tokvizRunObserver = new MutationObserver((records) => {
    if (records.length > 0) window.__tokvizRunSeen = true;
  });
  window.__tokvizRunObserver.observe(root, {attributes: true, attributeFilter: ["data-test-script-state"]});
}
"""


def wait_for_rerun(page, action: Callable[[], object], timeout: float = APP_RUN_TIMEOUT_MS) -> None:
    """Run ``action`` (a click, a fill + Tab, ...) and wait for the rerun it triggers to finish.

    Waiting for "notRunning" alone right after an action can pass before the rerun even started;
    this watches the run-state attribute from before the action until a run was seen and ended.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    wait_for_app(page, timeout=timeout)
    page.evaluate(_WATCH_RUN_STATE_JS)
    action()
    try:
        page.wait_for_function("() => window.__tokvizRunSeen === true", timeout=min(timeout, RUN_START_GRACE_MS))
    except PlaywrightTimeoutError:
        # On a loaded machine a run was once not seen although it had happened (its result was in the URL);
        # what follows must then find the app idle, and the test's own assertions judge the page.
        pass
    wait_for_app(page, timeout=timeout)


def artifact_file(name: str) -> Path:
    """``tests/e2e/artifacts/<name>.png`` (the folder is created; ``.png`` added if missing)."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    filename = name if name.lower().endswith((".png", ".jpg", ".jpeg")) else f"{name}.png"
    return ARTIFACTS_DIR / filename


def _warm_up(browser, url: str) -> None:
    """Run the app's main script once in a browser session (registers the pages)."""
    page = browser.new_page()
    try:
        page.goto(url, timeout=APP_RUN_TIMEOUT_MS)
        page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=APP_RUN_TIMEOUT_MS)
    finally:
        page.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Loopback never goes through an HTTP proxy, whatever http_proxy/no_proxy say.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _health_ok(url: str) -> bool:
    try:
        with _DIRECT.open(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _tail(path: Path, limit: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError as exc:
        return f"(no server log: {exc})"


def _stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


# --------------------------------------------------------------------------- hooks


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_tokviz_report_{report.when}", report)
    return report


# --------------------------------------------------------------------------- fixtures


@contextlib.contextmanager
def serve_app(repo_root: Path, tokviz_cache: Path, log_path: Path):
    """``streamlit run app.py`` on a free loopback port, as a context manager yielding its base URL."""
    if not (repo_root / "app.py").is_file():
        pytest.fail(f"no app.py in {repo_root}: the browser tests need the app's entry file")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONUNBUFFERED="1", TOKVIZ_CACHE=str(tokviz_cache))
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=repo_root, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _health_ok(url):
            if process.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {process.returncode} before answering on {url}.\n"
                    f"--- server log ---\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {url}/_stcore/health within {SERVER_START_TIMEOUT_S} s.\n"
                    f"--- server log ---\n{_tail(log_path)}"
                )
            time.sleep(0.25)
        yield url
    finally:
        _stop_process_group(process)


@pytest.fixture(scope="session")
def app_url(repo_root: Path, tokviz_cache: Path, tmp_path_factory: pytest.TempPathFactory, browser):
    """Start ``streamlit run app.py`` on a free loopback port; yield its base URL."""
    log_path = tmp_path_factory.mktemp("streamlit-server") / "server.log"
    try:
        with serve_app(repo_root, tokviz_cache, log_path) as url:
            _warm_up(browser, url)  # the main script's first run (imports, the catalog) is not any test's
            yield url
    finally:
        # Surface server-side tracebacks in the pytest output of the session's last e2e test.
        sys.stderr.write(f"\n[e2e] streamlit server log: {log_path}\n")


@pytest.fixture
def fresh_app_url(repo_root: Path, tokviz_cache: Path, tmp_path: Path):
    """A server of its own, started for one test and never visited before it (a first request)."""
    with serve_app(repo_root, tokviz_cache, tmp_path / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium under Playwright's sync API (one per session)."""
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"{CHROMIUM_PATH} is missing: install Debian's chromium "
            "(`apt-get install -y --no-install-recommends chromium`, done by ./run_tests.sh)"
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, request):
    """A new browser context and page (viewport 1400×1000) for one test."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        report = getattr(request.node, "_tokviz_report_call", None)
        if report is not None and report.failed:
            try:
                safe_name = re.sub(r"[^\w.\-\[\]]+", "_", request.node.name)
                new_page.screenshot(path=artifact_file(f"FAILED-{safe_name}"), full_page=True)
            except Exception as exc:  # the page may be gone; the test's own error matters more
                sys.stderr.write(f"[e2e] could not save failure screenshot: {exc}\n")
        context.close()


@pytest.fixture
def artifact_path() -> Callable[[str], Path]:
    """``artifact_path(name)`` -> ``tests/e2e/artifacts/<name>.png`` (folder created)."""
    return artifact_file


@pytest.fixture(name="open_page")
def _open_page_fixture():
    """The :func:`open_page` helper: ``open_page(page, app_url, "Segmentations")``."""
    return open_page


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture():
    """The :func:`wait_for_app` helper: ``wait_for_app(page)``."""
    return wait_for_app


@pytest.fixture(name="wait_for_rerun")
def _wait_for_rerun_fixture():
    """The :func:`wait_for_rerun` helper: ``wait_for_rerun(page, lambda: box.press("Tab"))``."""
    return wait_for_rerun
