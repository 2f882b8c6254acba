"""The rules model: what a shop holds, frozen, with the place each part was written.

`dsl` builds these from `.kefu` files; the engine reads only these. Every model is frozen and
exportable as JSON Schema (`kefu schema rules`). The words the rule language and the events share
are the enums and Literals here (roles, bot hours, settings and their values, rating reasons, step
and expectation kinds): `dsl.language` takes its word lists from them.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from kefu.engine.diagnostics import Span

DEFAULT_FALLBACK = "抱歉目前人工客服不在線,上線後會第一時間回覆您"  # BOT-7, the page's own wording (zh-Hant)
PLACEHOLDERS: tuple[str, ...] = (
    "shop.name",
    "shop.hours",
    "customer.name",
    "agent.name",
)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(str, Enum):
    owner = "owner"
    admin = "admin"
    agent = "agent"


class StaffMember(Frozen):
    """A person of the shop. Owners and admins may switch settings (AR-1, BOT-1)."""

    name: str
    role: Role
    capacity: int = Field(default=5, ge=0)
    auto_send: bool | None = None  # AR-8 / D-7: None = follow the shop-wide option
    span: Span | None = None


class TimeRange(Frozen):
    """Minutes after the day's midnight; `end` may pass 1440 for a range past midnight."""

    start: int = Field(ge=0, lt=1440)
    end: int = Field(gt=0, le=2880)
    span: Span | None = None  # where the range is written (`kefu test --coverage` names it)


class WorkingDay(Frozen):
    weekday: int = Field(ge=0, le=6)  # 0 = Monday
    ranges: tuple[TimeRange, ...]


class DateRange(Frozen):
    """Inclusive dates in the shop's own time zone."""

    start: dt.date
    end: dt.date
    span: Span | None = None  # where a holiday is written; None for a period's dates

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class Assist(Frozen):
    """Assist reply (輔助回覆): AR-1..AR-8."""

    enabled: bool = False
    auto_send: bool = False
    span: Span | None = None
    spans: tuple[tuple[str, Span], ...] = ()  # (field, the line that set it); a default has none


class BotHours(str, Enum):
    all_day = "all_day"  # 全天開啓
    off_hours = "off_hours"  # 僅在非工作時間開啓


SWITCH: tuple[str, ...] = ("on", "off")  # the values of a setting that is switched on or off


class Setting(str, Enum):
    """The shop-wide settings a `setting_change` event (and a scenario's `set` step) may switch."""

    assist = "assist"  # on / off (AR-1)
    auto_send = "auto_send"  # shop-wide, on / off (AR-1, AR-3)
    bot = "bot"  # on / off (BOT-1)
    bot_when = "bot_when"  # all_day / off_hours (BOT-1, BOT-3)


SETTING_VALUES: dict[Setting, tuple[str, ...]] = {
    Setting.assist: SWITCH,
    Setting.auto_send: SWITCH,
    Setting.bot: SWITCH,
    Setting.bot_when: tuple(hours.value for hours in BotHours),
}  # what each setting may be set to


class Reason(str, Enum):
    """Why a customer rates an answer unsolved (BOT-8, M-4)."""

    too_long = "too_long"  # 太長不讀
    not_useful = "not_useful"  # 答案沒用
    off_topic = "off_topic"  # 答非所問
    other = "other"


class Bot(Frozen):
    """The full-auto bot (全自動機器人): BOT-1..BOT-8."""

    enabled: bool = False
    when: BotHours = BotHours.off_hours
    fallback: str | None = None  # None: the default fallback in the shop's language (engine.wording)
    off_hours_reply: str | None = None
    span: Span | None = None
    spans: tuple[tuple[str, Span], ...] = ()  # (field, the line that set it); a default has none


class Matching(Frozen):
    """Levels on the calibrated 0-100 confidence scale (IR-2, D-8, STOP-1)."""

    confidence: int = Field(default=95, ge=0, le=100)
    suggest: int = Field(default=50, ge=0, le=100)
    margin: int = Field(default=8, ge=0, le=100)
    repeat_limit: int = Field(default=2, ge=1)
    span: Span | None = None
    spans: tuple[tuple[str, Span], ...] = ()  # (field, the line that set it); a default has none


class Policy(Frozen):
    """Everything a period may override."""

    assist: Assist = Assist()
    bot: Bot = Bot()
    greeting: str | None = None
    matching: Matching = Matching()
    spans: tuple[tuple[str, Span], ...] = ()  # ("greeting", the line that set it), when written


class Period(Frozen):
    """A timed override: between `start` and `end` (inclusive dates) `policy` is in force."""

    name: str
    dates: DateRange
    policy: Policy
    span: Span | None = None


class Ask(Frozen):
    text: str
    span: Span | None = None


