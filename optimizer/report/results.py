"""What a report is built from: the files of a results folder as DataFrames.

Two ways to the same :class:`Results`: a solve passes the tables it writes, from memory
(:meth:`Results.from_files`); ``regcollab report DIR`` reads them from the folder
(:func:`load_results`). Both give the same report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..results import PLAN_TABLES, ResultFiles, read_folder

REPORT_FILE = "report.html"


@dataclass
class Results:
    """The files of a results folder, as DataFrames (missing optional files are None)."""

    folder: Path
    summary: dict
    pairings: pd.DataFrame
    recipients: pd.DataFrame
    balance: pd.DataFrame
    allocations: pd.DataFrame | None = None
    roadmap: pd.DataFrame | None = None  # plans of several rounds
    partners: pd.DataFrame | None = None  # income sharing (MODEL-v2 B)
    clusters: pd.DataFrame | None = None  # virtual industrial clusters (MODEL-v2 C)
    pareto: pd.DataFrame | None = None
    sens_constraints: pd.DataFrame | None = None
    sens_variables: pd.DataFrame | None = None
    missing: list = field(default_factory=list)  # result files the folder does not have

    @classmethod
    def from_files(cls, folder: str | os.PathLike, files: ResultFiles) -> Results:
        """The results of ``folder`` as ``files`` holds them (a missing plan table is an empty
        DataFrame, a missing optional file None, and each is listed in ``missing``)."""
        t = files.tables
        missing = [f"{n}.csv" for n in PLAN_TABLES if n not in t]
        plan = {n: t.get(n, None if n == "allocations" else pd.DataFrame()) for n in PLAN_TABLES}
        return cls(folder=Path(folder), summary=files.summary, pareto=t.get("pareto"),
                   roadmap=t.get("roadmap"), partners=t.get("partners"),
                   clusters=t.get("clusters"),
                   sens_constraints=t.get("sensitivity_constraints"),
                   sens_variables=t.get("sensitivity_variables"), missing=missing, **plan)


def load_results(folder: str | os.PathLike) -> Results:
    """Read a results folder written by ``regcollab solve --out``."""
    return Results.from_files(folder, read_folder(folder))
