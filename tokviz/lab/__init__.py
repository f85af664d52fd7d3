"""The Tokenizer lab: train byte-level BPE tokenizers and see what their training choices cost.

``train_bpe(texts, vocab_size, method="bpe"|"parity"|"superbpe")`` returns a real
TokenizerView (a :class:`TrainedTokenizer`) with its ordered merges that saves as
``tokenizer.json``; ``bpe_steps(text, n)`` records the first merges one by one for the
step-through; :mod:`tokviz.lab.inference` cuts text with one vocabulary two ways (merge order
vs longest-prefix greedy); :mod:`tokviz.lab.evaluate` measures variants on held-out UDHR text.

Modules: ``engine`` (incremental pair counts), ``train`` (the three methods), ``export``
(pre-tokenization, tokenizer.json), ``steps``, ``inference``, ``evaluate`` (training texts,
premiums, the side-by-side table).
"""
from .export import TrainedTokenizer, TrainingInfo
from .train import MAX_VOCAB, METHOD_NAMES, METHODS, MIN_VOCAB, train_bpe

__all__ = ["train_bpe", "bpe_steps", "TrainedTokenizer", "TrainingInfo", "METHODS", "METHOD_NAMES", "MIN_VOCAB",
           "MAX_VOCAB"]


def __getattr__(name: str):
    if name == "bpe_steps":
        from .steps import bpe_steps

        return bpe_steps
    raise AttributeError(f"module 'tokviz.lab' has no attribute {name!r}")
