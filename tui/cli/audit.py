"""`kefu audit`: who changed which setting, from what to what, when; refused changes too."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kefu.dsl.visible import shown_name, visible
from kefu.tui.cli.options import SHOP_ONLY, db_option, json_option, shop_option
from kefu.tui.history import history_path, open_history


@click.command()
@db_option("The database runs were recorded into")
@shop_option(SHOP_ONLY)
@json_option('Print one JSON object: {"db": ..., "entries": [...]}.')
def audit(db_path: Path | None, shop_id: str | None, as_json: bool) -> None:
    """The audit log of setting changes (AR-1, BOT-1, AR-8), refused ones included, oldest first.

    \b
    Examples:
      kefu audit
      kefu audit --shop tw --json
    """
    store = open_history(db_path)
    if store is None:
        path = history_path(db_path)
        click.echo(
            json.dumps({"db": str(path), "entries": []}) if as_json else f"kefu audit: no history yet ({path})",
            err=not as_json,
        )
        return
    path = Path(store.path)
    with store:
        entries = store.audit(shop=shop_id)
    if as_json:
        click.echo(
            json.dumps(
                {"db": str(path), "entries": [e.model_dump(mode="json") for e in entries]}, ensure_ascii=False, indent=2
            )
        )
        return
    from kefu.tui.show import changed_by

    staff = changed_by(entries)  # forged rows and look-alike names show: kefu.tui.show, kefu.dsl.visible
    for entry in entries:
        what = (
            f"{entry.before} -> {entry.after}"
            if entry.outcome == "changed"
            else f"refused {entry.value}: {entry.reason}"
        )
        actor = shown_name(entry.actor, staff.get(entry.shop, ()))
        click.echo(
            visible(f"{entry.time.isoformat()}  {entry.shop}  run {entry.run}  {actor:<10} {entry.setting:<16} {what}")
        )
    if not entries:
        click.echo("kefu audit: no setting changes recorded", err=True)
