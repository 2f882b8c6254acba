"""`kefu ask RULES MESSAGE`: which entry a customer message is about, and whether it would be auto-sent."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kefu.dsl.visible import visible
from kefu.tui.cli.options import json_option, rules_argument, shop_option
from kefu.tui.errors import Failure, KefuError
from kefu.tui.shops import one_shop

if TYPE_CHECKING:
    from kefu.engine.ceiling import Ceiling
    from kefu.engine.matcher import Match
    from kefu.engine.rules import Shop

VERDICT = {"auto_send": "auto-send", "suggest": "suggest only", "none": "no answer"}


@click.command()
@rules_argument()
@click.argument("message")
@shop_option()
@click.option("--explain", is_flag=True, help="Show the normalised text, synonyms, scores, margin and levels.")
@json_option()
def ask(rules: Path, message: str, shop_id: str | None, as_json: bool, explain: bool) -> None:
    """Which entry a customer message is about, and whether it would be auto-sent (D-8).

    \b
    Examples:
      kefu ask rules/shops/tw "有免運嗎?"
      kefu ask rules/ "where is my parcel" --shop sg --explain
      kefu ask rules/shops/tw "運費怎麼算" --json
      kefu ask rules/shops/tw - < message.txt     # '-': the message from standard input
    """
    from kefu.engine.ceiling import ceiling
    from kefu.engine.matcher import Matcher

    if message == "-":  # the message from standard input, of any size
        data = sys.stdin.buffer.read()
        try:
            message = data.decode("utf-8-sig").strip()
        except UnicodeDecodeError:
            raise KefuError("the message on standard input is not UTF-8 text", Failure.usage) from None
    if not _is_text(message):
        raise KefuError("MESSAGE is not UTF-8 text", Failure.usage)
    shop = one_shop(rules, shop_id)
    matcher = Matcher(shop.entries, shop.synonyms)
    match = matcher.match(message, shop.policy.matching)
    reach = ceiling(matcher, shop.policy.matching.confidence)
    candidates = _candidates(shop, match)
    if as_json:
        click.echo(json.dumps(_document(shop, message, match, candidates, reach), ensure_ascii=False, indent=2))
        return
    for line in _text(shop, match, candidates, explain, reach):
        click.echo(visible(line))


def _candidates(shop: Shop, match: Match) -> list[dict[str, Any]]:
    """Each candidate with the file and line of its entry."""
    where = {entry.id: entry.span for entry in shop.entries}
    rows = []
    for candidate in match.candidates:
        span = where.get(candidate.entry)
        rows.append(
            {**candidate.model_dump(), "file": span.file if span else None, "line": span.line if span else None}
        )
    return rows


def _document(
    shop: Shop, message: str, match: Match, candidates: list[dict[str, Any]], reach: Ceiling
) -> dict[str, Any]:
    best, levels = match.best, shop.policy.matching
    return {
        "shop": shop.id,
        "message": message,
        "normalized": match.message.text,
        "synonyms": [list(pair) for pair in match.message.synonyms],
        "decision": match.decision.value,
        "entry": best.entry if best else None,
        "score": best.score if best else 0.0,
        "margin": match.margin,
        "levels": {"confidence": levels.confidence, "suggest": levels.suggest, "margin": levels.margin},
        "candidates": candidates,
        "exact": match.exact,
        "tiny_shop": match.tiny,
        "reason": match.reason,
        "meaning": match.meaning,  # the meaning check of a guess about to be auto-sent, else null
        "highest_score": reach.highest,  # the most the shop's data shows for a message not one of its asks
    }


def _text(shop: Shop, match: Match, candidates: list[dict[str, Any]], explain: bool, reach: Ceiling) -> list[str]:
    best, levels, decision = match.best, shop.policy.matching, match.decision.value
    lines = [
        f"{VERDICT[decision]}: {best.entry if best and decision != 'none' else '-'}"
        + (f"  (score {best.score:g}, margin {match.margin:g})" if best else "")
    ]
    if explain:
        lines.append(f"  normalised: '{match.message.text}'")
        if match.message.synonyms:
            lines.append("  synonyms:   " + ", ".join(f"{a} -> {b}" for a, b in match.message.synonyms))
        lines.append(
            f"  levels:     auto-send at {levels.confidence} with margin {levels.margin}, suggest at {levels.suggest}"
        )
        if not reach.reached:  # what `kefu check` warns as K046
            lines.append(f"  note:       confidence {levels.confidence} is never reached: {reach.shows()}")
            lines.append(f"              {reach.raise_it()}")
        entry = shop.entry(best.entry) if best else None
        if entry is not None and not entry.auto:
            lines.append(f"  note:       {entry.id} is 'auto never': suggested at most")
        lines.append(f"  why:        {match.reason}")
    if explain or decision != "none":
        for rank, candidate in enumerate(candidates, 1):
            place = f"{candidate['file']}:{candidate['line']}" if candidate["file"] else ""
            lines.append(
                f"  {rank}. {candidate['entry']:<28} {candidate['score']:5.1f}  raw {candidate['raw']:.3f}  "
                f"via '{candidate['ask']}'  {place}"
            )
    return lines


def _is_text(message: str) -> bool:
    """False for an argument the shell passed as bytes that are not UTF-8 (Python keeps them as
    lone surrogates)."""
    try:
        message.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
