"""Every diagnostic code kefu can print, each one object: what it means, its level and its page.

A `Code` holds a finding's stable code (never reused), its name, a summary, why it matters, an example
to avoid and one to prefer, its default level (error or warning, and why that level) and its category.
Emitters pass the object and let it make the `Diagnostic` (`K010.at(span, message, help)`), so a
finding always carries its code's level and a mistyped code is a NameError at import.

The codes of reading (parser, builder, loader) are defined below. The codes of checks on a built
shop are defined in their own modules under `kefu.dsl.rules` and join `CODES`, the registry of all,
when it is first read. `python -m kefu.dsl.codes` writes docs/diagnostics.md and docs/rules/.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from kefu.engine.diagnostics import Diagnostic, Severity, Span


@dataclass(frozen=True, slots=True)
class Code:
    """One kind of finding. `category` groups the pages; for a rule it is its folder under dsl/rules."""

    code: str
    name: str
    summary: str
    why: str
    avoid: str
    prefer: str
    level: Severity
    category: str
    level_reason: str

    @property
    def ignorable(self) -> bool:
        """Whether `# kefu: ignore[CODE]` may silence it: warnings only, and none about suppressions."""
        return self.level is Severity.warning and self.category != "suppression"

    def at(self, span: Span, message: str, help: str = "", related: Iterable[Span] = ()) -> Diagnostic:
        """A finding of this code at `span`, at the code's level."""
        return Diagnostic(
            code=self.code, severity=self.level, message=message, span=span, help=help, related=tuple(related)
        )


def define(
    code: str,
    name: str,
    summary: str,
    why: str,
    avoid: str,
    prefer: str,
    *,
    level: Severity,
    category: str,
    level_reason: str,
) -> Code:
    """A code, its examples stripped of surrounding blank lines (the form rule modules use too)."""
    return Code(code, name, summary, why, avoid.strip("\n"), prefer.strip("\n"), level, category, level_reason)


class Registry(Mapping[str, Code]):
    """Every code by its id, in code order: the reader's, and each rule module's once first read
    (the rule modules import this one, so they are collected lazily, not at import)."""

    def __init__(self) -> None:
        self._reader: dict[str, Code] = {}
        self._all: dict[str, Code] | None = None

    def add(self, entry: Code) -> Code:
        if entry.code in self._reader:
            raise ValueError(f"{entry.code} is defined twice")
        self._reader[entry.code] = entry
        self._all = None
        return entry

    def _codes(self) -> dict[str, Code]:
        if self._all is None:
            from kefu.dsl.rules import RULES

            found = dict(self._reader)
            for rule in RULES:
                if rule.code.code in found:
                    raise ValueError(f"{rule.code.code} of {rule.module} is defined twice")
                found[rule.code.code] = rule.code
            self._all = dict(sorted(found.items()))
        return self._all

    def __getitem__(self, key: str) -> Code:
        return self._codes()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes())

    def __len__(self) -> int:
        return len(self._codes())


CODES = Registry()


def _code(*args: str, level: Severity, category: str, level_reason: str) -> Code:
    return CODES.add(define(*args, level=level, category=category, level_reason=level_reason))


