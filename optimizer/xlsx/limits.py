"""The limits within which an .xlsx file is read (documented in docs/instance-format.md).

Every part of the reader reads them from here at the time it checks (``limits.MAX_CELLS``),
so that a test may lower one.
"""

MAX_FILE_BYTES = 32 * 2**20
"""Largest .xlsx file read (32 MiB; a county-level instance is a few MiB)."""
MAX_UNPACKED_BYTES = 128 * 2**20
"""Largest total size of the parts of the file once unpacked (the zip-bomb check)."""
MAX_PARTS = 2000
"""Most parts (files inside the zip) of a workbook."""
MAX_XML_EVENTS = 12_000_000
"""Most XML elements and text pieces read in all (bounds the reading time, some seconds)."""
MAX_ROWS = 500_000
"""Lowest row that may hold a value."""
MAX_COLUMNS = 1_000
"""Rightmost column that may hold a value (column ALL)."""
MAX_CELLS = 2_000_000
"""Most non-empty cells read from a workbook."""
MAX_CELL_CHARS = 32_767
"""Longest text of a cell (Excel's own limit)."""
MAX_ENTRIES = 100_000
"""Most sheets, relationships, number formats or cell styles a workbook may list (Excel's own
limit on cell styles is 64,000)."""

RAW_CAP = 7 * MAX_CELL_CHARS
"""Most characters of a cell's stored text (each character may be escaped as ``_xHHHH_``)."""
EXCEL_MAX_ROW, EXCEL_MAX_COLUMN = 1_048_576, 16_384
"""The last row and column of a sheet of Excel."""
