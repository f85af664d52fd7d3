"""The Language premiums page in a real browser: the world map of premiums is drawn."""
from __future__ import annotations


def test_premiums_page_draws_the_world_map(page, app_url, open_page, artifact_path):
    open_page(page, app_url, "language-premiums")

    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()[:2000]
    assert page.get_by_role("heading", name="Language premiums").is_visible()

    world_map = page.locator(".js-plotly-plot").filter(has=page.locator(".geo")).first
    world_map.wait_for(state="visible")
    assert world_map.is_visible()
    # one marker per located language (scattergeo points), hundreds of them
    markers = world_map.locator(".scattergeo .point")
    assert markers.count() >= 500, f"only {markers.count()} language markers on the map"
    assert "premium by language" in world_map.locator(".gtitle").text_content()

    page.screenshot(path=artifact_path("premiums"), full_page=True)
