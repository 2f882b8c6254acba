"""Every diagnostic code kefu can print: its name, a summary and the page `kefu explain` shows.

Codes are stable and never reused. docs/diagnostics.md is generated from this table
(`python -m kefu.dsl.codes > docs/diagnostics.md`), and a test fails when the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    summary: str
    why: str
    avoid: str
    prefer: str


CODES: dict[str, Code] = {}


def _code(code: str, name: str, summary: str, why: str, avoid: str, prefer: str) -> Code:
    CODES[code] = Code(code, name, summary, why, avoid.strip("\n"), prefer.strip("\n"))
    return CODES[code]


K001 = _code(
    "K001",
    "syntax-error",
    "the text does not have the shape of a statement",
    "A statement is a head word, its arguments and an optional `{ block }`; braces must balance and "
    "`{` must stay on the line of its statement. kefu names what it expected at the spot.",
    'faq shipping.free "商品包郵"\n{\n    reply "..."\n}',
    'faq shipping.free "商品包郵" {\n    reply "..."\n}',
)
K002 = _code(
    "K002",
    "unterminated-string",
    "a string has no closing quote on its line",
    'Strings end on the line they start; a missing `"` would swallow the rest of the file.',
    'reply "您好,請稍候',
    'reply "您好,請稍候"',
)
K003 = _code(
    "K003",
    "full-width-punctuation",
    "full-width punctuation where the syntax wants ASCII",
    "Chinese input methods type `,` `;` `{` `}` `“` `”` `:` and the ideographic space; inside a string "
    "they are text, outside one the syntax needs the ASCII character. The help line gives it.",
    "keywords 包郵,運費",
    "keywords 包郵, 運費",
)
K004 = _code(
    "K004",
    "not-utf8",
    "the file is not UTF-8 text",
    "Rule files are UTF-8 (a BOM is allowed). A file saved as Big5 or GBK must be converted.",
    "a file saved in Big5",
    "iconv -f BIG5 -t UTF-8 old.kefu > shop.kefu",
)
K005 = _code(
    "K005",
    "binary-file",
    "the file holds binary data, not text",
    "A `.kefu` file with NUL bytes or control characters is not a rule file; it may have been overwritten by accident.",
    "an image renamed to shop.kefu",
    "a text file of statements",
)
K006 = _code(
    "K006",
    "empty-file",
    "the file holds no statements",
    "An empty rule file is most likely a mistake (an unsaved buffer, a failed copy).",
    "an empty shop.kefu",
    "delete the file, or write its statements",
)
K007 = _code(
    "K007",
    "unreadable-file",
    "the file cannot be read",
    "The path does not exist, is not a file, is too large (over 64 MiB) or cannot be opened.",
    "kefu check rules/shop.kefu   # no such file",
    "kefu check rules/",
)
K010 = _code(
    "K010",
    "unknown-statement",
    "a statement or setting kefu does not know here",
    "Each block accepts a fixed set of statements; a misspelt one would otherwise be ignored "
    "silently. The help line names the closest known one.",
    "matching {\n    confidance 80\n}",
    "matching {\n    confidence 80\n}",
)
K011 = _code(
    "K011",
    "bad-arguments",
    "a statement has the wrong number or kind of arguments",
    "Each statement takes fixed arguments (a string, a number, on/off, a list...); the message says which it expected.",
    'ask "有免運嗎" "包郵嗎"',
    'ask "有免運嗎"\nask "包郵嗎"',
)
K012 = _code(
    "K012",
    "duplicate-setting",
    "the same setting is given twice in one block",
    "Only one value can hold; kefu will not guess which one you meant.",
    "bot {\n    when all_day\n    when off_hours\n}",
    "bot {\n    when off_hours\n}",
)
K013 = _code(
    "K013",
    "missing-field",
    "something required is missing",
    "A faq entry needs at least one `ask` and a `reply`; a shop needs a name; a preset needs a title.",
    'faq order.status "訂單狀態" {\n    ask "我的訂單到哪了"\n}',
    'faq order.status "訂單狀態" {\n    ask "我的訂單到哪了"\n    reply "您好,請在【我的訂單】查看。"\n}',
)
K014 = _code(
    "K014",
    "bad-id",
    "an id is not a dotted name",
    "Entry, shop and preset ids are referred to by tests, diffs, ratings and logs. Use a dotted name "
    "of letters, digits, `_` and `-`, or quote an imported id.",
    "faq order..status {",
    'faq order.status {   # or: faq "Order Status #1" {',
)
K020 = _code(
    "K020",
    "duplicate-entry-id",
    "two entries have the same id",
    "Entry ids must be unique within a shop (presets included), or tests and logs become ambiguous.",
    "faq order.status ...\nfaq order.status ...",
    "faq order.status ...\nfaq order.status.late ...",
)
K021 = _code(
    "K021",
    "duplicate-ask",
    "the same ask appears under two entries",
    "A customer writing exactly that ask would match two intents; the matcher could never be "
    "confident. Asks are compared after normalising width, case and spaces.",
    'faq a { ask "包郵嗎" }\nfaq b { ask "包郵嗎" }',
    "keep the ask under the entry it belongs to",
)
K022 = _code(
    "K022",
    "unknown-timezone",
    "the time zone is not an IANA time zone name",
    "Working hours and holidays are read in the shop's own time zone; kefu needs a name like "
    "`Asia/Taipei` from the IANA database.",
    'timezone "Taipei"',
    'timezone "Asia/Taipei"',
)
K023 = _code(
    "K023",
    "impossible-hours",
    "working hours that cannot be",
    "Hours are HH:MM from 00:00 to 24:00, a range must not be empty, ranges of one day must not "
    "overlap, and days are mon..sun.",
    "hours mon-fri 09:00-25:00",
    "hours mon-fri 09:00-18:00",
)
K024 = _code(
    "K024",
    "impossible-date",
    "a date that does not exist, or a range that ends before it starts",
    "Dates are YYYY-MM-DD and ranges `start..end` with start <= end.",
    "closed 2026-02-30, 2026-03-10..2026-03-01",
    "closed 2026-02-28, 2026-03-01..2026-03-10",
)
K025 = _code(
    "K025",
    "unknown-placeholder",
    "a reply uses a placeholder kefu does not fill",
    "Replies may hold `${name}` from a fixed list (shop.name, shop.hours, customer.name, agent.name); "
    "anything else would reach a customer as raw text. Write `$$` for a literal `$`.",
    'reply "您好 ${user}"',
    'reply "您好 ${customer.name}"',
)
K026 = _code(
    "K026",
    "override-unknown-entry",
    "`override` names an entry that no used preset has",
    "`override` changes a preset entry (KB-2). To add an entry of your own, write `faq`.",
    "override faq shiping.free { ... }",
    "override faq shipping.free { ... }",
)
K027 = _code(
    "K027",
    "drop-unknown-entry",
    "`drop` names an entry that no used preset has",
    "`drop` removes a preset entry from this shop (KB-2); to remove your own entry, delete it.",
    "drop faq paymnet.cod",
    "drop faq payment.cod",
)
K028 = _code(
    "K028",
    "suggest-above-confidence",
    "the suggest level is above the auto-send level",
    "An answer confident enough to auto-send must also be good enough to suggest (D-8).",
    "matching {\n    confidence 60\n    suggest 80\n}",
    "matching {\n    confidence 80\n    suggest 60\n}",
)
K029 = _code(
    "K029",
    "no-owner",
    "the shop has no owner",
    "Only the owner or an admin may switch assist and the bot (AR-1, BOT-1); a shop needs exactly one owner.",
    "staff {\n    agent amy\n}",
    "staff {\n    owner mia\n    agent amy\n}",
)
K030 = _code(
    "K030",
    "test-unknown-entry",
    "a test expects an entry the shop does not have",
    "The test could never pass; the id is misspelt or the entry was dropped.",
    '"有包郵嗎" -> shiping.free',
    '"有包郵嗎" -> shipping.free',
)
K031 = _code(
    "K031",
    "use-missing-file",
    "`use` names a file that does not exist or is not a preset",
    "Paths in `use` are relative to the file that writes them and must lead to a file starting with `preset`.",
    'use "presets/general.kefu"',
    'use "../../presets/general.zh-Hant.kefu"',
)
K032 = _code(
    "K032",
    "use-cycle",
    "files `use` each other in a cycle",
    "A preset that (through others) uses itself has no order in which its entries could apply.",
    "a.kefu uses b.kefu, b.kefu uses a.kefu",
    "let one of them stop using the other",
)
K033 = _code(
    "K033",
    "duplicate-staff",
    "a person appears twice in staff, or there are two owners",
    "Each name is one person with one role; a shop has one owner (店鋪主賬號).",
    "staff {\n    owner mia\n    owner ken\n}",
    "staff {\n    owner mia\n    admin ken\n}",
)
K034 = _code(
    "K034",
    "unknown-agent",
    "a scenario names a person who is not in staff",
    "Scenarios play the shop's own staff; a misspelt name would play nobody.",
    "online amyy",
    "online amy",
)
K035 = _code(
    "K035",
    "duplicate-shop",
    "two shops or presets have the same id",
    "Shop ids are how `--shop` and logs pick a shop (KB-1); each must be unique in a run.",
    "shop tw ... (in two folders)",
    "shop tw ...\nshop sg ...",
)
K036 = _code(
    "K036",
    "orphan-file",
    "a file belongs to no shop and is no preset",
    "A file without a `shop` or `preset` header counts only as part of a shop in its folder or above.",
    "faq.kefu alone in a folder",
    "move it next to its shop.kefu",
)
K037 = _code(
    "K037",
    "shadowed-preset-entry",
    "a shop's own `faq` reuses the id of a preset entry",
    "A preset entry changes only through `override` and goes only through `drop` (KB-2), so that a "
    "review shows every change to the platform's wording.",
    'faq shipping.free "..." { ... }',
    "override faq shipping.free { ... }",
)
K038 = _code(
    "K038",
    "misplaced-statement",
    "a statement that is valid elsewhere but not here",
    "A preset holds only its header, synonyms and faq entries; a shop has one header; tests and "
    "scenarios sit at the top level.",
    "preset general ...\nstaff { ... }",
    "put staff in the shop",
)
K039 = _code(
    "K039",
    "out-of-range",
    "a number outside its allowed range",
    "Levels are 0-100, capacities and repeat limits are whole numbers of at least 1 (capacity may be 0).",
    "matching {\n    confidence 180\n}",
    "matching {\n    confidence 80\n}",
)


def explain(code: str) -> str | None:
    """The page `kefu explain CODE` prints, or None for an unknown code."""
    entry = CODES.get(code.upper())
    if entry is None:
        return None
    return (
        f"{entry.code} ({entry.name}): {entry.summary}\n\n{entry.why}\n\n"
        f"Avoid:\n{_indent(entry.avoid)}\n\nPrefer:\n{_indent(entry.prefer)}\n"
    )


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def markdown() -> str:
    """docs/diagnostics.md, generated."""
    parts = [
        "# Diagnostics\n",
        "<!-- generated by `python -m kefu.dsl.codes`; edit dsl/codes.py, not this file -->\n",
        "Every finding of `kefu check` carries a stable code. `kefu explain CODE` prints its page.\n",
        "| code | name | summary |\n|---|---|---|\n"
        + "".join(f"| [{c.code}](#{c.code.lower()}) | {c.name} | {c.summary} |\n" for c in CODES.values()),
    ]
    for c in CODES.values():
        parts.append(
            f"## {c.code}\n\n**{c.name}**: {c.summary}\n\n{c.why}\n\n"
            f"Avoid:\n\n```\n{c.avoid}\n```\n\nPrefer:\n\n```\n{c.prefer}\n```\n"
        )
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(), end="")
