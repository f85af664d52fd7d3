"""Stage 1 of mixture inference: read the category samples and count their pre-tokens.

Each sample goes through the tokenizer's own normalizer and pre-tokenizer
(``TokenizerView.pretokenize``); pairs are later counted inside pre-tokens only.

Samples of any size: a category's sample is either text in memory or a :class:`FileSample` (files
that stay on disk). Both are cut into the same pieces (about 256,000 characters, cut after a line
end: :func:`sample_pieces`), streamed, so a file is never in memory whole. The pieces are counted
where :func:`count_categories` is told to: in this process (the default), in a local process pool
(``workers=N``), or on a Dask cluster (``scheduler="tcp://host:8786"``). Workers receive the
tokenizer's *spec* (a catalog name or a file path), load it once per process, and return one
``Counter`` per batch of pieces; the counts are the same wherever they were made.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sys
import time
import types
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..progress import Progress, report
from ..samples import split_at_line_ends

__all__ = ["MIN_SAMPLE_BYTES", "FileSample", "open_samples", "read_samples", "sample_pieces", "sample_size",
           "sample_digest", "count_pretokens", "count_categories", "tokenizer_spec"]

#: Below this many bytes a category's sample is too small to say much: warn.
MIN_SAMPLE_BYTES = 10_000
#: Texts are pre-tokenized in pieces of about this size, cut at line ends.
_CHUNK_BYTES = 256_000
_SPACE_START = re.compile(rb"(?= )")


# ---- samples ---------------------------------------------------------------------------------
def _read_text_file(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _is_existing_path(value: str) -> bool:
    """True when a short one-line string names an existing file or folder (else it is text)."""
    if len(value) > 4096 or "\n" in value:
        return False
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return False


def _category_files(samples: str | os.PathLike) -> list[Path]:
    """The ``<category>.txt`` files of a samples folder (a clear error when there are none)."""
    folder = Path(samples)
    if not folder.is_dir():
        raise ValueError(
            f"samples={str(samples)!r} is not a folder; pass a folder of <category>.txt files "
            "or a dict {category: text, file or folder}."
        )
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".txt")
    if not files:
        raise ValueError(f"The folder {folder} holds no <category>.txt files; add one file per category.")
    return files


def read_samples(samples: Mapping[str, Any] | str | os.PathLike) -> dict[str, str]:
    """Resolve ``samples`` into ``{category: text}``.

    ``samples`` is a folder of ``<category>.txt`` files, or a mapping from category names to
    text, a file path, or a folder (all files in it, read as UTF-8, concatenated in name order).

    >>> read_samples({"en": "the cat sat on the mat"})
    {'en': 'the cat sat on the mat'}
    """
    if isinstance(samples, (str, os.PathLike)):
        return {p.stem: _read_text_file(p) for p in _category_files(samples)}
    if not isinstance(samples, Mapping):
        raise ValueError("samples must be a folder path or a dict {category: text, file or folder}.")
    texts: dict[str, str] = {}
    for category, value in samples.items():
        if isinstance(value, bytes):
            texts[str(category)] = value.decode("utf-8", errors="replace")
            continue
        if isinstance(value, os.PathLike) or (isinstance(value, str) and _is_existing_path(value)):
            path = Path(value)
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file())
                texts[str(category)] = "\n".join(_read_text_file(p) for p in files)
            elif path.is_file():
                texts[str(category)] = _read_text_file(path)
            else:
                raise ValueError(f"Sample path {path} for category {category!r} does not exist.")
            continue
        if not isinstance(value, str):
            raise ValueError(f"The sample for {category!r} must be text, a file or a folder, "
                             f"not {type(value).__name__}.")
        texts[str(category)] = value
    return texts


def count_pretokens(tokenizer, text: str) -> Counter:
    """Pre-token frequencies of ``text`` (bytes -> count) through the tokenizer's own pre-tokenizer.

    >>> import tokviz
    >>> count_pretokens(tokviz.load_tokenizer("cl100k_base"), "the cat the")[b" the"]
    1
    """
    return _count_pieces(tokenizer, split_at_line_ends(text, _CHUNK_BYTES))


def _count_pieces(tokenizer, pieces: Iterable[str]) -> Counter:
    """Pre-token counts of pieces of text (each pre-tokenized on its own)."""
    counts: Counter = Counter()
    split_at_spaces = getattr(tokenizer, "merge_units", "bytes") == "chars"
    for piece in pieces:
        pretokens = tokenizer.pretokenize(piece)
        if split_at_spaces:
            # SentencePiece BPE never merges across a word start: cut before every space (▁)
            pretokens = [word for pretoken in pretokens for word in _SPACE_START.split(pretoken) if word]
        counts.update(pretokens)
    return counts


# ---- samples that stay on disk -----------------------------------------------------------------
#: Files are read in blocks of this many characters (memory stays near block + piece size).
_READ_CHARS = 1 << 20


@dataclass(frozen=True)
class FileSample:
    """A category's sample kept on disk: its files, read in this order, joined by a line break.

    >>> FileSample(("a.txt", "b.txt")).paths
    ('a.txt', 'b.txt')
    """

    paths: tuple[str, ...]

    def fragments(self) -> Iterator[str]:
        """The sample's text in blocks (UTF-8, undecodable bytes replaced, line ends kept as they are)."""
        for number, path in enumerate(self.paths):
            if number:
                yield "\n"
            with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                while block := handle.read(_READ_CHARS):
                    yield block


