"""The public entry point of mixture inference: ``infer_mixture`` (samples -> shares)."""
from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from ..progress import Progress, report, stage
from .counting import MIN_SAMPLE_BYTES, FileSample, count_categories, open_samples, sample_digest, sample_size
from .lp import MixtureSolution, solve_mixture
from .replay import Replay, replay_merges

__all__ = ["infer_mixture", "merge_timeline"]

#: The slice of the progress bar each stage takes.
_STAGES = {"counting": (0.0, 0.25, "Counting"), "replay": (0.25, 0.45, "Replay"), "lp": (0.45, 1.0, "LP")}


def _stage(progress: Progress | None, name: str) -> Progress | None:
    start, end, label = _STAGES[name]
    return stage(progress, start, end, label)


# ---- the public entry point --------------------------------------------------------------------
def _resolve_tokenizer(tokenizer):
    if hasattr(tokenizer, "pretokenize") and hasattr(tokenizer, "merges"):
        return tokenizer
    import tokviz

    return tokviz.load_tokenizer(tokenizer)


def _tokenizer_merges(tokenizer, num_merges: int | None) -> list[tuple[bytes, bytes]]:
    try:
        merges = list(tokenizer.merges())
    except ValueError as exc:
        raise ValueError(
            f"Mixture inference needs a BPE merge list: {exc}"
        ) from None
    if not merges:
        raise ValueError(f"{tokenizer.name} has an empty merge list; mixture inference needs a BPE tokenizer.")
    if num_merges is not None:
        if int(num_merges) < 1:
            raise ValueError(f"num_merges must be at least 1 (got {num_merges}); use None for all merges.")
        merges = merges[: int(num_merges)]
    return merges


def _replay_cached(tokenizer, texts: dict[str, str | FileSample], merges, progress: Progress | None,
                   scheduler=None, spec=None) -> tuple[Replay, dict]:
    from ..cache import disk_cached_arrays, stable_hash

    seconds: dict[str, float] = {}
    key = {
        "v": 1,
        "tokenizer": getattr(tokenizer, "identity", "") or tokenizer.name,
        "name": tokenizer.name,
        "merges": stable_hash(b"".join(a + b"\x00" + b + b"\x01" for a, b in merges)),
        "units": getattr(tokenizer, "merge_units", "bytes"),
        "samples": {c: stable_hash(t) if isinstance(t, str) else sample_digest(t) for c, t in texts.items()},
    }
    hit = {"computed": False}

    def compute() -> dict[str, np.ndarray]:
        hit["computed"] = True
        started = time.perf_counter()
        counters = count_categories(tokenizer if scheduler is None else spec or tokenizer, texts,
                                    _stage(progress, "counting"), scheduler=scheduler)
        seconds["counting"] = time.perf_counter() - started
        report(_stage(progress, "replay"), 0.0, f"Replaying {len(merges):,} merges over {len(texts)} categories")
        replay = replay_merges(counters, merges, getattr(tokenizer, "merge_units", "bytes"))
        seconds["replay"] = replay.seconds["replay"]
        return replay.to_arrays()

    arrays = disk_cached_arrays("mixture-replay", key, compute)
    if not hit["computed"]:
        seconds["cache"] = 0.0
    return Replay.from_arrays(arrays, merges), seconds


def merge_timeline(replay: Replay, alpha: np.ndarray | None = None, first: int = 60) -> pd.DataFrame:
    """For the first merges: how much each category held of the merged pair when it was chosen.

    Columns: ``step``, ``merge`` (display text), one column per category with that category's
    share of the (alpha-weighted, normalised) count, and ``top`` (the category it most likely
    came from).
    """
    from ..segment import display_text

    n = min(first, replay.num_merges)
    totals = np.where(replay.pair_totals > 0, replay.pair_totals, 1.0)
    weights = np.ones(len(replay.categories)) if alpha is None else np.asarray(alpha, dtype=float)
    contribution = replay.merge_counts[:n] / totals * weights
    sums = contribution.sum(axis=1, keepdims=True)
    share = np.divide(contribution, sums, out=np.zeros_like(contribution), where=sums > 0)
    frame = pd.DataFrame(share, columns=replay.categories)
    frame.insert(0, "merge", [f"{display_text(a)} + {display_text(b)}" for a, b in replay.merges[:n]])
    frame.insert(0, "step", np.arange(n))
    tops = zip(share.argmax(axis=1), sums[:, 0], strict=True)
    frame["top"] = [replay.categories[i] if s > 0 else "" for i, s in tops]
    return frame


