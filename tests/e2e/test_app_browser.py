"""The app's home page in a real browser: title, the five pages in the sidebar, navigation works."""
from __future__ import annotations

import re

#: Sidebar labels of the five capability pages (app_pages/1_Segmentations.py -> "Segmentations", ...).
EXPECTED_PAGES = ["Segmentations", "Language premiums", "Mixture inference", "Embedding map", "Tokenizer lab"]


def _normalized(label: str) -> str:
    return re.sub(r"[\s_]+", " ", label).strip().lower()


def _assert_no_exception(page, where: str) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, f"{where} shows an exception: {errors.first.inner_text()[:2000]}"


def test_home_lists_the_five_pages(page, app_url, open_page, artifact_path):
    open_page(page, app_url, "")

    assert "tokviz" in page.title().lower(), f"browser tab title is {page.title()!r}"
    _assert_no_exception(page, "the home page")

    nav = page.locator("[data-testid='stSidebarNav']")
    nav.wait_for(state="visible")
    links = nav.locator("[data-testid='stSidebarNavLink']")
    labels = [_normalized(text) for text in links.all_inner_texts()]
    for expected in EXPECTED_PAGES:
        assert any(_normalized(expected) in label for label in labels), (
            f"sidebar navigation has no {expected!r} page; it lists {labels}"
        )

    page.screenshot(path=artifact_path("home"), full_page=True)


def test_sidebar_link_opens_the_segmentations_page(page, app_url, open_page, wait_for_app):
    open_page(page, app_url, "")
    link = page.locator("[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink']").filter(
        has_text=re.compile("segmentations", re.IGNORECASE)
    )
    link.first.click()

    page.wait_for_url(re.compile(r"/[^/]*segmentations[^/]*$", re.IGNORECASE))
    wait_for_app(page)
    _assert_no_exception(page, "the Segmentations page")
    assert page.locator("[data-testid='stMain']").inner_text().strip(), "the Segmentations page is empty"


def test_a_shared_link_to_a_page_opens_it_on_a_fresh_server(page, fresh_app_url, open_page, artifact_path):
    """A teacher restarts the server and sends the class a link to one page: the first request must show that
    page, not Streamlit's "Page not found" dialog (shown while the pages lived in a pages/ folder)."""
    open_page(page, fresh_app_url, "language-premiums")
    page.wait_for_timeout(1000)  # the dialog came with the first run's messages
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("heading", name="Language premiums").is_visible()
    _assert_no_exception(page, "Language premiums opened by a link")
    page.screenshot(path=artifact_path("first-link-to-a-page"), full_page=True)