def _pieces_of_fragments(fragments: Iterable[str], size: int) -> Iterator[str]:
    """Exactly ``split_at_line_ends(''.join(fragments), size)``, without joining the fragments."""
    buffer = ""
    for fragment in fragments:
        buffer += fragment
        while len(buffer) > size:
            newline = buffer.rfind("\n", 0, size)
            end = newline + 1 if newline > 0 else size
            yield buffer[:end]
            buffer = buffer[end:]
    if buffer:
        yield buffer


def sample_pieces(sample: str | FileSample, size: int = _CHUNK_BYTES) -> Iterator[str]:
    r"""A sample (text or :class:`FileSample`) in pieces of at most ``size`` characters, cut after
    a line end where one is in reach; the same pieces whether the text is in memory or on disk.

    >>> list(sample_pieces("ab\ncd\nef", 5))
    ['ab\n', 'cd\nef']
    """
    if isinstance(sample, FileSample):
        return _pieces_of_fragments(sample.fragments(), size)
    return iter(split_at_line_ends(sample, size))


def sample_size(sample: str | FileSample) -> int:
    """Bytes of a sample (UTF-8 for text, file sizes plus separators for files).

    >>> sample_size("héllo")
    6
    """
    if isinstance(sample, FileSample):
        return sum(os.path.getsize(p) for p in sample.paths) + max(0, len(sample.paths) - 1)
    return len(sample.encode("utf-8"))


