"""``regcollab generate``: synthetic instances up to the national county level."""

from __future__ import annotations

import time

import click

from optimizer.limits import MAX_CANDIDATES, MAX_GENERATED_RESOURCES, MAX_REGIONS, MAX_SEED

from .common import Command, check_out_name, handle_errors, number_rule


@click.command(cls=Command)
@click.option("--partners", "n_partners", type=int, default=343, show_default=True,
              callback=number_rule(1, MAX_REGIONS),
              help=f"Number of partner (eastern) regions, 1..{MAX_REGIONS}.")
@click.option("--recipients", "n_recipients", type=int, default=573, show_default=True,
              callback=number_rule(1, MAX_REGIONS),
              help=f"Number of recipient (western) regions, 1..{MAX_REGIONS}.")
@click.option("--resources", "n_resources", type=int, default=6, show_default=True,
              callback=number_rule(1, MAX_GENERATED_RESOURCES),
              help=f"Number of resource kinds, 1..{MAX_GENERATED_RESOURCES}.")
@click.option("--seed", type=int, default=0, show_default=True,
              callback=number_rule(0, MAX_SEED),
              help=f"Random seed, 0..{MAX_SEED}: the same seed gives the same files.")
@click.option("--candidates", type=int, default=6, show_default=True,
              callback=number_rule(1, MAX_CANDIDATES),
              help="Candidate partners per recipient (nearest in its mandated province), "
                   f"1..{MAX_CANDIDATES}.")
@click.option("--out", type=click.Path(), required=True, callback=check_out_name,
              help="Folder to write the instance into (a new or empty one, or one generate "
                   "wrote: replaced atomically).")
@click.option("--force", is_flag=True,
              help="Replace a folder another regcollab command wrote (never other files).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@handle_errors
def generate(n_partners, n_recipients, n_resources, seed, candidates, out, force, quiet):
    """Generate a synthetic instance with the structure of the East-West collaboration.

    Regions sit in provinces with coordinates; every western province is mandated to one
    eastern province; sizes and incomes are skewed. The defaults give the national county
    level (343 x 573, 6 resources). All numbers are synthetic."""
    from optimizer.files import check_output
    from optimizer.generate import generate as make
    from optimizer.generate import write_instance

    check_output(out, "generate", force=force)  # before the work
    t0 = time.perf_counter()
    tables = make(n_partners, n_recipients, n_resources, seed, candidates)
    write_instance(tables, out, force=force)
    if not quiet:
        from optimizer.i18n import _

        click.echo(_("wrote {out}/: {partners} partners, {recipients} recipients, {resources} "
                     "resources, {pairs} candidate pairs ({seconds} s)").format(
            out=out, partners=n_partners, recipients=n_recipients, resources=n_resources,
            pairs=len(tables["pairs.csv"]), seconds=f"{time.perf_counter() - t0:.1f}"))


COMMANDS = [generate]
