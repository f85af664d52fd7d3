"""Small builders shared by several test files."""
from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers

PAGES = Path(__file__).resolve().parents[1] / "app_pages"


def word_tokenizer(path: Path, size: int) -> str:
    """A WordLevel tokenizer.json with ids 0..size-1 ("[UNK]", "w1", "w2", ...); returns its path."""
    vocab = {"[UNK]": 0, **{f"w{i}": i for i in range(1, size)}}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(path))
    return str(path)


def run_page(page: str, timeout: float, query: dict | None = None, state: dict | None = None):
    """Run one page (file name under app_pages/) in streamlit's AppTest with URL query parameters and
    session state set first; returns the AppTest after its first run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGES / page), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()
