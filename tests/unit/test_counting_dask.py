"""Counting at any size: streamed file samples, and the same counts in-process, in a pool and on Dask."""
from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from tokviz.mixture import counting
from tokviz.samples import load_samples, split_at_line_ends


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def local_cluster(distributed):
    """A LocalCluster of 2 worker processes (started while a page script's __main__ is hidden:
    earlier AppTests in this process leave their script as __main__)."""
    with counting.main_module_hidden():
        return distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0")


def test_a_page_script_as_main_never_runs_in_the_workers(tmp_path, monkeypatch):
    """Under streamlit run, __main__ is the page script (a __file__, no __spec__); spawned workers
    would run it again. Here that script would crash every worker."""
    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('the page script ran in a worker')\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    samples = {"en": "the cat sat on the mat\n" * 200, "fr": "le chat est sur le tapis\n" * 200}
    pooled = counting.count_categories("cl100k_base", samples, workers=2)
    assert pooled == counting.count_categories("cl100k_base", samples)
    assert sys.modules["__main__"] is page


def test_file_samples_stream_the_same_pieces_as_text_in_memory(tmp_path):
    # CRLF line ends, an invalid UTF-8 byte, a multi-byte character across read blocks, a very long line
    first = ("héllo wörld\r\n" * 5000 + "x" * 70_000 + "\n日本語のテキスト\n").encode() + b"\xff broken\n"
    second = b"def f(x):\n    return x + 1\n" * 3000
    folder = tmp_path / "code"
    folder.mkdir()
    files = (_write(folder / "a.txt", first), _write(folder / "b.py", second))
    sample = counting.FileSample(files)
    text = counting.read_samples({"code": str(folder)})["code"]
    for size in (1000, 65_536, counting._CHUNK_BYTES):
        assert list(counting.sample_pieces(sample, size)) == split_at_line_ends(text, size)
    assert counting.sample_digest(sample) == counting.sample_digest(text)
    assert counting.sample_size(sample) == len(text.encode("utf-8")) - text.count("\ufffd") * 2
    opened = counting.open_samples({"code": str(folder), "inline": "some text"})
    assert opened == {"code": sample, "inline": "some text"}


def test_open_samples_of_a_folder_keeps_files_on_disk(tmp_path):
    _write(tmp_path / "en.txt", b"the cat\n")
    _write(tmp_path / "fr.txt", b"le chat\n")
    opened = counting.open_samples(tmp_path)
    assert opened == {"en": counting.FileSample((str(tmp_path / "en.txt"),)),
                      "fr": counting.FileSample((str(tmp_path / "fr.txt"),))}
    with pytest.raises(ValueError, match="not a folder"):
        counting.open_samples(tmp_path / "missing")


@pytest.fixture
def small_batches(monkeypatch):
    # several batches per category, so that the workers really share the work
    monkeypatch.setattr(counting, "_BATCH_CHARS", 40_000)


def test_counts_are_identical_in_process_in_a_pool_and_on_a_dask_local_cluster(tmp_path, small_batches):
    distributed = pytest.importorskip("distributed")
    texts = load_samples(["en", "fr", "python"], max_bytes=120_000)
    samples = {"en": texts["en"], "fr": counting.FileSample((_write(tmp_path / "fr.txt", texts["fr"].encode()),)),
               "python": texts["python"]}
    seen: list[tuple[float, str]] = []
    local = counting.count_categories("cl100k_base", samples, lambda f, m: seen.append((f, m)))
    assert set(local) == {"en", "fr", "python"} and all(sum(c.values()) > 1000 for c in local.values())
    assert local["fr"] == counting.count_pretokens(counting._worker_tokenizer("cl100k_base"), texts["fr"])
    assert seen[-1][0] == pytest.approx(1.0) and [f for f, _ in seen] == sorted(f for f, _ in seen)
    pooled = counting.count_categories("cl100k_base", samples, workers=2)
    assert pooled == local
    with local_cluster(distributed) as cluster, distributed.Client(cluster) as client:
        by_address = counting.count_categories("cl100k_base", samples, scheduler=cluster.scheduler_address)
        by_client = counting.count_categories("cl100k_base", samples, scheduler=client)
        ran_on = client.run(lambda: counting._worker_tokenizer.cache_info().currsize)
    assert by_address == local and by_client == local
    assert len(ran_on) == 2 and all(size == 1 for size in ran_on.values())


def test_bad_scheduler_and_workers_are_clear_errors():
    with pytest.raises(ValueError, match="workers must be at least 1"):
        counting.count_categories("cl100k_base", {"a": "x"}, workers=0)
    with pytest.raises(ValueError, match="scheduler address"):
        counting.count_categories("cl100k_base", {"a": "x"}, scheduler=42)
    with pytest.raises(ValueError, match="catalog name or file path"):
        counting.tokenizer_spec(object())


def test_infer_mixture_streams_folders_and_counts_on_dask_with_the_same_result(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import tokviz.cache
    from tokviz.mixture import infer_mixture

    monkeypatch.setattr(tokviz.cache, "disk_cached_arrays", lambda kind, key, compute: compute())
    texts = load_samples(["en", "python"], max_bytes=60_000)
    for category, text in texts.items():
        (tmp_path / f"{category}.txt").write_text(text, encoding="utf-8", newline="")
    in_memory = infer_mixture("cl100k_base", texts, num_merges=300)
    from_folder = infer_mixture("cl100k_base", str(tmp_path), num_merges=300)
    assert from_folder.to_dict() == in_memory.to_dict()
    assert from_folder.attrs["sample_bytes"] == in_memory.attrs["sample_bytes"]
    with local_cluster(distributed) as cluster:
        on_dask = infer_mixture("cl100k_base", str(tmp_path), num_merges=300, scheduler=cluster.scheduler_address)
    assert on_dask.to_dict() == in_memory.to_dict()
    with pytest.raises(ValueError, match="Could not reach the Dask scheduler"):
        infer_mixture("cl100k_base", texts, num_merges=300, scheduler="tcp://127.0.0.1:9")
