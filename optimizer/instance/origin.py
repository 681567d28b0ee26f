"""Where the values of an instance came from, in the words its messages use.

A reader returns its raw tables with an :class:`Origin`: the file (or workbook sheet) of each
table and of the settings, whether its rows are lines (a CSV file) or rows (a sheet), the row
of each table's header and of each setting. The validation and the whole-instance checks take
the location of every message from it, so that a message is made once, in its final words,
and never rewritten afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ..i18n import N_, _

ROW_WORDS = {"line": N_("line {n}"), "row": N_("row {n}")}
"""The place of a row: a file's line, a sheet's row (said in the current language)."""


def place(word: str, n) -> str:
    """``line 3`` (a file's line) or ``row 3`` (a sheet's row), in the current language."""
    return _(ROW_WORDS[word]).format(n=n) if word in ROW_WORDS else f"{word} {n}"


LINE = "_line"
"""Hidden column of a raw table: the line of the file (or row of the sheet) a row came from."""
FILES = {"partners": "partners.csv", "recipients": "recipients.csv", "pairs": "pairs.csv",
         "clusters": "clusters.csv"}
SETTINGS_FILE = "instance.toml"
TABLES = ("partners", "recipients", "pairs", "clusters")
OPTIONAL_TABLES = ("pairs", "clusters")
"""Tables an instance may leave out (no file, no sheet)."""


def _folder_files() -> dict:
    return {**FILES, "settings": SETTINGS_FILE}


@dataclass(frozen=True)
class Origin:
    """Where an instance's tables and settings were read from.

    ``files``: the file (or ``"book.xlsx, sheet partners"``) of each table and of
    ``"settings"``; ``refs``: how a message's text names a table ("not in partners.csv", "not
    in the partners sheet"); ``row_word``: ``"line"`` (a CSV file) or ``"row"`` (a sheet);
    ``headers``: the line or row of each table's header (1 unless given);
    ``setting_rows``: the row of each dotted setting (a workbook's parameters sheet)."""

    files: Mapping[str, str | None] = field(default_factory=_folder_files)
    refs: Mapping[str, str] = field(default_factory=lambda: dict(FILES))
    row_word: str = "line"
    headers: Mapping[str, int] = field(default_factory=dict)
    setting_rows: Mapping[str, str] = field(default_factory=dict)

    def file(self, table: str) -> str | None:
        return self.files.get(table)

    def ref(self, table: str) -> str:
        return self.refs.get(table, table)

    def header(self, table: str) -> str:
        """The header's place: ``line 1``, ``row 3``."""
        return place(self.row_word, self.headers.get(table, 1))

    def row(self, line, i: int, tag: str = "") -> str:
        """A row as the planner finds it: its line (or sheet row), else its position, and a
        tag such as ``id SZ`` or ``pair SZ-MZ``."""
        label = place(self.row_word, line) if line is not None else place("row", i + 1)
        return label + (_(" ({tag})").format(tag=tag) if tag else "")

    def row_of(self, df: pd.DataFrame, i: int, id_col: str | None) -> str:
        """The row ``i`` of a raw table (its ``_line``, its id or its pair)."""
        line = df[LINE].iat[i] if LINE in df else None
        return self.row(line, i, row_tag(df, i, id_col))

    def setting(self, key: str) -> dict:
        """``file`` and ``row`` (for :class:`InstanceError`) of the setting ``key``; a section
        (``types.road``) is found at its first key."""
        rows = self.setting_rows
        row = rows.get(key) or next((r for k, r in rows.items() if k.startswith(key + ".")),
                                    None)
        return {"file": self.files.get("settings"), "row": row}


def row_tag(df: pd.DataFrame, i: int, id_col: str | None) -> str:
    """``id X`` of a row with an id, ``pair D-R`` of a row of pairs, else nothing."""
    if id_col and id_col in df:
        ident = df[id_col].iat[i]
        return _("id {id}").format(id=ident) if isinstance(ident, str) and ident else ""
    if "partner" in df and "recipient" in df:
        d, r = df["partner"].iat[i], df["recipient"].iat[i]
        if isinstance(d, str) and isinstance(r, str):
            return _("pair {pair}").format(pair=f"{d.strip()}-{r.strip()}")
    return ""


FOLDER = Origin()
"""The origin of a folder's files (and of tables given to :meth:`Instance.from_tables`)."""
CHANGES = Origin(files={**FILES, "settings": None})
"""The origin of settings changed by :meth:`Instance.with_params`: messages name the change."""


def workbook_origin(label: str, headers: Mapping[str, int],
                    setting_rows: Mapping[str, str]) -> Origin:
    """The origin of an instance workbook ``label`` (its sheets, their rows)."""
    sheet, ref = _("{book}, sheet {sheet}"), _("the {sheet} sheet")
    return Origin(files={**{t: sheet.format(book=label, sheet=t) for t in TABLES},
                         "settings": sheet.format(book=label, sheet="parameters")},
                  refs={t: ref.format(sheet=t) for t in TABLES}, row_word="row",
                  headers=dict(headers), setting_rows=dict(setting_rows))
