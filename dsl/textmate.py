"""The TextMate grammar of `.kefu` files (editors/kefu.tmLanguage.json), made from the language table.

Editors colour a file with a TextMate grammar: regexes and begin/end rules, no parser. This module
writes one from `dsl.language`, so every statement of every block, its fixed words and the shape of
its arguments come from the table `dsl.build` dispatches on; the placeholders from the engine's list.
`python -m kefu.dsl.textmate --write` rewrites the file; a test fails while it is stale, and another
tokenises every demo file with a real TextMate engine and compares with kefu's own parser.

How the grammar follows the language (dsl/kefu.lark):
- A statement starts a line or follows `;` or `{`. In each block (the file's top level, `shop { }`,
  `faq { }`, ...) a rule per statement known there scopes its head word(s) `keyword.control.<group>`
  and reads its arguments by their kind (ids, names, dates, times, switches, strings ...); an unknown
  head is `meta.statement.unknown` with its arguments still coloured.
- A statement ends at the end of its line, at `;`, before the `}` of its block, or after its own
  block; a line ending in a comma continues on the next line (kefu.lark's COMMA).
- Strings know the escapes `\\"` `\\\\` `\\n` `\\t` (any other is `invalid.illegal`); the texts kefu fills
  placeholders in (those whose builder reads them as a reply: reply, greeting, fallback,
  off_hours_reply) scope `${name}` (`variable.other.placeholder`, an unknown name `invalid.illegal`)
  and `$$`; other strings are plain text, as kefu reads them.
- `# kefu: ignore[K021, K030]` (dsl/suppression.py) scopes the directive and each code inside the comment.

The scope names are TextMate's standard ones, so any theme colours them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from kefu.dsl.language import BLOCKS, CONSTRUCTS, Arg, Construct
from kefu.engine.rules import PLACEHOLDERS, SETTING_VALUES, WEEKDAYS

GRAMMAR_FILE = Path(__file__).resolve().parent.parent / "editors" / "kefu.tmLanguage.json"
# the VS Code extension's copy: an extension may only load files inside its own folder
VSCODE_GRAMMAR_FILE = GRAMMAR_FILE.parent / "vscode" / "syntaxes" / "kefu.tmLanguage.json"
SCOPE = "source.kefu"

REPLY_BUILDERS = frozenset({"entry_reply", "reply_setting", "greeting"})  # they read their string as a reply
DAY_ALIASES = ("daily", "weekdays", "weekends")

# the keyword scope of a statement's head, by the block it stands in
GROUPS: dict[str, str] = {
    "file": "declaration",
    "shop": "setting",
    "preset": "setting",
    "staff": "role",
    "assist": "setting",
    "bot": "setting",
    "matching": "setting",
    "lint": "setting",
    "faq": "field",
    "override": "field",
    "period": "setting",
    "scenario": "step",
    "expect": "expectation",
}

# a bare word (kefu.lark's WORD) and its edges: no character of a word may touch the match
_WORD = r"[^\s\"#;{},\x{FEFF}]+"
_BEFORE = r"(?<![^\s\"#;{},])"
_AFTER = r"(?![^\s\"#;{},])"
_START = r"(?:^|(?<=[;{]))[ \t]*"  # where a statement may start
_END = r"(?<=\})|(?=[;}])|$"  # where a statement ends: after its block, before ';' or its block's '}', at the line end


def _words(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


def rule_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _keyword_regex(construct: Construct) -> tuple[str, list[str]]:
    """The regex of a construct's head and fixed words (`override faq`), one group per word."""
    words = construct.keyword.split()
    return r"[ \t]+".join(f"({re.escape(w)})" for w in words) + _AFTER, words


def _captures(*names: str) -> dict[str, dict[str, str]]:
    return {str(i): {"name": name} for i, name in enumerate(names, 1) if name}


def _constant(words: tuple[str, ...], scope: str) -> dict[str, Any]:
    return {"match": f"{_BEFORE}(?:{_words(words)}){_AFTER}", "name": scope}


