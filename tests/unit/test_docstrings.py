"""The `>>>` examples in tokviz's docstrings run and give what they show."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tokviz

MODULES = sorted(m.name for m in pkgutil.walk_packages(tokviz.__path__, "tokviz.")
                 if not m.name.startswith("tokviz.ui") and m.name != "tokviz.__main__")


@pytest.mark.parametrize("name", ["tokviz", *MODULES])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
