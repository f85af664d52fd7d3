"""Tokenizer files from the Hugging Face hub: ``hf:org/repo`` specs.

:func:`hf_download` finds a repo's tokenizer file (tokenizer.json, tekken.json, tokenizer.model,
*.tiktoken) online or in the local hub cache, and fails within ~20 s offline with a message that
says what to do.
"""
from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["hf_download", "HF_TOKENIZER_FILES"]


#: Files :func:`hf_download` looks for, in order of preference.
HF_TOKENIZER_FILES = ("tokenizer.json", "tekken.json", "tokenizer.model")

_HF_ADVICE = (
    "Check the internet connection; or, with a populated Hugging Face cache, set HF_HUB_OFFLINE=1 "
    "(and HF_HOME / HF_HUB_CACHE if the cache is elsewhere); or download the repo's tokenizer.json "
    "yourself and pass its path."
)


def _hf_cache_dir() -> str | None:
    """The hub cache dir from the environment at call time (huggingface_hub reads it at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return os.path.join(os.environ["HF_HOME"], "hub")
    return None  # huggingface_hub's default (~/.cache/huggingface/hub)


def _hf_endpoint() -> str | None:
    return os.environ.get("HF_ENDPOINT") or None


def _hf_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _hf_reachable(timeout: float) -> bool:
    """Whether the hub endpoint accepts a TCP connection within ``timeout`` (DNS included)."""
    import socket
    from urllib.parse import urlparse

    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    host, port = endpoint.hostname or "huggingface.co", endpoint.port or (443 if endpoint.scheme != "http" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def _hf_pick(files: Iterable[str]) -> str | None:
    names = list(files)
    for preferred in HF_TOKENIZER_FILES:
        if preferred in names:
            return preferred
    for candidate in names:
        if candidate.endswith((".tiktoken", ".tiktoken.gz")) and "/" not in candidate:
            return candidate
    for candidate in names:  # e.g. original/tokenizer.model
        if candidate.rsplit("/", 1)[-1] in HF_TOKENIZER_FILES or candidate.endswith(".tiktoken"):
            return candidate
    return None


def _hf_from_cache(repo_id: str) -> Path | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        snapshot = Path(snapshot_download(repo_id, local_files_only=True, cache_dir=_hf_cache_dir()))
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        return None
    files = [p.relative_to(snapshot).as_posix() for p in snapshot.rglob("*") if p.is_file()]
    chosen = _hf_pick(files)
    return snapshot / chosen if chosen else None


class _NoTokenizerFile(ValueError):
    """The repo exists but holds no tokenizer file tokviz reads."""


def _hf_online(repo_id: str, timeout: float) -> Path:
    from huggingface_hub import HfApi, hf_hub_download

    files = HfApi(endpoint=_hf_endpoint()).list_repo_files(repo_id)
    chosen = _hf_pick(files)
    if chosen is None:
        raise _NoTokenizerFile(
            f"hf:{repo_id} has no tokenizer.json, tekken.json, tokenizer.model or *.tiktoken file; "
            "download the tokenizer yourself and pass its path."
        )
    return Path(hf_hub_download(repo_id, chosen, etag_timeout=timeout, cache_dir=_hf_cache_dir(),
                                endpoint=_hf_endpoint()))


def _check_repo_id(repo_id: str) -> str:
    repo_id = repo_id.strip().removeprefix("hf:").strip("/")
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts) or any(c.isspace() for c in repo_id):
        raise ValueError(f"{repo_id!r} is not a hub repo id: write hf:org/repo, e.g. hf:openai-community/gpt2.")
    return repo_id


def _hf_offline_path(repo_id: str) -> Path:
    cached = _hf_from_cache(repo_id)
    if cached is None:
        raise ValueError(
            f"hf:{repo_id} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set. "
            "Unset HF_HUB_OFFLINE while online to download it, point HF_HUB_CACHE at a cache "
            "holding it, or download its tokenizer.json and pass the path."
        )
    return cached


def _hf_online_within(repo_id: str, deadline: float) -> tuple[str, object]:
    """("ok", path), ("error", exception) or ("timeout", None): the hub asked in a thread that
    is abandoned at ``deadline`` (the hub client has no overall timeout of its own)."""
    result: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            result.put(("ok", _hf_online(repo_id, max(1.0, deadline - time.monotonic()))))
        except BaseException as exc:  # handed to the caller's thread
            result.put(("error", exc))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(max(1.0, deadline - time.monotonic()))
    return ("timeout", None) if worker.is_alive() else result.get()


def _hf_error_message(repo_id: str, error: BaseException) -> str | None:
    """What to tell the user about a hub error; None when the local cache may still help."""
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if isinstance(error, _NoTokenizerFile):
        return str(error)
    if isinstance(error, GatedRepoError):
        return (f"hf:{repo_id} is gated: accept its license on huggingface.co and log in (`hf auth login`), "
                "or download its tokenizer.json and pass the path.")
    if isinstance(error, RepositoryNotFoundError):
        return f"hf:{repo_id} does not exist on the hub (or is private): check the name."
    return None


def hf_download(repo_id: str, timeout: float = 15) -> Path:
    """A tokenizer file of a Hugging Face hub repo (``hf:org/repo``), from the hub or its cache.

    Prefers tokenizer.json, then tekken.json, tokenizer.model, *.tiktoken. Honours
    ``HF_HUB_OFFLINE`` and the local hub cache (``HF_HOME`` / ``HF_HUB_CACHE``): a cached
    snapshot is used without the network. Offline or unreachable, it fails within ~``timeout``
    seconds with a ValueError that says what to do.
    """
    repo_id = _check_repo_id(repo_id)
    deadline = time.monotonic() + timeout
    if _hf_offline():
        return _hf_offline_path(repo_id)
    if not _hf_reachable(min(5.0, timeout)):
        cached = _hf_from_cache(repo_id)
        if cached is not None:
            return cached
        raise ValueError(f"the Hugging Face hub is unreachable, so hf:{repo_id} cannot be loaded. {_HF_ADVICE}")
    status, value = _hf_online_within(repo_id, deadline)
    if status == "ok":
        return value
    message = _hf_error_message(repo_id, value) if status == "error" else None
    if message is not None:
        raise ValueError(message)
    cached = _hf_from_cache(repo_id)
    if cached is not None:
        return cached
    if status == "timeout":
        raise ValueError(f"hf:{repo_id}: the hub did not answer within {timeout:.0f} s. {_HF_ADVICE}")
    raise ValueError(f"hf:{repo_id} could not be downloaded ({type(value).__name__}: {value}). {_HF_ADVICE}")
