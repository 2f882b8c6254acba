"""The kefu language, declared once: every construct with the blocks it stands in, its arguments,
whether it repeats, an example and the builder that turns it into the rules model.

A construct is a top-level statement (shop, faq, scenario, ...), a statement inside a block
(`language` in a shop, `auto_send` in assist, a staff role, an entry field), a scenario step or an
expectation. `dsl.build` dispatches on this table (its unknown-statement messages and did-you-mean
lists come from it), `dsl.syntax` takes its top-level set from it, and the statement tables of
docs/language.md are generated from it: `python -m kefu.dsl.language --write` rewrites them, and a
test fails when the doc and the table differ. Words that name engine values (roles, bot hours,
settings, rating reasons, step and expectation kinds) come from the engine's own types.

Builders are named, not imported: `dsl.build` imports this module (so does `dsl.syntax`), and a
test checks that each name is a builder. This module imports no other part of `dsl`.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kefu.engine.rules import SETTING_VALUES, SWITCH, BotHours, Matching, Reason, Role

ArgKind = Literal[
    "id",  # a dotted name, or any quoted string
    "string",  # text in double quotes
    "word",  # one bare word or string
    "name",  # a person of the staff
    "number",  # a whole number
    "switch",  # on or off
    "choice",  # one of `words`
    "duration",  # 30s, 5m, 2h, 1d, 1h30m
    "date",  # YYYY-MM-DD
    "dates",  # a date or an inclusive range start..end
    "time",  # HH:MM
    "hours",  # days then time ranges: mon-fri 09:00-18:00
    "option",  # a keyword followed by its value
    "expectations",  # comma-separated expectations (see the `expect` block)
]


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: how the docs write it, what kind of value it is, and its words if it is a choice."""

    shape: str  # as the docs write it: ID, "text", on|off
    kind: ArgKind
    words: tuple[str, ...] = ()  # the words a choice or switch takes
    optional: bool = False
    many: bool = False  # a comma-separated list of such values
    what: str = ""  # how a message names it, when the shape is not plain enough ("an agent's name")

    @property
    def written(self) -> str:
        shape = f"{self.shape}, ..." if self.many else self.shape
        return f"[{shape}]" if self.optional else shape


@dataclass(frozen=True, slots=True)
class Block:
    """A place statements stand in: the file's top level, or the `{ block }` of a construct."""

    name: str
    what: str  # how messages name a statement there: unknown <what> 'x'
    frame: str  # a minimal text that holds one statement of this block at `{}`
    fill: tuple[str, ...] = ()  # lines the frame adds unless the statement is one of them (required fields)

    def holding(self, text: str) -> str:
        """`text` written where it stands, with what its block needs around it."""
        head = text.split(None, 1)[0] if text.strip() else ""
        lines = [text] + [line for line in self.fill if line.split(None, 1)[0] != head]
        return self.frame.replace("{}", "\n".join(lines))


@dataclass(frozen=True, slots=True)
class Construct:
    """One construct of the language."""

    name: str  # its head word ("not unread": two words)
    parents: tuple[str, ...]  # the blocks it may stand in
    args: tuple[Arg, ...]
    example: str  # one line, valid where it stands
    summary: str
    builder: str  # the dsl.build._Builder method that reads it into the rules model: method(stmt, into)
    repeats: bool = False  # may be written more than once in one block (top level: builders and load check it;
    # expectations: a list in which any may come again, `expect suggest a, suggest b`)
    opens: str | None = None  # the block it opens, if any
    lines: str = ""  # the block holds plain lines of this shape rather than statements
    shop_only: bool = False  # a preset may not hold it (K038)

    @property
    def syntax(self) -> str:
        parts = [self.name, *(a.written for a in self.args)]
        if self.opens is not None or self.lines:
            parts.append("{ ... }")
        return " ".join(parts)

    @property
    def keyword(self) -> str:
        """Its name with the fixed words that follow it: `override faq`."""
        words = [self.name]
        for arg in self.args:
            if arg.kind != "choice" or len(arg.words) != 1:
                break
            words.append(arg.words[0])
        return " ".join(words)

    @property
    def takes(self) -> str:
        """The arguments as a message names them: `'wait' takes a duration such as 5m`."""
        return " ".join(a.what or a.shape for a in self.args)

    lead: int = field(init=False)  # required word arguments: an `expect` after them ends a step

    def __post_init__(self) -> None:
        # before the required word arguments, `expect` is one of them (a person may be called expect)
        object.__setattr__(self, "lead", sum(1 for a in self.args if not a.optional and a.kind != "string"))


