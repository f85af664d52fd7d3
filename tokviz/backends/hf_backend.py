"""HF ``tokenizers`` (tokenizer.json) behind the TokenizerView.

Covers byte-level BPE (DeepSeek, SmolLM2, GPT-2 style), SentencePiece-style BPE exported to
tokenizer.json (Llama 2, Gemma: Metaspace + byte fallback) and WordPiece (BERT). Encoding
runs in Rust; per-id raw bytes are derived once from the vocabulary and the decoder type.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cached_property, lru_cache

import numpy as np

from ..segment import char_offsets_from_byte_lengths
from .base import TokenizerMeta, TokenizerView

__all__ = ["HFTokenizerView", "gpt2_byte_decoder", "describe_component"]


@lru_cache(maxsize=1)
def gpt2_byte_decoder() -> dict[str, int]:
    """GPT-2's printable stand-in characters -> the bytes they represent (Ġ -> 0x20)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(
        range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars, strict=True)}


_BYTE_FALLBACK = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


def _component_types(node) -> list[str]:
    if not node:
        return []
    if node.get("type") == "Sequence":
        children = node.get("normalizers") or node.get("pretokenizers") or node.get("decoders") or []
        return [t for child in children for t in _component_types(child)]
    return [node.get("type", "?")]


def describe_component(node) -> str:
    """A tokenizer.json normalizer/pre-tokenizer in words: {'type': 'NFC'} -> 'NFC'."""
    if not node:
        return "none"
    if node.get("type") == "Sequence":
        children = node.get("normalizers") or node.get("pretokenizers") or []
        return " → ".join(describe_component(c) for c in children) or "none"
    kind = node.get("type", "?")
    if kind == "Split":
        pattern = (node.get("pattern") or {})
        return "regex split" if "Regex" in pattern else f"split on {pattern.get('String')!r}"
    if kind == "Replace":
        pattern = (node.get("pattern") or {}).get("String", "?")
        return f"replace {pattern!r} with {node.get('content')!r}"
    if kind == "Prepend":
        return f"prepend {node.get('prepend')!r}"
    if kind == "ByteLevel":
        return "byte-level (GPT-2 regex)" if node.get("use_regex", True) else "byte-level"
    if kind == "Digits":
        return "split digits" + (" individually" if node.get("individual_digits") else "")
    if kind == "BertNormalizer":
        parts = ["BERT: clean text"]
        if node.get("lowercase"):
            parts.append("lowercase")
        if node.get("strip_accents") or (node.get("strip_accents") is None and node.get("lowercase")):
            parts.append("strip accents")
        if node.get("handle_chinese_chars"):
            parts.append("space around CJK")
        return ", ".join(parts)
    if kind == "BertPreTokenizer":
        return "split on whitespace and punctuation"
    if kind == "Metaspace":
        return f"spaces → {node.get('replacement', '▁')} (SentencePiece style)"
    return kind