class FaqEntry(Frozen):
    """A knowledge-base entry (KB-3): asks in several wordings and one reply."""

    id: str
    title: str
    asks: tuple[Ask, ...]
    keywords: tuple[str, ...] = ()
    reply: str
    category: str | None = None
    auto: bool = True  # False: suggest only, never auto-send
    preset: str | None = None  # the preset it comes from; None for the shop's own entries
    span: Span | None = None
    reply_span: Span | None = None  # where its reply is written (an override's, if one changed it)


class SynonymGroup(Frozen):
    terms: tuple[str, ...]
    span: Span | None = None


class TestCase(Frozen):
    message: str
    expect: str | None  # an entry id, or None: nothing may be auto-sent
    span: Span | None = None


class TestBlock(Frozen):
    name: str
    cases: tuple[TestCase, ...]
    span: Span | None = None


StepKind = Literal[
    "at", "wait", "online", "offline", "open", "leave", "customer", "agent", "types", "rate", "set", "expect"
]
ExpectKind = Literal[
    "bot",
    "assist",
    "suggest",
    "fallback",
    "off_hours_reply",
    "greeting",
    "nothing",
    "unread",
    "unreplied",
    "not_unread",
    "not_unreplied",
    "notice",
    "queued",
    "label",
    "customer_label",
]
STEP_KINDS: tuple[str, ...] = get_args(StepKind)
EXPECT_KINDS: tuple[str, ...] = get_args(ExpectKind)


class Expectation(Frozen):
    kind: ExpectKind
    value: str | None = None  # entry id for bot/assist/suggest, text for labels
    span: Span | None = None


class ScenarioStep(Frozen):
    """One line of a scenario. Which fields are set depends on `kind`."""

    kind: StepKind
    time: dt.datetime | None = None  # at (naive, in the shop's time zone)
    seconds: int | None = None  # wait
    actor: str | None = None  # online/offline/open/leave/agent/types/set
    text: str | None = None  # customer/agent/types message, rating free text
    setting: str | None = None  # set: assist | auto_send | bot
    value: str | None = None  # set: on/off; rate: solved/unsolved
    reason: str | None = None  # rate unsolved: too_long | not_useful | off_topic | other
    expect: tuple[Expectation, ...] = ()
    span: Span | None = None


class Scenario(Frozen):
    name: str
    steps: tuple[ScenarioStep, ...]
    span: Span | None = None


class Preset(Frozen):
    """Platform preset entries (KB-2), adopted by shops with `use`."""

    id: str
    title: str
    language: str | None = None
    category: str | None = None
    entries: tuple[FaqEntry, ...] = ()
    synonyms: tuple[SynonymGroup, ...] = ()
    file: str
    span: Span | None = None


class Pattern(Frozen):
    """A regular expression written in the rules, with its place (a `lint { contact ... }` pattern)."""

    text: str
    span: Span | None = None


class LintSettings(Frozen):
    """What `kefu lint` holds the shop's replies to (its `lint { }` block). The engine never reads it."""

    reply_budget: int = Field(default=200, ge=1)  # columns a reply may take (a CJK character takes 2)
    contact: tuple[Pattern, ...] = ()  # more patterns of contact details outside the platform
    allow: tuple[Pattern, ...] = ()  # text those patterns find that is fine (the platform's own links)
    span: Span | None = None  # where `reply_budget` was written, else the block


class Shop(Frozen):
    """One shop (KB-1): its own knowledge base, settings and staff, presets already applied."""

    id: str
    name: str
    language: str | None = None
    timezone: str = "UTC"
    hours: tuple[WorkingDay, ...] = ()
    closed: tuple[DateRange, ...] = ()
    uses: tuple[str, ...] = ()  # preset ids, in order
    staff: tuple[StaffMember, ...] = ()
    policy: Policy = Policy()
    periods: tuple[Period, ...] = ()
    synonyms: tuple[SynonymGroup, ...] = ()
    entries: tuple[FaqEntry, ...] = ()
    tests: tuple[TestBlock, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    lint: LintSettings = LintSettings()
    files: tuple[str, ...] = ()
    span: Span | None = None

    def entry(self, entry_id: str) -> FaqEntry | None:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None


class RuleSet(Frozen):
    """Everything one load produced: the shops and the presets they used."""

    shops: tuple[Shop, ...] = ()
    presets: tuple[Preset, ...] = ()

    def shop(self, shop_id: str) -> Shop | None:
        for shop in self.shops:
            if shop.id == shop_id:
                return shop
        return None


def without_spans(value: object) -> object:
    """A model dump with every `span`, `spans` (and `reply_span`, ...) and `file`/`files` key removed: what
    a construct *means*."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return {k: without_spans(v) for k, v in value.items() if k not in ("file", "files") and not _is_span(k)}
    if isinstance(value, (list, tuple)):
        return [without_spans(v) for v in value]
    return value


def _is_span(key: str) -> bool:
    return key in ("span", "spans") or key.endswith("_span")