def infer_mixture(tokenizer, samples, num_merges: int | None = None, unit: str = "bytes",  # long: docstring
                  progress: Progress | None = None, max_rounds: int = 100,
                  max_seconds: float = 180.0, skip_merges: int = 0, lp_options: dict | None = None,
                  base=None, scheduler=None) -> pd.Series:
    """Infer the category proportions of a BPE tokenizer's training data from its merge order.

    Parameters
    ----------
    tokenizer : str, path or TokenizerView
        Anything ``tokviz.load_tokenizer`` accepts (catalog name, tokenizer.json path, ...).
    samples : dict or folder
        ``{category: text, file or folder}`` or a folder of ``<category>.txt``; about 1 MB per
        category is a good size, below 10 KB the estimate is weak (a warning is recorded).
    num_merges : int, optional
        How many of the first merges to use (default: all). 3000 gives a quick estimate; the
        paper uses 30000.
    skip_merges : int
        Replay but do not constrain the first merges: infer the mixture behind merges
        ``skip_merges .. num_merges`` only (the paper's Llama 3 analysis uses 100000).
    base : str or TokenizerView, optional
        The tokenizer this one was derived from (``"cl100k_base"`` for Llama 3 and Qwen). With
        ``skip_merges=0`` the merges it inherited in ``base``'s order (:func:`inherited_prefix`:
        100,000 for Llama 3, 98,900 for Qwen) are skipped: the estimate describes the additions.
    unit : {"bytes", "pairs"}
        "bytes": share of training bytes (default); "pairs": the LP's pair-count weights.
    scheduler : str or distributed.Client, optional
        Count the pre-tokens on a Dask cluster (``"tcp://host:8786"``) instead of in this process;
        the counts, and so the result, are the same. Files and folders are streamed either way.
    progress : tokviz.progress.Progress, optional
        ``progress(fraction, message)``, called as the stages (counting, replay, LP) advance.
    max_rounds, max_seconds : LP limits; past them the best estimate so far comes back with a warning.
    lp_options : dict, optional
        More keyword arguments of :func:`solve_mixture` (per_step, max_new_per_round, formulation, ...);
        ``formulation`` defaults to :func:`default_formulation` of the tokenizer.

    Returns
    -------
    pandas.Series of shares summing to 1, indexed by category, sorted descending; ``.attrs``
    holds diagnostics: rounds, constraints, total_slack, gap (the LP objective's proven distance
    from the optimum, relative), converged (no violated constraint left, or gap within 1%),
    stopped (why the LP stopped: "no violated constraint", "within gap", "round limit",
    "time limit"), formulation (the LP's, see :func:`default_formulation`), lp_trace (per round:
    cumulative seconds, gap, simplex iterations), absent_merges
    (merges no sample holds, left unconstrained), seconds (per stage), warnings, num_merges,
    skip_merges, base (the base tokenizer's name or None), unit, tokenizer, timeline (first merges; dict of lists).

    >>> infer_mixture("llama3", {"en": en, "zh": zh}, base="cl100k_base").attrs["skip_merges"]  # doctest: +SKIP
    100000
    """
    if unit not in ("bytes", "pairs"):
        raise ValueError(f"unit must be 'bytes' or 'pairs', not {unit!r}.")
    texts = open_samples(samples)
    warnings = _check_samples(texts)
    started = time.perf_counter()
    tok = _resolve_tokenizer(tokenizer)
    merges = _tokenizer_merges(tok, num_merges)
    skip_merges, base_name = _skip_for_base(tok, base, skip_merges, len(merges))
    seconds: dict[str, float] = {"load": time.perf_counter() - started}
    spec = tokenizer if isinstance(tokenizer, (str, os.PathLike)) else None
    replay, stage_seconds = _replay_cached(tok, texts, merges, progress, scheduler, spec)
    seconds.update(stage_seconds)
    lp_progress = _stage(progress, "lp")
    report(lp_progress, 0.0, "Solving the linear program")
    started = time.perf_counter()
    options = {"formulation": default_formulation(tok), **(lp_options or {})}
    solution = solve_mixture(replay, max_rounds=max_rounds, max_seconds=max_seconds, skip_merges=skip_merges,
                             progress=lp_progress, **options)
    seconds["lp"] = time.perf_counter() - started
    warnings.extend(_limit_warning(solution, max_rounds, max_seconds))
    series = _shares(replay, solution.alpha, unit)
    series.attrs = {"tokenizer": tok.name, "base": base_name, "num_merges": replay.num_merges,
                    "skip_merges": skip_merges, "unit": unit, "formulation": options["formulation"],
                    **_diagnostics(replay, solution),
                    "seconds": seconds, "warnings": warnings}
    report(progress, 1.0, f"Done: {solution.rounds} LP rounds, {solution.constraints:,} constraints")
    return series


