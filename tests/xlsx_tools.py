"""Helpers to build hostile .xlsx files: rewrite the parts (XML files) inside a workbook's zip.

``demo_book`` is the demo instance as a workbook, written by openpyxl (which stores text
inline); ``shared_strings`` turns that text into a shared-string table as Excel writes it.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import DEMO

# where openpyxl writes the sheets of a converted instance
SHEET_PART = {"partners": "xl/worksheets/sheet1.xml", "recipients": "xl/worksheets/sheet2.xml",
              "pairs": "xl/worksheets/sheet3.xml", "parameters": "xl/worksheets/sheet4.xml"}
SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def demo_book(tmp: Path, name: str = "demo.xlsx") -> Path:
    from optimizer.workbook import folder_to_workbook

    return folder_to_workbook(DEMO, tmp / name)


def parts(book: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(book) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_parts(path: Path, content: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in content.items():
            z.writestr(name, data)
    return path


def patched(book: Path, out: Path, part: str, change) -> Path:
    """A copy of ``book`` whose ``part`` is ``change(text)`` (``change`` returns str or bytes;
    None deletes the part)."""
    content = parts(book)
    new = change(content[part].decode("utf-8")) if part in content else change(None)
    if new is None:
        content.pop(part, None)
    else:
        content[part] = new.encode("utf-8") if isinstance(new, str) else new
    return write_parts(out, content)


def sub_once(pattern: str, repl: str):
    """A change that replaces the first match of ``pattern`` (and insists there is one)."""
    def change(text):
        new, n = re.subn(pattern, repl, text, count=1)
        assert n == 1, pattern
        return new
    return change


def shared_strings(book: Path, out: Path) -> Path:
    """``book`` with its inline text moved into a shared-string table, as Excel stores it."""
    content = parts(book)
    table: list[str] = []
    index: dict[str, int] = {}

    def ref(m):
        text = m.group(2)
        if text not in index:
            index[text] = len(table)
            table.append(text)
        return f'{m.group(1)} t="s"><v>{index[text]}</v></c>'

    for name in list(content):
        if name.startswith("xl/worksheets/"):
            xml = content[name].decode("utf-8")
            xml = re.sub(r'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="inlineStr"><is>'
                         r'<t(?: xml:space="preserve")?>(.*?)</t></is></c>', ref, xml)
            content[name] = xml.encode("utf-8")
    si = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in table)
    content["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(table)}" uniqueCount="{len(table)}">{si}</sst>').encode("utf-8")
    rels = content["xl/_rels/workbook.xml.rels"].decode("utf-8")
    content["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Type="{SST_TYPE}" Target="sharedStrings.xml" '
        'Id="rIdSST" /></Relationships>').encode("utf-8")
    ct = content["[Content_Types].xml"].decode("utf-8")
    content["[Content_Types].xml"] = ct.replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_CT}" />'
        "</Types>").encode("utf-8")
    return write_parts(out, content)


def xml_text(s: str) -> str:
    return escape(s)
