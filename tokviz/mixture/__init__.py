"""Data-mixture inference: what a BPE tokenizer's merge order reveals about its training data.

Hayase et al. (2024), "Data Mixture Inference: What do BPE Tokenizers Reveal about their
Training Data?". The t-th merge of a BPE tokenizer was the most frequent pair at step t of its
training. Given the ordered merge list and one text sample per category (languages, code,
domains), a linear program finds the category weights under which every merge was (close to)
the most frequent pair when it was chosen.

The pipeline, one module per stage (``counting``, ``replay``, ``lp``, ``api``; ``prefix`` compares
two tokenizers' merge orders; ``controlled`` trains test tokenizers and is not re-exported):

1. **Counting** (:func:`count_pretokens`): each sample goes through the tokenizer's own
   normalizer and pre-tokenizer (``TokenizerView.pretokenize``); pre-token frequencies per
   category. Pairs are counted inside pre-tokens only.
2. **Replay** (:func:`replay_merges`): the merges are applied in order to the union of all
   categories' pre-tokens. An inverted index pair -> words means each step only touches the
   words that hold the merged pair; the step's pair-count changes are recorded per category as
   events ``(step, pair, category, delta)``. The loop is compiled with numba.
3. **The linear program** (:func:`solve_mixture`): with ``c~`` the counts of category ``i``
   divided by its initial pair total, ``m(t)`` the merge at step ``t``, weights ``alpha`` and
   slacks ``v_t`` (per step) and ``v_p`` (per pair)::

       minimise  sum_t v_t + sum_p v_p
       s.t.      sum_i alpha_i = 1,  alpha >= 0,  v >= 0,
                 sum_i alpha_i (c~_{i,m(t)}^(t) - c~_{i,p}^(t)) + v_t + v_p >= 0
                 for every step t and pair p != m(t).

   There are billions of such constraints; they are generated lazily: sweep the steps with the
   current solution (a heap over the mixed pair counts finds the pairs above the merge's count),
   add the most violated ones (a bounded number per step and per round), re-solve with HiGHS
   from the previous basis, and repeat until nothing is violated.
4. **Shares**: byte shares ``alpha_i * bytes_i / pairs_i`` renormalised (default), or the pair
   shares ``alpha`` themselves (``unit="pairs"``).

What it deliberately leaves out: the paper's extra per-category slack variants, and any
modelling of pre-tokenizer rules the tokenizer's own ``pretokenize`` does not express.

>>> shares = infer_mixture("cl100k_base", {"en": "english.txt", "code": "src/"})  # doctest: +SKIP
>>> shares.round(2).to_dict()                                                          # doctest: +SKIP
{'code': 0.6, 'en': 0.4}
"""
from .api import default_formulation, infer_mixture, merge_timeline
from .counting import MIN_SAMPLE_BYTES, count_categories, count_pretokens, read_samples
from .lp import MixtureSolution, solve_mixture
from .prefix import inherited_prefix, merge_order_report, shared_prefix
from .replay import Replay, replay_merges

__all__ = [
    "MIN_SAMPLE_BYTES",
    "Replay",
    "MixtureSolution",
    "read_samples",
    "count_pretokens",
    "count_categories",
    "replay_merges",
    "solve_mixture",
    "infer_mixture",
    "default_formulation",
    "merge_timeline",
    "shared_prefix",
    "inherited_prefix",
    "merge_order_report",
]