class HFTokenizerView(TokenizerView):
    """A TokenizerView over ``tokenizers.Tokenizer`` built from a tokenizer.json string."""

    def __init__(self, name: str, tokenizer_json: str, *, display_name: str | None = None,
                 meta: TokenizerMeta | None = None, identity: str = "", bos: Sequence[str] = (),
                 eos: Sequence[str] = ()):
        from tokenizers import Tokenizer

        try:
            spec = json.loads(tokenizer_json)
        except json.JSONDecodeError as error:
            raise ValueError(f"{name}: not a valid tokenizer.json ({error.msg} at line {error.lineno})") from error
        if not isinstance(spec, dict) or not isinstance(spec.get("model"), dict):
            raise ValueError(f"{name}: not a tokenizer.json: it has no 'model' section")
        from .formats import check_vocab_size

        check_vocab_size(len(spec["model"].get("vocab") or ()) + len(spec.get("added_tokens") or ()), name)
        try:
            self._tokenizer = Tokenizer.from_str(tokenizer_json)
        except Exception as error:
            raise ValueError(f"{name}: HF tokenizers could not load this tokenizer.json: {error}") from error
        # a tokenizer.json may carry padding/truncation settings (BERT exports pad to 128): a
        # view of the tokenizer shows the text's own tokens, never pads or cuts them
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._spec = spec
        model = spec["model"]
        self._model_type = model.get("type") or ("BPE" if "merges" in model else "?")
        specials = {t["content"]: int(t["id"]) for t in spec.get("added_tokens") or [] if t.get("special")}
        meta = meta or TokenizerMeta()
        if meta.algorithm == "byte-level BPE" and not self.is_byte_level:
            meta.algorithm = {"BPE": "SentencePiece-style BPE" if model.get("byte_fallback") else "BPE",
                              "WordPiece": "WordPiece", "Unigram": "Unigram", "WordLevel": "word-level"}.get(
                self._model_type, self._model_type)
        if meta.normalizer == "none":
            meta.normalizer = describe_component(spec.get("normalizer"))
        if meta.pre_tokenizer == "none":
            meta.pre_tokenizer = describe_component(spec.get("pre_tokenizer"))
        super().__init__(name, display_name=display_name, meta=meta, identity=identity, special_tokens=specials)
        self._bos = [self._tokenizer.token_to_id(t) for t in bos if self._tokenizer.token_to_id(t) is not None]
        self._eos = [self._tokenizer.token_to_id(t) for t in eos if self._tokenizer.token_to_id(t) is not None]
        self.merge_units = "bytes" if self.is_byte_level else "chars"

    # ---- facts ----------------------------------------------------------------------------
    @cached_property
    def is_byte_level(self) -> bool:
        kinds = _component_types(self._spec.get("pre_tokenizer")) + _component_types(self._spec.get("decoder"))
        return "ByteLevel" in kinds

    @property
    def model_type(self) -> str:
        return self._model_type

    @property
    def backend(self):
        """The underlying ``tokenizers.Tokenizer``."""
        return self._tokenizer

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def bos_ids(self) -> list[int]:
        return list(self._bos)

    def eos_ids(self) -> list[int]:
        return list(self._eos)

    # ---- encode / decode ------------------------------------------------------------------
    # Tokenizer.encode holds the GIL for the whole call (every other session of the server waits);
    # encode_batch releases it, so single texts go through a batch of one.
    def _encode(self, text: str) -> list[int]:
        return self._tokenizer.encode_batch_fast([text], add_special_tokens=False)[0].ids

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self._tokenizer.encode_batch_fast(texts, add_special_tokens=False)]

    def decode(self, ids: Sequence[int]) -> str:
        return self._tokenizer.decode(list(ids), skip_special_tokens=False)

    def normalize(self, text: str) -> str:
        normalizer = self._tokenizer.normalizer
        return normalizer.normalize_str(text) if normalizer is not None else text

    # ---- per-id bytes -----------------------------------------------------------------------
    def _build_vocab_bytes(self) -> list[bytes]:
        size = self.vocab_size
        table = [b""] * size
        vocab = self._tokenizer.get_vocab(with_added_tokens=True)
        added = {t["content"] for t in self._spec.get("added_tokens") or []}
        byte_decoder = gpt2_byte_decoder() if self.is_byte_level else None
        wordpiece_prefix = (self._spec.get("model") or {}).get("continuing_subword_prefix") or "##"
        is_wordpiece = self._model_type == "WordPiece"
        for piece, token_id in vocab.items():
            if not 0 <= token_id < size:
                continue
            if piece in added:
                table[token_id] = piece.encode("utf-8")
            elif byte_decoder is not None:
                try:
                    table[token_id] = bytes(byte_decoder[c] for c in piece)
                except KeyError:
                    table[token_id] = piece.encode("utf-8")
            else:
                match = _BYTE_FALLBACK.match(piece)
                if match:
                    table[token_id] = bytes([int(match.group(1), 16)])
                elif is_wordpiece and piece.startswith(wordpiece_prefix):
                    table[token_id] = piece[len(wordpiece_prefix):].encode("utf-8")
                else:
                    table[token_id] = piece.replace("▁", " ").encode("utf-8")
        return table

    @cached_property
    def _bytes_tile_text(self) -> bool:
        """True when token bytes spell the input exactly (byte-level, no normalizer that changes text)."""
        probe = "Ａe\u0301A ß\tx"
        return self.is_byte_level and self.normalize(probe) == probe

    def _encode_with_spans(self, text: str):
        encoding = self._tokenizer.encode_batch([text], add_special_tokens=False)[0]
        ids = encoding.ids
        if self._bytes_tile_text and ids:
            lengths = self.token_byte_lengths[np.asarray(ids, dtype=np.int64)]
            if int(lengths.sum()) == len(text.encode("utf-8")):
                starts, ends = char_offsets_from_byte_lengths(text, lengths)
                return ids, starts, ends
        # otherwise HF's own offsets, which it tracks through normalizers (Metaspace prefix,
        # lowercasing, NFKC, ...)
        offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
        return ids, offsets[:, 0], offsets[:, 1]

    # ---- BPE ---------------------------------------------------------------------------------
    def _piece_bytes(self, piece: str) -> bytes:
        if self.is_byte_level:
            decoder = gpt2_byte_decoder()
            try:
                return bytes(decoder[c] for c in piece)
            except KeyError:
                return piece.encode("utf-8")
        match = _BYTE_FALLBACK.match(piece)
        if match:
            return bytes([int(match.group(1), 16)])
        return piece.replace("▁", " ").encode("utf-8")

    def merges(self) -> list[tuple[bytes, bytes]]:
        if self._model_type != "BPE":
            return super().merges()
        if getattr(self, "_merges", None) is None:
            raw = self._spec["model"].get("merges") or []
            pairs = []
            decoder = gpt2_byte_decoder() if self.is_byte_level else None
            for merge in raw:
                left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
                if decoder is not None:
                    try:
                        pairs.append((bytes(decoder[c] for c in left), bytes(decoder[c] for c in right)))
                        continue
                    except KeyError:
                        pass
                pairs.append((self._piece_bytes(left), self._piece_bytes(right)))
            results = [left + right for left, right in pairs]
            if len(set(results)) == len(results):
                self._merges = pairs
            else:
                # SentencePiece exports list every derivation of a piece (Llama 2: 61k merges for
                # 32k pieces); keep, per piece, the one a replay of the merges before it meets
                from ..merges import derive_merges

                options: dict[str, list[tuple[str, str]]] = {}
                for left, right in pairs:
                    options.setdefault((left + right).decode("utf-8", "surrogateescape"), []).append(
                        (left.decode("utf-8", "surrogateescape"), right.decode("utf-8", "surrogateescape")))
                derived = derive_merges(list(options), list(options.values()))
                self._merges = [(left.encode("utf-8", "surrogateescape"), right.encode("utf-8", "surrogateescape"))
                                for left, right in derived]
        return self._merges

    def pretokenize(self, text: str) -> list[bytes]:
        normalized = self.normalize(text)
        pre_tokenizer = self._tokenizer.pre_tokenizer
        if pre_tokenizer is None and not self.is_byte_level:
            # SentencePiece-style (Llama 2, Gemma): pieces never cross a ▁, which starts each one
            import regex

            pieces = regex.findall(r"▁[^▁]*|[^▁]+", normalized)
        elif pre_tokenizer is None:
            pieces = [normalized]
        else:
            pieces = [piece for piece, _ in pre_tokenizer.pre_tokenize_str(normalized)]
        return [self._piece_bytes(piece) for piece in pieces]