K001 = _code(
    "K001",
    "syntax-error",
    "the text does not have the shape of a statement",
    "A statement is a head word, its arguments and an optional `{ block }`; braces must balance and "
    "`{` must stay on the line of its statement. kefu names what it expected at the spot.",
    'faq shipping.free "商品包郵"\n{\n    reply "..."\n}',
    'faq shipping.free "商品包郵" {\n    reply "..."\n}',
    level=Severity.error,
    category="syntax",
    level_reason=("kefu skips the statement it cannot read, so the shop would run without it."),
)
K002 = _code(
    "K002",
    "unterminated-string",
    "a string has no closing quote on its line",
    'Strings end on the line they start; a missing `"` would swallow the rest of the file.',
    'reply "您好,請稍候',
    'reply "您好,請稍候"',
    level=Severity.error,
    category="syntax",
    level_reason=("The statement that holds the string is skipped, so the shop would run without it."),
)
K003 = _code(
    "K003",
    "full-width-punctuation",
    "full-width punctuation where the syntax wants ASCII",
    "Chinese input methods type `,` `;` `{` `}` `“` `”` `:` and the ideographic space; inside a string "
    "they are text, outside one the syntax needs the ASCII character. The help line gives it.",
    "keywords 包郵,運費",
    "keywords 包郵, 運費",
    level=Severity.warning,
    category="syntax",
    level_reason=(
        "kefu reads the character as its ASCII twin and builds exactly what was meant; the warning keeps the "
        "file plain for people and tools (`kefu fmt` leaves such a file alone until it is fixed)."
    ),
)
K004 = _code(
    "K004",
    "not-utf8",
    "the file is not UTF-8 text",
    "Rule files are UTF-8 (a BOM is allowed). A file saved as Big5 or GBK must be converted.",
    "a file saved in Big5",
    "iconv -f BIG5 -t UTF-8 old.kefu > shop.kefu",
    level=Severity.error,
    category="files",
    level_reason=("kefu cannot read the file at all, so nothing in it reaches the shop."),
)
K005 = _code(
    "K005",
    "binary-file",
    "the file holds binary data, not text",
    "A `.kefu` file with NUL bytes or control characters is not a rule file; it may have been overwritten by accident.",
    "an image renamed to shop.kefu",
    "a text file of statements",
    level=Severity.error,
    category="files",
    level_reason=("kefu cannot read the file at all, so nothing in it reaches the shop."),
)
K006 = _code(
    "K006",
    "empty-file",
    "the file holds no statements",
    "An empty rule file is most likely a mistake (an unsaved buffer, a failed copy).",
    "an empty shop.kefu",
    "delete the file, or write its statements",
    level=Severity.warning,
    category="files",
    level_reason=(
        "An empty file adds nothing and takes nothing away: the shop builds and runs exactly from its other "
        "files. It is worth a look, not a failed check."
    ),
)
K007 = _code(
    "K007",
    "unreadable-file",
    "the file cannot be read",
    "The path does not exist, is not a file, is too large (over 64 MiB) or cannot be opened.",
    "kefu check rules/shop.kefu   # no such file",
    "kefu check rules/",
    level=Severity.error,
    category="files",
    level_reason=("kefu cannot read the file at all, so nothing in it reaches the shop."),
)
K010 = _code(
    "K010",
    "unknown-statement",
    "a statement or setting kefu does not know here",
    "Each block accepts a fixed set of statements; a misspelt one would otherwise be ignored "
    "silently. The help line names the closest known one.",
    "matching {\n    confidance 80\n}",
    "matching {\n    confidence 80\n}",
    level=Severity.error,
    category="syntax",
    level_reason=("The statement is ignored, so what it says would not happen."),
)
K011 = _code(
    "K011",
    "bad-arguments",
    "a statement has the wrong number or kind of arguments",
    "Each statement takes fixed arguments (a string, a number, on/off, a list...); the message says which it expected.",
    'ask "有免運嗎" "包郵嗎"',
    'ask "有免運嗎"\nask "包郵嗎"',
    level=Severity.error,
    category="syntax",
    level_reason=("The statement cannot be read, so it is left out and what it says would not happen."),
)
K012 = _code(
    "K012",
    "duplicate-setting",
    "the same setting is given twice in one block",
    "Only one value can hold; kefu will not guess which one you meant.",
    "bot {\n    when all_day\n    when off_hours\n}",
    "bot {\n    when off_hours\n}",
    level=Severity.error,
    category="settings",
    level_reason=("Only one value can hold and kefu will not guess which one was meant."),
)
K013 = _code(
    "K013",
    "missing-field",
    "something required is missing",
    "A faq entry needs at least one `ask` and a `reply`; a shop needs a name; a preset needs a title.",
    'faq order.status "訂單狀態" {\n    ask "我的訂單到哪了"\n}',
    'faq order.status "訂單狀態" {\n    ask "我的訂單到哪了"\n    reply "您好,請在【我的訂單】查看。"\n}',
    level=Severity.error,
    category="entries",
    level_reason=("The entry, shop or preset cannot be built without it."),
)
K014 = _code(
    "K014",
    "bad-id",
    "an id is not a dotted name",
    "Entry, shop and preset ids are referred to by tests, diffs, ratings and logs. Use a dotted name "
    "of letters, digits, `_` and `-`, or quote an imported id.",
    "faq order..status {",
    'faq order.status {   # or: faq "Order Status #1" {',
    level=Severity.error,
    category="entries",
    level_reason=("The entry, shop or preset cannot be referred to, so it is left out."),
)
K020 = _code(
    "K020",
    "duplicate-entry-id",
    "two entries have the same id",
    "Entry ids must be unique within a shop (presets included), or tests and logs become ambiguous.",
    "faq order.status ...\nfaq order.status ...",
    "faq order.status ...\nfaq order.status.late ...",
    level=Severity.error,
    category="entries",
    level_reason=("The second entry is left out, so the shop would run without it."),
)
K022 = _code(
    "K022",
    "unknown-timezone",
    "the time zone is not an IANA time zone name",
    "Working hours and holidays are read in the shop's own time zone; kefu needs a name like "
    "`Asia/Taipei` from the IANA database.",
    'timezone "Taipei"',
    'timezone "Asia/Taipei"',
    level=Severity.error,
    category="settings",
    level_reason=("Working hours and holidays would be read in the wrong time zone (kefu falls back to UTC)."),
)
K023 = _code(
    "K023",
    "impossible-hours",
    "working hours that cannot be",
    "Hours are HH:MM from 00:00 to 24:00, a range must not be empty, ranges of one day must not "
    "overlap, and days are mon..sun.",
    "hours mon-fri 09:00-25:00",
    "hours mon-fri 09:00-18:00",
    level=Severity.error,
    category="settings",
    level_reason=("The hours are left out, so the bot would answer at the wrong times."),
)
K024 = _code(
    "K024",
    "impossible-date",
    "a date that does not exist, or a range that ends before it starts",
    "Dates are YYYY-MM-DD and ranges `start..end` with start <= end.",
    "closed 2026-02-30, 2026-03-10..2026-03-01",
    "closed 2026-02-28, 2026-03-01..2026-03-10",
    level=Severity.error,
    category="settings",
    level_reason=("The date is left out, so a holiday or period would not apply."),
)
K025 = _code(
    "K025",
    "unknown-placeholder",
    "a reply uses a placeholder kefu does not fill",
    "Replies may hold `${name}` from a fixed list (shop.name, shop.hours, customer.name, agent.name); "
    "anything else would reach a customer as raw text. Write `$$` for a literal `$`.",
    'reply "您好 ${user}"',
    'reply "您好 ${customer.name}"',
    level=Severity.error,
    category="entries",
    level_reason=("The placeholder would reach a customer as raw text."),
)
K026 = _code(
    "K026",
    "override-unknown-entry",
    "`override` names an entry that no used preset has",
    "`override` changes a preset entry (KB-2). To add an entry of your own, write `faq`.",
    "override faq shiping.free { ... }",
    "override faq shipping.free { ... }",
    level=Severity.error,
    category="presets",
    level_reason=("The change written in the override is not made, so the preset's wording stays."),
)
K027 = _code(
    "K027",
    "drop-unknown-entry",
    "`drop` names an entry that no used preset has",
    "`drop` removes a preset entry from this shop (KB-2); to remove your own entry, delete it.",
    "drop faq paymnet.cod",
    "drop faq payment.cod",
    level=Severity.error,
    category="presets",
    level_reason=("Nothing is dropped: the entry that was meant (most likely misspelt) stays and keeps answering."),
)
K031 = _code(
    "K031",
    "use-missing-file",
    "`use` names a file that does not exist or is not a preset",
    "Paths in `use` are relative to the file that writes them and must lead to a file starting with `preset`.",
    'use "presets/general.kefu"',
    'use "../../presets/general.zh-Hant.kefu"',
    level=Severity.error,
    category="presets",
    level_reason=("The preset's entries are missing from the shop."),
)
K032 = _code(
    "K032",
    "use-cycle",
    "files `use` each other in a cycle",
    "A preset that (through others) uses itself has no order in which its entries could apply.",
    "a.kefu uses b.kefu, b.kefu uses a.kefu",
    "let one of them stop using the other",
    level=Severity.error,
    category="presets",
    level_reason=("The presets in the cycle cannot be applied, so their entries are missing."),
)
K035 = _code(
    "K035",
    "duplicate-shop",
    "two shops or presets have the same id",
    "Shop ids are how `--shop` and logs pick a shop (KB-1); each must be unique in a run.",
    "shop tw ... (in two folders)",
    "shop tw ...\nshop sg ...",
    level=Severity.error,
    category="files",
    level_reason=("`--shop` and the logs could not tell the two apart, so the second is left out."),
)
K036 = _code(
    "K036",
    "orphan-file",
    "a file belongs to no shop and is no preset",
    "A file without a `shop` or `preset` header counts only as part of a shop in its folder or above.",
    "faq.kefu alone in a folder",
    "move it next to its shop.kefu",
    level=Severity.error,
    category="files",
    level_reason=("The file's statements belong to no shop, so they never run."),
)
K037 = _code(
    "K037",
    "shadowed-preset-entry",
    "a shop's own `faq` reuses the id of a preset entry",
    "A preset entry changes only through `override` and goes only through `drop` (KB-2), so that a "
    "review shows every change to the platform's wording.",
    'faq shipping.free "..." { ... }',
    "override faq shipping.free { ... }",
    level=Severity.error,
    category="presets",
    level_reason=(
        "Which of the two entries should answer is not written anywhere: kefu refuses to guess (KB-2), and "
        "a shop that keeps the platform's wording must say so with `override` or `drop`."
    ),
)
K038 = _code(
    "K038",
    "misplaced-statement",
    "a statement that is valid elsewhere but not here",
    "A preset holds only its header, synonyms and faq entries; a shop has one header; tests and "
    "scenarios sit at the top level.",
    "preset general ...\nstaff { ... }",
    "put staff in the shop",
    level=Severity.error,
    category="syntax",
    level_reason=("The statement is ignored where it stands, so what it says would not happen."),
)
K039 = _code(
    "K039",
    "out-of-range",
    "a number outside its allowed range",
    "Levels are 0-100, capacities and repeat limits are whole numbers of at least 1 (capacity may be 0).",
    "matching {\n    confidence 180\n}",
    "matching {\n    confidence 80\n}",
    level=Severity.error,
    category="settings",
    level_reason=("The value is left out and the default applies instead."),
)


