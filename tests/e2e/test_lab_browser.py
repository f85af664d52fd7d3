"""The Tokenizer lab in a real browser: play ten merges, train at another size, offer it to other pages."""
from __future__ import annotations

import re

TIMEOUT = 600_000  # a cold start trains three variants


def _no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]


def test_lab_plays_ten_merges_and_trains_a_variant(page, app_url, open_page, wait_for_rerun, artifact_path):
    open_page(page, app_url, "tokenizer-lab", timeout=TIMEOUT)
    _no_exception(page)
    assert page.get_by_role("heading", name="Tokenizer lab").is_visible()
    premium = page.locator(".js-plotly-plot").filter(has_text="Premium on unseen text").first
    premium.wait_for(state="visible")
    assert premium.locator(".bars .point").count() == 9  # 3 languages x 3 variants
    page.screenshot(path=artifact_path("lab-compare"), full_page=True)

    page.get_by_role("tab", name="Step through").click()
    page.get_by_text("Start:").first.wait_for(state="visible")
    wait_for_rerun(page, lambda: page.get_by_role("button", name="▶ Play 10 merges").click(), timeout=TIMEOUT)
    _no_exception(page)
    page.get_by_text(re.compile(r"^Step 10:")).first.wait_for(state="visible")
    assert page.locator(".js-plotly-plot").filter(has_text="Step 10: the most frequent pair wins").count() == 1
    page.screenshot(path=artifact_path("lab-steps"), full_page=True)

    size = page.get_by_label("Vocabulary size (tokens)", exact=True)
    wait_for_rerun(page, lambda: (size.fill("450"), size.press("Enter")), timeout=TIMEOUT)
    _no_exception(page)
    page.get_by_role("tab", name="Take it with you").click()
    wait_for_rerun(page, lambda: page.get_by_role("button", name="Use on other pages").click(), timeout=TIMEOUT)
    _no_exception(page)
    success = page.get_by_text(re.compile(r"Lab: Classic BPE 450"))
    success.first.wait_for(state="visible")
    page.screenshot(path=artifact_path("lab-use"), full_page=True)
