"""The planner's workbench in the browser (``regcollab app``): load an instance, explore the
efficiency-equity front, steer with a weight, a reference point and edits of the instance,
compare plans side by side and export them. A small Starlette app served by uvicorn on
127.0.0.1; every script and style ships in this package (no CDN). See docs/workbench.md.

Needs the ``app`` extra: ``pip install 'regcollab[app]'``.
"""

from __future__ import annotations


def create_app(folder, instance: str | None = None, **kwargs):
    """The workbench's ASGI app (see :func:`optimizer.app.server.create_app`)."""
    from optimizer.errors import require
    from optimizer.i18n import _

    require("starlette", _("the workbench (regcollab app)"))
    from .server import create_app as make

    return make(folder, instance, **kwargs)
