"""The Mixture inference page in a real browser: precomputed mixtures at once, then one small inference."""
from __future__ import annotations


def test_mixture_page_runs_a_small_inference(page, app_url, open_page, wait_for_rerun, artifact_path):
    # a small run: cl100k_base, English + French + Python, 300 merges, 100 KB samples
    open_page(page, app_url, "mixture-inference?tk=cl100k_base&lang=en,fr&code=python&merges=300")

    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]
    assert page.get_by_role("heading", name="Mixture inference").is_visible()
    precomputed = page.locator(".js-plotly-plot").first
    precomputed.wait_for(state="visible")
    assert "default tokenizers" in precomputed.locator(".gtitle").text_content()

    wait_for_rerun(page, lambda: page.get_by_role("button", name="Run inference").click())
    assert errors.count() == 0, errors.first.inner_text()[:2000]
    shares = page.locator(".js-plotly-plot").filter(has_text="Inferred training-data shares of cl100k_base").first
    shares.wait_for(state="visible", timeout=300_000)
    bars = shares.locator(".bars .point")
    assert bars.count() == 3, f"{bars.count()} bars for 3 categories"
    labels = shares.locator(".ytick text").all_text_contents()
    assert sorted(labels) == ["en", "fr", "python"]

    page.screenshot(path=artifact_path("mixture"), full_page=True)
