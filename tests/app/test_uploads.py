"""The shared upload path of every page (tokviz.ui.common): hostile file names show as plain text,
a name with "::" cannot be mistaken for a path::regex spec, and the deployment config agrees with
the library's upload cap. Uploads are handed in as small stand-ins for Streamlit's UploadedFile
(AppTest cannot drive a file_uploader)."""
from __future__ import annotations

from pathlib import Path

import tomllib
from streamlit.testing.v1 import AppTest

from tests.helpers import word_tokenizer

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_NAME = '<img src=x onerror="alert(1)">[log in again](https://evil.example).json'


def _upload_page() -> None:  # an AppTest script: runs in its own namespace
    import streamlit as st

    from tokviz.ui.common import load_tokenizer_cached, upload_specs

    class Upload:
        def __init__(self, name: str, data: bytes):
            self.name, self._data, self.size = name, data, len(data)

        def getvalue(self) -> bytes:
            return self._data

    specs = upload_specs([Upload(name, data) for name, data in st.session_state["uploads"]])
    st.session_state["specs"] = specs
    st.session_state["ids"] = [load_tokenizer_cached(spec).encode("w1 w3") for spec in specs]


def run_uploads(uploads: list[tuple[str, bytes]]) -> AppTest:
    at = AppTest.from_function(_upload_page, default_timeout=120)
    at.session_state["uploads"] = uploads
    return at.run()


def test_a_hostile_file_name_is_shown_as_text():
    at = run_uploads([(HOSTILE_NAME, b"not a tokenizer")])
    assert not at.exception
    (message,) = [element.value for element in at.error]
    assert "\\<img src\\=x" in message and "\\[log in again\\]\\(https\\:" in message
    assert "<img" not in message.replace("\\<img", "") and "](" not in message


def test_a_file_named_with_double_colons_is_one_upload(tmp_path):
    data = Path(word_tokenizer(tmp_path / "tokenizer.json", 5)).read_bytes()
    at = run_uploads([("my::tok.json", data)])
    assert not at.exception and not at.error
    (spec,) = at.session_state["specs"]
    assert spec.endswith("my_tok.json") and "::" not in spec
    assert at.session_state["ids"] == [[1, 3]]  # it loads, in its worker


def test_the_deployment_config_matches_the_upload_cap():
    from tokviz.ui.common import MAX_UPLOAD_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES
    assert config["server"]["headless"] is True and config["browser"]["gatherUsageStats"] is False


def test_the_deployment_config_turns_off_the_full_collection_after_every_run():
    """Streamlit's hidden runner.postScriptGC ran gc.collect(2) after every script run, ~0.5 s holding the GIL
    with the tokenizers loaded, so each visitor's rerun stalled every other one (issue 10, many users).
    Streamlit itself must read the option from the project's config (a misspelt option would be ignored)."""
    import subprocess
    import sys

    read = "from streamlit import config; config.get_config_options(); print(config.get_option('runner.postScriptGC'))"
    shown = subprocess.run([sys.executable, "-c", read], cwd=ROOT, capture_output=True, text=True, timeout=120,
                           check=True).stdout
    assert shown.strip() == "False"
