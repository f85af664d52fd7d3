"""Uploaded tokenizers run where they can be stopped: a worker process with a time limit.

HF ``tokenizers`` holds the GIL while it encodes, and an uploaded tokenizer.json can carry a split
regex that backtracks for seconds per word (``\\w*\\w*\\w*!|.``): in-process, one upload would
freeze every user of the server. A view loaded from a user's file therefore gets a
:class:`Worker`: a child process (spawned on first use) that loads the same file and answers
the view's backend calls (:data:`tokviz.backends.guard.GUARDED_METHODS`). A call that takes longer
than the time limit (``TOKVIZ_UPLOAD_TIME_LIMIT`` seconds, default 10) stops the worker and
raises a ``ValueError``; the next call starts a fresh one. Built-in tokenizers never use this.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

__all__ = ["Worker", "default_time_limit"]

#: Seconds a worker may take to start and load its file (not counted in the call's time limit).
START_TIME_LIMIT = 120.0


def default_time_limit() -> float:
    """The per-call time limit for uploaded tokenizers: ``$TOKVIZ_UPLOAD_TIME_LIMIT`` or 10 s."""
    try:
        return max(0.1, float(os.environ.get("TOKVIZ_UPLOAD_TIME_LIMIT", "10")))
    except ValueError:
        return 10.0


def _serve(connection, path: str, name: str, pattern: str | None) -> None:  # runs in the worker
    from ..catalog import load_tokenizer_file

    try:
        view = load_tokenizer_file(path, name=name, pattern=pattern)
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        connection.send(("error", str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: "
                         f"{error}"))
        return
    connection.send(("ok", None))
    while True:
        try:
            method_name, args, kwargs = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(("ok", getattr(view, method_name)(*args, **kwargs)))
        except ValueError as error:
            connection.send(("error", str(error)))
        except Exception as error:  # noqa: BLE001 - reported to the parent
            connection.send(("error", f"{type(error).__name__}: {error}"))


class Worker:
    """A stoppable child process holding one tokenizer file's view; one call at a time."""

    def __init__(self, path: str | os.PathLike, name: str, pattern: str | None = None,
                 time_limit: float | None = None):
        self.path = str(Path(path))
        self.name = name
        self.pattern = pattern
        self.time_limit = default_time_limit() if time_limit is None else float(time_limit)
        self._lock = threading.Lock()
        self._process = None
        self._connection = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Worker {self.name!r} {state}, time limit {self.time_limit:g} s>"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _start(self) -> None:
        # a plain `python -m` child, not multiprocessing: under Streamlit, __main__ is the page
        # script, which multiprocessing's spawn would run again in the child
        parent, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "tokviz.backends.isolation", str(child.fileno()), self.path, self.name,
                 self.pattern or ""], pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, env=env)
        except OSError as error:
            parent.close()
            raise ValueError(f"{self.name}: could not start a tokenizer worker ({error}).") from None
        finally:
            child.close()
        self._process, self._connection = process, Connection(parent.detach())
        if not self._connection.poll(START_TIME_LIMIT):
            self.stop()
            raise ValueError(f"{self.name}: the tokenizer worker did not start within {START_TIME_LIMIT:.0f} s; "
                             "the server is overloaded, try again in a moment.")
        status, message = self._receive()
        if status != "ok":
            self.stop()
            raise ValueError(message)

    def _receive(self):
        try:
            return self._connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise ValueError(f"{self.name}: the tokenizer worker stopped unexpectedly (out of memory?); "
                             "try a shorter text.") from None

    def call(self, method_name: str, args: tuple = (), kwargs: dict | None = None):
        """``view.method_name(*args, **kwargs)`` in the worker, within the time limit."""
        with self._lock:
            if not self.running:
                self._start()
            try:
                self._connection.send((method_name, args, kwargs or {}))
                answered = self._connection.poll(self.time_limit)
            except (OSError, EOFError, AttributeError):  # stopped meanwhile (evicted)
                self.stop()
                raise ValueError(f"{self.name}: the tokenizer worker was stopped; try again.") from None
            if not answered:
                self.stop()
                raise ValueError(
                    f"{self.name}: this uploaded tokenizer took more than {self.time_limit:g} s on the text and was "
                    "stopped. Its split regex probably backtracks (nested quantifiers such as (a+)+ or \\w*\\w*); "
                    "try a shorter text or a tokenizer with a simpler regex."
                )
            status, value = self._receive()
        if status == "error":
            raise ValueError(value)
        return value

    def stop(self) -> None:
        """Stop the process (the next call starts a new one)."""
        process, self._process = self._process, None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(2)


if __name__ == "__main__":  # the worker: python -m tokviz.backends.isolation FD PATH NAME [PATTERN]
    _serve(Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4] or None)