BLOCKS: dict[str, Block] = {
    b.name: b
    for b in (
        Block("file", "top-level statement", "{}"),
        Block("shop", "shop setting", 'shop tw "Demo Store" {\n{}\n}'),
        Block("preset", "preset setting", 'preset general "通用類" {\n{}\n}'),
        Block("staff", "staff statement", "staff {\n{}\n}"),
        Block("assist", "assist setting", "assist {\n{}\n}"),
        Block("bot", "bot setting", "bot {\n{}\n}"),
        Block("matching", "matching setting", "matching {\n{}\n}"),
        Block("lint", "lint setting", "lint {\n{}\n}"),
        Block("faq", "entry field", 'faq shipping.free "商品包郵" {\n{}\n}', ('ask "有包郵嗎?"', 'reply "全店包郵。"')),
        Block("override", "entry field", "override faq logistics.tracking {\n{}\n}"),
        Block("period", "period setting", 'period "11.11 sale" 2026-11-10..2026-11-12 {\n{}\n}'),
        Block("scenario", "scenario step", 'scenario "night" {\n{}\n}'),
        Block("expect", "expectation", 'scenario "night" {\nexpect {}\n}'),
    )
}

NAME = Arg("NAME", "name", what="an agent's name")
TEXT = Arg('"text"', "string")
ON_OFF = Arg("on|off", "switch", SWITCH)
LEVEL = Arg("N", "number")
STEP_NAME = Arg("NAME", "name")
_ROLES: dict[Role, str] = {
    Role.owner: "the shop's owner (店鋪主賬號; exactly one): may switch assist and the bot",
    Role.admin: "an admin (總管理員): may switch assist and the bot",
    Role.agent: "an agent (客服專員)",
}
_LEVELS: dict[str, str] = {
    "confidence": "the calibrated score an answer needs to be auto-sent",
    "suggest": "the score an answer needs to be suggested (not above confidence)",
    "margin": "the points an answer must beat the best entry of another intent by",
    "repeat_limit": "how often the same auto-reply may be sent in one conversation",
}
_EXPECT_ID = Arg("ID", "id")
_PLAIN_EXPECTATIONS: dict[str, str] = {
    "fallback": "the bot's fallback was sent",
    "off_hours_reply": "the off-hours reply was sent",
    "greeting": "the greeting was sent",
    "nothing": "no reply to the customer's words (a greeting may open the session)",
    "unread": "the conversation is unread",
    "unreplied": "the conversation is unreplied",
    "not unread": "the conversation is not unread",
    "not unreplied": "the conversation is not unreplied",
    "notice": "a notice was raised",
    "queued": "the conversation waits in the queue",
}


def _policy(parents: tuple[str, ...]) -> tuple[Construct, ...]:
    """assist, bot, matching and greeting: written at the top level and in periods."""
    return (
        Construct(
            "assist",
            parents,
            (Arg("on|off", "switch", SWITCH, optional=True),),
            "assist { on; auto_send on }",
            "assist reply (輔助回覆); short form: assist on",
            "policy_block",
            repeats=True,
            opens="assist",
            shop_only=True,
        ),
        Construct(
            "bot",
            parents,
            (Arg("on|off", "switch", SWITCH, optional=True),),
            "bot { on; when off_hours }",
            "the full-auto bot (全自動機器人); short form: bot off",
            "policy_block",
            repeats=True,
            opens="bot",
            shop_only=True,
        ),
        Construct(
            "matching",
            parents,
            (),
            "matching { confidence 80; suggest 55 }",
            "the levels answers need on the 0-100 confidence scale",
            "policy_block",
            repeats=True,
            opens="matching",
            shop_only=True,
        ),
        Construct(
            "greeting",
            parents,
            (Arg('"text"|off', "string"),),
            'greeting "您好,歡迎光臨 ${shop.name}!"',
            "sent when a session opens; off (the default) sends none",
            "greeting",
            shop_only=True,
        ),
    )


