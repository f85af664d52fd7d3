"""tokviz: explore real tokenizers side by side.

This is the public API; the names below are re-exported explicitly and kept stable.

>>> import tokviz
>>> tok = tokviz.load_tokenizer("cl100k_base")
>>> [t.text for t in tok.segment("tokviz shows tokens").tokens]
['tok', 'viz', ' shows', ' tokens']
"""
from .backends.base import MergeStep, TokenizerMeta, TokenizerView
from .catalog import DEFAULT_TOKENIZERS, TokenizerInfo, available_tokenizers, load_tokenizer
from .segment import Segmentation, Token

__all__ = [
    "available_tokenizers",
    "load_tokenizer",
    "DEFAULT_TOKENIZERS",
    "TokenizerInfo",
    "TokenizerView",
    "TokenizerMeta",
    "MergeStep",
    "Segmentation",
    "Token",
]
__version__ = "0.1.0"

#: Capability modules reachable as ``tokviz.<name>`` after a bare ``import tokviz`` (imported on
#: first use, so ``import tokviz`` stays light): ``tokviz.premiums.token_premiums(...)``.
_LAZY_SUBMODULES = {"corpora", "premiums", "mixture", "embeddings", "merges", "assets", "catalog", "lab"}


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'tokviz' has no attribute {name!r}")
