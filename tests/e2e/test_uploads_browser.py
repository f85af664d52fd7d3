"""A hostile upload file name in a real browser: it shows as its characters, never as HTML or a link."""
from __future__ import annotations

from pathlib import Path

HOSTILE_NAME = '<img src=x onerror=window.__pwned=1>[log in](https:evil.example).json'
SHOTS = Path("/work/coord/shots/catalog")


def test_a_hostile_file_name_shows_as_text(page, app_url, open_page, wait_for_rerun, tmp_path):
    open_page(page, app_url, "segmentations?tk=cl100k_base")
    bad = tmp_path / HOSTILE_NAME
    bad.write_bytes(b"not a tokenizer at all")
    page.locator("[data-testid='stSidebar'] [data-testid='stExpander']").filter(has_text="Upload a tokenizer").click()
    chooser = page.locator("[data-testid='stSidebar'] input[type='file']").first
    wait_for_rerun(page, lambda: chooser.set_input_files(str(bad)))
    alert = page.locator("[data-testid='stAlert']").filter(has_text="onerror")
    assert alert.count() == 1
    assert "<img src=x onerror=window.__pwned=1>[log in](https:evil.example).json" in alert.inner_text()
    assert alert.locator("img, a").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "hostile-upload-name.png"), full_page=True)