CONSTRUCTS: tuple[Construct, ...] = (
    # -- the top level ----------------------------------------------------------------------------
    Construct(
        "shop",
        ("file",),
        (Arg("ID", "id"), Arg('"name"', "string")),
        'shop tw "Demo Store 台灣" { language zh-Hant }',
        "the shop's header: its id, display name and settings",
        "header",
        opens="shop",
    ),
    Construct(
        "preset",
        ("file",),
        (Arg("ID", "id"), Arg('"name"', "string")),
        'preset general "通用類" { category 通用類 }',
        "a preset's header: entries shops adopt with use",
        "header",
        opens="preset",
    ),
    Construct(
        "staff",
        ("file",),
        (),
        "staff { owner mia }",
        "the people of the shop",
        "staff",
        repeats=True,
        opens="staff",
        shop_only=True,
    ),
    *_policy(("file", "period")),
    Construct(
        "synonyms",
        ("file",),
        (),
        "synonyms { 包郵 = 免運 = 免運費 }",
        "groups of words that mean the same to the matcher",
        "synonyms",
        repeats=True,
        lines="TERM = TERM ...",
    ),
    Construct(
        "lint",
        ("file",),
        (),
        "lint { reply_budget 160 }",
        "what kefu lint holds the shop's replies to",
        "lint",
        repeats=True,
        opens="lint",
        shop_only=True,
    ),
    Construct(
        "faq",
        ("file",),
        (Arg("ID", "id"), Arg('"title"', "string", optional=True)),
        'faq shipping.free "商品包郵" { ask "有包郵嗎?"; reply "全店包郵。" }',
        "a knowledge-base entry",
        "faq",
        repeats=True,
        opens="faq",
    ),
    Construct(
        "override",
        ("file",),
        (Arg("faq", "choice", ("faq",)), Arg("ID", "id")),
        'override faq logistics.tracking { reply "請在【我的訂單】查看物流進度。" }',
        "changes an entry of a used preset",
        "override",
        repeats=True,
        opens="override",
        shop_only=True,
    ),
    Construct(
        "drop",
        ("file",),
        (Arg("faq", "choice", ("faq",)), Arg("ID", "id")),
        "drop faq payment.installment",
        "removes an entry of a used preset",
        "drop",
        repeats=True,
        shop_only=True,
    ),
    Construct(
        "period",
        ("file",),
        (Arg('"name"', "string"), Arg("DATES", "dates")),
        'period "11.11 sale" 2026-11-10..2026-11-12 { greeting "雙11快樂!" }',
        "settings in force between two dates",
        "period",
        repeats=True,
        opens="period",
        shop_only=True,
    ),
    Construct(
        "test",
        ("file",),
        (Arg('"name"', "string"),),
        'test "shipping" { "有包郵嗎?" -> shipping.free }',
        "messages and the entry each must be recognised as",
        "test",
        repeats=True,
        lines='"message" -> ID|none',
        shop_only=True,
    ),
    Construct(
        "scenario",
        ("file",),
        (Arg('"name"', "string"),),
        'scenario "night" { at 2026-11-24 23:30; customer "有包郵嗎?" expect bot shipping.free }',
        "a conversation played on a virtual clock",
        "scenario",
        repeats=True,
        opens="scenario",
        shop_only=True,
    ),
    # -- shop and preset headers ------------------------------------------------------------------
    Construct(
        "language",
        ("shop", "preset"),
        (Arg("TAG", "word"),),
        "language zh-Hant",
        "a language tag",
        "language",
    ),
    Construct(
        "timezone",
        ("shop",),
        (Arg("ZONE", "word"),),
        'timezone "Asia/Taipei"',
        "an IANA time zone name: hours, holidays and periods are read in it",
        "timezone",
    ),
    Construct(
        "hours",
        ("shop",),
        (Arg("DAYS HH:MM-HH:MM ...", "hours", many=True),),
        "hours mon-fri 09:00-12:00 13:00-18:00, sat 10:00-14:00",
        "working hours",
        "hours",
        repeats=True,
    ),
    Construct(
        "closed",
        ("shop",),
        (Arg("DATES", "dates", many=True),),
        "closed 2026-01-01, 2026-02-16..2026-02-20",
        "holidays",
        "closed",
        repeats=True,
    ),
    Construct(
        "use",
        ("shop", "preset"),
        (Arg('"path"', "string", many=True),),
        'use "presets/general.zh-Hant.kefu"',
        "preset files to adopt, relative to this file, in order",
        "uses",
        repeats=True,
    ),
    Construct(
        "category",
        ("preset",),
        (Arg("WORD", "word"),),
        "category 通用類",
        "the category of the preset's entries unless an entry names its own",
        "preset_category",
    ),
    # -- staff ------------------------------------------------------------------------------------
    *(
        Construct(
            role.value,
            ("staff",),
            (
                Arg("NAME", "name"),
                Arg("capacity N", "option", optional=True),
                Arg("auto_send on|off", "option", SWITCH, optional=True),
            ),
            f"{role.value} mia capacity 5 auto_send off",
            _ROLES.get(role, "a person of the shop"),
            "member",
            repeats=True,
        )
        for role in Role
    ),
    # -- assist, bot, matching ------------------------------------------------------------------
    *(
        Construct(word, (block,), (), word, f"switches {block} {word}", f"turn_{word}", repeats=True)
        for block in ("assist", "bot")
        for word in SWITCH
    ),
    Construct("auto_send", ("assist",), (ON_OFF,), "auto_send on", "assist may send answers by itself", "auto_send"),
    Construct(
        "when",
        ("bot",),
        (Arg("|".join(h.value for h in BotHours), "choice", tuple(h.value for h in BotHours)),),
        "when off_hours",
        "when the bot answers: all day (全天開啓) or off working hours (僅在非工作時間開啓)",
        "bot_when",
    ),
    Construct(
        "fallback",
        ("bot",),
        (TEXT,),
        'fallback "抱歉目前人工客服不在線"',
        "what the bot says when it has no answer",
        "reply_setting",
    ),
    Construct(
        "off_hours_reply",
        ("bot",),
        (TEXT,),
        'off_hours_reply "客服時間為 ${shop.hours}"',
        "what the bot says off working hours",
        "reply_setting",
    ),
    *(
        Construct(level, ("matching",), (LEVEL,), f"{level} {field.default}", summary, "level")
        for level, summary in _LEVELS.items()
        for field in (Matching.model_fields[level],)
    ),
    # -- lint -------------------------------------------------------------------------------------
    Construct(
        "reply_budget",
        ("lint",),
        (LEVEL,),
        "reply_budget 160",
        "the columns a reply may take before kefu lint warns (a CJK character takes 2; default 200)",
        "lint_budget",
    ),
    Construct(
        "contact",
        ("lint",),
        (Arg('"pattern"', "string", many=True),),
        'contact "(?i)instagram"',
        "more patterns of contact details outside the platform (Python regular expressions)",
        "lint_patterns",
        repeats=True,
    ),
    Construct(
        "allow",
        ("lint",),
        (Arg('"pattern"', "string", many=True),),
        'allow "@demostore_tw"',
        "text the contact patterns find that is fine (the shop's own account on the platform)",
        "lint_patterns",
        repeats=True,
    ),
    # -- entries ----------------------------------------------------------------------------------
    Construct(
        "ask",
        ("faq", "override"),
        (TEXT,),
        'ask "有免運嗎"',
        "a wording of the question; in an override, one more",
        "ask",
        repeats=True,
    ),
    Construct(
        "keywords",
        ("faq", "override"),
        (Arg("WORD", "word", many=True),),
        "keywords 包郵, 運費",
        "words the agent may type to find the entry",
        "keywords",
    ),
    Construct("reply", ("faq", "override"), (TEXT,), 'reply "您好,全店包郵。"', "the answer", "entry_reply"),
    Construct("title", ("faq", "override"), (TEXT,), 'title "商品包郵"', "the entry's title", "title"),
    Construct(
        "category",
        ("faq", "override"),
        (Arg("WORD", "word"),),
        "category 通用類",
        "the entry's category",
        "entry_category",
    ),
    Construct(
        "auto",
        ("faq", "override"),
        (Arg("never|allowed", "choice", ("never", "allowed")),),
        "auto never",
        "never: suggest only, never auto-send",
        "auto",
    ),
    Construct(
        "drop",
        ("override",),
        (Arg("ask", "choice", ("ask",)), TEXT),
        'drop ask "物流單號在哪裡"',
        "removes one of the preset entry's asks",
        "drop_ask",
        repeats=True,
    ),
    # -- scenario steps ---------------------------------------------------------------------------
    Construct(
        "at",
        ("scenario",),
        (Arg("YYYY-MM-DD", "date"), Arg("HH:MM", "time")),
        "at 2026-11-24 23:30",
        "set the clock",
        "plain_step",
        repeats=True,
    ),
    Construct(
        "wait",
        ("scenario",),
        (Arg("DURATION", "duration", what="a duration such as 5m"),),
        "wait 9h",
        "advance the clock (30s, 5m, 2h, 1d, 1h30m)",
        "plain_step",
        repeats=True,
    ),
    Construct(
        "online", ("scenario",), (NAME,), "online amy", "a person comes online (D-6)", "plain_step", repeats=True
    ),
    Construct(
        "offline", ("scenario",), (NAME,), "offline amy", "a person goes offline (D-6)", "plain_step", repeats=True
    ),
    Construct(
        "open",
        ("scenario",),
        (NAME,),
        "open amy",
        "the person opens this conversation (D-6)",
        "plain_step",
        repeats=True,
    ),
    Construct(
        "leave",
        ("scenario",),
        (NAME,),
        "leave amy",
        "the person leaves this conversation (D-6)",
        "plain_step",
        repeats=True,
    ),
    Construct(
        "customer",
        ("scenario",),
        (Arg('"message"', "string"),),
        'customer "有包郵嗎?"',
        "the customer writes",
        "plain_step",
        repeats=True,
    ),
    Construct(
        "agent",
        ("scenario",),
        (STEP_NAME, TEXT),
        'agent amy "您好,我來為您處理。"',
        "the person replies",
        "plain_step",
        repeats=True,
    ),
    Construct(
        "types",
        ("scenario",),
        (STEP_NAME, TEXT),
        'types amy "包郵"',
        "the person types keywords in the input box (IR-3)",
        "plain_step",
        repeats=True,
    ),
    Construct(
        "rate",
        ("scenario",),
        (
            Arg("solved|unsolved", "choice", ("solved", "unsolved")),
            Arg("REASON", "choice", tuple(r.value for r in Reason), optional=True),
            Arg('"text"', "string", optional=True),
        ),
        'rate unsolved not_useful "沒回答我的問題"',
        "the customer rates the last bot answer (BOT-8); unsolved takes a reason: "
        + ", ".join(r.value for r in Reason),
        "rate",
        repeats=True,
    ),
    Construct(
        "set",
        ("scenario",),
        (
            Arg("ACTOR", "name"),
            Arg("SETTING", "choice", tuple(s.value for s in SETTING_VALUES)),
            Arg("VALUE", "word"),
        ),
        "set mia bot off",
        "a person changes a shop-wide setting: "
        + ", ".join(f"{s.value} ({'/'.join(v)})" for s, v in SETTING_VALUES.items()),
        "set_step",
        repeats=True,
    ),
    Construct(
        "expect",
        ("scenario",),
        (Arg("EXPECTATION", "expectations", many=True),),
        "expect unreplied, notice",
        "expectations about what happened since the last expect line; any step may end with expect ...",
        "expect_step",
        repeats=True,
    ),
    # -- expectations -----------------------------------------------------------------------------
    Construct(
        "bot",
        ("expect",),
        (_EXPECT_ID,),
        "bot shipping.free",
        "the bot sent that entry's answer",
        "expectation",
        repeats=True,
    ),
    Construct(
        "assist",
        ("expect",),
        (_EXPECT_ID,),
        "assist shipping.free",
        "assist auto-sent that entry",
        "expectation",
        repeats=True,
    ),
    Construct(
        "suggest",
        ("expect",),
        (_EXPECT_ID,),
        "suggest shipping.free",
        "the entry is among the suggestions shown",
        "expectation",
        repeats=True,
    ),
    *(
        Construct(word, ("expect",), (), word, summary, "expectation", repeats=True)
        for word, summary in _PLAIN_EXPECTATIONS.items()
    ),
    Construct(
        "label",
        ("expect",),
        (TEXT,),
        'label "由聊天助手發送"',
        "a message sent with that label (what the agent sees)",
        "expectation",
        repeats=True,
    ),
    Construct(
        "customer_label",
        ("expect",),
        (TEXT,),
        'customer_label "由聊天助手發送"',
        "a message sent with that label (what the customer sees)",
        "expectation",
        repeats=True,
    ),
)

