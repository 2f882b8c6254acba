"""`kefu explain CODE`: the page of a diagnostic code."""

from __future__ import annotations

import click

from kefu.tui.errors import Failure, KefuError


@click.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the page of a diagnostic code: what it means, what to avoid, what to prefer.

    \b
    Example:
      kefu explain K021
    """
    from kefu.dsl import codes

    page = codes.explain(code)
    if page is None:
        raise KefuError(
            f"unknown code '{code}'; codes are K001..{max(codes.CODES)} (see docs/diagnostics.md)", Failure.usage
        )
    click.echo(page, nl=False)
