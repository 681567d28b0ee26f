"""Workbooks, for planners who live in Excel.

- ``instance_book.py``: an instance folder as one ``.xlsx`` workbook and back
  (:func:`folder_to_workbook`, :func:`workbook_to_folder`; ``regcollab convert``). Reading an
  instance workbook is part of the instance layer (:mod:`optimizer.instance.xlsx_reader`);
- ``results_book.py``: ``results.xlsx`` of a results folder, with an Answer Report and a
  Sensitivity Report in the layouts of Excel Solver's (:func:`write_results_workbook`);
- ``cells.py``: values as cells (ids and names always as text), sheets and saving.

openpyxl (writing), defusedxml (reading) and tomli-w (``instance.toml``) come with the
``report`` extra.
"""

from __future__ import annotations

from ..instance.xlsx_reader import (
    PARAM_SHEET,
    README_SHEET,
    TABLE_SHEETS,
    number_text,
    read_parameters,
    read_sheet,
    text_of,
)
from .cells import append_row, cell_for, excel_text
from .instance_book import (
    flatten_params,
    folder_to_workbook,
    load_workbook_instance,
    read_extra_sheets,
    read_workbook,
    setting_rows,
    skipped_files,
    workbook_to_folder,
)
from .results_book import (
    RESULTS_FILE,
    constraint_label,
    summary_rows,
    variable_label,
    write_results_workbook,
)

__all__ = ["PARAM_SHEET", "README_SHEET", "RESULTS_FILE", "TABLE_SHEETS", "append_row",
           "cell_for", "constraint_label", "excel_text", "flatten_params",
           "folder_to_workbook", "load_workbook_instance", "number_text", "read_extra_sheets",
           "read_parameters", "read_sheet", "read_workbook", "setting_rows", "skipped_files",
           "summary_rows", "text_of", "variable_label", "workbook_to_folder",
           "write_results_workbook"]
