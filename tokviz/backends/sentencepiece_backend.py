"""SentencePiece ``*.model`` files behind the TokenizerView (Mistral 7B, Mistral v3).

The model file is a protobuf; it is parsed by ``sentencepiece`` itself (nothing is ever
unpickled) and encoding runs in its C++ core. Spans come from SentencePiece's own byte
offsets into the original text, so the ``▁`` it prepends never shifts them.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

import numpy as np

from ..merges import merges_from_scores
from .base import TokenizerMeta, TokenizerView

__all__ = ["SentencePieceView"]

_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
# SentencePiece piece types (sentencepiece_model.proto)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


class SentencePieceView(TokenizerView):
    """A TokenizerView over ``sentencepiece.SentencePieceProcessor``."""

    merge_units = "chars"

    def __init__(self, name: str, model_bytes: bytes, *, display_name: str | None = None,
                 meta: TokenizerMeta | None = None, identity: str = ""):
        import sentencepiece as spm
        from sentencepiece import sentencepiece_model_pb2 as model_pb2

        proto = model_pb2.ModelProto()
        try:
            proto.ParseFromString(model_bytes)
        except Exception as error:
            raise ValueError(f"{name}: not a SentencePiece model (protobuf parse failed: {error})") from error
        from .formats import check_vocab_size

        check_vocab_size(len(proto.pieces), name)
        if not proto.pieces:
            raise ValueError(f"{name}: the SentencePiece model holds no pieces; is the file truncated?")
        try:
            self._sp = spm.SentencePieceProcessor(model_proto=model_bytes)
        except Exception as error:
            raise ValueError(f"{name}: sentencepiece could not load this model: {error}") from error
        self._proto = proto
        model_type = {1: "Unigram", 2: "BPE", 3: "word", 4: "char"}.get(proto.trainer_spec.model_type, "?")
        self._model_type = model_type
        meta = meta or TokenizerMeta()
        if meta.algorithm == "byte-level BPE":
            meta.algorithm = f"SentencePiece {model_type}" + (
                " with byte fallback" if proto.trainer_spec.byte_fallback else "")
        if meta.normalizer == "none":
            norm = proto.normalizer_spec
            words = [norm.name or "identity"]
            if norm.add_dummy_prefix:
                words.append("prepend ▁")
            words.append("spaces → ▁")
            if norm.remove_extra_whitespaces:
                words.append("collapse whitespace")
            meta.normalizer = ", ".join(words)
        if meta.pre_tokenizer == "none":
            spec = proto.trainer_spec
            words = ["pieces start at ▁ (whitespace)"]
            if spec.split_digits:
                words.append("digits split")
            if spec.split_by_unicode_script:
                words.append("split between scripts")
            meta.pre_tokenizer = ", ".join(words)
        size = self._sp.get_piece_size()
        specials = {p.piece: i for i, p in enumerate(proto.pieces) if p.type in (CONTROL, UNKNOWN, USER_DEFINED)
                    and i < size}
        super().__init__(name, display_name=display_name, meta=meta, identity=identity, special_tokens=specials)

    @property
    def vocab_size(self) -> int:
        return self._sp.get_piece_size()

    @property
    def processor(self):
        return self._sp

    def bos_ids(self) -> list[int]:
        return [self._sp.bos_id()] if self._sp.bos_id() >= 0 else []

    def eos_ids(self) -> list[int]:
        return []  # SentencePiece models add EOS only at the end of a finished turn

    def _encode(self, text: str) -> list[int]:
        return self._sp.encode(text)

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        return self._sp.encode(texts, num_threads=2)

    def decode(self, ids: Sequence[int]) -> str:
        return self._sp.decode(list(ids))

    def normalize(self, text: str) -> str:
        return self._sp.normalize(text) if hasattr(self._sp, "normalize") else text

    @cached_property
    def unknown_id(self) -> int:
        return self._sp.unk_id()

    def _build_vocab_bytes(self) -> list[bytes]:
        pieces = self._sp.id_to_piece(list(range(self.vocab_size)))
        table = []
        for piece in pieces:
            match = _BYTE_PIECE.match(piece)
            table.append(bytes([int(match.group(1), 16)]) if match else piece.replace("▁", " ").encode("utf-8"))
        return table

    @cached_property
    def _plain_prefix(self) -> int | None:
        """Bytes SentencePiece prepends (1 for the dummy ▁) when it otherwise keeps the text as is."""
        spec = self._proto.normalizer_spec
        if spec.name not in ("identity", "") or spec.remove_extra_whitespaces:
            return None
        return 1 if spec.add_dummy_prefix else 0

    def _encode_with_spans(self, text: str):
        ids = self._sp.encode(text)
        prefix = self._plain_prefix
        if ids and prefix is not None:
            lengths = self.token_byte_lengths[np.asarray(ids, dtype=np.int64)]
            if int(lengths.sum()) == len(text.encode("utf-8")) + prefix:
                lengths = lengths.copy()
                lengths[0] -= prefix  # the ▁ SentencePiece prepends is not a character of the text
                if lengths[0] >= 0:
                    from ..segment import char_offsets_from_byte_lengths

                    starts, ends = char_offsets_from_byte_lengths(text, lengths)
                    return ids, starts, ends
        starts, ends = self._token_char_spans(text, ids, None)
        return ids, starts, ends

    def _token_char_spans(self, text, ids, token_bytes):
        proto = self._sp.encode(text, return_type="proto")
        begins = np.fromiter((p.begin for p in proto.pieces), dtype=np.int64, count=len(proto.pieces))
        ends = np.fromiter((p.end for p in proto.pieces), dtype=np.int64, count=len(proto.pieces))
        raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        char_of_byte = np.append(np.cumsum((raw & 0xC0) != 0x80) - 1, len(text)) if raw.size else np.array([0])
        # byte-fallback pieces after the first carry an empty surface: give them the span of
        # the character their bytes belong to (the previous piece's span)
        empty = ends <= begins
        starts_char = char_of_byte[np.minimum(begins, raw.size)]
        ends_char = np.where(empty, starts_char, char_of_byte[np.maximum(ends - 1, 0)] + 1)
        if empty.any():
            for index in np.flatnonzero(empty):
                if index > 0:
                    starts_char[index] = starts_char[index - 1]
                    ends_char[index] = ends_char[index - 1]
        return starts_char, ends_char

    def merges(self) -> list[tuple[bytes, bytes]]:
        if self._model_type != "BPE":
            return super().merges()
        if getattr(self, "_merges", None) is None:
            pieces = [p.piece for p in self._proto.pieces]
            scores = [p.score for p in self._proto.pieces]
            types = [p.type for p in self._proto.pieces]
            self._merges = [
                (left.replace("▁", " ").encode("utf-8"), right.replace("▁", " ").encode("utf-8"))
                for left, right in merges_from_scores(pieces, scores, types)
            ]
        return self._merges

    def pretokenize(self, text: str) -> list[bytes]:
        import regex

        spec = self._proto.normalizer_spec
        normalized = text
        if spec.remove_extra_whitespaces:
            normalized = " ".join(normalized.split())
        if spec.add_dummy_prefix:
            normalized = " " + normalized
        # a space (▁) starts every piece, so pieces never cross one; split_digits cuts digits apart
        pattern = r" ?\p{N}| [^ \p{N}]*|[^ \p{N}]+" if self._proto.trainer_spec.split_digits else r" [^ ]*|[^ ]+"
        return [piece.encode("utf-8") for piece in regex.findall(pattern, normalized)]
