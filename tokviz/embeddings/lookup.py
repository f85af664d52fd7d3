"""Look-ups in a vocabulary: a token by its text or id, and its nearest neighbours by cosine."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .properties import token_properties
from .sources import _CHUNK_ROWS, SourceLike, load_embeddings

_WORD_START_MARKS = " ▁Ġ"  # how vocabularies write "this token starts a word"


def find_tokens(source: SourceLike, query: str | int) -> list[int]:
    """Token ids for a search: the forms of the word ``query``, the best first, or an id given as
    an int or as ``"#278"``.

    The order is the one a person searching a word expects (see :func:`rank_forms`): the
    word-start form (``" king"``, the token a model reads for the word in running text) first,
    then the text exactly as typed (the sub-word piece ``"king"``), then the other forms that
    differ only in a leading space/"▁" or in case (``" King"``, ``"King"``). A text that is no
    vocabulary entry but encodes to exactly one token gives that token; otherwise the result is
    empty.

    >>> find_tokens("llama2", "the")[:2]
    [278, 1552]
    >>> find_tokens("llama2", "#278")
    [278]
    """
    source = load_embeddings(source)
    count = source.token_count
    if isinstance(query, (int, np.integer)):
        token_id = int(query)
        if not 0 <= token_id < count:
            raise ValueError(f"Token id {token_id} is outside 0..{count - 1}.")
        return [token_id]
    if not isinstance(query, str) or not query:
        raise ValueError("Type a token (e.g. 'the') or a token id (e.g. '#278').")
    if re.fullmatch(r"#\d+", query.strip()):
        return find_tokens(source, int(query.strip()[1:]))
    found = rank_forms(token_properties(source)["token"], query)
    if not found and query.strip().isdigit():
        token_id = int(query.strip())
        if 0 <= token_id < count:
            return [token_id]
    if not found:
        ids = source.tokenizer.encode(query)
        if len(ids) == 1:
            return [int(ids[0])]
    return found


def rank_forms(tokens: pd.Series, query: str) -> list[int]:
    """Positions in ``tokens`` (display texts, position = token id) of the forms of ``query``, best first.

    Ranks: 0 the word-start form in the case typed (" king"), 1 the text exactly as typed
    ("king", or " king" when typed with its space), 2 other exact-case forms ("▁king"), 3 other
    case forms that start a word (" King"), 4 the rest (" KING" before "King" only by id). Ties go
    to the lower id (in BPE, the earlier merge: the more frequent form).

    >>> rank_forms(pd.Series(["king", " King", "x", " king", "KING"]), "king")
    [3, 0, 1, 4]
    """
    word = query.strip()
    if not word:
        return []
    texts = tokens.astype(str)
    bare = texts.str.lstrip(_WORD_START_MARKS).str.rstrip()
    candidates = np.flatnonzero((bare.str.lower() == word.lower()).to_numpy())
    if not len(candidates):
        return []
    shown = texts.iloc[candidates].to_numpy()
    starts_word = np.array([text[:1] in _WORD_START_MARKS for text in shown], dtype=bool)
    same_case = bare.iloc[candidates].to_numpy() == word
    rank = np.full(len(candidates), 4)
    rank[~same_case & starts_word] = 3
    rank[same_case] = 2
    rank[shown == query] = 1
    rank[same_case & (shown == " " + word)] = 0
    order = np.lexsort((candidates, rank))
    return [int(i) for i in candidates[order]]


def nearest(source: SourceLike, token: str | int, k: int = 10) -> pd.DataFrame:
    """The ``k`` tokens closest to ``token`` by cosine similarity in the full embedding space.

    ``token`` is an id or a token text (see :func:`find_tokens`). Columns: token_id, token,
    similarity (the query itself excluded).

    >>> nearest("llama2", " king", k=3).token.tolist()  # doctest: +SKIP
    [' queen', ' King', ' kings']
    """
    source = load_embeddings(source)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= 1000:
        raise ValueError(f"k must be an integer from 1 to 1000, not {k!r}.")
    ids = find_tokens(source, token)
    if not ids:
        raise ValueError(f"{token!r} is not a single token of {source.tokenizer.name}; "
                         f"it encodes to {len(source.tokenizer.encode(str(token)))} tokens. Pick one of them.")
    query_id = ids[0]
    count = source.token_count
    matrix = source.matrix[:count]
    norms = np.maximum(source.norms[:count], 1e-12)
    query = matrix[query_id] / norms[query_id]
    similarity = np.empty(count, dtype=np.float32)
    for start in range(0, count, _CHUNK_ROWS):
        block = matrix[start:start + _CHUNK_ROWS]
        similarity[start:start + len(block)] = (block @ query) / norms[start:start + len(block)]
    similarity[query_id] = -np.inf
    k = min(int(k), count - 1)
    top = np.argpartition(-similarity, k)[:k]
    top = top[np.argsort(-similarity[top], kind="stable")]
    tok = source.tokenizer
    return pd.DataFrame({
        "token_id": top.astype(np.int64),
        "token": [tok.token_text(int(i)) for i in top],
        "similarity": similarity[top].astype(np.float32),
    }).assign(query_id=query_id)
