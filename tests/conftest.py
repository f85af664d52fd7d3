"""Fixtures shared by every test: repo paths and an isolated tokviz cache dir.

The cache dir (``$TOKVIZ_CACHE``) is chosen once per session, before any test runs:

* when the caller already set ``TOKVIZ_CACHE`` (``.ci/run`` does, and ``python -m tokviz fetch``
  put the fetched assets there), it is kept as it is;
* otherwise (``./run_tests.sh`` on a developer's machine) the session gets a fresh dir under
  pytest's tmp dir, so tests never read or write the user's own cache; the user's fetched assets
  (``<user cache>/assets``, where the fetch put them) are linked into it, so tests of fetched
  tokenizers still find them.

Tests that need an empty cache (cold-start behaviour, "fetch to use" messages) take the
``empty_cache`` fixture: a brand-new cache dir for that one test, with the session's assets
still reachable. ``bare_cache`` is the same without the assets.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Sub-folder of the cache dir that holds fetched tokenizer/embedding files (``cache_dir("assets")``).
ASSETS_DIRNAME = "assets"

REPO_ROOT = Path(__file__).resolve().parents[1]


def _user_cache_root() -> Path:
    """Where tokviz caches when ``TOKVIZ_CACHE`` is unset (same rule as ``tokviz.cache``)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("tokviz"))


def _link_assets(source_cache: Path, target_cache: Path, *, create_source: bool = True) -> None:
    """Make ``target_cache/assets`` a link to ``source_cache/assets``.

    With ``create_source=False`` nothing is linked when the source has no assets dir (so the
    user's own cache is never written to).
    """
    source_assets = source_cache / ASSETS_DIRNAME
    target_cache.mkdir(parents=True, exist_ok=True)
    if not source_assets.is_dir():
        if not create_source:
            return
        source_assets.mkdir(parents=True, exist_ok=True)
    link = target_cache / ASSETS_DIRNAME
    if not link.exists() and not link.is_symlink():
        link.symlink_to(source_assets, target_is_directory=True)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The project root (the folder holding app.py, app_pages/, tokviz/)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir(repo_root: Path) -> Path:
    """The read-only ``shared/`` folder beside the repo (DESIGN.md, flores200/, reference/)."""
    return repo_root.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def tokviz_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's cache dir: the caller's ``$TOKVIZ_CACHE`` or a fresh one under tmp."""
    preset = os.environ.get("TOKVIZ_CACHE")
    if preset:
        path = Path(preset).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = tmp_path_factory.mktemp("tokviz-cache")
    _link_assets(_user_cache_root(), path, create_source=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOKVIZ_CACHE", str(path))
        yield path


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tokviz_cache: Path) -> Path:
    """A new, empty ``$TOKVIZ_CACHE`` for one test; the session's fetched assets stay reachable.

    Only ``assets/`` is linked (to the session cache's ``assets/``); every other result the
    test computes lands in the new dir, so a cold start can be observed.
    """
    path = tmp_path / "empty-tokviz-cache"
    _link_assets(tokviz_cache, path)
    monkeypatch.setenv("TOKVIZ_CACHE", str(path))
    return path


@pytest.fixture
def bare_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new ``$TOKVIZ_CACHE`` with nothing in it, not even fetched assets."""
    path = tmp_path / "bare-tokviz-cache"
    path.mkdir()
    monkeypatch.setenv("TOKVIZ_CACHE", str(path))
    return path
