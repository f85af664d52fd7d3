"""The Segmentations page in a real browser: tokens never wrap, hover highlights the same characters in every
row, a click picks the token for "A token up close", the merge tree's leaves spell the token."""
from __future__ import annotations

import re
import urllib.parse

import pytest

import tokviz

TYPED = "Tokenizers cut naïve café text 🤦🏼‍♂️ into 12345 pieces."
SHOTS = "segmentations"


def _no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]


def _url(**query) -> str:
    return "segmentations?" + urllib.parse.urlencode(query)


def test_typed_text_is_cut_by_every_tokenizer(page, app_url, open_page, wait_for_rerun, artifact_path):
    open_page(page, app_url, "segmentations?tk=o200k_base,llama3,mistral-7b,qwen3")
    _no_exception(page)
    area = page.locator("[data-testid='stTextArea'] textarea").first
    wait_for_rerun(page, lambda: (area.fill(TYPED), area.press("Control+Enter")))
    _no_exception(page)
    page.locator(".tv-row").first.wait_for()
    rows = page.locator(".tv-row")
    assert rows.count() == 4
    for index, name in enumerate(["o200k_base", "llama3", "mistral-7b", "qwen3"]):
        boxes = rows.nth(index).locator(".tv-tok")
        expected = len(tokviz.load_tokenizer(name).encode(TYPED))
        assert boxes.count() == expected, f"{name}: {boxes.count()} boxes drawn, {expected} tokens"
    # o200k splits the emoji: the character is drawn once above its tokens' bytes, never as U+FFFD
    assert rows.nth(0).locator(".tv-group .tv-char").count() > 0
    assert "\ufffd" not in rows.nth(0).inner_text()
    page.screenshot(path=artifact_path(f"{SHOTS}-typed"), full_page=True)


_WRAPPED_JS = """
(root) => Array.from(root.querySelectorAll('.tv-tok'))
  .filter((el) => el.getClientRects().length !== 1).map((el) => el.dataset.text)
"""


@pytest.mark.parametrize("width", [560, 1400])
def test_no_token_breaks_across_lines(page, app_url, open_page, artifact_path, width):
    page.set_viewport_size({"width": width, "height": 1000})
    text = ("The quick brown dog jumps over the lazy fox; the dog doesn't mind. " * 6
            + "\tdef f(x):\n\t\treturn x  # tabbed code\n👋🏽 ሰላም ለዓለም 👨‍👩‍👧‍👦")
    open_page(page, app_url, _url(tk="o200k_base,llama3,mistral-7b,qwen3", t=text, ids="1", bytes="1"))
    _no_exception(page)
    page.locator(".tv-rows").wait_for()
    wrapped = page.locator(".tv-rows").evaluate(_WRAPPED_JS)
    assert wrapped == [], f"tokens drawn on more than one line: {wrapped[:10]}"
    assert page.locator(".tv-tok").count() > 100
    page.locator(".tv-rows").screenshot(path=artifact_path(f"{SHOTS}-no-wrap-{width}"))


def test_hover_highlights_the_same_characters_in_every_row(page, app_url, open_page, artifact_path):
    open_page(page, app_url, _url(tk="o200k_base,llama3,mistral-7b,qwen3", t="Tokenizers see pieces, not words."))
    _no_exception(page)
    first = page.locator(".tv-row").nth(2).locator(".tv-tok").nth(1)  # Mistral's second token
    start, end = int(first.get_attribute("data-s")), int(first.get_attribute("data-e"))
    first.hover()
    tip = page.locator(".tv-tip")
    tip.wait_for(state="visible")
    assert f"id {first.get_attribute('data-id')}" in tip.inner_text()
    tip_box = tip.bounding_box()
    for index in range(4):
        lit = page.locator(".tv-row").nth(index).locator(".tv-tok.tv-hl")
        assert lit.count() >= 1, f"row {index} highlights nothing"
        for box in lit.all():
            s, e = int(box.get_attribute("data-s")), int(box.get_attribute("data-e"))
            assert s < end and e > start, "a highlighted token overlaps the hovered characters"
            if index != 2:  # the tooltip sits beside the hovered token and covers no other row's highlight
                other = box.bounding_box()
                overlaps = (tip_box["x"] < other["x"] + other["width"] and other["x"] < tip_box["x"] + tip_box["width"]
                            and tip_box["y"] < other["y"] + other["height"]
                            and other["y"] < tip_box["y"] + tip_box["height"])
                assert not overlaps, f"the tooltip covers row {index}'s highlighted token"
    page.locator(".tv-rows").screenshot(path=artifact_path(f"{SHOTS}-hover"))


def _token_picker_text(page) -> str:
    """The "Token" picker's label and shown value (the value sits in the combobox's input or its text)."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Token").filter(has_not_text="Tokenizer")
    return box.last.evaluate(
        "(el) => el.innerText + ' ' + Array.from(el.querySelectorAll('input')).map((i) => i.value).join(' ')")


def _metric(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_click_picks_the_token_up_close(page, app_url, open_page, wait_for_rerun, artifact_path):
    open_page(page, app_url, _url(tk="cl100k_base,llama3", t="Tokenizers see pieces, not words."))
    _no_exception(page)
    target = page.locator(".tv-row").nth(1).locator(".tv-tok").nth(3)
    token_id = target.get_attribute("data-id")
    wait_for_rerun(page, target.click)
    _no_exception(page)
    assert _metric(page, "id") == token_id
    assert f"(id {token_id})" in _token_picker_text(page)
    assert "#3:" in _token_picker_text(page)
    assert page.locator(".tv-row").nth(1).locator(".tv-tok.tv-picked").get_attribute("data-i") == "3"
    page.screenshot(path=artifact_path(f"{SHOTS}-clicked"), full_page=True)


def test_picker_label_follows_a_changed_text(page, app_url, open_page, wait_for_rerun):
    open_page(page, app_url, _url(tk="cl100k_base", t="Token Hello"))
    assert "(id 3404)" in _token_picker_text(page)
    area = page.locator("[data-testid='stTextArea'] textarea").first
    wait_for_rerun(page, lambda: (area.fill("Hello world"), area.press("Control+Enter")))
    _no_exception(page)
    first = tokviz.load_tokenizer("cl100k_base").encode("Hello world")[0]
    assert _metric(page, "id") == str(first)
    assert f"(id {first})" in _token_picker_text(page), _token_picker_text(page)


_LEAVES_JS = """
(svg) => Array.from(svg.querySelectorAll('g.node')).filter((node) => {
    const shape = node.querySelector('path, polygon');
    return shape && shape.getAttribute('fill') === '#e5e7eb';
  }).map((node) => {
    const text = node.querySelector('text');
    return [text.getBoundingClientRect().left, text.textContent];
  })
"""


@pytest.mark.parametrize("word", ["Token", "Hello"])
def test_merge_tree_leaves_read_left_to_right(page, app_url, open_page, artifact_path, word):
    open_page(page, app_url, _url(tk="cl100k_base", t=word))
    _no_exception(page)
    chart = page.locator("[data-testid='stGraphVizChart'] svg").first
    chart.wait_for()
    leaves = sorted(chart.evaluate(_LEAVES_JS))
    assert "".join(text for _, text in leaves) == word, leaves
    assert len(leaves) == len(word), "one leaf per character, repeated letters included"
    chart.screenshot(path=artifact_path(f"{SHOTS}-merge-tree-{re.sub(r'[^A-Za-z]', '', word)}"))


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