K040 = _code(
    "K040",
    "unused-suppression",
    "a `# kefu: ignore[...]` comment that silences nothing",
    "A suppression applies to the findings whose span starts on its own line. One that silences nothing "
    "is left over from a fixed finding, or stands on the wrong line; kept, it would hide a new finding "
    "there later. It is held back in a file with a syntax error, for a rule's code where no checked shop "
    "reads the file (the rules did not run there), and outside `kefu check` for the codes only it looks for "
    "(K046, which needs the shop's matcher).",
    'faq a "A" {\n    ask "包郵嗎"   # kefu: ignore[K021]\n    reply "..."\n}',
    'faq a "A" {\n    ask "包郵嗎"\n    reply "..."\n}',
    level=Severity.warning,
    category="suppression",
    level_reason="The comment changes nothing in the shop; deleting it changes nothing either.",
)
K041 = _code(
    "K041",
    "bad-suppression",
    "a `# kefu: ignore[...]` comment kefu cannot use",
    "A suppression is `# kefu: ignore[K021]` or `# kefu: ignore[K021, K030]` at the end of the line it "
    "applies to. It must name registered codes of warnings: an error means the shop cannot be built as "
    "written, so errors cannot be ignored, nor can findings about suppressions.",
    'reply "..."   # kefu: ignore[K21]',
    'reply "..."   # kefu: ignore[K021]',
    level=Severity.warning,
    category="suppression",
    level_reason="The comment silences nothing and changes nothing in the shop.",
)