def sample_digest(sample: str | FileSample) -> str:
    """sha256 of a sample's text, streamed (the same for equal text in memory or on disk).

    >>> sample_digest("abc")[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    for piece in sample_pieces(sample, _READ_CHARS):
        digest.update(piece.encode("utf-8"))
    return digest.hexdigest()


def _folder_files(folder: Path) -> tuple[str, ...]:
    return tuple(str(p) for p in sorted(folder.rglob("*")) if p.is_file())


def open_samples(samples: Mapping[str, Any] | str | os.PathLike) -> dict[str, str | FileSample]:
    """Like :func:`read_samples`, but files and folders stay on disk as :class:`FileSample`.

    >>> open_samples({"en": "the cat sat"})
    {'en': 'the cat sat'}
    """
    if isinstance(samples, (str, os.PathLike)):
        return {p.stem: FileSample((str(p),)) for p in _category_files(samples)}
    if not isinstance(samples, Mapping):
        raise ValueError("samples must be a folder path or a dict {category: text, file or folder}.")
    opened: dict[str, str | FileSample] = {}
    for category, value in samples.items():
        if isinstance(value, FileSample):
            opened[str(category)] = value
        elif isinstance(value, os.PathLike) or (isinstance(value, str) and _is_existing_path(value)):
            path = Path(value)
            if not path.exists():
                raise ValueError(f"Sample path {path} for category {category!r} does not exist.")
            opened[str(category)] = FileSample(_folder_files(path) if path.is_dir() else (str(path),))
        else:
            opened[str(category)] = read_samples({category: value})[str(category)]
    return opened


# ---- counting here, in a process pool, or on Dask ----------------------------------------------
#: Pieces are sent to workers in batches of about this many characters.
_BATCH_CHARS = 4_000_000


def tokenizer_spec(tokenizer) -> str:
    """What a worker process needs to load the same tokenizer: a catalog name or a file path.

    >>> tokenizer_spec("cl100k_base")
    'cl100k_base'
    """
    if isinstance(tokenizer, (str, os.PathLike)):
        return os.fspath(tokenizer)
    from ..catalog import CATALOG

    name = getattr(tokenizer, "name", None)
    if name in CATALOG:
        return name
    raise ValueError(f"Counting on other processes needs a tokenizer they can load: pass its catalog name or file "
                     f"path (not the loaded object {name!r}).")


@functools.lru_cache(maxsize=4)
def _worker_tokenizer(spec: str):
    """The tokenizer of ``spec``, loaded once per worker process."""
    from ..catalog import load_tokenizer

    return load_tokenizer(spec)


def _count_batch(spec: str, pieces: list[str]) -> Counter:
    """A worker's task: pre-token counts of a batch of pieces."""
    return _count_pieces(_worker_tokenizer(spec), pieces)


def _batches(samples: Mapping[str, str | FileSample]) -> Iterator[tuple[str, list[str], int]]:
    """``(category, pieces, characters)`` in batches of about ``_BATCH_CHARS``, streamed."""
    for category, sample in samples.items():
        batch: list[str] = []
        chars = 0
        for piece in sample_pieces(sample):
            batch.append(piece)
            chars += len(piece)
            if chars >= _BATCH_CHARS:
                yield category, batch, chars
                batch, chars = [], 0
        if batch:
            yield category, batch, chars


def count_categories(tokenizer, samples: Mapping[str, str | FileSample], progress: Progress | None = None, *,
                     scheduler=None, workers: int | None = None) -> dict[str, Counter]:
    """Pre-token counts of every category's sample: ``{category: Counter(bytes -> count)}``.

    ``scheduler``: a Dask scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``;
    the counting then runs on that cluster's workers (they need tokviz installed and the
    tokenizer loadable by name or path). ``workers``: without a scheduler, count in a local pool
    of this many processes (``None`` or 1: in this process). The counts are identical either way.

    >>> import tokviz
    >>> counts = count_categories(tokviz.load_tokenizer("cl100k_base"), {"en": "the cat", "code": "x = 1"})
    >>> counts["en"][b" cat"], counts["code"][b" ="]
    (1, 1)
    """
    if workers is not None and int(workers) < 1:
        raise ValueError(f"workers must be at least 1 (got {workers}); use None to count in this process.")
    counters: dict[str, Counter] = {category: Counter() for category in samples}
    total = max(1, sum(sample_size(sample) for sample in samples.values()))
    done = 0
    report(progress, 0.0, f"Counting pre-tokens of {len(samples)} categories")
    if scheduler is None and (workers is None or int(workers) == 1):
        from ..catalog import load_tokenizer

        tok = load_tokenizer(tokenizer)
        for category, pieces, chars in _batches(samples):
            counters[category].update(_count_pieces(tok, pieces))
            done += chars
            report(progress, min(0.99, done / total), f"Counted {done / 1e6:,.1f} MB ({category})")
        report(progress, 1.0, f"Counted {len(samples)} categories")
        return counters
    spec = tokenizer_spec(tokenizer)
    with _executor(scheduler, workers) as (submit, completed, limit):
        for category, counts, chars in _run_bounded(submit, completed, limit, spec, _batches(samples)):
            counters[category].update(counts)
            done += chars
            report(progress, min(0.99, done / total), f"Counted {done / 1e6:,.1f} MB ({category})")
    report(progress, 1.0, f"Counted {len(samples)} categories")
    return counters


