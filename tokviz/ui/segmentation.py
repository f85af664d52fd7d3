"""Cached calls and presets for the Segmentations page."""
from __future__ import annotations

import streamlit as st

from tokviz.segment import Segmentation
from tokviz.ui.common import load_tokenizer_cached

__all__ = ["PRESETS", "segment_cached", "count_explanations", "DEFAULT_SEGMENTATION_TOKENIZERS"]

#: four diverse tokenizers of the embedded default: OpenAI byte-level BPE, Llama 3's
#: 128k vocabulary, SentencePiece with byte fallback, and Qwen (NFC + single digits)
DEFAULT_SEGMENTATION_TOKENIZERS = ["o200k_base", "llama3", "mistral-7b", "qwen3"]

PRESETS: dict[str, str] = {
    "English prose": (
        "Tokenizers don't see words: they see pieces. The quick brown fox jumps over the lazy dog, "
        "but \"unbelievably\" may be one token or four, depending on who counts."
    ),
    "Python code": (
        "def fibonacci(n: int) -> list[int]:\n"
        "    \"\"\"Return the first n Fibonacci numbers.\"\"\"\n"
        "    sequence = [0, 1]\n"
        "    while len(sequence) < n:\n"
        "        sequence.append(sequence[-1] + sequence[-2])\n"
        "    return sequence[:n]\n"
    ),
    "Numbers and dates": (
        "On 2024-03-15 at 09:41, invoice #1234567 came to $98,765.43 (3.14159% up from 2023). "
        "Call +1-555-0100 before 31/12/2025."
    ),
    "Emoji and ZWJ sequences": (
        "Family: 👨‍👩‍👧‍👦 facepalm: 🤦🏼‍♂️ flags: 🇺🇳 🏳️‍🌈 keycap: 1️⃣ hearts: ❤️🧡💛 "
        "combining: e\u0301 vs é"
    ),
    "Multilingual paragraph": (
        "Hello! Bonjour ! ¡Hola! Привет! Γειά σου! مرحبا! שלום! नमस्ते! こんにちは！ 你好！ 안녕하세요! "
        "ሰላም! สวัสดี! Xin chào! Merhaba! ສະບາຍດີ! ဟယ်လို!"
    ),
}


@st.cache_data(show_spinner=False, max_entries=256)
def segment_cached(spec: str, text: str, add_special_tokens: bool = False) -> Segmentation:
    """``load_tokenizer(spec).segment(text)``, cached by (spec, text, add_special_tokens)."""
    return load_tokenizer_cached(spec).segment(text, add_special_tokens=add_special_tokens)


@st.cache_data(show_spinner=False, max_entries=256)
def count_explanations(spec: str, text: str) -> list[str]:
    """Reasons a count here may differ from an API's or a model's, for this text and tokenizer."""
    tokenizer = load_tokenizer_cached(spec)
    reasons: list[str] = []
    bos, eos = tokenizer.bos_ids(), tokenizer.eos_ids()
    if bos or eos:
        names = [tokenizer.token_text(i) for i in bos + eos]
        reasons.append(f"The model adds {len(bos) + len(eos)} special token(s) around a prompt "
                       f"({', '.join(names)}); tick 'Add special tokens' to count them.")
    present = [s for s in tokenizer.special_tokens if len(s) > 2 and s in text]
    if present:
        as_special = [s for s in present if tokenizer.special_tokens[s] in tokenizer.encode(s)]
        if as_special:
            reasons.append(f"The text contains special-token strings ({', '.join(as_special[:5])}) that this "
                           "tokenizer's backend turns into single special tokens even in plain text (HF tokenizers "
                           "always splits added tokens out); an API that escapes user text would count more.")
        else:
            reasons.append(f"The text contains special-token strings ({', '.join(present[:5])}); they are encoded "
                           "as ordinary text, as APIs do for user content, so they cost several tokens here.")
    normalized = tokenizer.normalize(text)
    if normalized != text and tokenizer.meta.normalizer not in ("none", ""):
        reasons.append(f"This tokenizer normalizes first ({tokenizer.meta.normalizer}); the text changes "
                       "under it, so characters and bytes here refer to your text, tokens to the normalized one.")
    if "\r\n" in text:
        reasons.append("The text has Windows line ends (\\r\\n); many apps send \\n only, which can count differently.")
    reasons.append("Chat models wrap each message in a chat template (role headers, separators): a chat API "
                   "bills those tokens too; tokviz counts the raw text only.")
    if tokenizer.meta.algorithm.startswith("SentencePiece") or "Metaspace" in tokenizer.meta.pre_tokenizer:
        reasons.append("SentencePiece prepends a space (▁) to the text, so the first word is counted as if it "
                       "followed a space.")
    return reasons


@st.cache_data(show_spinner=False)
def udhr_choices() -> dict[str, str]:
    """UDHR code -> English name, for the "UDHR article" preset."""
    from tokviz.corpora import udhr_languages

    languages = udhr_languages()
    return dict(zip(languages["code"], languages["name"]))


@st.cache_data(show_spinner=False, max_entries=512)
def udhr_preset_text(code: str, article: str) -> str:
    from tokviz.corpora import udhr_article

    try:
        return udhr_article(code, article)
    except ValueError as error:  # a language without that article
        return f"({error})"


@st.cache_data(show_spinner=False, max_entries=256)
def undertrained_badges(spec: str, ids: tuple[int, ...]) -> list[str]:
    """Display strings of likely under-trained tokens among ``ids`` (tokenizers with an embedding map)."""
    from tokviz import embeddings

    source = embeddings.embedding_for_tokenizer(spec)
    if source is None:
        return []
    flagged = embeddings.undertrained_in_text(source, list(ids))
    return [row["token"] if isinstance(row, dict) else str(row) for row in flagged]