def default_formulation(tokenizer) -> str:
    """The LP formulation :func:`infer_mixture` uses unless told: "scale_invariant" for BPE over characters
    (SentencePiece-style: Llama 2, Mistral 7B, Gemma), "sum" (the paper's) for byte-level BPE.

    Why: a character-level tokenizer's CJK categories have flat pair counts, and under ``sum(alpha) = 1``
    weight on them shrinks every violation; on the controlled SentencePiece benchmark (python, en, zh,
    ja; ``bench/mixture_controlled.py --only sentencepiece``) the mean log10 MSE is -4.08 with "sum"
    (zh overweighted in both trials) and -4.85 scale-invariant, both LPs within a 1% gap. Byte-level
    BPE keeps "sum": the paper's formulation, measured at -4.96 on the byte-level benchmark.

    >>> from tokviz import load_tokenizer                                      # doctest: +SKIP
    >>> [default_formulation(load_tokenizer(n)) for n in ("llama2", "o200k_base")]  # doctest: +SKIP
    ['scale_invariant', 'sum']
    """
    return "scale_invariant" if getattr(tokenizer, "merge_units", "bytes") == "chars" else "sum"


def _skip_for_base(tok, base, skip_merges: int, n_merges: int) -> tuple[int, str | None]:
    """The merges to skip (the part inherited from ``base`` when one is named) and the base's name."""
    base_name = None
    if base is not None:
        from .prefix import inherited_prefix

        base_tok = _resolve_tokenizer(base)
        base_name = base_tok.name
        if skip_merges == 0:
            skip_merges = inherited_prefix(tok, base_tok)
    if not 0 <= skip_merges < n_merges:
        raise ValueError(f"skip_merges must be between 0 and {n_merges - 1} (the merges used); "
                         f"got {skip_merges:,}. Use more merges (num_merges) or skip fewer.")
    return skip_merges, base_name


def _limit_warning(solution: MixtureSolution, max_rounds: int, max_seconds: float) -> list[str]:
    if solution.stopped not in ("round limit", "time limit"):
        return []
    limit = f"{max_rounds} rounds" if solution.stopped == "round limit" else f"{max_seconds:.0f} s"
    bound = f" (its objective is within {solution.gap:.0%} of the optimum)" if np.isfinite(solution.gap) else ""
    return [f"The linear program did not converge within {limit}{bound}; this is the best estimate "
            "so far (try fewer merges or fewer categories)."]


def _check_samples(texts: dict[str, str | FileSample]) -> list[str]:
    """Refuse unusable sample sets with a ValueError; return warnings about small samples."""
    if not texts:
        raise ValueError("No categories given: pass at least two categories of sample text.")
    empty = [c for c, t in texts.items() if (sample_size(t) == 0 if isinstance(t, FileSample) else not t.strip())]
    if empty:
        raise ValueError(f"The sample of {', '.join(map(repr, empty))} is empty; give each category some text "
                         "(about 1 MB is good) or leave it out.")
    if len(texts) < 2:
        raise ValueError("Mixture inference needs at least two categories to compare; add another sample.")
    warnings = []
    for category, text in texts.items():
        size = sample_size(text)
        if size < MIN_SAMPLE_BYTES:
            warnings.append(f"The sample of {category!r} is only {size:,} bytes; below 10 KB the estimate is "
                            "unreliable (about 1 MB per category is good).")
    return warnings


def _shares(replay: Replay, alpha: np.ndarray, unit: str) -> pd.Series:
    """The LP's pair weights as shares (of bytes, or of pairs), sorted descending."""
    if unit == "bytes":
        totals = np.where(replay.pair_totals > 0, replay.pair_totals, 1.0)
        raw = alpha * replay.byte_totals / totals
        shares = raw / raw.sum() if raw.sum() > 0 else alpha
    else:
        shares = alpha
    series = pd.Series(shares, index=pd.Index(replay.categories, name="category"), name="share")
    return series.sort_values(ascending=False)


def _diagnostics(replay: Replay, solution: MixtureSolution) -> dict:
    """How the LP went and what the replay saw, for ``attrs``."""
    return {
        "rounds": solution.rounds,
        "constraints": solution.constraints,
        "total_slack": solution.total_slack,
        "gap": solution.gap,
        "converged": solution.converged,
        "stopped": solution.stopped,
        "pair_shares": dict(zip(replay.categories, solution.alpha.tolist(), strict=True)),
        "absent_merges": int((replay.merge_counts.sum(axis=1) == 0).sum()),
        "sample_bytes": dict(zip(replay.categories, replay.byte_totals.tolist(), strict=True)),
        "timeline": merge_timeline(replay, solution.alpha).to_dict(orient="list"),
        "lp_trace": {"seconds": np.cumsum(solution.seconds_per_round).round(2).tolist(),
                     "gap": [round(g, 4) for g in solution.gaps], "iterations": solution.iterations,
                     "seconds_in_highs": round(solution.seconds_in_highs, 2),
                     "seconds_in_sweep": round(solution.seconds_in_sweep, 2),
                     "seconds_in_matching": round(solution.seconds_in_matching, 2)},
    }
