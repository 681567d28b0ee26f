"""The catalogue of bad inputs: each gets exit status 2 and one message naming the file, the row
and the column, for ``validate`` and for ``solve``, and never a traceback.

Every case edits a copy of the demo instance. The first expected fragment is the file the
message must start with; the others are the row (``line N``, the id or pair), the column and
what is wrong. (Suspicious but legal data gives warnings instead: ``test_validation.py``.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT
from test_validation import make, replace, run_cli


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def rewrite(path, encoding=None, data=None, text=None):
    if data is not None:
        path.write_bytes(data)
    else:
        path.write_text(text if text is not None else path.read_text(encoding="utf-8"),
                        encoding=encoding or "utf-8")


def add_column(path, header, values):
    """Add a column to a CSV: ``values`` one per data line, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0] + "," + header]
    for line, v in zip(lines[1:], values):
        out.append(line + "," + v)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


PAIRS_FIXED = "partner,recipient,comp,pot,ben,fixed\n"
CLUSTERS = "id,name,partners,recipients,setup,synergy,min_links\n"


def clusters(*rows):
    """An edit that writes ``clusters.csv`` with ``rows`` below the header."""
    return lambda d: (d / "clusters.csv").write_text(CLUSTERS + "\n".join(rows) + "\n",
                                                     encoding="utf-8")


def at_g1(column, *what):
    """The fragments of a message about the first cluster's ``column``."""
    return ["clusters.csv", "line 2 (id G1)", f"column '{column}'", *what]


