"""A controlled BPE trainer, as the paper's controlled tokenizers are made (tests and benchmarks only)."""
from __future__ import annotations

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def train_controlled_bpe(texts, num_merges: int, path) -> str:
    """Train an HF byte-level BPE as the paper's controlled tokenizers are made; return its path.

    Digits split individually, then the GPT-2 regex, then byte-level; ``texts`` is any iterable
    of strings (repeat a text to weight its category). Used by the exact-recovery test and
    ``bench/mixture_controlled.py``.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Split(Regex(GPT2_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=256 + num_merges, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.save(str(path))
    return str(path)


def train_controlled_sentencepiece_bpe(texts, num_merges: int, path) -> str:
    """Train an HF character-level BPE as SentencePiece BPE tokenizers are made; return its path.

    Metaspace pre-tokenizer (spaces become ``▁``, words start with it), merges over characters,
    no byte level: tokviz replays it with ``merge_units == "chars"`` like Llama 2 and Mistral 7B.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    texts = list(texts)
    alphabet = set().union(*map(set, texts)) - {" "} | {"\u2581"}
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=len(alphabet) + num_merges, show_progress=False,
                                  limit_alphabet=len(alphabet))
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.save(str(path))
    return str(path)