_BY_BLOCK: dict[str, dict[str, Construct]] = {name: {} for name in BLOCKS}
for _construct in CONSTRUCTS:
    for _parent in _construct.parents:
        _BY_BLOCK[_parent][_construct.name] = _construct

TOP_LEVEL: tuple[str, ...] = tuple(_BY_BLOCK["file"])  # the heads a top-level statement may have


def known(block: str) -> dict[str, Construct]:
    """The constructs that may stand in `block`, by name."""
    return _BY_BLOCK[block]


def construct(block: str, name: str) -> Construct | None:
    return _BY_BLOCK[block].get(name)


def words(block: str, name: str, index: int = 0) -> tuple[str, ...]:
    """The words argument `index` of construct `name` in `block` takes (a choice or a switch)."""
    return _BY_BLOCK[block][name].args[index].words


# -- docs/language.md ---------------------------------------------------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "language.md"
_TITLES = {
    "file": "Top-level statements",
    "expect": "Expectations (after `expect`, comma-separated)",
}
_HEADERS = {  # where a header may stand: (in a shop, in a preset)
    "shop": ("once, in the shop's folder", "no"),
    "preset": ("no", "once, first"),
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def placement_markdown() -> str:
    """Which top-level statements a shop's files and a preset's file may hold."""
    rows = ["| statement | in a shop | in a preset |", "|---|---|---|"]
    for name, (shop, preset) in _HEADERS.items():
        rows.append(f"| `{name}` header | {shop} | {preset} |")
    others = [c for c in CONSTRUCTS if "file" in c.parents and c.name not in _HEADERS]
    for shop_only, preset in ((True, "no (K038)"), (False, "yes")):
        heads = [c.keyword for c in others if c.shop_only == shop_only]
        rows.append(f"| {', '.join(f'`{h}`' for h in heads)} | yes | {preset} |")
    return "\n".join(rows) + "\n"


def statements_markdown() -> str:
    """The statement tables of docs/language.md, one per block, from the table above."""
    parts = []
    for block in BLOCKS.values():
        rows = [c for c in CONSTRUCTS if block.name in c.parents]
        title = _TITLES.get(block.name, f"{block.what[0].upper()}{block.what[1:]}s in `{block.name} {{ }}`")
        parts.append(f"### {title}\n")
        parts.append("| statement | meaning | repeats | example |\n|---|---|---|---|")
        for c in rows:
            also = [p if p != "file" else "the top level" for p in c.parents if p != block.name]
            meaning = c.summary + (f"; its lines: `{c.lines}`" if c.lines else "")
            meaning += f"; also in {', '.join(also)}" if also else ""
            repeats = "yes" if c.repeats else "no"
            parts.append(f"| `{_cell(c.syntax)}` | {_cell(meaning)} | {repeats} | `{_cell(c.example)}` |")
        parts.append("")
    return "\n".join(parts)


SECTIONS = {"placement": placement_markdown, "statements": statements_markdown}


def begin(section: str) -> str:
    return f"<!-- generated: {section} (python -m kefu.dsl.language --write; edit dsl/language.py) -->"


def end(section: str) -> str:
    return f"<!-- end: {section} -->"


def generated(doc: str) -> str:
    """`doc` with each of its generated sections replaced by the current one."""
    for section, make in SECTIONS.items():
        pattern = re.compile(re.escape(begin(section)) + r"\n.*?" + re.escape(end(section)), re.S)
        match = pattern.search(doc)
        if match is None:
            raise ValueError(f"docs/language.md has no section between {begin(section)!r} and {end(section)!r}")
        doc = f"{doc[: match.start()]}{begin(section)}\n\n{make()}\n{end(section)}{doc[match.end() :]}"
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kefu.dsl.language", description="Print or rewrite the generated sections of docs/language.md."
    )
    parser.add_argument("--write", action="store_true", help="rewrite the generated sections of docs/language.md")
    options = parser.parse_args(argv)
    if not options.write:
        print("\n".join(make() for make in SECTIONS.values()), end="")
        return 0
    old = DOC.read_text(encoding="utf-8")
    new = generated(old)
    if new != old:
        DOC.write_text(new, encoding="utf-8")
    print(f"{DOC}: {'rewritten' if new != old else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
