"""Stage 1: read and validate an instance.

An instance is a folder with ``instance.toml``, ``partners.csv``, ``recipients.csv`` and
optional ``pairs.csv`` and ``clusters.csv``, or one ``.xlsx`` workbook with the same tables
as sheets (see ``docs/instance-format.md``; the columns come from ``schema.py``). Every value
is checked here, so later stages can trust the arrays they get. Instances are immutable:
:meth:`Instance.with_params` returns a validated copy.

The modules, in the order of the data:

- ``readers.py`` (CSV and TOML) and ``xlsx_reader.py`` (workbook sheets) read the raw
  settings and tables with their :class:`~.origin.Origin` (``origin.py``: which file or sheet,
  line or row), checking only what reading needs;
- ``tables.py`` validates them, once (``settings.py`` checks the settings, ``values.py``
  single values);
- ``core.py`` holds the :class:`Instance` and the arrays the model reads (``clusters.py``
  those of the clusters); ``checks.py`` the checks that need the whole instance,
  ``data_warnings.py`` the warnings about its data;
- ``paths.py`` is the language of parameters and cells (``partners[SZ].supply.funds``) and
  the changed copies made with it (:meth:`Instance.with_params`);
- ``bundled.py`` finds bundled instances by name and loads an instance
  (:func:`load_instance`).
"""

from __future__ import annotations

from ..errors import InstanceError
from .bundled import (
    DEFAULT_INSTANCE,
    bundled_instances_dir,
    load_instance,
    read_instance,
    resolve_instance,
)
from .checks import settle
from .core import Instance
from .origin import FILES, LINE, Origin
from .paths import CELL_PATH, check_param_syntax
from .readers import (
    RawInstance,
    check_toml_shape,
    decode_text,
    parse_toml,
    read_csv_table,
    read_toml,
)
from .settings import check_setting, check_setting_keys, normalise_params, setting_param
from .tables import validate_tables
from .values import TEXT_BREAKS, shown

__all__ = [
    "CELL_PATH",
    "DEFAULT_INSTANCE",
    "FILES",
    "LINE",
    "TEXT_BREAKS",
    "Instance",
    "InstanceError",
    "Origin",
    "RawInstance",
    "bundled_instances_dir",
    "check_param_syntax",
    "check_setting",
    "check_setting_keys",
    "check_toml_shape",
    "decode_text",
    "load_instance",
    "normalise_params",
    "parse_toml",
    "read_csv_table",
    "read_instance",
    "read_toml",
    "resolve_instance",
    "setting_param",
    "settle",
    "shown",
    "validate_tables",
]
