"""The Embedding map page in a real browser: the whole Llama 2 vocabulary drawn with WebGL,
token search from the URL and typed in ("king": labelled neighbours, toolbar clear of the legend),
and a Gemma-sized (262,144-token) upload drawn in full."""
from __future__ import annotations

import numpy as np

from tests.helpers import word_tokenizer

MAP_TIMEOUT_MS = 420_000  # the first UMAP of a cold cache runs inside the page's first run

_PLOTTED_POINTS_JS = """
() => {
  const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  if (!plot || !plot._fullData) return -1;
  return plot._fullData.filter((t) => t.type === "scattergl")
    .reduce((total, t) => total + (t._length ?? (t.x ? t.x.length : 0)), 0);
}
"""


def _open_map(page, app_url, open_page, query: str = ""):
    """Open the Embedding map page (the app_url fixture has already run the app once)."""
    return open_page(page, app_url, f"embedding-map{query}", timeout=MAP_TIMEOUT_MS)


def _assert_no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]


def _main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def test_default_map_shows_the_whole_llama2_vocabulary(page, app_url, open_page, artifact_path):
    _open_map(page, app_url, open_page)
    _assert_no_exception(page)
    chart = page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot").first
    assert chart.is_visible()
    assert page.evaluate(_PLOTTED_POINTS_JS) == 32000
    # scattergl draws into a WebGL canvas; no "WebGL is not supported" notice
    assert chart.locator("canvas").count() >= 1
    assert "WebGL is not supported" not in chart.inner_text()
    text = _main_text(page)
    assert "32,000 tokens on the map" in text and "Likely under-trained tokens" in text
    assert "m=" not in page.url and "method=" not in page.url  # the default view keeps the URL clean (ui.state.bind)
    assert page.get_by_text("Page not found").count() == 0
    page.screenshot(path=artifact_path("embedding-map"), full_page=True)


def test_search_from_the_url_lists_neighbours(page, app_url, open_page, artifact_path):
    _open_map(page, app_url, open_page, "?method=pca&color=norm&q=%20king&text=The%20Mediabestanden")
    _assert_no_exception(page)
    text = _main_text(page)
    assert "Nearest to" in text and "King" in text
    assert "likely under-trained token" in text
    legend = page.locator("[data-testid='stPlotlyChart'] .legendtext").evaluate_all(
        "(texts) => texts.map((text) => text.textContent)")  # SVG text has no innerText
    assert "searched token" in legend and "nearest neighbours" in legend and "typed text" in legend
    page.screenshot(path=artifact_path("embedding-map-search"), full_page=True)


def test_gemma_sized_upload_is_drawn_in_full(page, app_url, open_page, wait_for_rerun, artifact_path, tmp_path):
    rows = 262_144
    matrix = tmp_path / "gemma-sized.npy"
    np.save(matrix, np.random.default_rng(11).standard_normal((rows, 64), dtype=np.float32))
    word_tokenizer(tmp_path / "tokenizer.json", rows)

    _open_map(page, app_url, open_page, "?method=pca")
    sidebar = page.locator("[data-testid='stSidebar']")
    wait_for_rerun(page, lambda: _choose(page, sidebar, "Embedding matrix", "Your own matrix"))
    uploaders = sidebar.locator("[data-testid='stFileUploaderDropzoneInput']")
    wait_for_rerun(page, lambda: uploaders.nth(1).set_input_files(str(tmp_path / "tokenizer.json")),
                   timeout=MAP_TIMEOUT_MS)
    # an upload ends when the uploader lists the file; only then may the next one start
    sidebar.get_by_text("tokenizer.json").first.wait_for(timeout=MAP_TIMEOUT_MS)
    wait_for_rerun(page, lambda: uploaders.nth(0).set_input_files(str(matrix)), timeout=MAP_TIMEOUT_MS)
    sidebar.get_by_text("gemma-sized.npy").first.wait_for(timeout=MAP_TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=MAP_TIMEOUT_MS)
    _assert_no_exception(page)
    assert page.evaluate(_PLOTTED_POINTS_JS) == rows
    assert "262,144 tokens on the map" in _main_text(page)
    page.screenshot(path=artifact_path("embedding-map-262k"), full_page=False)


def test_searching_king_labels_the_word_token_and_its_neighbours(page, app_url, open_page, wait_for_rerun,
                                                                 artifact_path):
    """Type "king" as a user would: the word token " king" is searched, its neighbours are labelled."""
    _open_map(page, app_url, open_page)
    box = page.get_by_role("textbox", name="Find a token")
    wait_for_rerun(page, lambda: (box.fill("king"), box.press("Enter")), timeout=MAP_TIMEOUT_MS)
    _assert_no_exception(page)
    text = _main_text(page)
    assert "Nearest to ␣king (#6989)" in text and "Other forms of this text: king (#9292)" in text
    assert "Nearest neighbours are the tokens the model represents most alike" in text
    labels = page.locator("[data-testid='stPlotlyChart'] .annotation-text").evaluate_all(
        "(nodes) => nodes.map((node) => node.textContent)")
    assert labels[0] == "␣king" and "␣King" in labels and len(labels) == 11
    # the toolbar (mode bar) does not overlap the legend
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.hover()
    modebar = page.locator("[data-testid='stPlotlyChart'] .modebar").first.bounding_box()
    legend = page.locator("[data-testid='stPlotlyChart'] .legend").first.bounding_box()
    assert modebar["y"] + modebar["height"] <= legend["y"] + 1, (modebar, legend)
    chart.scroll_into_view_if_needed()
    page.screenshot(path=artifact_path("embedding-map-king"), full_page=False)


def _choose(page, scope, label: str, option: str) -> None:
    scope.get_by_label(label).click()
    page.get_by_role("option", name=option).first.click()
