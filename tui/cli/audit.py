"""`kefu audit`: who changed which setting, from what to what, when; refused changes too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kefu.dsl.visible import shown_name, visible
from kefu.tui.cli.options import db_option, json_option, shop_option
from kefu.tui.history import history_path, known_shop, read_history

if TYPE_CHECKING:
    from kefu.engine.store import AuditEntry, Store


@click.command()
@db_option("The database runs were recorded into")
@shop_option("Only this shop (one the database holds).")
@json_option('Print one JSON object: {"db": ..., "entries": [...], "counts": {...}}.')
def audit(db_path: Path | None, shop_id: str | None, as_json: bool) -> None:
    """The audit log of setting changes (AR-1, BOT-1, AR-8), refused ones included, oldest first.

    A setting set to the value it already had is listed as unchanged, and not counted as a change.
    The database is only read, never created or changed.

    \b
    Examples:
      kefu audit
      kefu audit --shop tw --json
    """
    read = read_history(db_path, lambda store: _entries(store, shop_id))
    if read is None:
        path = history_path(db_path)
        click.echo(
            json.dumps({"db": str(path), "entries": [], "counts": _counts([])})
            if as_json
            else f"kefu audit: no history yet ({path})",
            err=not as_json,
        )
        return
    path, entries = read
    if as_json:
        click.echo(
            json.dumps(
                {"db": str(path), "entries": [e.model_dump(mode="json") for e in entries], "counts": _counts(entries)},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from kefu.tui.show import changed_by

    staff = changed_by(entries)  # forged rows and look-alike names show: kefu.tui.show, kefu.dsl.visible
    for entry in entries:
        if entry.outcome == "denied":
            what = f"refused {entry.value}: {entry.reason}"
        elif entry.changed:
            what = f"{entry.before} -> {entry.after}"
        else:
            what = f"unchanged: {entry.after}"
        actor = shown_name(entry.actor, staff.get(entry.shop, ()))
        click.echo(
            visible(f"{entry.time.isoformat()}  {entry.shop}  run {entry.run}  {actor:<10} {entry.setting:<16} {what}")
        )
    if not entries:
        click.echo("kefu audit: no setting changes recorded" + (f" for shop {shop_id}" if shop_id else ""), err=True)
        return
    counts = _counts(entries)
    click.echo(
        f"kefu audit: {counts['changed']} changed, {counts['unchanged']} unchanged, {counts['denied']} refused",
        err=True,
    )


def _entries(store: Store, shop_id: str | None) -> list[AuditEntry]:
    known_shop(store, shop_id)
    return store.audit(shop=shop_id)


def _counts(entries: list[AuditEntry]) -> dict[str, int]:
    """How many entries changed a setting, set it to the value it had, were refused."""
    counts = dict.fromkeys(("changed", "unchanged", "denied"), 0)
    for entry in entries:
        counts[entry.outcome] = counts.get(entry.outcome, 0) + 1
    return counts
