"""The Language premiums page in a real browser: its charts are drawn, widgets keep their values,
a reference switch keeps the page on screen, and hostile links show as text."""
from __future__ import annotations

import re

PAGE = "language-premiums"


def _errors(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]


def _tab(page, wait_for_rerun, name: str) -> None:
    """Open a tab: the page reruns with that tab's contents (hidden tabs are not built)."""
    wait_for_rerun(page, lambda: page.get_by_role("tab", name=name).click())


def test_premiums_page_draws_its_charts(page, app_url, open_page, wait_for_rerun, artifact_path):
    open_page(page, app_url, PAGE)
    _errors(page)
    assert page.get_by_role("heading", name="Language premiums").is_visible()
    assert page.get_by_text("500+ languages").first.is_visible()

    world_map = page.locator(".js-plotly-plot").filter(has=page.locator(".geo")).first
    world_map.wait_for(state="visible")
    markers = world_map.locator(".scattergeo .point")
    assert markers.count() >= 500, f"only {markers.count()} language markers on the map"
    assert "premium by language" in world_map.locator(".gtitle").text_content()
    page.screenshot(path=artifact_path("premiums"), full_page=True)

    for tab, title in (("Heatmap", "Premium per tokenizer and language"),
                       ("Most expensive", "most expensive languages"),
                       ("Distribution", "Distribution of premiums"),
                       ("Cost & context", "What the context window holds")):
        _tab(page, wait_for_rerun, tab)
        panel = page.locator("[role='tabpanel']:visible")
        chart = panel.locator(".js-plotly-plot").first
        chart.wait_for(state="visible")
        assert title in chart.locator(".gtitle").text_content()
        page.screenshot(path=artifact_path(f"premiums-{tab.split()[0].lower()}"), full_page=True)
    wait_for_rerun(page, lambda: page.get_by_text("Expert: where the premium comes from").click())
    decomposition = page.locator(".js-plotly-plot").filter(has_text="where the premium comes from").first
    decomposition.wait_for(state="visible")
    page.screenshot(path=artifact_path("premiums-decomposition"), full_page=True)


def test_reference_switch_keeps_the_page_and_widget_values(page, app_url, open_page, wait_for_rerun,
                                                         artifact_path):
    open_page(page, app_url, f"{PAGE}?tk=cl100k_base,llama3&price=10.0&top=10")
    page.evaluate("""() => { window.__mapGone = false;
        new MutationObserver(() => { if (!document.querySelector(".js-plotly-plot .geo")) window.__mapGone = true; })
          .observe(document.body, {childList: true, subtree: true}); }""")
    box = page.locator("[data-testid='stSelectbox']").first
    box.click()
    page.keyboard.type("Amharic")
    option = page.get_by_role("option", name=re.compile("^Amharic")).first
    option.wait_for(state="visible")  # on a busy machine the list filters after the typing ends
    wait_for_rerun(page, option.click)
    _errors(page)
    assert page.get_by_text("reference Amharic").first.is_visible()
    assert page.evaluate("() => window.__mapGone") is False, "the map disappeared while the reference changed"
    assert "ref=amh" in page.url and "price=10.0" in page.url and "top=10" in page.url
    _tab(page, wait_for_rerun, "Cost & context")
    assert "tab=Cost" in page.url  # the open tab is in the link, for a teacher to share
    price = page.get_by_label("Price per million tokens ($)")
    assert price.input_value() == "10.00"
    page.screenshot(path=artifact_path("premiums-reference-amharic"), full_page=True)


def test_a_hostile_reference_link_is_plain_text(page, app_url, open_page, artifact_path):
    open_page(page, app_url, f"{PAGE}?tk=cl100k_base&ref=%5Blog%20in%5D(http://evil.example)%20"
                             "![i](http://evil.example/a.png)&top=1000&flores=/etc&pub=/etc/passwd")
    _errors(page)
    warning = page.locator("[data-testid='stAlert']").filter(has_text="from the link").first
    shown = warning.inner_text().replace("\u200b", "")  # zero-width spaces keep "http://" from autolinking
    assert re.search(r"\[log in\]\(http://evil\.example\)", shown)
    assert warning.locator("a, img").count() == 0
    assert page.locator("img[src*='evil.example'], a[href*='evil.example']").count() == 0
    assert "/etc" not in page.locator("[data-testid='stMain']").inner_text()  # paths in a link are never read
    page.screenshot(path=artifact_path("premiums-hostile-link"), full_page=True)


def test_clearing_and_repicking_tokenizers_keeps_every_widget_value(page, app_url, open_page, wait_for_rerun,
                                                                   artifact_path):
    """Issue 13: after the picker was emptied and filled again, the calculator showed $0.00, a 1-token
    context and 1 word, and the URL picked up price=0.0&ctx=1&words=1&top=5."""
    open_page(page, app_url, f"{PAGE}?tk=cl100k_base,llama3")
    sidebar = page.locator("[data-testid='stSidebar']")
    picker = sidebar.locator("[data-testid='stMultiSelect']").first
    wait_for_rerun(page, lambda: picker.get_by_role("button", name=re.compile("Clear all", re.I)).click())
    assert page.get_by_text("Pick at least one tokenizer").first.is_visible()
    box = picker.locator("input").first
    box.click()
    box.fill("cl100k")
    option = page.get_by_role("option", name=re.compile("cl100k")).first
    option.wait_for(state="visible")  # on a busy machine the list filters after the typing ends
    wait_for_rerun(page, option.click)
    page.keyboard.press("Escape")
    _errors(page)
    _tab(page, wait_for_rerun, "Cost & context")
    assert page.get_by_label("Price per million tokens ($)").input_value() == "2.50"
    assert page.get_by_label("Context window (tokens)").input_value() == "128000"
    assert page.get_by_label(re.compile(r"Content size")).input_value() == "100000"
    assert page.get_by_text("128,000-token context").first.is_visible()
    for stale in ("price=", "ctx=", "words=", "top="):
        assert stale not in page.url, page.url
    page.screenshot(path=artifact_path("premiums-repicked"), full_page=True)
