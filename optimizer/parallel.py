"""Running many solves: inline, on a local process pool, or on a Dask cluster.

One function, :func:`run_tasks`, used by sweeps and robustness: it takes any
``concurrent.futures.Executor`` (a ``dask.distributed.Client`` too: its ``get_executor()`` is
one), or makes a process pool of ``workers`` processes, and returns the results in task order
with a progress callback. Workers are started with ``spawn`` so that no solver threads are
inherited through ``fork``.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def as_executor(executor):
    """A ``concurrent.futures.Executor`` for what the caller gave (Executor or Dask Client)."""
    if executor is None or isinstance(executor, cf.Executor):
        return executor
    if hasattr(executor, "get_executor"):  # dask.distributed.Client
        return executor.get_executor()
    raise TypeError(f"expected a concurrent.futures.Executor or a dask Client, not {executor!r}")


def connect(scheduler: str):
    """A Dask client for a scheduler address such as ``tcp://host:8786``."""
    from .errors import InputError, require

    Client = require("distributed", "--scheduler (a Dask cluster)").Client
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


def _stop_pool(ex: cf.ProcessPoolExecutor) -> None:
    """Stop a process pool at once: pending tasks cancelled, running workers terminated (an
    interrupted sweep must not wait for solves whose results nobody will read)."""
    procs = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join()


def run_tasks(fn, tasks: list, executor=None, workers: int | None = None, progress=None) -> list:
    """``[fn(t) for t in tasks]``, in parallel when asked, results in task order.

    ``progress(done, total)`` is called as results arrive. On an interrupt pending tasks are
    cancelled and the interrupt is raised again.
    """
    total = len(tasks)
    ex = as_executor(executor)
    own = False
    if ex is None and (workers or default_workers()) > 1 and total > 1:
        ex = cf.ProcessPoolExecutor(max_workers=min(workers or default_workers(), total),
                                    mp_context=multiprocessing.get_context("spawn"))
        own = True
    results = [None] * total
    if ex is None:
        for i, t in enumerate(tasks):
            results[i] = fn(t)
            if progress:
                progress(i + 1, total)
        return results
    futures = {}
    try:
        futures = {ex.submit(fn, t): i for i, t in enumerate(tasks)}
        for done, fut in enumerate(cf.as_completed(futures), start=1):
            results[futures[fut]] = fut.result()
            if progress:
                progress(done, total)
    except BaseException:
        for fut in futures:
            fut.cancel()
        if own:  # our workers: stop them now, not when their current solve ends
            _stop_pool(ex)
            own = False
        raise
    finally:
        if own:
            ex.shutdown(wait=True)
    return results
