"""The Mixture inference page in a real browser: shipped mixtures by group, then one small run brought into view."""
from __future__ import annotations

HOSTILE = "<img src=x onerror=alert(1)>"


def test_mixture_page_runs_a_small_inference(page, app_url, open_page, wait_for_rerun, artifact_path):
    # a small run: cl100k_base, English + French + Python, 300 merges, 100 KB samples
    open_page(page, app_url, "mixture-inference?tk=cl100k_base&lang=en,fr&code=python&merges=300&size=100+KB")
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]
    assert page.get_by_role("heading", name="Mixture inference").is_visible()
    assert page.get_by_text("What it shows:").first.is_visible()
    grouped = page.locator(".js-plotly-plot").filter(has_text="Inferred mixtures, by group").first
    grouped.wait_for(state="visible")
    legend = grouped.locator(".legendtext").all_text_contents()
    assert legend[:2] == ["English", "Other European languages"] and "Code" in legend
    assert page.get_by_text("Looks like about").count() >= 8  # one sentence per shipped tokenizer
    page.screenshot(path=artifact_path("mixture-default"), full_page=True)

    # an upload with a hostile name shows as text
    upload = [{"name": f"{HOSTILE}.txt", "mimeType": "text/plain", "buffer": b"my own words and more words\n" * 400}]
    wait_for_rerun(page, lambda: page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(upload))
    wait_for_rerun(page, lambda: page.get_by_role("button", name="Run inference").click())
    assert errors.count() == 0, errors.first.inner_text()[:2000]
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
    shares = page.locator(".js-plotly-plot").filter(has_text="Inferred training-data shares of cl100k_base").first
    shares.wait_for(state="visible", timeout=300_000)
    assert shares.locator(".bars .point").count() == 4, "English, French, Python and the upload"
    labels = shares.locator(".ytick text").all_text_contents()
    assert {"English", "French", "Python", HOSTILE} == set(labels)
    results = page.locator(".st-key-mix_results")
    results.get_by_text("Looks like about").first.wait_for(state="visible")
    page.wait_for_timeout(1500)  # the smooth scroll
    box = results.bounding_box()
    viewport = page.viewport_size
    assert box is not None and 0 <= box["y"] < viewport["height"], f"results not scrolled into view: {box}"
    page.screenshot(path=artifact_path("mixture-after-run"))
    page.screenshot(path=artifact_path("mixture-after-run-full"), full_page=True)
