"""Running many solves: inline, on a local process pool, or on a Dask cluster.

One function, :func:`run_tasks`, used by sweeps and robustness: it takes any
``concurrent.futures.Executor`` (a ``dask.distributed.Client`` too: its ``get_executor()`` is
one), or makes a process pool of ``workers`` processes, and returns the results in task order
with a progress callback.

The local pool is loky's (the process pool of joblib): its workers start as fresh
interpreters (no solver threads inherited through ``fork``) *without* re-running the caller's
main module. The standard library's ``spawn`` pool re-imports the script that called
:func:`optimizer.sweep.sweep`, so a plain analyst's script without an
``if __name__ == "__main__":`` guard ran its own sweep again in every worker and crashed with
~150 lines of ``BrokenProcessPool``; with loky the documented example works as written.
"""

from __future__ import annotations

import concurrent.futures as cf


def default_workers() -> int:
    from .limits import cores

    return cores()


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
    from .i18n import _

    Client = require("distributed", _("--scheduler (a Dask cluster)")).Client
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InputError(_("--scheduler {scheduler}: cannot reach the Dask scheduler there: "
                           "{error}").format(scheduler=scheduler, error=exc)) from None
    except (ValueError, TypeError) as exc:  # not an address (no port, unknown protocol)
        raise InputError(_("--scheduler {scheduler}: not a scheduler address such as "
                           "tcp://host:8786 ({error})").format(scheduler=scheduler,
                                                               error=exc)) from None


def local_pool(workers: int):
    """A process pool of ``workers`` fresh interpreters that do not re-run ``__main__``."""
    from loky import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers)


def _stop_pool(ex) -> None:
    """Stop a process pool at once: pending tasks cancelled, running workers killed (an
    interrupted sweep must not wait for solves whose results nobody will read)."""
    ex.shutdown(wait=True, kill_workers=True)


def run_tasks(fn, tasks: list, executor=None, workers: int | None = None, progress=None) -> list:
    """``[fn(t) for t in tasks]``, in parallel when asked, results in task order.

    ``progress(done, total)`` is called as results arrive. On an interrupt pending tasks are
    cancelled and the interrupt is raised again.
    """
    total = len(tasks)
    ex = as_executor(executor)
    own = False
    if workers is not None:
        from .errors import InputError
        from .i18n import _

        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise InputError(_("--workers (workers) must be a whole number of at least 1, not "
                               "{value}").format(value=repr(workers)))
        workers = min(workers, default_workers())  # more processes than cores only cost memory
    if ex is None and (workers or default_workers()) > 1 and total > 1:
        ex = local_pool(min(workers or default_workers(), total))
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
