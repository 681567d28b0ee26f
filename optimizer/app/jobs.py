"""Solves off the request thread: one child process per job (:mod:`.worker`), watched by a
thread that keeps its status, progress and result; :meth:`Job.cancel` stops the process at
once (the way Ctrl-C stops a solve on the command line, which a thread cannot do).

Processes come from the ``forkserver`` start method where there is one (a fork of a small
server process that has already imported the optimizer: a job starts in a fraction of a
second, and the web server's threads are never forked), else ``spawn``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time

from optimizer.i18n import N_

PRELOAD = ["optimizer.app.worker", "optimizer.pipeline", "optimizer.pareto",
           "optimizer.diagnose", "optimizer.commands.report", "optimizer.report.charts",
           "matplotlib.figure", "matplotlib.backends.backend_agg"]
_CONTEXT = None
_ids = itertools.count(1)
# the job's own words (translated in its language by Job._words), marked for the catalog
WORDS = (N_("starting"), N_("cancelled"), N_("internal error: {error}"),
         N_("the solve stopped without an answer (exit status {status})"))


def context():
    """The multiprocessing context of the jobs (made once)."""
    global _CONTEXT
    if _CONTEXT is None:
        methods = multiprocessing.get_all_start_methods()
        _CONTEXT = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                               else "spawn")
        if _CONTEXT.get_start_method() == "forkserver":
            # what every job imports (a module that is not installed is skipped)
            _CONTEXT.set_forkserver_preload(PRELOAD)
    return _CONTEXT


class Job:
    """One solve, front or export running in a child process.

    ``status`` is ``running``, ``done``, ``failed`` or ``cancelled``; ``result`` the payload
    of a finished job; ``message`` and ``diagnosis`` the words of a failed one;
    ``on_done(job)`` is called once it has finished with a result (in the watching
    thread). ``lang``: the language of its words (the worker's are in ``spec["lang"]``)."""

    def __init__(self, kind: str, spec: dict, label: str, on_done=None, lang: str | None = None):
        from optimizer.i18n import get_language

        from . import worker

        self.id = next(_ids)
        self.kind, self.label, self.spec = kind, label, spec
        self.lang = lang or get_language()
        self.status, self.done, self.total = "running", None, None
        self.progress = self._words("starting")
        self.result, self.message, self.diagnosis = None, "", ""
        self.started = time.monotonic()
        self.on_done = on_done
        ctx = context()
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=worker.main, args=(kind, spec, child), daemon=True)
        self._proc.start()
        child.close()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while True:
            try:
                msg = self._conn.recv()
            except (EOFError, OSError):
                break
            if msg[0] == "progress":
                self.progress, self.done, self.total = msg[1], msg[2], msg[3]
            elif msg[0] == "done":
                self._finish("done", result=msg[1])
            elif msg[0] == "failed":
                self._finish("failed", message=msg[1], diagnosis=msg[2])
        self._proc.join()
        self._finish("failed", message=self._words(
            "the solve stopped without an answer (exit status {status})",
            status=self._proc.exitcode))

    def _words(self, message: str, **values) -> str:
        """``message`` in the job's language (its thread has no request's context)."""
        from optimizer.i18n import _, use_language

        with use_language(self.lang):
            return _(message).format(**values)

    def _finish(self, status: str, result=None, message: str = "", diagnosis: str = "") -> None:
        with self._lock:
            if self.status != "running":
                return
            self.result, self.message, self.diagnosis = result, message, diagnosis
            if status == "done" and self.on_done is not None:
                try:  # before the status says done: the page then finds what it made
                    self.on_done(self)
                except Exception as exc:  # noqa: BLE001 - said in the status, no traceback
                    status, self.message = "failed", self._words(
                        "internal error: {error}", error=f"{type(exc).__name__}: {exc}")
            self.seconds = time.monotonic() - self.started
            self.status = status

    def cancel(self) -> bool:
        """Stop the job now; False when it had already finished."""
        with self._lock:
            if self.status != "running":
                return False
            self.status, self.message = "cancelled", self._words("cancelled")
        self._proc.terminate()
        return True

    def wait(self, timeout: float | None = None) -> str:
        """Wait until the job has finished (tests and the command's shutdown)."""
        self._thread.join(timeout)
        return self.status

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "label": self.label, "status": self.status,
                "progress": self.progress, "done": self.done, "total": self.total,
                "message": self.message, "diagnosis": self.diagnosis,
                "seconds": round(time.monotonic() - self.started, 1)}
