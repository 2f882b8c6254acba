"""`kefu schema rules|events|actions|when`: the JSON Schema of the rules model, of event and action
lines, or of `kefu when --json`'s timeline."""

from __future__ import annotations

import json
from typing import Any

import click


def schema_of(what: str) -> dict[str, Any]:
    """The JSON Schema of `rules`, `events`, `actions` (format version 1) or `when` (`kefu when --json`)."""
    if what == "rules":
        from kefu.engine.rules import RuleSet

        return RuleSet.model_json_schema()
    if what == "when":
        from kefu.engine.timeline import Timeline

        return Timeline.model_json_schema(by_alias=True)
    from pydantic import TypeAdapter

    from kefu.engine.events import Action, Event

    document = TypeAdapter(Event if what == "events" else Action).json_schema()
    document["title"] = "kefu event" if what == "events" else "kefu action"
    return document


@click.command()
@click.argument("what", type=click.Choice(["rules", "events", "actions", "when"]))
def schema(what: str) -> None:
    """Print a JSON Schema: `rules` is the rules model that kefu builds from .kefu files; `events`
    and `actions` are the lines `decide` reads and writes (format version 1); `when` is what
    `kefu when --json` prints.

    \b
    Example:
      kefu schema rules > rules.schema.json
      kefu schema events > events.schema.json
    """
    click.echo(json.dumps(schema_of(what), ensure_ascii=False, indent=2))
