"""The project's layout rules (DESIGN.md §1, §7): checked on the source tree, not by convention."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

#: app_pages/<file> -> tests/app/<its AppTest file>.
PAGE_TEST_FILES = {
    "1_Segmentations.py": "test_page_segmentations.py",
    "2_Language_premiums.py": "test_page_premiums.py",
    "3_Mixture_inference.py": "test_page_mixture.py",
    "4_Embedding_map.py": "test_page_embeddings.py",
}


def streamlit_imports(source: str, filename: str = "<source>") -> list[int]:
    """Line numbers where ``source`` imports streamlit (any form, including importlib calls).

    >>> streamlit_imports("import os\\nfrom streamlit import cache_data\\nimport streamlit.components.v1 as c")
    [2, 3]
    """
    lines = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            names = [str(node.args[0].value)] if called in {"import_module", "__import__"} else []
        else:
            continue
        if any(name == "streamlit" or name.startswith("streamlit.") for name in names):
            lines.append(node.lineno)
    return sorted(lines)


def expected_app_test(page_file: str) -> str:
    """The AppTest file name for a page file; unknown pages follow ``N_Title_words.py -> test_page_title_words.py``.

    >>> expected_app_test("2_Language_premiums.py")
    'test_page_premiums.py'
    >>> expected_app_test("7_Token_Lab.py")
    'test_page_token_lab.py'
    """
    if page_file in PAGE_TEST_FILES:
        return PAGE_TEST_FILES[page_file]
    slug = re.sub(r"^\d+_", "", Path(page_file).stem).lower()
    return f"test_page_{slug}.py"


def fenced_code_blocks(markdown: str) -> list[list[str]]:
    """The fenced code blocks (``` or ~~~) of a Markdown text, each as its list of lines.

    >>> fenced_code_blocks("intro\\n```bash\\n./run_tests.sh\\n```\\n`inline` is not a block\\n~~~\\na\\nb\\n~~~")
    [['./run_tests.sh'], ['a', 'b']]
    """
    blocks, current, fence = [], [], None
    for line in markdown.splitlines():
        marker = re.match(r"^\s*(```+|~~~+)", line)
        if fence is None:
            if marker:
                fence, current = marker.group(1), []
        elif marker and marker.group(1).startswith(fence):
            blocks.append(current)
            fence = None
        else:
            current.append(line)
    return blocks


LAUNCHES_APP = re.compile(r"\bstreamlit\s+run\b[^\n]*\bapp\.py\b")


def launches_the_app(command: str, repo_root: Path = REPO_ROOT) -> bool:
    """Whether a README command runs ``streamlit run app.py``, itself or through a repo script it calls.

    >>> launches_the_app("python -m streamlit run app.py")
    True
    >>> launches_the_app("pip install -r requirements.txt")
    False
    """
    if LAUNCHES_APP.search(command):
        return True
    for word in re.findall(r"[\w./-]+\.sh\b", command):
        script = repo_root / word.removeprefix("./")
        if script.is_file() and LAUNCHES_APP.search(script.read_text(encoding="utf-8")):
            return True
    return False


def test_streamlit_imports_are_detected_in_every_form():
    source = (
        "import streamlit as st\n"
        "from streamlit.testing.v1 import AppTest\n"
        "import importlib\n"
        "ui = importlib.import_module('streamlit')\n"
        "import streamlit_extras\n"  # another package, not streamlit
        "from . import streamlit\n"  # a relative module of ours, not the package
    )
    assert streamlit_imports(source) == [1, 2, 4]


def test_library_never_imports_streamlit_outside_ui():
    library = REPO_ROOT / "tokviz"
    sources = [path for path in library.rglob("*.py") if "ui" not in path.relative_to(library).parts[:1]]
    assert sources, "tokviz/ has no Python files"
    offenders = {
        str(path.relative_to(REPO_ROOT)): found
        for path in sources
        if (found := streamlit_imports(path.read_text(encoding="utf-8"), str(path)))
    }
    assert not offenders, f"streamlit imported outside tokviz/ui/ (file: lines): {offenders}"


def test_design_pages_exist():
    missing = [name for name in PAGE_TEST_FILES if not (REPO_ROOT / "app_pages" / name).is_file()]
    assert not missing, f"app_pages/ lacks the DESIGN.md pages {missing}"
    assert (REPO_ROOT / "app.py").is_file(), "app.py (the entry page) is missing"


def test_every_page_has_an_apptest_file():
    pages = sorted((REPO_ROOT / "app_pages").glob("*.py"))
    assert pages, "app_pages/ has no page files"
    problems = []
    for page in pages:
        test_file = REPO_ROOT / "tests" / "app" / expected_app_test(page.name)
        if not test_file.is_file():
            problems.append(f"{page.name}: no {test_file.relative_to(REPO_ROOT)}")
            continue
        text = test_file.read_text(encoding="utf-8")
        if "AppTest" not in text or page.name not in text:
            problems.append(f"{test_file.name} does not run {page.name} through AppTest")
    assert not problems, "; ".join(problems)


def test_readme_opens_with_the_two_setup_commands():
    readme = REPO_ROOT / "README.md"
    assert readme.is_file(), "README.md is missing"
    blocks = fenced_code_blocks(readme.read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "README.md should open with two fenced code blocks: launch the app, run the tests"
    app_block, test_block = ("\n".join(block) for block in blocks[:2])
    assert launches_the_app(app_block), (
        f"README's first command should launch the app with `streamlit run app.py`: {app_block!r}"
    )
    assert "run_tests.sh" in test_block, f"README's second command should run run_tests.sh: {test_block!r}"


@pytest.mark.parametrize("script", ["run_tests.sh", ".ci/run"])
def test_ci_scripts_are_valid_bash(script):
    path = REPO_ROOT / script
    assert path.is_file(), f"{script} is missing"
    assert path.read_text(encoding="utf-8").startswith("#!"), f"{script} has no shebang line"
    check = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, f"{script} has a bash syntax error: {check.stderr}"


def test_ci_runs_the_readme_test_command():
    assert "run_tests.sh" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_empty_cache_is_fresh_but_keeps_fetched_assets(empty_cache, tokviz_cache):
    from tokviz.cache import cache_dir

    assert cache_dir() == empty_cache != tokviz_cache
    assert sorted(path.name for path in empty_cache.iterdir()) == ["assets"]
    assert (empty_cache / "assets").resolve() == (tokviz_cache / "assets").resolve()
    assert cache_dir("assets").resolve() == (tokviz_cache / "assets").resolve()


def test_bare_cache_has_nothing(bare_cache):
    from tokviz.cache import cache_dir

    assert cache_dir() == bare_cache
    assert list(bare_cache.iterdir()) == []
