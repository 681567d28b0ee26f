"""The ``--help`` texts of every command, for the catalog.

click takes a command's help from its docstring and an option's from ``help=``; neither is a
``_()`` call that babel's Python extractor finds. :func:`help_texts` walks the command group
as it is built (so a new command or option is found without an edit here) and
:func:`extract` hands the texts to ``pybabel extract`` (babel.cfg maps it, as ``helptext``,
onto this file). :class:`optimizer.commands.common.Command` translates them when ``--help``
is written.
"""

from __future__ import annotations


def help_texts(group=None) -> list[str]:
    """Every help text of ``group`` (default: ``regcollab``), its commands and their options,
    in a stable order, each once."""
    if group is None:
        from optimizer.cli import main as group

    seen: dict[str, None] = {}
    for cmd in (group, *group.commands.values()):
        for obj in (cmd, *cmd.params):
            for attr in ("help", "short_help"):
                text = getattr(obj, attr, None)
                if isinstance(text, str) and text:
                    seen.setdefault(text, None)
    return list(seen)


def extract(fileobj, keywords, comment_tags, options):
    """A babel extraction method: the help texts, as if each were a ``_()`` call."""
    for text in help_texts():
        yield 1, "_", text, []
