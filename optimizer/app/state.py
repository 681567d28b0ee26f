"""What one browser session of the workbench holds: its instance, its edits (each a set of
``Instance.with_params`` changes, listed and undoable), its plans, its front and its job.
Sessions are kept apart by a cookie id (:class:`Sessions`): two planners on one server do
not see each other's edits.
"""

from __future__ import annotations

import csv
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.errors import InputError
from optimizer.i18n import _

MAX_COMPARE = 4
MAX_PLANS = 100  # plans a session keeps (the oldest not kept side by side leave first)
SETTINGS = ("balance.alpha", "balance.gamma", "balance.theta", "balance.rho")
"""The balance settings the page changes (schema paths)."""


@dataclass
class Edit:
    """One steering change: its words and the instance changes that make it."""

    label: str
    changes: dict


@dataclass
class Session:
    id: str
    folder: Path  # where this session's uploads and exports go
    source: str | None = None  # the instance's folder or workbook
    instance: object = None  # as loaded (the edits are made on copies)
    edits: list = field(default_factory=list)
    plans: dict = field(default_factory=dict)  # id -> plan (worker.solution_view + label)
    front: list | None = None
    front_changes: dict = field(default_factory=dict)  # the edits the front was computed with
    compare: list = field(default_factory=list)  # plan ids kept side by side
    job: object = None
    exports: dict = field(default_factory=dict)  # export name -> folder
    lang: str = "en"  # the page's language: the browser's at first, then the switch's
    lock: threading.Lock = field(default_factory=threading.Lock)
    _n: int = 0

    # ------------------------------------------------------------------ the instance
    def load(self, source) -> None:
        """Load an instance (its messages are the CLI's: InputError as ``validate`` says)."""
        from optimizer import load_instance
        from optimizer.commands.common import resolve_instance

        path = resolve_instance(str(source))
        inst = load_instance(path)
        self.cancel()
        self.source, self.instance = str(path), inst
        self.edits, self.plans, self.front, self.compare = [], {}, None, []

    def need_instance(self):
        if self.instance is None:
            raise InputError(_("load an instance first"))
        return self.instance

    def changes(self, edits=None) -> dict:
        """All the edits' changes, later ones winning."""
        out: dict = {}
        for e in self.edits if edits is None else edits:
            out.update(e.changes)
        return out

    def edited(self, edits=None):
        """The instance with the edits made (checked: a bad edit is an InputError)."""
        inst = self.need_instance()
        ch = self.changes(edits)
        return inst.with_params(ch) if ch else inst

    def add_edit(self, edit: Edit) -> None:
        self.edited(self.edits + [edit])  # refused here, with its message, if it is wrong
        self.edits.append(edit)

    def undo(self, index: int) -> None:
        if not 0 <= index < len(self.edits):
            raise InputError(_("there is no change {n} to undo").format(n=index + 1))
        rest = self.edits[:index] + self.edits[index + 1:]
        self.edited(rest)
        self.edits = rest

    def spec(self, options: dict | None = None, edits=None) -> dict:
        """What a worker job needs: the source, the edits as changes, the run's keywords."""
        self.need_instance()
        return {"source": self.source, "changes": self.changes(edits),
                "options": dict(options or {})}

    # ------------------------------------------------------------------ plans
    def new_plan_id(self) -> str:
        self._n += 1
        return f"p{self._n}"

    def add_plan(self, view: dict, label: str, spec: dict | None) -> str:
        """Keep a plan (``spec``: how to solve it again for an export; None for a point of
        the front). Called from a job's watching thread too: under the session's lock."""
        with self.lock:
            pid = self.new_plan_id()
            plans = {**self.plans, pid: {**view, "id": pid, "label": label, "spec": spec}}
            for old in [p for p in plans if p not in self.compare][:-MAX_PLANS]:
                del plans[old]
            self.plans = plans
        return pid

    def keep(self, pid: str) -> None:
        """Keep a plan side by side (at most four; the oldest leaves)."""
        if pid not in self.plans:
            raise InputError(_("there is no plan {plan}").format(plan=pid))
        if pid not in self.compare:
            self.compare = (self.compare + [pid])[-MAX_COMPARE:]

    def cancel(self) -> bool:
        return self.job is not None and self.job.cancel()

    def busy(self) -> bool:
        return self.job is not None and self.job.status == "running"


def official_pairs(inst) -> tuple[str, list[tuple[str, str]]] | None:
    """The official pairings of an instance that documents them (``data/pairings.csv``
    with a ``round`` column, as the bundled Guangdong builds its README's comparison):
    (the latest round's year, its pairs); None without them."""
    path = Path(getattr(inst, "path", "") or "") / "data" / "pairings.csv"
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("partner") and r.get("round")]
    if not rows:
        return None
    year = max(r["round"][:4] for r in rows)
    known_d, known_r = set(inst.partners.index.astype(str)), set(inst.recipients.index.astype(str))
    pairs = sorted({(r["partner"], r["recipient"]) for r in rows if r["round"].startswith(year)
                    and r["partner"] in known_d and r["recipient"] in known_r})
    return (year, pairs) if pairs else None


def official_edit(inst) -> Edit | None:
    """The official pairings as an edit: those pairs kept, every other pair forbidden (the
    optimizer still chooses their types and resources)."""
    found = official_pairs(inst)
    if found is None:
        return None
    year, pairs = found
    keep = set(pairs)
    changes = {}
    for d in inst.partners.index.astype(str):
        for r in inst.recipients.index.astype(str):
            on = (d, r) in keep
            changes[f"pairs[{d},{r}].allowed"] = on
            changes[f"pairs[{d},{r}].fixed"] = on
    return Edit(_("the official {year} pairings").format(year=year), changes)


class Sessions:
    """The sessions of one server, by cookie id."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._all: dict[str, Session] = {}
        self._lock = threading.Lock()

    def get(self, sid: str | None) -> Session | None:
        with self._lock:
            return self._all.get(sid) if sid else None

    def new(self) -> Session:
        sid = secrets.token_urlsafe(16)
        s = Session(sid, self.folder / f"session-{sid[:8]}")
        with self._lock:
            self._all[sid] = s
        return s

    def close(self) -> None:
        for s in list(self._all.values()):
            s.cancel()