def _run_bounded(submit, first_done, limit: int, spec: str, batches) -> Iterator[tuple[str, Counter, int]]:
    """Submit the batches with at most ``limit`` in flight; yield ``(category, counts, chars)`` as they finish."""
    pending: dict[Any, tuple[str, int]] = {}

    def finished() -> Iterator[tuple[str, Counter, int]]:
        for future in first_done(list(pending)):
            category, chars = pending.pop(future)
            yield category, future.result(), chars

    for category, pieces, chars in batches:
        pending[submit(_count_batch, spec, pieces)] = (category, chars)
        while len(pending) >= limit:
            yield from finished()
    while pending:
        yield from finished()


@contextlib.contextmanager
def main_module_hidden() -> Iterator[None]:
    """Hide a script's ``__main__`` from processes started meanwhile (a local pool, a LocalCluster).

    Under ``streamlit run`` (and AppTest) ``sys.modules["__main__"]`` is the page script, a module
    with a ``__file__`` and no ``__spec__``; the "spawn" start method would run that script again in
    every child. A bare stand-in module is put there while the children start.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


@contextlib.contextmanager
def _executor(scheduler, workers: int | None):
    """``(submit, first_done, limit)`` of a Dask client (``scheduler``) or a local process pool."""
    if scheduler is None:
        import concurrent.futures
        import multiprocessing

        # spawn, not fork: the Rust tokenizers and numba do not survive a fork of a threaded process
        with concurrent.futures.ProcessPoolExecutor(int(workers), mp_context=multiprocessing.get_context("spawn")) \
                as pool:
            with main_module_hidden():  # start every worker now, while a page script cannot leak into them
                concurrent.futures.wait([pool.submit(time.sleep, 0.05) for _ in range(int(workers))])
            def first_done(futures):
                return concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED).done

            yield pool.submit, first_done, 2 * int(workers)
        return
    client, own = _dask_client(scheduler)
    try:
        import distributed

        def submit(function, *args):
            return client.submit(function, *args, pure=False)

        def first_done(futures):
            return distributed.wait(futures, return_when="FIRST_COMPLETED").done

        yield submit, first_done, 2 * max(1, len(client.scheduler_info().get("workers", {})))
    finally:
        if own:
            client.close()


def _dask_client(scheduler) -> tuple[Any, bool]:
    """A ``distributed.Client`` for an address (ours to close) or the client given (not ours)."""
    try:
        import distributed
    except ImportError:
        raise ValueError("Counting on a Dask cluster needs dask.distributed: pip install 'dask[distributed]'.") \
            from None
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler must be a Dask scheduler address like 'tcp://host:8786', not {scheduler!r}.")
    try:
        client = distributed.Client(scheduler.strip(), timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"Could not reach the Dask scheduler at {scheduler}: {exc}. Start one with "
                         "`dask scheduler` and workers with `dask worker <address>`, or leave scheduler out to "
                         "count on this machine.") from None
    try:
        client.wait_for_workers(1, timeout=60)
    except (OSError, TimeoutError):
        client.close()
        raise ValueError(f"The Dask scheduler at {scheduler} has no workers; start one with "
                         f"`dask worker {scheduler}`.") from None
    return client, True
