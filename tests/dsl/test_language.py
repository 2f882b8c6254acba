"""The language, construct by construct (docs/language.md): what each one builds in `engine.rules`.

Every test writes a few small files into its own folder, loads them like `kefu check` does, asserts
that there is no finding, and looks at the resulting rules model.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pydantic
import pytest

from kefu.dsl.load import load
from kefu.engine.rules import (
    DEFAULT_FALLBACK,
    Ask,
    Assist,
    Bot,
    BotHours,
    DateRange,
    Expectation,
    FaqEntry,
    Matching,
    Policy,
    Preset,
    Role,
    RuleSet,
    Shop,
    TimeRange,
    WorkingDay,
    without_spans,
)
from kefu.engine.wording import wording

ROOT = Path(__file__).resolve().parent.parent.parent
OWNER = "staff { owner mia }\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # stop the search for an enclosing shop here (see test_diagnostics)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def body(text: str) -> str:
    """An indented triple-quoted text as file content."""
    return textwrap.dedent(text).lstrip("\n")


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def rules(folder: Path, files: dict[str, str], target: str = ".") -> RuleSet:
    """Load `files`; there must be no finding."""
    write(folder, files)
    result = load([folder / target])
    assert [str(d.span) + " " + d.code + " " + d.message for d in result.diagnostics] == []
    return result.rules


def shop_of(folder: Path, text: str, **more: str) -> Shop:
    """The one shop of a folder holding `shop.kefu` (= `text`) and `more` files."""
    ruleset = rules(folder, {"shop.kefu": text, **more})
    [shop] = ruleset.shops
    return shop


def entry(shop: Shop, ident: str) -> FaqEntry:
    found = shop.entry(ident)
    assert found is not None, [e.id for e in shop.entries]
    return found


def asks(found: FaqEntry) -> list[str]:
    return [ask.text for ask in found.asks]


# -- the shop header ----------------------------------------------------------------------------


def test_shop_header_with_language_and_timezone(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        shop demo.tw "Demo Store 台灣" {
            language zh-Hant
            timezone "Asia/Taipei"
        }
        """
        + OWNER,
    )
    assert (shop.id, shop.name, shop.language, shop.timezone) == (
        "demo.tw",
        "Demo Store 台灣",
        "zh-Hant",
        "Asia/Taipei",
    )
    assert shop.span is not None and (shop.span.file, shop.span.line, shop.span.column) == ("shop.kefu", 1, 1)
    assert shop.files == ("shop.kefu",)


def test_shop_header_alone_has_defaults(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER)
    assert (shop.language, shop.timezone, shop.hours, shop.closed, shop.uses) == (None, "UTC", (), (), ())
    assert shop.entries == () and shop.periods == () and shop.tests == () and shop.scenarios == ()


