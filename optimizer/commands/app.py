"""``regcollab app``: the planner's workbench in the browser (optimizer/app/)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import Command, check_out_name, handle_errors

HOST = "127.0.0.1"  # this machine only: the workbench has no accounts


@click.command(cls=Command)
@click.argument("instance", required=False)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="The port to serve on (0: any free port).")
@click.option("--open/--no-open", "open_browser", default=True, show_default=True,
              help="Open the page in the default browser.")
@click.option("--results", "results", type=click.Path(file_okay=False), default=None,
              callback=check_out_name,
              help="Where uploads and exported plans go (default: a new folder "
                   "regcollab-workbench in the current folder); a folder of files regcollab "
                   "did not write is never written over.")
@handle_errors
def app(instance, port, open_browser, results):
    """Start the workbench: a local web page to explore the efficiency-equity front, steer
    with a weight, a reference point and edits (fix or forbid a pairing, lock a recipient's
    partners, alpha, gamma, theta, rho), compare up to four plans and export them.

    INSTANCE (a folder, a workbook or a bundled instance's name) is loaded at the start;
    without it the page offers the bundled instances. Served on 127.0.0.1 only; needs the
    app extra: pip install 'regcollab[app]'. Stop it with Ctrl-C."""
    import socket
    import webbrowser

    from optimizer.app import create_app
    from optimizer.errors import require
    from optimizer.i18n import _

    uvicorn = require("uvicorn", _("the workbench (regcollab app)"))
    folder = Path(results) if results else Path.cwd() / "regcollab-workbench"
    application = create_app(folder, instance)  # a bad instance is said here, before serving
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen(128)  # a browser opened at once waits for the server, not refused
    except OSError as exc:
        from optimizer.errors import InputError

        sock.close()
        raise InputError(_("port {port} on {host} is not free ({reason}); choose another "
                           "with --port").format(port=port, host=HOST, reason=exc.strerror)) \
            from None
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    click.echo(_("The workbench is at {url} (Ctrl-C stops it); exports go to {folder}/").format(
        url=url, folder=folder))
    if open_browser:
        webbrowser.open(url)
    config = uvicorn.Config(application, log_level="warning")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM): the way to stop it, not a failure
        pass
    finally:
        sock.close()
    click.echo(_("The workbench has stopped."))


COMMANDS = [app]
