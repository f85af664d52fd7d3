"""Look-ups in a vocabulary: a token by its text or id, and its nearest neighbours by cosine."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .properties import token_properties
from .sources import _CHUNK_ROWS, SourceLike, load_embeddings


def find_tokens(source: SourceLike, query: str | int) -> list[int]:
    """Token ids whose display text is ``query`` (also with a leading space / "▁"), or an id
    given as an int or as ``"#278"``. A text that is no vocabulary entry but encodes to exactly
    one token gives that token; otherwise the result is empty.

    >>> find_tokens("llama2", "the")[:2]
    [1552, 278]
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
    props = token_properties(source)
    tokens = props["token"]
    variants = {query, " " + query.lstrip(" "), query.strip(), "▁" + query.strip(), "Ġ" + query.strip()}
    hits = props.loc[tokens.isin(variants), "token_id"].to_numpy()
    exact = [int(i) for i in hits if tokens.iat[int(i)] == query]
    rest = [int(i) for i in hits if tokens.iat[int(i)] != query]
    found = exact + rest
    if not found and query.strip().isdigit():
        token_id = int(query.strip())
        if 0 <= token_id < count:
            return [token_id]
    if not found:
        ids = source.tokenizer.encode(query)
        if len(ids) == 1:
            return [int(ids[0])]
    return found


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
