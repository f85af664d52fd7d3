"""The Segmentations page in a real browser: type a text, see each tokenizer's spans, upload a bad file."""
from __future__ import annotations

import tokviz

TYPED = "Tokenizers cut naïve café text 🤦🏼‍♂️ into 12345 pieces."


def _no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]


def test_typed_text_is_cut_by_every_tokenizer(page, app_url, open_page, wait_for_rerun, artifact_path):
    open_page(page, app_url, "segmentations?tk=o200k_base,llama3,mistral-7b,qwen3")
    _no_exception(page)
    area = page.locator("[data-testid='stTextArea'] textarea").first
    wait_for_rerun(page, lambda: (area.fill(TYPED), area.press("Control+Enter")))
    _no_exception(page)

    # one block of coloured token spans per tokenizer, the first being the token view itself
    blocks = page.locator(".tv-wrap").filter(has=page.locator(".tv-tok"))
    assert blocks.count() == 4
    for name, index in zip(["o200k_base", "llama3", "mistral-7b", "qwen3"], range(4)):
        spans = blocks.nth(index).locator(".tv-tok")
        expected = len(tokviz.load_tokenizer(name).encode(TYPED))
        assert spans.count() == expected, f"{name}: {spans.count()} spans drawn, {expected} tokens"
    # o200k splits the emoji into byte pieces: they are drawn as chips, never as U+FFFD
    assert blocks.nth(0).locator(".tv-chip").count() > 0
    assert "\ufffd" not in blocks.nth(0).inner_text()
    assert page.locator(".js-plotly-plot").first.is_visible()
    page.screenshot(path=artifact_path("segmentations"), full_page=True)


def test_a_hostile_upload_is_a_message(page, app_url, open_page, wait_for_rerun, tmp_path):
    open_page(page, app_url, "segmentations?tk=cl100k_base")
    bad = tmp_path / "tokenizer.json"
    bad.write_bytes(b'{"model": {"type": "BPE", "vocab": {')  # half a JSON
    page.locator("[data-testid='stSidebar'] [data-testid='stExpander']").filter(has_text="Upload a tokenizer").click()
    chooser = page.locator("[data-testid='stSidebar'] input[type='file']").first
    wait_for_rerun(page, lambda: chooser.set_input_files(str(bad)))
    _no_exception(page)
    alert = page.locator("[data-testid='stAlert']").filter(has_text="tokenizer.json")
    assert alert.count() >= 1
    assert "Traceback" not in page.locator("[data-testid='stMain']").inner_text()
