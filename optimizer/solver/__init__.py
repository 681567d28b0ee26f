"""The solver layer: a :class:`~optimizer.model.LinearModel` solved by HiGHS or any PuLP solver.

- :mod:`.status`: why a solve ended (:class:`~.status.Termination`), whether it has a plan, and
  the status words the user reads, mapped once from HiGHS's and PuLP's statuses;
- :mod:`.options`: :class:`~.options.SolverOptions`, progress reports, solver constants;
- :mod:`.result`: :class:`~.result.StageResult`, what one solve returns;
- :mod:`.highs`: the one LinearModel -> ``highspy.HighsLp`` builder (:class:`~.highs.LpArrays`)
  and :class:`~.highs.HighsBackend`;
- :mod:`.pulp_backend`: :class:`~.pulp_backend.PulpBackend`, any solver PuLP knows;
- :mod:`.backend`: the :class:`~.backend.Backend` interface and :func:`~.backend.make_backend`.

``optimizer.solve`` re-exports the names the rest of the package imports. This package's
``__init__`` imports nothing, so that importing one of its modules pulls in only that module's
own needs (``optimizer.methods`` imports :mod:`.result` alone).
"""