K044 = _code(
    "K044",
    "empty-reply",
    "a reply, greeting or fallback with no text",
    "Every text kefu sends a customer must say something: a reply of only spaces or invisible characters "
    "would reach the customer as an empty message (from the bot, in the assistant's name).",
    'faq a "A" {\n    ask "包郵嗎"\n    reply ""\n}',
    'faq a "A" {\n    ask "包郵嗎"\n    reply "全店包郵。"\n}',
    level=Severity.error,
    category="entries",
    level_reason="The shop would send customers empty messages; to send no greeting, write `greeting off`.",
)

K045 = _code(
    "K045",
    "no-timezone",
    "a shop with hours, holidays or periods names no time zone",
    "Working hours, holidays and periods (and with them the bot's off-hours schedule) are read in the shop's "
    "time zone. A shop without `timezone` runs on UTC, which is seldom where its customers and agents are: a "
    "Taipei shop open 09:00-18:00 would open at 17:00 local time. A shop without any of them answers the same "
    "at every hour and is not warned (its days in `kefu metrics` are still UTC days).",
    'shop tw "Demo Store" {\n    hours mon-fri 09:00-18:00\n}',
    'shop tw "Demo Store" {\n    timezone "Asia/Taipei"\n    hours mon-fri 09:00-18:00\n}',
    level=Severity.warning,
    category="settings",
    level_reason="The shop builds and runs on UTC, as documented; if UTC is meant, writing it says so.",
)