CASES = {
    # name: (edit, expected fragments: file first, then row, column, what)
    # ---------------------------------------------------------------- missing things
    "missing partners file": (lambda d: (d / "partners.csv").unlink(),
                              ["partners.csv", "missing"]),
    "missing recipients file": (lambda d: (d / "recipients.csv").unlink(),
                                ["recipients.csv", "missing"]),
    "missing instance.toml": (lambda d: (d / "instance.toml").unlink(),
                              ["instance.toml", "missing"]),
    "a folder instead of a file": (lambda d: ((d / "partners.csv").unlink(),
                                              (d / "partners.csv").mkdir()),
                                   ["partners.csv", "missing"]),
    "missing column": (lambda d: replace(d / "recipients.csv", ",population,", ",pop,"),
                       ["recipients.csv", "line 1", "population", "missing"]),
    "missing resource column": (lambda d: replace(d / "recipients.csv", ",prod.talent", ",prod.skills"),
                                ["recipients.csv", "prod.talent", "missing"]),
    "pairs without a partner column": (
        lambda d: replace(d / "pairs.csv", "partner,recipient", "donor,recipient"),
        ["pairs.csv", "line 1", "'partner' is missing"]),
    "resource declared but no supply column": (
        lambda d: append(d / "instance.toml", "\n[resources.land]\nvalue = 1\n"),
        ["partners.csv", "supply.land", "missing"]),
    # ---------------------------------------------------------------- empty tables and files
    "empty partners table": (lambda d: (d / "partners.csv").write_text("id,name,max_partners,supply.funds,supply.talent\n"),
                             ["partners.csv", "no partners"]),
    "empty recipients table": (
        lambda d: (d / "recipients.csv").write_text(
            (d / "recipients.csv").read_text().splitlines()[0] + "\n"),
        ["recipients.csv", "no recipients"]),
    "empty file": (lambda d: (d / "partners.csv").write_text(""),
                   ["partners.csv", "empty"]),
    # ---------------------------------------------------------------- encodings and CSV syntax
    "not utf-8": (lambda d: (d / "partners.csv").write_bytes(
        (d / "partners.csv").read_bytes().replace(b"Harbour", b"Harb\xe9our")),
        ["partners.csv", "line 2", "UTF-8"]),
    "utf-16 csv": (lambda d: rewrite(d / "partners.csv", encoding="utf-16"),
                   ["partners.csv", "UTF-16"]),
    "utf-16 toml": (lambda d: rewrite(d / "instance.toml", encoding="utf-16"),
                    ["instance.toml", "UTF-16"]),
    "toml not utf-8": (lambda d: rewrite(d / "instance.toml", data=(d / "instance.toml").read_bytes()
                                         .replace(b'name = "demo"', b'name = "d\xffmo"')),
                       ["instance.toml", "UTF-8"]),
    "wrong number of fields": (lambda d: replace(d / "partners.csv", "B,Delta City,2,60,20", "B,Delta City,2,60"),
                               ["partners.csv", "line 3", "fields"]),
    "more fields than the header": (
        lambda d: replace(d / "partners.csv", "A,Harbour City,2,100,10", "A,Harbour City,2,100,10,7"),
        ["partners.csv", "line 2", "6 fields"]),
    "empty column name": (lambda d: replace(d / "recipients.csv", "id,name,", "id,,"),
                          ["recipients.csv", "line 1", "empty column name"]),
    "duplicate column": (lambda d: replace(d / "partners.csv", "id,name,max_partners", "id,name,name"),
                         ["partners.csv", "line 1", "'name' appears twice"]),
    "unclosed quote": (lambda d: replace(d / "recipients.csv", "X,Hill County", 'X,"Hill County'),
                       ["recipients.csv", "line 2", "never closed"]),
    # ---------------------------------------------------------------- wrong types
    "non-numeric": (lambda d: replace(d / "partners.csv", "B,Delta City,2,60,20", "B,Delta City,2,sixty,20"),
                    ["partners.csv", "line 3", "id B", "supply.funds", "'sixty' is not a number"]),
    "decimal comma": (lambda d: replace(d / "recipients.csv", "80,10,1.0,3.0", '80,10,"1,0",3.0'),
                      ["recipients.csv", "line 2", "id X", "prod.funds", "'1,0' is not a number"]),
    "percent sign": (lambda d: replace(d / "recipients.csv", ",,60,10,", ",,60%,10,"),
                     ["recipients.csv", "line 3", "id Y", "need.funds", "'60%' is not a number"]),
    "an expression is not evaluated": (
        lambda d: replace(d / "partners.csv", "B,Delta City,2,60,20", "B,Delta City,2,6*10,20"),
        ["partners.csv", "line 3", "supply.funds", "'6*10' is not a number"]),
    "NUL byte in a number": (lambda d: replace(d / "partners.csv", "A,Harbour City,2,100,", "A,Harbour City,2,10\x000,"),
                             ["partners.csv", "line 2", "supply.funds", "not a number"]),
    "empty required cell": (lambda d: replace(d / "recipients.csv", "100,3.0,6.0", "100,,6.0"),
                            ["recipients.csv", "line 2", "id X", "baseline", "empty"]),
    "fractional max_partners": (lambda d: replace(d / "partners.csv", "A,Harbour City,2,", "A,Harbour City,1.5,"),
                                ["partners.csv", "line 2", "max_partners", "whole number"]),
    "bad boolean": (lambda d: add_column(d / "pairs.csv", "allowed", ["sometimes"] + [""] * 5),
                    ["pairs.csv", "line 2", "allowed", "'sometimes' is not true or false"]),
    "fixed is not a boolean": (lambda d: add_column(d / "pairs.csv", "fixed", ["2"] + [""] * 5),
                               ["pairs.csv", "line 2", "fixed", "'2' is not true or false"]),
    "alpha as text": (lambda d: replace(d / "instance.toml", "alpha = 0.3", 'alpha = "0.3"'),
                      ["instance.toml", "balance.alpha", "must be a number"]),
    "lambda as a boolean": (lambda d: replace(d / "instance.toml", "lambda = 0.5", "lambda = true"),
                            ["instance.toml", "objective.lambda", "must be a number"]),
    "a section that is not a table": (
        lambda d: rewrite(d / "instance.toml", text="pairs = 3\n" + (d / "instance.toml").read_text()),
        ["instance.toml", "'pairs' must be a table"]),
    # ---------------------------------------------------------------- NaN and infinities
    "NaN value": (lambda d: replace(d / "recipients.csv", "100,3.0,6.0", "100,NaN,6.0"),
                  ["recipients.csv", "line 2", "id X", "baseline", "NaN"]),
    "NaN in pairs": (lambda d: replace(d / "pairs.csv", "A,X,0.0,1.0,0.7", "A,X,0.0,1.0,nan"),
                     ["pairs.csv", "line 2", "pair A-X", "ben", "not a number"]),
    "infinite value": (lambda d: replace(d / "recipients.csv", "100,3.0,6.0", "100,inf,6.0"),
                       ["recipients.csv", "line 2", "id X", "baseline", "finite"]),
    "minus infinity": (lambda d: replace(d / "partners.csv", "B,Delta City,2,60,20", "B,Delta City,2,60,-inf"),
                       ["partners.csv", "line 3", "id B", "supply.talent", "finite"]),
    "overflowing number": (lambda d: replace(d / "recipients.csv", "80,10,1.0,3.0", "80,10,1.0,1e400"),
                           ["recipients.csv", "line 2", "id X", "prod.talent", "finite"]),
    "infinite pot": (lambda d: replace(d / "pairs.csv", "A,X,0.0,1.0,0.7", "A,X,0.0,inf,0.7"),
                     ["pairs.csv", "line 2", "pot", "finite"]),
    # ---------------------------------------------------------------- negative and absurd values
    "negative supply": (lambda d: replace(d / "partners.csv", "A,Harbour City,2,100,10", "A,Harbour City,2,-100,10"),
                        ["partners.csv", "line 2", "id A", "supply.funds", "at least 0"]),
    "negative need": (lambda d: replace(d / "recipients.csv", ",,60,10,", ",,-60,10,"),
                      ["recipients.csv", "line 3", "id Y", "need.funds", "at least 0"]),
    "negative target": (lambda d: replace(d / "recipients.csv", "80,2.0,6.0", "80,2.0,-6.0"),
                        ["recipients.csv", "line 4", "id W", "target", "at least 1e-6"]),
    "zero population": (lambda d: replace(d / "recipients.csv", "Y,Lake County,50,", "Y,Lake County,0,"),
                        ["recipients.csv", "line 3", "id Y", "population", "at least 1e-6"]),
    "absurd population": (lambda d: replace(d / "recipients.csv", "X,Hill County,100,", "X,Hill County,1e15,"),
                          ["recipients.csv", "line 2", "id X", "population", "at most 1e10",
                           "unit mistake"]),
    "absurd supply": (lambda d: replace(d / "partners.csv", "A,Harbour City,2,100,", "A,Harbour City,2,5e12,"),
                      ["partners.csv", "line 2", "id A", "supply.funds", "at most 1e12"]),
    "absurd max_partners": (lambda d: replace(d / "partners.csv", "A,Harbour City,2,", "A,Harbour City,1e15,"),
                            ["partners.csv", "line 2", "max_partners", "at most 100000"]),
    "negative min_partners": (
        lambda d: replace(d / "recipients.csv", "X,Hill County,100,3.0,6.0,1,", "X,Hill County,100,3.0,6.0,-1,"),
        ["recipients.csv", "line 2", "id X", "min_partners", "at least 0"]),
    "pot above 1": (lambda d: replace(d / "pairs.csv", "A,X,0.0,1.0,0.7", "A,X,0.0,1.5,0.7"),
                    ["pairs.csv", "line 2", "column 'pot'", "between 0 and 1"]),
    "ben below 0": (lambda d: replace(d / "pairs.csv", "A,X,0.0,1.0,0.7", "A,X,0.0,1.0,-0.1"),
                    ["pairs.csv", "line 2", "column 'ben'", "between 0 and 1"]),
    # ---------------------------------------------------------------- ids
    "duplicate id": (lambda d: replace(d / "recipients.csv", "W,Forest County", "X,Forest County"),
                     ["recipients.csv", "line 4", "column 'id'", "'X' is used twice", "line 2"]),
    "duplicate partner id": (lambda d: replace(d / "partners.csv", "B,Delta City", "A,Delta City"),
                             ["partners.csv", "line 3", "column 'id'", "'A' is used twice"]),
    "empty id": (lambda d: replace(d / "partners.csv", "B,Delta City", ",Delta City"),
                 ["partners.csv", "line 3", "column 'id'", "empty"]),
    "id with a comma": (lambda d: replace(d / "partners.csv", "B,Delta City", '"B,2",Delta City'),
                        ["partners.csv", "line 3", "column 'id'", "contains ','"]),
    "id with a line break": (lambda d: replace(d / "recipients.csv", "W,Forest County", '"W\nV",Forest County'),
                             ["recipients.csv", "line 4", "column 'id'", "control characters"]),
    "unknown recipient in pairs": (lambda d: replace(d / "pairs.csv", "A,W,", "A,Z,"),
                                   ["pairs.csv", "line 4", "recipient", "'Z' is not in recipients.csv"]),
    "unknown partner in pairs": (lambda d: replace(d / "pairs.csv", "B,X,", "C,X,"),
                                 ["pairs.csv", "line 5", "partner", "'C' is not in partners.csv"]),
    "duplicate pair": (lambda d: replace(d / "pairs.csv", "B,X,", "A,X,"),
                       ["pairs.csv", "line 5", "listed twice", "line 2"]),
    # ---------------------------------------------------------------- resources and columns
    "resource only in recipients": (
        lambda d: (replace(d / "recipients.csv", ",prod.funds,", ",prod.funds,prod.water,"),
                   replace(d / "recipients.csv", ",0.8,4.0", ",0.8,1,4.0"),
                   replace(d / "recipients.csv", ",1.5,2.0", ",1.5,1,2.0"),
                   replace(d / "recipients.csv", ",1.0,3.0", ",1.0,1,3.0")),
        ["recipients.csv", "prod.water", "resource 'water'", "not a resource"]),
    "supply of an unknown resource": (
        lambda d: add_column(d / "partners.csv", "supply.water", ["1", "2"]),
        ["partners.csv", "line 1", "supply.water", "not a resource"]),
    "resource name with a bracket": (
        lambda d: replace(d / "instance.toml", "[resources.talent]", '[resources."tal]ent"]'),
        ["instance.toml", "tal]ent", "contains ']'"]),
    # ---------------------------------------------------------------- instance.toml
    "malformed TOML": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = = 0.3"),
                       ["instance.toml", "not valid TOML", "line"]),
    "duplicate TOML key": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 0.3\nalpha = 0.4"),
                           ["instance.toml", "not valid TOML"]),
    "unknown setting": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpah = 0.3"),
                        ["instance.toml", "balance.alpah", "unknown"]),
    "unknown method": (lambda d: replace(d / "instance.toml", 'method = "weighted"', 'method = "best"'),
                       ["instance.toml", "objective.method", "one of"]),
    "unknown equity measure": (lambda d: replace(d / "instance.toml", 'equity = "maxmin"', 'equity = "gini"'),
                               ["instance.toml", "objective.equity", "one of"]),
    "alpha outside [0,1]": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 3"),
                            ["instance.toml", "balance.alpha", "between 0 and 1"]),
    "negative gamma": (lambda d: replace(d / "instance.toml", "gamma = 0.3", "gamma = -0.1"),
                       ["instance.toml", "balance.gamma", "between 0 and 1"]),
    "beta zero": (lambda d: replace(d / "instance.toml", "lambda = 0.5", "lambda = 0.5\nbeta = 0"),
                  ["instance.toml", "objective.beta", "above 0 and at most 1"]),
    "absurd theta": (lambda d: replace(d / "instance.toml", "gamma = 0.3", "gamma = 0.3\ntheta = 1e6"),
                     ["instance.toml", "balance.theta", "between 0 and 100"]),
    "rho above 1": (lambda d: replace(d / "instance.toml", "gamma = 0.3", "gamma = 0.3\nrho = 1.5"),
                    ["instance.toml", "balance.rho", "between 0 and 1"]),
    "negative soft penalty": (lambda d: append(d / "instance.toml", "\n[balance.soft]\naccess_floor = -5\n"),
                              ["instance.toml", "balance.soft.access_floor", "at least 0"]),
    "soft rule that does not exist": (lambda d: append(d / "instance.toml", "\n[balance.soft]\nfairness = 10\n"),
                                      ["instance.toml", "balance.soft.fairness", "names no balance rule"]),
    "resource value zero": (lambda d: replace(d / "instance.toml", "value = 1.0", "value = 0"),
                            ["instance.toml", "resources.funds.value", "at least 1e-6"]),
    "type threshold outside [0,1]": (
        lambda d: append(d / "instance.toml", "\n[types.platform]\nben_min = 1.4\n"),
        ["instance.toml", "types.platform.ben_min", "between 0 and 1"]),
    "negative type threshold": (lambda d: append(d / "instance.toml", "\n[types.institutional]\npot_min = -0.1\n"),
                                ["instance.toml", "types.institutional.pot_min", "between 0 and 1"]),
    "type multiplier zero": (lambda d: append(d / "instance.toml", "\n[types.platform]\nmult = 0\n"),
                             ["instance.toml", "types.platform.mult", "above 0"]),
    "kappa above 1": (lambda d: append(d / "instance.toml", "\n[types.project]\nkappa = 1.5\n"),
                      ["instance.toml", "types.project.kappa", "between 0 and 1"]),
    "new type without its parameters": (
        lambda d: append(d / "instance.toml", "\n[types.cooperative]\nmult = 1.2\n"),
        ["instance.toml", "types.cooperative.kappa", "must be given"]),
    "unknown type setting": (lambda d: append(d / "instance.toml", "\n[types.platform]\nmultiplier = 2\n"),
                             ["instance.toml", "types.platform.multiplier", "unknown"]),
    # ---------------------------------------------------------------- settings that would be ignored
    "misspelt section": (lambda d: append(d / "instance.toml", "\n[balanse]\nalpha = 0.5\n"),
                         ["instance.toml", "unknown section 'balanse'", "did you mean [balance]"]),
    "plural section": (lambda d: replace(d / "instance.toml", "[objective]", "[objectives]"),
                       ["instance.toml", "'objectives'", "did you mean [objective]"]),
    "singular types section": (lambda d: append(d / "instance.toml", "\n[type.platform]\nmult = 2\n"),
                               ["instance.toml", "'type'", "did you mean [types]"]),
    "section in capitals": (lambda d: append(d / "instance.toml", "\n[Balance]\nalpha = 0.1\n"),
                            ["instance.toml", "'Balance'", "[balance]", "case-sensitive"]),
    "setting at the top level": (lambda d: rewrite(d / "instance.toml", text="alpha = 0.9\n"
                                                   + (d / "instance.toml").read_text()),
                                 ["instance.toml", "unknown setting 'alpha'", "'balance.alpha'"]),
    "setting in the wrong section": (
        lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 0.3\nlambda = 0.9"),
        ["instance.toml", "'balance.lambda'", "did you mean 'objective.lambda'"]),
    "unknown unit": (lambda d: replace(d / "instance.toml", "[units]", "[units]\nmoney = \"yuan\""),
                     ["instance.toml", "'units.money'", "[units] may hold"]),
    "misspelt resource setting": (lambda d: replace(d / "instance.toml", "value = 1.0", "valeu = 1.0"),
                                  ["instance.toml", "'resources.funds.valeu'", "did you mean 'resources.funds.value'"]),
    "misspelt choice": (lambda d: replace(d / "instance.toml", 'method = "weighted"', 'method = "weigthed"'),
                        ["instance.toml", "objective.method", "did you mean 'weighted'"]),
    "new type that looks like a typo": (
        lambda d: append(d / "instance.toml", "\n[types.platfrom]\nmult = 2\n"),
        ["instance.toml", "types.platfrom", "must be given", "did you mean [types.platform]"]),
    # ---------------------------------------------------------------- TOML values of the wrong kind or size
    "soft as a list of lists": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = 0.3\nsoft = [[\"coverage\"]]"),
                                ["instance.toml", "'balance.soft'", "a list", "rule names"]),
    "400-digit integer": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = " + "9" * 400),
                          ["instance.toml", "'balance.alpha'", "401 digits", "too large"]),
    "5000-digit integer": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = " + "9" * 5000),
                           ["instance.toml", "not valid TOML", "too long"]),
    "list where a number is expected": (lambda d: replace(d / "instance.toml", "alpha = 0.3", "alpha = [0.3]"),
                                        ["instance.toml", "'balance.alpha'", "must be a number, not a list"]),
    "table where a number is expected": (lambda d: replace(d / "instance.toml", "lambda = 0.5", "lambda = {value = 0.5}"),
                                         ["instance.toml", "'objective.lambda'", "not a table"]),
    "number where text is expected": (lambda d: replace(d / "instance.toml", 'name = "demo"', "name = 3"),
                                      ["instance.toml", "'name'", "must be text"]),
    "unit that is not text": (lambda d: replace(d / "instance.toml", 'unit = "100m yuan"', "unit = 100"),
                              ["instance.toml", "'resources.funds.unit'", "must be text"]),
    "year that is not a year": (lambda d: replace(d / "instance.toml", "year = 2024", "year = 2024.5"),
                                ["instance.toml", "'year'", "whole number"]),
    "flag that is not a boolean": (lambda d: replace(d / "instance.toml", "illustrative = true", 'illustrative = "yes"'),
                                   ["instance.toml", "'illustrative'", "true or false"]),
    "nesting 1000 deep": (lambda d: rewrite(d / "instance.toml", text="x = " + "[" * 1000 + "]" * 1000
                                            + "\n" + (d / "instance.toml").read_text()),
                          ["instance.toml", "line 1", "more than 16 deep"]),
    "100,000-part dotted key": (lambda d: rewrite(d / "instance.toml", text=".".join(["a"] * 100_000)
                                                  + " = 1\n" + (d / "instance.toml").read_text()),
                                ["instance.toml", "line 1", "more than 16 parts"]),
    "too many keys": (lambda d: append(d / "instance.toml", "\n[pairs]\n" + "".join(
        f"k{i} = 1\n" for i in range(10_001))), ["instance.toml", "more than 10,000 keys"]),
    "instance.toml over 1 MB": (lambda d: append(d / "instance.toml", ("# " + "x" * 98 + "\n") * 10_001),
                                ["instance.toml", "bytes, more than the 1,000,000"]),
    "control character in the instance name": (
        lambda d: replace(d / "instance.toml", 'name = "demo"', 'name = "demo\\u001b[31m"'),
        ["instance.toml", "'name'", "U+001B"]),
    # ---------------------------------------------------------------- encodings and odd characters
    "utf-32 LE toml": (lambda d: rewrite(d / "instance.toml", encoding="utf-32"),
                       ["instance.toml", "UTF-32 LE"]),
    "utf-32 BE csv": (lambda d: rewrite(d / "recipients.csv", data=b"\x00\x00\xfe\xff" + (
        d / "recipients.csv").read_text().encode("utf-32-be")), ["recipients.csv", "UTF-32 BE"]),
    "utf-16 BE csv": (lambda d: rewrite(d / "partners.csv", data=b"\xfe\xff" + (
        d / "partners.csv").read_text().encode("utf-16-be")), ["partners.csv", "UTF-16 BE"]),
    "utf-16 without a byte-order mark": (
        lambda d: rewrite(d / "partners.csv", data=(d / "partners.csv").read_text().encode("utf-16-le")),
        ["partners.csv", "UTF-16 or UTF-32", "no byte-order mark"]),
    "escape sequence in a name": (lambda d: replace(d / "recipients.csv", "X,Hill County", "X,Hill\x1b[31mCounty"),
                                  ["recipients.csv", "line 2", "column 'name'", "U+001B"]),
    "line break in a name": (lambda d: replace(d / "partners.csv", "B,Delta City", 'B,"Delta\nCity"'),
                             ["partners.csv", "line 3", "column 'name'", "U+000A"]),
    "zero-width space in an id": (lambda d: replace(d / "partners.csv", "B,Delta City", "B\u200b,Delta City"),
                                  ["partners.csv", "line 3", "column 'id'", "U+200B", "invisible"]),
    "byte-order mark inside an id": (lambda d: replace(d / "recipients.csv", "W,Forest", "\ufeffW,Forest"),
                                     ["recipients.csv", "line 4", "column 'id'", "U+FEFF"]),
    "C1 control character in an id": (lambda d: replace(d / "recipients.csv", "W,Forest", "W\x85V,Forest"),
                                      ["recipients.csv", "line 4", "column 'id'", "U+0085"]),
    # ---------------------------------------------------------------- values the solver cannot take
    "population 1e-20": (lambda d: replace(d / "recipients.csv", "X,Hill County,100,", "X,Hill County,1e-20,"),
                         ["recipients.csv", "line 2", "population", "at least 1e-6", "unit mistake"]),
    "target 5e-324": (lambda d: replace(d / "recipients.csv", "80,2.0,6.0", "80,2.0,5e-324"),
                      ["recipients.csv", "line 4", "target", "at least 1e-6"]),
    # ---------------------------------------------------------------- sizes (refused before memory runs out)
    "a million recipients": (
        lambda d: append(d / "recipients.csv", "".join(f"R{i},,100,3.0,6.0,1,,80,10,1.0,3.0\n"
                                                        for i in range(1_000_000))),
        ["recipients.csv", "1,000,003 lines of data", "more than the 100,000"]),
    # ---------------------------------------------------------------- contradictory rules
    "min above max partners": (
        lambda d: replace(d / "recipients.csv", "X,Hill County,100,3.0,6.0,1,,", "X,Hill County,100,3.0,6.0,3,2,"),
        ["recipients.csv", "line 2", "id X", "min_partners", "larger than max_partners"]),
    "fixed but not allowed": (
        lambda d: (d / "pairs.csv").write_text("partner,recipient,pot,ben,allowed,fixed\nA,X,1,0.7,false,true\n"),
        ["pairs.csv", "line 2", "fixed", "not allowed"]),
    "fixed pair that can take no type": (
        lambda d: (append(d / "instance.toml", "\n[types.project]\npot_min = 0.1\n"),
                   (d / "pairs.csv").write_text("partner,recipient,pot,ben,fixed\nA,X,0.0,0.1,true\n")),
        ["pairs.csv", "line 2", "fixed", "can take no collaboration type"]),
    "more fixed pairings than a partner may take": (
        lambda d: (d / "pairs.csv").write_text(PAIRS_FIXED + "A,X,0,1.0,0.7,true\nA,Y,0,0.3,0.5,true\n"
                                               "A,W,0,0.5,0.2,true\n"),
        ["partners.csv", "line 2", "id A", "max_partners", "3 fixed pairings"]),
    "more fixed pairings than a recipient may get": (
        lambda d: (replace(d / "recipients.csv", "X,Hill County,100,3.0,6.0,1,,", "X,Hill County,100,3.0,6.0,1,1,"),
                   (d / "pairs.csv").write_text(PAIRS_FIXED + "A,X,0,1.0,0.7,true\nB,X,0,0.2,0.3,true\n")),
        ["recipients.csv", "line 2", "id X", "max_partners", "2 fixed pairings"]),
    # ---------------------------------------------------------------- rounds (MODEL-v2 A)
    "no rounds": (lambda d: append(d / "instance.toml", "\n[rounds]\ncount = 0\n"),
                  ["instance.toml", "rounds.count", "between 1 and 50"]),
    "rounds not a whole number": (lambda d: append(d / "instance.toml", "\n[rounds]\ncount = 2.5\n"),
                                  ["instance.toml", "rounds.count"]),
    "too many rounds": (lambda d: append(d / "instance.toml", "\n[rounds]\ncount = 1000\n"),
                        ["instance.toml", "rounds.count", "50"]),
    "discount of 0": (lambda d: append(d / "instance.toml", "\n[rounds]\ndiscount = 0\n"),
                      ["instance.toml", "rounds.discount"]),
    "trust decay above 1": (lambda d: append(d / "instance.toml", "\n[rounds]\ntrust_decay = 1.5\n"),
                            ["instance.toml", "rounds.trust_decay"]),
    "negative switch cost": (lambda d: append(d / "instance.toml", "\n[rounds]\nswitch_cost = -1\n"),
                             ["instance.toml", "rounds.switch_cost"]),
    "equity_at misspelt": (lambda d: append(d / "instance.toml", '\n[rounds]\nequity_at = "evry"\n'),
                           ["instance.toml", "rounds.equity_at", "every"]),
    "labels a number": (lambda d: append(d / "instance.toml", "\n[rounds]\nlabels = 3\n"),
                        ["instance.toml", "rounds.labels", "list of names"]),
    "misspelt rounds key": (lambda d: append(d / "instance.toml", "\n[rounds]\ncout = 3\n"),
                            ["instance.toml", "rounds.cout", "count"]),
    "negative trust_min": (lambda d: append(d / "instance.toml",
                                            "\n[types.platform]\ntrust_min = -0.1\n"),
                           ["instance.toml", "types.platform.trust_min"]),
    "trust_gain as text": (lambda d: append(d / "instance.toml",
                                            '\n[types.project]\ntrust_gain = "some"\n'),
                           ["instance.toml", "types.project.trust_gain", "must be a number"]),
    "negative trust0": (lambda d: add_column(d / "pairs.csv", "trust0", ["-1"] + [""] * 5),
                        ["pairs.csv", "line 2", "trust0"]),
    "trust0 not a number": (lambda d: add_column(d / "pairs.csv", "trust0", ["high"] + [""] * 5),
                            ["pairs.csv", "line 2", "trust0", "not a number"]),
    # ---------------------------------------------------------------- pairs.csv types
    "a pair's type misspelt": (
        lambda d: add_column(d / "pairs.csv", "types", ["", "project;plattform"] + [""] * 4),
        ["pairs.csv", "line 3", "types", "'plattform' is not a collaboration type",
         "did you mean 'platform'?"]),
    "a pair's type not in the instance": (
        lambda d: add_column(d / "pairs.csv", "types", ["regional"] + [""] * 5),
        ["pairs.csv", "line 2", "types", "'regional'", "project, platform, institutional"]),
    "fixed pair whose types leave no eligible type": (
        lambda d: (d / "pairs.csv").write_text("partner,recipient,pot,ben,fixed,types\n"
                                               "A,X,0.5,0.2,true,institutional\n"),
        ["pairs.csv", "line 2", "fixed", "can take no collaboration type",
         "types column allows only institutional"]),
    # ---------------------------------------------------------------- clusters.csv
    "cluster member not a partner": (
        clusters("G1,West,A;a2,W,0,0.1,1"),
        at_g1("partners", "'a2'", "not in partners.csv", "did you mean 'A'?")),
    "cluster member a recipient among partners": (
        clusters("G1,West,A;X,W,0,0.1,1"),
        at_g1("partners", "'X' is a recipient")),
    "cluster without partners": (
        clusters("G1,West,A,W,0,0.1,1", "G2,East,,X;Y,0,0.1,1"),
        ["clusters.csv", "line 3 (id G2)", "column 'partners'", "has no partner"]),
    "cluster without recipients": (
        clusters("G1,West,A;B, ; ,0,0.1,1"),
        at_g1("recipients", "has no recipient")),
    "cluster member twice": (
        clusters("G1,West,A,W; X ;W,0,0.1,1"),
        at_g1("recipients", "'W' is listed twice")),
    "negative cluster synergy": (
        clusters("G1,West,A,W,0,-0.1,1"),
        at_g1("synergy", "out of range")),
    "negative cluster setup": (
        clusters("G1,West,A,W,-2,0.1,1"),
        at_g1("setup", "at least 0")),
    "cluster min_links 0": (
        clusters("G1,West,A,W,0,0.1,0"),
        at_g1("min_links", "at least 1")),
    "cluster min_links not whole": (
        clusters("G1,West,A,W,0,0.1,1.5"),
        at_g1("min_links", "whole number")),
    "cluster min_links above its pairs": (
        clusters("G1,West,A;B,W;X,0,0.1,5"),
        at_g1("min_links", "only 4 member pairs", "2 partners x 2 recipients",
              "could never be formed")),
    "cluster id twice": (
        clusters("G1,West,A,W,0,0.1,1", "G1,East,B,X,0,0.1,1"),
        ["clusters.csv", "line 3", "column 'id'", "'G1' is used twice", "line 2"]),
    "cluster without an id column": (
        lambda d: (d / "clusters.csv").write_text("name,partners,recipients\nWest,A,W\n"),
        ["clusters.csv", "line 1", "'id' is missing"]),
    "cluster without a recipients column": (
        lambda d: (d / "clusters.csv").write_text("id,partners\nG1,A\n"),
        ["clusters.csv", "line 1", "'recipients' is missing"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_instance_exit_2(tmp_path, case):
    edit, fragments = CASES[case]
    inst = make(tmp_path, edit)
    for command in ("validate", "solve"):
        code, out = run_cli(command, inst)
        assert code == 2, (case, code, out)
        assert "Traceback" not in out
        assert out.startswith(f"error: {fragments[0]}"), out  # names the file first
        assert out.count("\n") == 1, out  # one message
        for frag in fragments:
            assert frag in out, (case, frag, out)


def test_catalogue_is_large_enough():
    assert len(CASES) >= 40


def test_missing_folder(tmp_path):
    code, out = run_cli("solve", tmp_path / "nowhere")
    assert code == 2 and "does not exist" in out


def test_instance_that_is_a_file(tmp_path):
    path = tmp_path / "inst.csv"
    path.write_text("id\n")
    code, out = run_cli("validate", path)
    assert code == 2 and "must be a folder" in out and "Traceback" not in out


def test_bad_options_of_diagnose(tmp_path):
    inst = make(tmp_path)
    for args in (["--max-conflicts", "0"], ["--time-limit", "-1"], ["--soft", "nosuch"]):
        code, out = run_cli("diagnose", inst, *args)
        assert code == 2, (args, out)
        assert "Traceback" not in out


def test_bad_input_in_diagnose_is_exit_2(tmp_path):
    inst = make(tmp_path, CASES["non-numeric"][0])
    code, out = run_cli("diagnose", inst)
    assert code == 2 and "partners.csv, line 3 (id B), column 'supply.funds'" in out


def test_subprocess_shows_no_traceback(tmp_path):
    """Through the installed entry point, as a planner runs it."""
    inst = make(tmp_path, CASES["non-numeric"][0])
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "solve", str(inst)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "partners.csv, line 3 (id B), column 'supply.funds'" in proc.stderr


def test_api_raises_instance_error(tmp_path):
    """The same catalogue through the Python API: an InstanceError, never another exception."""
    from optimizer import InstanceError, load_instance

    for case, (edit, fragments) in CASES.items():
        inst = make(tmp_path, edit, name=case.replace(" ", "_").replace("/", "_"))
        with pytest.raises(InstanceError) as info:
            load_instance(inst)
        assert fragments[0] in str(info.value), case
        shutil.rmtree(inst)


def test_sizes_are_checked_before_the_model_is_built(tmp_path, monkeypatch):
    """The limits of docs/performance.md, lowered so that the demo hits them: partners x
    recipients (dense pair arrays) and flow columns (the model), each with its memory."""
    import optimizer.limits as limits

    inst = make(tmp_path)
    monkeypatch.setattr(limits, "MAX_PAIR_CELLS", 5)
    code, out = run_cli("validate", inst)
    assert code == 2 and "2 partners x 3 recipients make 6 possible pairs, more than the 5" in out
    monkeypatch.setattr(limits, "MAX_PAIR_CELLS", 100)
    monkeypatch.setattr(limits, "MAX_FLOW_COLUMNS", 10)
    code, out = run_cli("solve", inst)
    assert code == 2 and out.startswith("error: pairs.csv") and "flow columns" in out
    assert "GB of memory" in out and out.count("\n") == 1
