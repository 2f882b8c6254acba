"""`kefu schema rules|events|actions|when|diff|impact`: the JSON Schema of the rules model, of event
and action lines, of `kefu when --json`'s timeline, of `kefu diff --json` or of `kefu impact --json`."""

from __future__ import annotations

import json
from typing import Any

import click


def schema_of(what: str) -> dict[str, Any]:
    """The JSON Schema of `rules`, `events`, `actions` (format version 1), `when` (`kefu when --json`),
    `diff` (`kefu diff --json`) or `impact` (`kefu impact --json`)."""
    if what == "rules":
        from kefu.engine.rules import RuleSet

        return RuleSet.model_json_schema()
    if what == "when":
        from kefu.engine.timeline import Timeline

        return Timeline.model_json_schema(by_alias=True)
    if what == "diff":
        from kefu.dsl.compare import DiffDocument

        return DiffDocument.model_json_schema()
    if what == "impact":
        from kefu.engine.impact import Impact

        return Impact.model_json_schema()
    from pydantic import TypeAdapter

    from kefu.engine.events import Action, Event

    document = TypeAdapter(Event if what == "events" else Action).json_schema()
    document["title"] = "kefu event" if what == "events" else "kefu action"
    return document


@click.command()
@click.argument("what", type=click.Choice(["rules", "events", "actions", "when", "diff", "impact"]))
def schema(what: str) -> None:
    """Print a JSON Schema: `rules` is the rules model that kefu builds from .kefu files; `events`
    and `actions` are the lines `decide` reads and writes (format version 1); `when` is what
    `kefu when --json` prints; `diff` what `kefu diff --json` prints; `impact` what `kefu impact
    --json` prints.

    \b
    Example:
      kefu schema rules > rules.schema.json
      kefu schema events > events.schema.json
    """
    click.echo(json.dumps(schema_of(what), ensure_ascii=False, indent=2))