K047 = _code(
    "K047",
    "bad-pattern",
    "a pattern that is not a regular expression, or one that could take forever",
    "`contact` and `allow` in `lint { }` take Python regular expressions, which `kefu lint` runs on every "
    "reply. A pattern Python cannot compile would find nothing, so the check it was written for would "
    "silently stop. A repeat inside a repeat (`(a+)+`, `(\\w*)*`, `(a{1,2})*`) can backtrack for an "
    "exponential time on a text that almost matches, and hang the lint (and CI with it): kefu refuses it "
    "too, with no attempt to tell the harmless cases from the others. A backslash is written twice in a "
    "kefu string: `\\\\d` is the pattern `\\d`.",
    'lint {\n    contact "(wechat"\n}',
    'lint {\n    contact "(?i)wechat", "\\\\d{4}-\\\\d{3}-\\\\d{3}"\n}',
    level=Severity.error,
    category="settings",
    level_reason="kefu leaves the pattern out, so `kefu lint` would not look for what it was written to find.",
)


def explain(code: str) -> str | None:
    """The page `kefu explain CODE` prints, or None for an unknown code."""
    entry = CODES.get(code.upper())
    if entry is None:
        return None
    level = [f"Level: {entry.level.value}. {entry.level_reason}", f"Category: {entry.category}"]
    if entry.ignorable:
        level.append(f"Ignore it on its line with: # kefu: ignore[{entry.code}]")
    return "\n\n".join(
        [
            f"{entry.code} ({entry.name}): {entry.summary}",
            "\n".join(level),
            entry.why,
            f"Avoid:\n{_indent(entry.avoid)}",
            f"Prefer:\n{_indent(entry.prefer)}\n",
        ]
    )


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


if __name__ == "__main__":
    import sys

    from kefu.dsl.code_pages import write_pages

    sys.exit(write_pages(sys.argv[1:]))