def test_timezone_may_be_a_bare_word(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo" {\n    timezone Asia/Singapore\n}\n' + OWNER)
    assert shop.timezone == "Asia/Singapore"


def test_hours_with_several_ranges_a_day(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        shop demo "Demo" {
            timezone UTC
            hours mon-fri 09:00-12:00 13:00-18:00, sat 10:00-14:00
        }
        """
        + OWNER,
    )
    weekday = (TimeRange(start=9 * 60, end=12 * 60), TimeRange(start=13 * 60, end=18 * 60))
    assert without_spans(shop.hours) == without_spans(
        tuple(WorkingDay(weekday=day, ranges=weekday) for day in range(5))
        + (WorkingDay(weekday=5, ranges=(TimeRange(start=600, end=840),)),)
    )
    assert [(r.span.line, r.span.column) for r in shop.hours[5].ranges if r.span] == [(3, 48)]  # kefu test --coverage


def test_hours_past_midnight_run_into_the_next_day(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        shop demo "Demo" {
            timezone UTC
            hours fri 09:00-18:00 20:00-02:00, sat 20:00-02:00, sun 10:00-24:00
        }
        """
        + OWNER,
    )
    by_day = {day.weekday: day.ranges for day in shop.hours}
    assert without_spans(by_day[4]) == without_spans(
        (TimeRange(start=540, end=1080), TimeRange(start=1200, end=1440 + 120))
    )
    assert without_spans(by_day[5]) == without_spans((TimeRange(start=1200, end=1560),))
    assert without_spans(by_day[6]) == without_spans((TimeRange(start=600, end=1440),))  # 24:00 ends a day


def test_hours_day_names_aliases_and_wrapping_ranges(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        shop demo "Demo" {
            timezone UTC
            hours fri-mon 08:00-09:00
            hours weekdays 10:00-11:00
            hours weekends 12:00-13:00
            hours daily 14:00-15:00
            hours WED 16:00-17:00
        }
        """
        + OWNER,
    )
    starts = {day.weekday: [r.start // 60 for r in day.ranges] for day in shop.hours}
    assert starts == {
        0: [8, 10, 14],
        1: [10, 14],
        2: [10, 14, 16],
        3: [10, 14],
        4: [8, 10, 14],
        5: [8, 12, 14],
        6: [8, 12, 14],
    }


def test_hours_continue_after_a_comma_and_on_several_lines(folder: Path) -> None:
    one_line = shop_of(
        folder,
        'shop demo "Demo" {\n    timezone UTC\n    hours mon 09:00-10:00, tue 09:00-10:00, wed 09:00-10:00\n}\n'
        + OWNER,
    )
    (folder / "shop.kefu").unlink()
    split = shop_of(
        folder,
        """
        shop demo "Demo" {
            timezone UTC
            hours mon 09:00-10:00,  # a comment between the lines of a list
                tue 09:00-10:00
            hours wed 09:00-10:00
        }
        """
        + OWNER,
    )
    assert without_spans(split.hours) == without_spans(one_line.hours) and len(split.hours) == 3


def test_closed_holds_dates_and_inclusive_ranges(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        shop demo "Demo" {
            timezone UTC
            closed 2026-01-01, 2026-02-14..2026-02-22,
                2026-12-25
            closed 2026-05-01
        }
        """
        + OWNER,
    )
    d = dt.date
    assert without_spans(shop.closed) == without_spans(
        (
            DateRange(start=d(2026, 1, 1), end=d(2026, 1, 1)),
            DateRange(start=d(2026, 2, 14), end=d(2026, 2, 22)),
            DateRange(start=d(2026, 12, 25), end=d(2026, 12, 25)),
            DateRange(start=d(2026, 5, 1), end=d(2026, 5, 1)),
        )
    )
    assert [r.span.line for r in shop.closed if r.span] == [3, 3, 4, 5]  # each holiday's own line
    assert d(2026, 2, 22) in shop.closed[1] and d(2026, 2, 23) not in shop.closed[1]


PRESET_GENERAL = """
    preset general "通用類" {
        language zh-Hant
        category 通用類
    }

    synonyms {
        包郵 = 免運
    }

    faq shipping.free "商品包郵" {
        ask "請問商品包郵麼?"
        ask "有免運嗎"
        keywords 包郵, 免運
        reply "您好,您可以在商品詳情頁查看郵費。"
    }

    faq shipping.fee "運費計算" {
        ask "運費多少?"
        reply "您好,運費以結帳頁面為準。"
    }

    faq payment.cod "貨到付款" {
        ask "可以貨到付款嗎?"
        reply "您好,可以的!"
        category 付款
    }
    """

PRESET_ORDERS = """
    preset orders "訂單類" {
        category 訂單類
    }

    faq order.status "訂單狀態" {
        ask "我的訂單現在什麼狀態?"
        reply "您好,您可以在【我的訂單】查看訂單狀態。"
        auto never
    }
    """


def test_use_adopts_presets_in_order(folder: Path) -> None:
    ruleset = rules(
        folder,
        {
            "presets/general.kefu": PRESET_GENERAL,
            "presets/orders.kefu": PRESET_ORDERS,
            "shops/tw/shop.kefu": """
            shop tw "TW" {
                use "../../presets/general.kefu", "../../presets/orders.kefu"
            }
            """
            + OWNER,
        },
    )
    shop = ruleset.shop("tw")
    assert shop is not None and shop.uses == ("general", "orders")
    assert [e.id for e in shop.entries] == ["shipping.free", "shipping.fee", "payment.cod", "order.status"]
    assert [e.preset for e in shop.entries] == ["general", "general", "general", "orders"]
    assert [e.category for e in shop.entries] == ["通用類", "通用類", "付款", "訂單類"]  # an entry's own wins
    assert shop.synonyms[0].terms == ("包郵", "免運")
    assert {p.id: (p.title, p.language, p.category, len(p.entries)) for p in ruleset.presets} == {
        "general": ("通用類", "zh-Hant", "通用類", 3),
        "orders": ("訂單類", None, "訂單類", 1),
    }


def test_use_is_relative_to_the_file_and_may_be_written_twice(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        shop tw "TW" {
            use "general.kefu"
            use "sub/orders.kefu"
        }
        """
        + OWNER,
        **{"general.kefu": PRESET_GENERAL, "sub/orders.kefu": PRESET_ORDERS},
    )
    assert shop.uses == ("general", "orders")


def test_a_preset_may_use_presets_whose_entries_come_first(folder: Path) -> None:
    ruleset = rules(
        folder,
        {
            "presets/orders.kefu": PRESET_ORDERS.replace(
                "category 訂單類", 'category 訂單類\n        use "base/general.kefu"'
            ),
            "presets/base/general.kefu": PRESET_GENERAL,
            "shop/shop.kefu": 'shop tw "TW" {\n    use "../presets/orders.kefu"\n}\n' + OWNER,
        },
    )
    shop = ruleset.shop("tw")
    assert shop is not None and shop.uses == ("orders",)
    assert [e.id for e in shop.entries] == ["shipping.free", "shipping.fee", "payment.cod", "order.status"]
    assert shop.entry("shipping.free").preset == "general"  # type: ignore[union-attr]


# -- staff ---------------------------------------------------------------------------------------


def test_staff_roles_capacity_and_auto_send(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        shop demo "Demo"

        staff {
            owner mia
            admin ken
            agent amy capacity 5 auto_send off  # AR-8
            agent bob capacity 3
            agent cat auto_send on capacity 0
        }
        """,
    )
    assert [(m.name, m.role, m.capacity, m.auto_send) for m in shop.staff] == [
        ("mia", Role.owner, 5, None),
        ("ken", Role.admin, 5, None),
        ("amy", Role.agent, 5, False),
        ("bob", Role.agent, 3, None),
        ("cat", Role.agent, 0, True),
    ]
    assert shop.staff[2].span is not None and shop.staff[2].span.line == 6


def test_staff_may_be_split_over_blocks_and_files(folder: Path) -> None:
    shop = shop_of(
        folder, 'shop demo "Demo"\n\nstaff { owner mia; admin ken }\n', **{"team.kefu": "staff {\n    agent amy\n}\n"}
    )
    assert [m.name for m in shop.staff] == ["mia", "ken", "amy"]


# -- assist, bot, greeting, matching --------------------------------------------------------------


def test_policy_defaults(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER)
    policy = shop.policy
    assert (policy.assist.enabled, policy.assist.auto_send) == (False, False)
    assert (policy.bot.enabled, policy.bot.when, policy.bot.off_hours_reply) == (False, BotHours.off_hours, None)
    assert policy.bot.fallback is None  # the default in the shop's language (engine.wording)
    assert wording(shop.language).fallback == DEFAULT_FALLBACK == "抱歉目前人工客服不在線,上線後會第一時間回覆您"
    assert policy.greeting is None
    m = policy.matching
    assert (m.confidence, m.suggest, m.margin, m.repeat_limit) == (95, 50, 8, 2)
    assert policy == Policy()


def test_assist_block(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER + "assist {\n    on\n    auto_send on\n}\n")
    assert (shop.policy.assist.enabled, shop.policy.assist.auto_send) == (True, True)
    assert shop.policy.assist.span is not None and shop.policy.assist.span.line == 3


@pytest.mark.parametrize(
    "text, enabled",
    [
        ("assist on", True),
        ("assist off", False),
        ("assist {\n    off\n}", False),
        ("assist { on; auto_send off }", True),
    ],
)
def test_assist_short_form_and_one_line_block(text: str, enabled: bool, folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER + text + "\n")
    assert shop.policy.assist.enabled is enabled and shop.policy.assist.auto_send is False


def test_bot_block(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + body("""
        bot {
            on
            when all_day
            fallback "Sorry, we are offline."
            off_hours_reply "您好,${shop.name} 的客服時間為 ${shop.hours}。"
        }
        """),
    )
    bot = shop.policy.bot
    assert (bot.enabled, bot.when, bot.fallback) == (True, BotHours.all_day, "Sorry, we are offline.")
    assert bot.off_hours_reply == "您好,${shop.name} 的客服時間為 ${shop.hours}。"


@pytest.mark.parametrize(
    "text, enabled, when",
    [
        ("bot on", True, BotHours.off_hours),
        ("bot off", False, BotHours.off_hours),
        ("bot {\n    when off_hours\n}", False, BotHours.off_hours),
        ("bot {\n    on\n    when all_day\n}", True, BotHours.all_day),
    ],
)
def test_bot_when_and_short_form(text: str, enabled: bool, when: BotHours, folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER + text + "\n")
    assert (shop.policy.bot.enabled, shop.policy.bot.when, shop.policy.bot.fallback) == (enabled, when, None)


def test_greeting(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER + 'greeting "您好,歡迎光臨 ${shop.name}!"\n')
    assert shop.policy.greeting == "您好,歡迎光臨 ${shop.name}!"


def test_greeting_off(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER + "greeting off\n")
    assert shop.policy.greeting is None


def test_matching_levels(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + body("""
        matching {
            confidence 90
            suggest 90
            margin 0
            repeat_limit 1
        }
        """),
    )
    m = shop.policy.matching
    assert (m.confidence, m.suggest, m.margin, m.repeat_limit) == (90, 90, 0, 1)  # suggest may equal confidence


def test_matching_levels_at_their_bounds(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER + "matching { confidence 100; suggest 0; margin 100 }\n")
    m = shop.policy.matching
    assert (m.confidence, m.suggest, m.margin, m.repeat_limit) == (100, 0, 100, 2)


def test_a_setting_may_live_in_any_file_of_the_shop(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n' + OWNER,
        **{
            "policy/bot.kefu": "bot {\n    on\n}\n",
            "policy/matching.kefu": "matching {\n    suggest 60\n}\n",
            "greeting.kefu": 'greeting "hi"\n',
        },
    )
    assert (shop.policy.bot.enabled, shop.policy.matching.suggest, shop.policy.greeting) == (True, 60, "hi")
    assert shop.policy.matching.confidence == 95
    assert sorted(shop.files) == ["greeting.kefu", "policy/bot.kefu", "policy/matching.kefu", "shop.kefu"]


# -- synonyms and faq ---------------------------------------------------------------------------


def test_synonyms(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + body("""
        synonyms {
            包郵 = 免運 = 免運費
            7-11 = "統一 超商" = 小七
        }
        synonyms {
            退貨 = 退回
        }
        """),
    )
    assert [group.terms for group in shop.synonyms] == [
        ("包郵", "免運", "免運費"),
        ("7-11", "統一 超商", "小七"),
        ("退貨", "退回"),
    ]


def test_faq_entry(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + body("""
        faq shipping.free "商品包郵" {
            ask "請問商品包郵麼?"
            ask "有免運嗎"
            keywords 包郵, 運費, "免 運"
            reply "您好,您可以在商品詳情頁查看郵費。"
            category 通用類
        }
        """),
    )
    [found] = shop.entries
    assert (found.id, found.title, found.reply, found.category, found.auto, found.preset) == (
        "shipping.free",
        "商品包郵",
        "您好,您可以在商品詳情頁查看郵費。",
        "通用類",
        True,
        None,
    )
    assert asks(found) == ["請問商品包郵麼?", "有免運嗎"]
    assert found.keywords == ("包郵", "運費", "免 運")
    assert found.asks[0].span is not None and (found.asks[0].span.line, found.asks[0].span.column) == (4, 9)


def test_faq_with_quoted_id_and_no_title(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + body("""
        faq "Order Status #1" {
            ask "where is my order"
            ask "order status?"
            reply "You can follow it under My Orders."
        }
        """),
    )
    [found] = shop.entries
    assert (found.id, found.title) == ("Order Status #1", "where is my order")


def test_faq_title_in_the_block(folder: Path) -> None:
    shop = shop_of(folder, 'shop demo "Demo"\n' + OWNER + 'faq a {\n    title "標題"\n    ask "x"\n    reply "y"\n}\n')
    assert shop.entries[0].title == "標題"


@pytest.mark.parametrize("auto, expected", [("auto never", False), ("auto allowed", True), ("", True)])
def test_faq_auto(auto: str, expected: bool, folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n' + OWNER + f'faq refund.request "退款" {{\n    ask "我要退款"\n'
        f'    reply "您好,請在【我的訂單】申請退款。"\n    {auto}\n}}\n',
    )
    assert shop.entries[0].auto is expected


def test_faq_ids_may_hold_letters_of_any_script_digits_dashes(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + "".join(
            f'faq {ident} {{ ask "{n}"; reply "r" }}\n' for n, ident in enumerate(["訂單.狀態", "a-b_c.d2", "x.7-11"])
        ),
    )
    assert [e.id for e in shop.entries] == ["訂單.狀態", "a-b_c.d2", "x.7-11"]


# -- override and drop (KB-2) ----------------------------------------------------------------------


def _kb2(folder: Path, shop_text: str) -> Shop:
    return shop_of(
        folder, 'shop tw "TW" {\n    use "general.kefu"\n}\n' + OWNER + shop_text, **{"general.kefu": PRESET_GENERAL}
    )


def test_override_replaces_the_reply(folder: Path) -> None:
    shop = _kb2(folder, 'override faq shipping.fee {\n    reply "您好,宅配運費 NT$100。"\n}\n')
    found = entry(shop, "shipping.fee")
    assert found.reply == "您好,宅配運費 NT$100。" and asks(found) == ["運費多少?"]
    assert (found.title, found.preset, found.category) == ("運費計算", "general", "通用類")


def test_override_adds_asks_and_drops_one(folder: Path) -> None:
    shop = _kb2(
        folder,
        """
        override faq shipping.free {
            ask "滿499有免運嗎"
            drop ask "有免運嗎"
            ask "可以免運嗎"
        }
        """,
    )
    found = entry(shop, "shipping.free")
    assert asks(found) == ["請問商品包郵麼?", "滿499有免運嗎", "可以免運嗎"]
    assert found.reply == "您好,您可以在商品詳情頁查看郵費。"
    assert found.asks[1].span is not None and found.asks[1].span.file == "shop.kefu"


def test_override_replaces_title_keywords_category_and_auto(folder: Path) -> None:
    shop = _kb2(
        folder,
        """
        override faq shipping.free {
            title "免運門檻"
            keywords 門檻
            category 運送
            auto never
        }
        """,
    )
    found = entry(shop, "shipping.free")
    assert (found.title, found.keywords, found.category, found.auto) == ("免運門檻", ("門檻",), "運送", False)
    assert len(found.asks) == 2


def test_drop_removes_a_preset_entry(folder: Path) -> None:
    shop = _kb2(folder, "drop faq payment.cod  # 本店不提供貨到付款\n")
    assert [e.id for e in shop.entries] == ["shipping.free", "shipping.fee"]


def test_KB2_preset_entries_adopted_overridden_and_dropped(folder: Path) -> None:
    ruleset = rules(
        folder,
        {
            "presets/general.kefu": PRESET_GENERAL,
            "shops/tw/shop.kefu": """
            shop tw "TW" {
                use "../../presets/general.kefu"
            }
            staff { owner mia }
            override faq shipping.free {
                reply "您好,全館滿 NT$499 免運。"
                ask "滿499有免運嗎"
                drop ask "有免運嗎"
            }
            drop faq payment.cod
            faq store.pickup "門市自取" {
                ask "可以到門市自取嗎?"
                reply "您好,可以的!"
            }
            """,
            "shops/sg/shop.kefu": 'shop sg "SG" {\n    use "../../presets/general.kefu"\n}\n' + OWNER,
        },
    )
    tw, sg = ruleset.shop("tw"), ruleset.shop("sg")
    assert tw is not None and sg is not None
    # adopted: untouched entries are the preset's own
    preset = next(p for p in ruleset.presets if p.id == "general")
    assert entry(tw, "shipping.fee") == next(e for e in preset.entries if e.id == "shipping.fee")
    # overridden: in this shop only
    assert entry(tw, "shipping.free").reply == "您好,全館滿 NT$499 免運。"
    assert asks(entry(tw, "shipping.free")) == ["請問商品包郵麼?", "滿499有免運嗎"]
    assert entry(sg, "shipping.free").reply == "您好,您可以在商品詳情頁查看郵費。"
    assert asks(entry(sg, "shipping.free")) == ["請問商品包郵麼?", "有免運嗎"]
    # dropped: in this shop only
    assert tw.entry("payment.cod") is None and sg.entry("payment.cod") is not None
    # the shop's own entry, after the preset's
    assert [e.id for e in tw.entries] == ["shipping.free", "shipping.fee", "store.pickup"]
    assert entry(tw, "store.pickup").preset is None
    # the preset itself is unchanged
    assert [e.id for e in preset.entries] == ["shipping.free", "shipping.fee", "payment.cod"]
    assert asks(preset.entries[0]) == ["請問商品包郵麼?", "有免運嗎"]


# -- periods ------------------------------------------------------------------------------------


def test_period_overrides_only_what_it_writes(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo" { timezone UTC }\n'
        + OWNER
        + body("""
        assist {
            on
            auto_send on
        }
        bot {
            on
            when off_hours
            fallback "offline"
        }
        greeting "您好"
        matching {
            confidence 85
            suggest 50
        }

        period "雙11大促" 2026-11-10..2026-11-12 {
            greeting "雙11快樂!"
            bot {
                when all_day
            }
            matching {
                suggest 40
            }
        }

        period "closing day" 2026-12-31 {
            assist off
        }
        """),
    )
    sale, closing = shop.periods
    assert (sale.name, sale.dates) == ("雙11大促", DateRange(start=dt.date(2026, 11, 10), end=dt.date(2026, 11, 12)))
    bot = sale.policy.bot
    assert (bot.enabled, bot.when, bot.fallback) == (True, BotHours.all_day, "offline")
    assert sale.policy.greeting == "雙11快樂!"
    assert (sale.policy.matching.confidence, sale.policy.matching.suggest) == (85, 40)
    assert sale.policy.assist == shop.policy.assist
    assert shop.policy.bot.when is BotHours.off_hours and shop.policy.greeting == "您好"  # the shop's own is unchanged
    assert closing.dates == DateRange(start=dt.date(2026, 12, 31), end=dt.date(2026, 12, 31))
    assert (closing.policy.assist.enabled, closing.policy.assist.auto_send) == (False, True)
    assert closing.policy.bot == shop.policy.bot and closing.policy.greeting == "您好"


def test_period_greeting_off(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo" { timezone UTC }\n'
        + OWNER
        + 'greeting "hi"\nperiod "quiet" 2026-01-01..2026-01-02 {\n    greeting off\n}\n',
    )
    assert shop.policy.greeting == "hi"
    assert shop.periods[0].policy.greeting is None


# -- tests and scenarios ------------------------------------------------------------------------


def test_test_blocks(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + body("""
        faq shipping.free "免運" {
            ask "有免運嗎"
            reply "有"
        }
        faq "Order Status #1" {
            ask "where is my order"
            reply "My Orders"
        }

        test "shipping" {
            "有包郵嗎?" -> shipping.free
            "where is it" -> "Order Status #1"
            "你們老闆是誰" -> none  # nothing may be auto-sent
        }
        test "empty" {
        }
        """),
    )
    block, empty = shop.tests
    assert block.name == "shipping" and empty.name == "empty" and empty.cases == ()
    assert [(c.message, c.expect) for c in block.cases] == [
        ("有包郵嗎?", "shipping.free"),
        ("where is it", "Order Status #1"),
        ("你們老闆是誰", None),
    ]
    assert block.cases[0].span is not None and block.cases[0].span.line == 13


SCENARIO_SHOP = 'shop demo "Demo"\n\nstaff {\n    owner mia\n    agent amy\n}\n\n' + body("""
faq shipping.free "免運" {
    ask "有免運嗎"
    reply "有"
}
faq order.status "訂單" {
    ask "訂單呢"
    reply "查"
}
""")


def test_scenario_steps_of_every_kind(folder: Path) -> None:
    shop = shop_of(
        folder,
        SCENARIO_SHOP
        + body("""
        scenario "every step" {
            at 2026-11-24 23:30
            wait 1h30m
            wait 45s
            online amy
            open amy
            customer "有免運嗎?"
            agent amy "您好,有的。"
            types amy "統編"
            leave amy
            offline amy
            rate solved
            rate unsolved not_useful "I wanted the date"
            rate unsolved too_long
            set mia assist on
            set mia auto_send off
            set mia bot off
            set mia bot_when all_day
            expect nothing
        }
        """),
    )
    [scenario] = shop.scenarios
    steps = [step.model_dump(exclude={"span", "expect"}, exclude_none=True) for step in scenario.steps]
    assert steps == [
        {"kind": "at", "time": dt.datetime(2026, 11, 24, 23, 30)},
        {"kind": "wait", "seconds": 5400},
        {"kind": "wait", "seconds": 45},
        {"kind": "online", "actor": "amy"},
        {"kind": "open", "actor": "amy"},
        {"kind": "customer", "text": "有免運嗎?"},
        {"kind": "agent", "actor": "amy", "text": "您好,有的。"},
        {"kind": "types", "actor": "amy", "text": "統編"},
        {"kind": "leave", "actor": "amy"},
        {"kind": "offline", "actor": "amy"},
        {"kind": "rate", "value": "solved"},
        {"kind": "rate", "value": "unsolved", "reason": "not_useful", "text": "I wanted the date"},
        {"kind": "rate", "value": "unsolved", "reason": "too_long"},
        {"kind": "set", "actor": "mia", "setting": "assist", "value": "on"},
        {"kind": "set", "actor": "mia", "setting": "auto_send", "value": "off"},
        {"kind": "set", "actor": "mia", "setting": "bot", "value": "off"},
        {"kind": "set", "actor": "mia", "setting": "bot_when", "value": "all_day"},
        {"kind": "expect"},
    ]
    assert scenario.name == "every step" and scenario.steps[0].span is not None


@pytest.mark.parametrize(
    "duration, seconds", [("30s", 30), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("1d2h3m4s", 93784)]
)
def test_wait_durations(duration: str, seconds: int, folder: Path) -> None:
    shop = shop_of(folder, SCENARIO_SHOP + f'scenario "s" {{\n    wait {duration}\n}}\n')
    assert shop.scenarios[0].steps[0].seconds == seconds


def test_rate_reasons(folder: Path) -> None:
    shop = shop_of(
        folder,
        SCENARIO_SHOP
        + 'scenario "s" {\n'
        + "".join(f'    rate unsolved {reason} "why"\n' for reason in ("too_long", "not_useful", "off_topic", "other"))
        + "}\n",
    )
    assert [(s.value, s.reason, s.text) for s in shop.scenarios[0].steps] == [
        ("unsolved", reason, "why") for reason in ("too_long", "not_useful", "off_topic", "other")
    ]


def test_expectations_of_every_kind(folder: Path) -> None:
    shop = shop_of(
        folder,
        SCENARIO_SHOP
        + body("""
        scenario "expectations" {
            at 2026-11-25 14:00
            customer "有免運嗎" expect bot shipping.free, customer_label "由聊天助手發送",
                label "機器人"
            customer "訂單呢" expect assist order.status, unread, not unreplied
            expect suggest order.status, fallback, off_hours_reply, greeting
            expect nothing, unreplied, not unread, notice, queued
            agent amy "好的" expect not unreplied
        }
        """),
    )
    steps = shop.scenarios[0].steps
    kinds = [[(e.kind, e.value) for e in step.expect] for step in steps]
    assert kinds == [
        [],
        [("bot", "shipping.free"), ("customer_label", "由聊天助手發送"), ("label", "機器人")],
        [("assist", "order.status"), ("unread", None), ("not_unreplied", None)],
        [("suggest", "order.status"), ("fallback", None), ("off_hours_reply", None), ("greeting", None)],
        [("nothing", None), ("unreplied", None), ("not_unread", None), ("notice", None), ("queued", None)],
        [("not_unreplied", None)],
    ]
    assert steps[1].text == "有免運嗎" and steps[5].actor == "amy" and steps[5].text == "好的"
    every = {e.kind for step in steps for e in step.expect}
    assert every == set(Expectation.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]


# -- replies, strings, comments ------------------------------------------------------------------


def test_placeholders_and_literal_dollar(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + body("""
        greeting "Hi ${customer.name}, welcome to ${shop.name}!"
        bot {
            off_hours_reply "Our hours: ${shop.hours}."
            fallback "${agent.name} will reply; orders over $$40 ship free"
        }
        faq price "Price" {
            ask "how much"
            reply "It costs $$5 ($$$$ is two dollar signs), says ${agent.name}"
        }
        """),
    )
    assert shop.policy.greeting == "Hi ${customer.name}, welcome to ${shop.name}!"
    assert shop.policy.bot.fallback == "${agent.name} will reply; orders over $$40 ship free"
    assert shop.entries[0].reply == "It costs $$5 ($$$$ is two dollar signs), says ${agent.name}"


def test_strings_know_four_escapes(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n'
        + OWNER
        + 'faq a "A" {\n    ask "say \\"hi\\""\n    reply "line one\\nline two\\ttab \\\\ done"\n}\n',
    )
    assert asks(shop.entries[0]) == ['say "hi"']
    assert shop.entries[0].reply == "line one\nline two\ttab \\ done"


def test_full_width_punctuation_inside_strings_and_comments_is_text(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo"\n' + OWNER + "# 註解:可以用全形,標點{}\n"
        'faq a "A" {\n    ask "有免運嗎?,;{}“”"\n    reply "您好:可以。"  # 全形,也行\n}\n',
    )
    assert asks(shop.entries[0]) == ["有免運嗎?,;{}“”"]
    assert shop.entries[0].reply == "您好:可以。"


def test_semicolons_and_one_line_blocks(folder: Path) -> None:
    shop = shop_of(
        folder,
        'shop demo "Demo" { language en; timezone "UTC" }\nstaff { owner mia; agent amy }\n'
        'faq a "A" { ask "x"; ask "y"; reply "z" }\nassist { on; auto_send on }\n',
    )
    assert shop.language == "en" and [m.name for m in shop.staff] == ["mia", "amy"]
    assert asks(shop.entries[0]) == ["x", "y"] and shop.policy.assist.auto_send is True


def test_comments_and_blank_lines_anywhere(folder: Path) -> None:
    shop = shop_of(
        folder,
        """
        # a shop
        shop demo "Demo" {  # header

            # inside a block
            language en  # trailing
        }

        staff {
            owner mia  # the owner
        }
        faq a "A" {
            keywords x,  # a comment inside a list
                y
            ask "x"

            reply "z"
        }
        """,
    )
    assert shop.language == "en" and shop.entries[0].keywords == ("x", "y")


# -- files and shops -----------------------------------------------------------------------------


def test_multi_file_shop_is_one_shop(folder: Path) -> None:
    ruleset = rules(
        folder,
        {
            "tw/shop.kefu": 'shop tw "TW"\n' + OWNER,
            "tw/policy.kefu": "bot on\n",
            "tw/faq/orders.kefu": 'faq order.status "訂單" {\n    ask "訂單呢"\n    reply "查"\n}\n',
            "tw/faq/shipping.kefu": 'faq shipping.free "免運" {\n    ask "免運嗎"\n    reply "有"\n}\n'
            'test "t" {\n    "免運?" -> order.status\n}\n',
            "tw/faq/deep/more.kefu": 'faq more.one "M" {\n    ask "m"\n    reply "m"\n}\n',
        },
        "tw",
    )
    [shop] = ruleset.shops
    assert shop.id == "tw" and shop.policy.bot.enabled
    assert sorted(e.id for e in shop.entries) == ["more.one", "order.status", "shipping.free"]
    assert sorted(shop.files) == [
        "tw/faq/deep/more.kefu",
        "tw/faq/orders.kefu",
        "tw/faq/shipping.kefu",
        "tw/policy.kefu",
        "tw/shop.kefu",
    ]
    assert shop.files[0] == "tw/shop.kefu"
    assert entry(shop, "order.status").span.file == "tw/faq/orders.kefu"  # type: ignore[union-attr]
    assert shop.tests[0].cases[0].expect == "order.status"


def test_a_file_of_a_shop_loads_the_whole_shop(folder: Path) -> None:
    write(
        folder,
        {
            "tw/shop.kefu": 'shop tw "TW"\n' + OWNER,
            "tw/faq/orders.kefu": 'faq order.status "訂單" {\n    ask "訂單呢"\n    reply "查"\n}\n',
        },
    )
    result = load([Path("tw/faq/orders.kefu")])
    assert result.diagnostics == []
    [shop] = result.rules.shops
    assert [e.id for e in shop.entries] == ["order.status"] and len(shop.files) == 2


def test_KB1_two_shops_keep_separate_entries(folder: Path) -> None:
    ruleset = rules(
        folder,
        {
            "shops/tw/shop.kefu": 'shop tw "台灣"\n' + OWNER + 'faq shipping.free "免運" {\n    ask "有免運嗎"\n'
            '    reply "滿 NT$499 免運"\n}\nbot on\n',
            "shops/tw/faq/more.kefu": 'faq tw.only "台灣限定" {\n    ask "台灣"\n    reply "tw"\n}\n',
            "shops/sg/shop.kefu": 'shop sg "Singapore"\nstaff { owner lim }\n'
            'faq shipping.free "Free shipping" {\n    ask "有免運嗎"\n    reply "Free over S$40"\n}\n',
        },
    )
    tw, sg = ruleset.shop("tw"), ruleset.shop("sg")
    assert tw is not None and sg is not None
    assert [e.id for e in tw.entries] == ["shipping.free", "tw.only"]
    assert [e.id for e in sg.entries] == ["shipping.free"]  # the same id and ask in another shop is no K020/K021
    assert entry(tw, "shipping.free").reply == "滿 NT$499 免運" and entry(sg, "shipping.free").reply == "Free over S$40"
    assert tw.policy.bot.enabled and not sg.policy.bot.enabled
    assert [m.name for m in tw.staff] == ["mia"] and [m.name for m in sg.staff] == ["lim"]
    assert "shops/tw/faq/more.kefu" in tw.files and not any(f.startswith("shops/tw") for f in sg.files)


def test_preset_alone(folder: Path) -> None:
    ruleset = rules(folder, {"general.kefu": PRESET_GENERAL})
    assert ruleset.shops == ()
    [preset] = ruleset.presets
    assert (preset.id, preset.title, preset.language, preset.category, preset.file) == (
        "general",
        "通用類",
        "zh-Hant",
        "通用類",
        "general.kefu",
    )
    assert [e.preset for e in preset.entries] == ["general"] * 3
    assert preset.synonyms[0].terms == ("包郵", "免運")


def test_demo_rules_load_cleanly() -> None:
    result = load([ROOT / "rules"])
    assert result.diagnostics == []
    tw, sg = result.rules.shop("tw"), result.rules.shop("sg")
    assert tw is not None and sg is not None
    assert tw.uses == ("general", "orders") and sg.uses == ()
    assert tw.entry("payment.installment") is None and tw.entry("store.location") is not None
    assert tw.entry("shipping.fee").reply.startswith("您好,本店宅配運費")  # type: ignore[union-attr]
    assert tw.policy.bot.fallback == DEFAULT_FALLBACK  # written out in the demo shop
    last = {day.weekday: day.ranges for day in sg.hours}[4][-1]
    assert (last.start, last.end) == (1200, 1560)


# -- the model ----------------------------------------------------------------------------------


def test_rules_model_has_a_json_schema() -> None:
    schema = RuleSet.model_json_schema()
    json.dumps(schema)
    assert schema["title"] == "RuleSet"
    assert {"Shop", "Preset", "FaqEntry", "Policy", "Scenario", "ScenarioStep", "Span"} <= set(schema["$defs"])


def test_rules_model_is_frozen(folder: Path) -> None:
    shop = _kb2(folder, "")
    with pytest.raises(pydantic.ValidationError):
        shop.name = "x"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        shop.policy.bot.enabled = True  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        shop.entries[0].reply = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        shop.entries[0].asks[0] = Ask(text="x")  # type: ignore[index]
    assert isinstance(shop.entries, tuple) and isinstance(shop.staff, tuple)
    with pytest.raises(pydantic.ValidationError):
        Matching(confidence=80, extra=1)  # type: ignore[call-arg]
    assert isinstance(hash(Policy(assist=Assist(), bot=Bot(), matching=Matching())), int)  # frozen: hashable


def test_model_round_trips_through_json(folder: Path) -> None:
    ruleset = rules(
        folder,
        {
            "shop.kefu": SCENARIO_SHOP + 'scenario "s" {\n    at 2026-11-24 23:30\n'
            '    customer "有免運嗎" expect bot shipping.free\n}\n'
        },
    )
    again = RuleSet.model_validate_json(ruleset.model_dump_json())
    assert again == ruleset
    assert without_spans(again) == without_spans(ruleset)
    assert isinstance(ruleset.shops[0], Shop) and not isinstance(ruleset.shops[0], Preset)