def _arg_patterns(construct: Construct, arg: Arg) -> list[dict[str, Any]]:
    """The patterns of one argument of `construct`, by its kind."""
    kind = arg.kind
    if kind == "string":
        found = [{"include": "#reply-string" if construct.builder in REPLY_BUILDERS else "#string"}]
        alternatives = tuple(w for w in arg.shape.split("|")[1:] if not w.startswith('"'))
        if alternatives:  # greeting "text"|off
            found.append(_constant(alternatives, "constant.language.boolean.kefu"))
        return found
    if kind == "id":
        scope = "entity.name.namespace.kefu" if construct.name in ("shop", "preset") else "entity.name.type.entry.kefu"
        return [{"include": "#string"}, {"match": f"{_BEFORE}{_WORD}", "name": scope}]
    if kind == "name":
        return [{"match": f"{_BEFORE}{_WORD}", "name": "variable.other.person.kefu"}]
    if kind == "number":
        return [{"include": "#number"}]
    if kind == "switch":
        return [_constant(arg.words, "constant.language.boolean.kefu")]
    if kind == "choice":
        return [_constant(arg.words, "constant.language.kefu")]
    if kind == "duration":
        return [{"include": "#duration"}]
    if kind in ("date", "dates"):
        return [{"include": "#date"}]
    if kind == "time":
        return [{"include": "#time"}]
    if kind == "hours":
        return [{"include": "#days"}, {"include": "#time"}]
    if kind == "option":  # capacity N, auto_send on|off
        option, value = arg.shape.split(None, 1)
        value_scope = "constant.numeric.integer.kefu" if value == "N" else "constant.language.boolean.kefu"
        value_regex = r"-?\d+" if value == "N" else _words(arg.words)
        return [
            {
                "match": f"{_BEFORE}({re.escape(option)})[ \\t]+({value_regex}){_AFTER}",
                "captures": _captures("keyword.other.option.kefu", value_scope),
            },
            {"match": f"{_BEFORE}{re.escape(option)}{_AFTER}", "name": "keyword.other.option.kefu"},
        ]
    if kind == "expectations":
        return [{"include": "#expectations"}]
    # "word": a bare word or a string; a few shapes say more about what the word is
    if arg.shape == "VALUE":  # set ACTOR SETTING VALUE: a setting's values
        values = tuple(sorted({v for vs in SETTING_VALUES.values() for v in vs}))
        return [_constant(values, "constant.language.kefu"), {"include": "#string"}]
    scope = {
        "TAG": "constant.other.language-tag.kefu",
        "ZONE": "constant.other.timezone.kefu",
    }.get(arg.shape, "string.unquoted.kefu")
    return [{"include": "#string"}, {"match": f"{_BEFORE}{_WORD}", "name": scope}]


def _specific_first(construct: Construct) -> list[dict[str, Any]]:
    """A construct's argument patterns, those that match few words before those that match any word."""
    patterns: list[dict[str, Any]] = []
    for arg in construct.args:
        for pattern in _arg_patterns(construct, arg):
            if pattern not in patterns:
                patterns.append(pattern)
    general = [p for p in patterns if p.get("match", "").startswith(f"{_BEFORE}{_WORD}")]
    return [p for p in patterns if p not in general] + general


def _statement(block: str, construct: Construct) -> dict[str, Any]:
    regex, words = _keyword_regex(construct)
    keyword = f"keyword.control.{GROUPS[block]}.kefu"
    patterns: list[dict[str, Any]] = [{"include": "#comment"}, {"include": "#continuation"}]
    if block == "scenario" and construct.name != "expect":
        patterns.append({"include": "#expect"})  # any step may end with expect ...
    patterns += _specific_first(construct)
    if construct.opens is not None or construct.lines:
        patterns.append({"include": f"#block-{construct.opens or construct.name}"})
    patterns += [{"include": "#string"}, {"include": "#separator"}, {"include": "#block-unknown"}]
    names = [keyword for _ in words]
    following = construct.args[len(words) - 1 :]
    if following and following[0].kind == "name":  # the person right after the head: `online expect`, `set bot ...`
        regex += f"(?:[ \\t]+({_WORD}))?"
        names.append("variable.other.person.kefu")
    return {
        "name": f"meta.statement.{rule_key(construct.name)}.kefu",
        "begin": _START + regex,
        "beginCaptures": _captures(*names),
        "end": _END,
        "patterns": patterns,
    }


def _expectation(construct: Construct) -> dict[str, Any]:
    """One expectation in an `expect` list: its words, and its id when it takes one (in the same match,
    so an entry called `greeting` after `suggest` stays an id)."""
    regex, words = _keyword_regex(construct)
    names = ["keyword.control.expectation.kefu" for _ in words]
    if construct.args and construct.args[0].kind == "id":
        regex += f"(?:[ \\t]+({_WORD}))?"
        names.append("entity.name.type.entry.kefu")
    return {"match": _BEFORE + regex, "captures": _captures(*names)}


def _block(name: str) -> dict[str, Any]:
    return {
        "name": f"meta.block.{name}.kefu",
        "begin": r"\{",
        "beginCaptures": {"0": {"name": "punctuation.section.block.begin.kefu"}},
        "end": r"\}",
        "endCaptures": {"0": {"name": "punctuation.section.block.end.kefu"}},
        "patterns": [{"include": f"#statements-{name}"}],
    }


