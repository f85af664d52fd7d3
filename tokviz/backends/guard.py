"""The one place where calls into the compiled backends are guarded.

tokenizers, tiktoken and sentencepiece run in Rust / C++. A Rust panic reaches Python as
``pyo3_runtime.PanicException``, a ``BaseException`` that ``except Exception`` does not catch (an
Onig regex over its retry limit, fancy-regex's stack on a 1,000,000-space run, ...). Every
TokenizerView subclass gets its backend methods (:data:`GUARDED_METHODS`, loading included)
wrapped here, once, by ``TokenizerView.__init_subclass__``: a panic or a ``RecursionError``
becomes a ``ValueError`` that says what to do. A view with a worker (an uploaded tokenizer,
see :mod:`tokviz.backends.isolation`) runs those methods in the worker instead.

>>> class Boom(BaseException):
...     pass
>>> Boom.__name__ = "PanicException"
>>> is_rust_panic(Boom()), is_rust_panic(ValueError())
(True, False)
"""
from __future__ import annotations

import functools

__all__ = ["GUARDED_METHODS", "is_rust_panic", "guard_class"]

#: The methods that call into a backend (``__init__`` loads the file).
GUARDED_METHODS = ("__init__", "_encode", "_encode_batch", "_encode_with_spans", "decode", "normalize",
                   "pretokenize", "_token_char_spans")


def is_rust_panic(error: BaseException) -> bool:
    """Whether ``error`` is pyo3's PanicException (its class is not importable by name)."""
    return type(error).__name__ == "PanicException"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


def _guarded(method_name: str, method):
    loading = method_name == "__init__"

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        worker = None if loading else self.__dict__.get("_worker")
        try:
            if worker is not None:
                return worker.call(method_name, args, kwargs)
            return method(self, *args, **kwargs)
        except RecursionError:
            what = "this tokenizer file" if loading else "this text"
            raise ValueError(f"{_name(self, args)}: {what} is nested too deeply to read (Python's recursion "
                             "limit); the file is damaged or hostile.") from None
        except BaseException as error:
            if not is_rust_panic(error):
                raise
            if loading:
                raise ValueError(f"{_name(self, args)}: the tokenizer library crashed while loading this file "
                                 f"({_first_line(error)}); the file is damaged or unsupported.") from None
            raise ValueError(
                f"{_name(self, args)}: the tokenizer library crashed on this text ({_first_line(error)}). "
                "Its split regex cannot handle it (e.g. a very long run of one character, or a regex that "
                "backtracks too much): shorten the text or break up the long run."
            ) from None

    call.__tokviz_guarded__ = True
    return call


def _name(view, args) -> str:
    name = view.__dict__.get("name")
    if name is None and args and isinstance(args[0], str):
        name = args[0]
    return str(name or "tokenizer")


def guard_class(cls) -> None:
    """Wrap the backend methods ``cls`` itself defines (each method is wrapped once)."""
    for method_name in GUARDED_METHODS:
        method = cls.__dict__.get(method_name)
        if callable(method) and not getattr(method, "__tokviz_guarded__", False):
            setattr(cls, method_name, _guarded(method_name, method))