def _constructs(block: str) -> list[Construct]:
    found = [c for c in CONSTRUCTS if block in c.parents]
    return sorted(found, key=lambda c: -len(c.keyword.split()))  # `not unread` before `unread`


def grammar() -> dict[str, Any]:
    """The grammar as a JSON-ready dict."""
    repository: dict[str, Any] = {}
    for block in BLOCKS:
        if block == "expect":
            continue
        statements = [_statement(block, c) for c in _constructs(block)]
        for construct, rule in zip(_constructs(block), statements):
            repository[f"{block}-{rule_key(construct.name)}"] = rule
        patterns: list[dict[str, Any]] = [{"include": "#comment"}]
        patterns += [{"include": f"#{block}-{rule_key(c.name)}"} for c in _constructs(block)]
        patterns += [{"include": "#separator"}, {"include": "#unknown-statement"}, {"include": "#string"}]
        repository[f"statements-{block}"] = {"patterns": patterns}
        if block != "file":
            repository[f"block-{block}"] = _block(block)
    for construct in CONSTRUCTS:  # blocks of plain lines: test, synonyms
        if construct.lines:
            repository[f"block-{construct.name}"] = _block(construct.name)
    repository["statements-test"] = {
        "patterns": [
            {"include": "#comment"},
            {"include": "#string"},
            {
                "match": f"(->)(?:[ \\t]*(?:(none){_AFTER}|({_WORD})))?",
                "captures": _captures(
                    "keyword.operator.arrow.kefu", "constant.language.none.kefu", "entity.name.type.entry.kefu"
                ),
            },
            {"include": "#separator"},
        ]
    }
    repository["statements-synonyms"] = {
        "patterns": [
            {"include": "#comment"},
            {"include": "#string"},
            {"match": "=", "name": "keyword.operator.synonym.kefu"},
            {"match": r"[^\s\"#;{},=]+", "name": "string.unquoted.term.kefu"},
            {"include": "#separator"},
        ]
    }
    repository["expect"] = {
        "name": "meta.expect.kefu",
        "begin": f"{_BEFORE}(expect){_AFTER}",
        "beginCaptures": _captures("keyword.control.step.kefu"),
        "end": _END,
        "patterns": [{"include": "#expectations"}],
    }
    repository["expectations"] = {
        "patterns": [
            {"include": "#comment"},
            {"include": "#continuation"},
            *(_expectation(c) for c in _constructs("expect")),
            {"include": "#string"},
            {"include": "#separator"},
        ]
    }
    repository["unknown-statement"] = {
        "name": "meta.statement.unknown.kefu",
        "begin": f"{_START}({_WORD})",
        "end": _END,
        "patterns": [
            {"include": "#comment"},
            {"include": "#continuation"},
            {"include": "#string"},
            {"include": "#date"},
            {"include": "#time"},
            {"include": "#number"},
            {"include": "#block-unknown"},
        ],
    }
    repository["block-unknown"] = _block("unknown")
    repository["statements-unknown"] = {
        "patterns": [
            {"include": "#comment"},
            {"include": "#separator"},
            {"include": "#unknown-statement"},
            {"include": "#string"},
        ]
    }
    repository.update(_lexical())
    return {
        "$comment": "Made by `python -m kefu.dsl.textmate --write` from dsl/language.py: edit that, not this file.",
        "name": "kefu",
        "scopeName": SCOPE,
        "fileTypes": ["kefu"],
        "patterns": [{"include": "#statements-file"}],
        "repository": dict(sorted(repository.items())),
    }


def _lexical() -> dict[str, Any]:
    """Comments, strings, numbers, dates, times and punctuation: the same in every block."""
    escapes = [
        {"match": r'(?:[^"\\]|\\.)+$', "name": "invalid.illegal.unterminated-string.kefu"},  # K002: no closing '"'
        {"match": r"\\[\"\\nt]", "name": "constant.character.escape.kefu"},
        {"match": r"\\.", "name": "invalid.illegal.unknown-escape.kefu"},
    ]
    string = {
        "name": "string.quoted.double.kefu",
        "begin": '"',
        "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.kefu"}},
        "end": '(")|$',
        "endCaptures": _captures("punctuation.definition.string.end.kefu"),
    }
    days = _words(WEEKDAYS)
    return {
        "comment": {
            "name": "comment.line.number-sign.kefu",
            "begin": "#",
            "beginCaptures": _captures("punctuation.definition.comment.kefu"),
            "end": "$",
            "patterns": [{"include": "#suppression"}],
        },
        "suppression": {
            "patterns": [
                {
                    "match": r"(?<=#)\s*(kefu\s*:)\s*(ignore)\b\s*(?:(\[)([^\]\n]*)(\]))?",
                    "captures": {
                        "1": {"name": "keyword.other.directive.kefu"},
                        "2": {"name": "keyword.other.directive.ignore.kefu"},
                        "3": {"name": "punctuation.definition.list.begin.kefu"},
                        "4": {
                            "patterns": [
                                {"match": r"[^,\s][^,]*?(?=\s*(?:,|$))", "name": "constant.other.diagnostic-code.kefu"},
                                {"match": ",", "name": "punctuation.separator.comma.kefu"},
                            ]
                        },
                        "5": {"name": "punctuation.definition.list.end.kefu"},
                    },
                },
                {
                    "match": r"(?<=#)\s*(kefu\s*:)\s*([A-Za-z_-]+)(?=\s*\[)",
                    "captures": _captures("keyword.other.directive.kefu", "invalid.illegal.unknown-directive.kefu"),
                },
            ]
        },
        "string": {**string, "patterns": escapes},
        "reply-string": {**string, "patterns": [*escapes, {"include": "#placeholder"}]},
        "placeholder": {
            "patterns": [
                {"match": r"\$\$", "name": "constant.character.escape.dollar.kefu"},
                {
                    "match": r"(\$\{)(\s*(?:" + _words(PLACEHOLDERS) + r")\s*)(\})",
                    "name": "meta.placeholder.kefu",
                    "captures": _captures(
                        "punctuation.definition.placeholder.begin.kefu",
                        "variable.other.placeholder.kefu",
                        "punctuation.definition.placeholder.end.kefu",
                    ),
                },
                {
                    "match": r"(\$\{)([^}\"\n]*)(\})",
                    "name": "meta.placeholder.kefu",
                    "captures": _captures(
                        "punctuation.definition.placeholder.begin.kefu",
                        "invalid.illegal.unknown-placeholder.kefu",
                        "punctuation.definition.placeholder.end.kefu",
                    ),
                },
                {"match": r"\$\{", "name": "invalid.illegal.unclosed-placeholder.kefu"},
            ]
        },
        "number": {"match": f"{_BEFORE}-?\\d+{_AFTER}", "name": "constant.numeric.integer.kefu"},
        "duration": {"match": f"{_BEFORE}(?:\\d+[smhd])+{_AFTER}", "name": "constant.numeric.duration.kefu"},
        "date": {
            "match": f"{_BEFORE}(\\d{{4}}-\\d{{2}}-\\d{{2}})(?:(\\.\\.)(\\d{{4}}-\\d{{2}}-\\d{{2}}))?{_AFTER}",
            "captures": _captures(
                "constant.numeric.date.kefu", "keyword.operator.range.kefu", "constant.numeric.date.kefu"
            ),
        },
        "time": {
            "match": f"{_BEFORE}(\\d{{1,2}}:\\d{{2}})(?:(-)(\\d{{1,2}}:\\d{{2}}))?{_AFTER}",
            "captures": _captures(
                "constant.numeric.time.kefu", "keyword.operator.range.kefu", "constant.numeric.time.kefu"
            ),
        },
        "days": {
            "match": f"(?i){_BEFORE}(?:({days})(?:(-)({days}))?|({_words(DAY_ALIASES)})){_AFTER}",
            "captures": _captures(
                "support.constant.weekday.kefu",
                "keyword.operator.range.kefu",
                "support.constant.weekday.kefu",
                "support.constant.weekday.kefu",
            ),
        },
        "continuation": {  # a line ending in ',' goes on at the next line's first word (comment lines between)
            "begin": r",(?=[ \t]*(?:#.*)?$)",
            "beginCaptures": {"0": {"name": "punctuation.separator.comma.kefu"}},
            "end": r"(?=[^\s#])",
            "patterns": [{"include": "#comment"}],
        },
        "separator": {
            "patterns": [
                {"match": ";", "name": "punctuation.terminator.statement.kefu"},
                {"match": ",", "name": "punctuation.separator.comma.kefu"},
            ]
        },
    }


def text() -> str:
    """The grammar file's text."""
    return json.dumps(grammar(), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kefu.dsl.textmate",
        description="Print or rewrite editors/kefu.tmLanguage.json (and the VS Code extension's copy).",
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite editors/kefu.tmLanguage.json and editors/vscode/syntaxes/"
    )
    options = parser.parse_args(argv)
    if not options.write:
        print(text(), end="")
        return 0
    new = text()
    for path in (GRAMMAR_FILE, VSCODE_GRAMMAR_FILE):
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        if new != old:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new, encoding="utf-8")
        print(f"{path}: {'rewritten' if new != old else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
