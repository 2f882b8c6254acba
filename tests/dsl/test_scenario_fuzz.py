"""Fuzzing `test` and `scenario` blocks (issue 10 §3): what `kefu check` passes, `kefu test` can run;
what `kefu test` cannot run, `kefu check` rejects.

Blocks are generated from the steps and expectations of docs/language.md, with extreme clocks
(`at` from the year 1 to 9999, at any minute, `wait` from 0s to 10^20 days in every unit and
combination), names on and off the staff, every setting and value, every expectation, odd texts,
and test cases. They are appended to the demo shop tw, whose time zone is drawn among the extreme
ones (UTC+14, UTC-12, UTC-11, a zone with daylight saving time, UTC). Each shop is loaded as
`kefu check` loads it; when it has no error, its tests and scenarios are run as `kefu test` runs
them, which must never raise (a scenario may fail: that is a finding of `kefu test`, exit 1, not
an internal error). A few shops also go through the real commands (exit codes 0-2, never 3).

Quick by default; `pytest --hypothesis-profile=fuzz` checks 10,000 shops.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

from kefu.dsl.cache import Cache
from kefu.dsl.load import load
from kefu.engine.decide import CompiledShop
from kefu.engine.rules import SETTING_VALUES, Reason, Setting
from kefu.engine.verify import run_shop
from tests.conftest import RULES, copy_rules
from tests.tui.test_cli import run

PROPERTY = settings(
    suppress_health_check=sorted(
        set(settings.default.suppress_health_check) | {HealthCheck.function_scoped_fixture, HealthCheck.too_slow},
        key=lambda h: h.value,
    ),
)
TW_TEXT = (RULES / "shops" / "tw" / "shop.kefu").read_text(encoding="utf-8")
ZONES = ("Asia/Taipei", "Pacific/Kiritimati", "Etc/GMT+12", "Pacific/Pago_Pago", "America/New_York", "UTC")


@cache
def matcher_of_tw() -> Any:
    """The matcher of tw: the blocks added here change no entry, so it is built once."""
    shop = load([RULES / "shops" / "tw"], Cache.disabled()).rules.shop("tw")
    assert shop is not None
    return CompiledShop(shop).matcher


# ---------------------------------------------------------------------------------------------
# blocks

STAFF = ("mia", "ken", "amy", "bob")
NAMES = STAFF + ("zoe", "MIA", '"mia"')
ENTRIES = ("shipping.free", "order.status", "shipping.fee", "nope")
TEXTS = ("有包郵嗎?", "我的訂單現在是什麼狀態?", "我想訂做一件客製化的外套", "", "   ", "\\n", '\\"', "a" * 3000, "😀")
EXPECTS = (
    "fallback",
    "off_hours_reply",
    "greeting",
    "nothing",
    "unread",
    "unreplied",
    "not unread",
    "not unreplied",
    "notice",
    "queued",
    'label "由聊天助手發送"',
    'customer_label "由聊天助手發送"',
    "bot",
)


def quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"' if '\\"' not in text else '"' + text + '"'


def rarely(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly `usual`, about one time in fifty `odd` (a value check must reject: most shops should pass
    it). The odd share sits mid-range: Hypothesis likes drawing the ends of a range."""
    return st.integers(0, 99).flatmap(lambda n: odd if 40 <= n < 42 else usual)


@st.composite
def at_step(draw: st.DrawFn) -> str:
    year = draw(st.one_of(st.integers(1, 3), st.integers(2025, 2027), st.integers(9997, 9999), st.integers(1, 9999)))
    month, day = draw(st.integers(1, 12)), draw(rarely(st.integers(1, 28), st.integers(29, 31)))
    hour = draw(rarely(st.integers(0, 23), st.just(24)))
    minute = draw(rarely(st.sampled_from([0, 1, 30, 59]), st.just(60)))
    return f"at {year:04}-{month:02}-{day:02} {hour:02}:{minute:02}"


@st.composite
def wait_step(draw: st.DrawFn) -> str:
    units = draw(st.lists(st.sampled_from("dhms"), min_size=1, max_size=4, unique=True))
    units = draw(rarely(st.just(sorted(units, key="dhms".index)), st.just(units + units[:1])))
    amount = rarely(st.integers(0, 90), st.sampled_from([99999999, 3_000_000, 10**12, 10**20, 2**63]))
    return "wait " + "".join(f"{draw(amount)}{unit}" for unit in units)


@st.composite
def playing_step(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["customer", "customer", "online", "offline", "open", "leave", "agent", "types"]))
    name = draw(rarely(st.sampled_from(STAFF), st.sampled_from(NAMES)))
    text = quoted(draw(st.one_of(st.sampled_from(TEXTS), st.text("包郵運費您好?ab \t", max_size=8))))
    if kind == "customer":
        return f"customer {text}"
    if kind in ("agent", "types"):
        return f"{kind} {name} {text}"
    return f"{kind} {name}"


@st.composite
def other_step(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        setting = draw(rarely(st.sampled_from(list(Setting)), st.just("timezone")))
        values = sorted({v for vs in SETTING_VALUES.values() for v in vs}) + ["maybe"]
        usual = st.sampled_from(SETTING_VALUES[setting]) if isinstance(setting, Setting) else st.just("on")
        value = draw(rarely(usual, st.sampled_from(values)))
        name = draw(rarely(st.sampled_from(STAFF), st.sampled_from(NAMES)))
        return f"set {name} {setting.value if isinstance(setting, Setting) else setting} {value}"
    if draw(rarely(st.just(True), st.just(False))):
        reason = draw(st.sampled_from([r.value for r in Reason]))
        if draw(st.booleans()):
            return "rate solved"
        return f"rate unsolved {reason}" + draw(st.sampled_from(["", ' "沒回答我的問題"']))
    return "rate " + draw(st.sampled_from(["maybe", "unsolved", "solved other", "unsolved why", 'solved "好"']))


@st.composite
def expectation(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 2)) == 0:
        return f"{draw(st.sampled_from(['bot', 'assist', 'suggest']))} {draw(st.sampled_from(ENTRIES))}"
    return draw(rarely(st.sampled_from(EXPECTS[:-1]), st.just(EXPECTS[-1])))


@st.composite
def scenario(draw: st.DrawFn) -> str:
    steps = []
    for _ in range(draw(st.integers(0, 12))):
        step = draw(st.one_of(at_step(), at_step(), wait_step(), wait_step(), playing_step(), other_step()))
        if draw(st.integers(0, 3)) == 0:
            step += " expect " + ", ".join(draw(st.lists(expectation(), min_size=1, max_size=3)))
        steps.append(step)
        if draw(st.integers(0, 6)) == 0:
            steps.append("expect " + ", ".join(draw(st.lists(expectation(), min_size=1, max_size=2))))
    body = "".join(f"    {step}\n" for step in steps)
    return f"scenario {quoted(draw(st.sampled_from(['s', 'night', '', '夜'])))} {{\n{body}}}\n"


@st.composite
def cases_block(draw: st.DrawFn) -> str:
    cases = draw(
        st.lists(
            st.tuples(st.sampled_from(TEXTS), st.sampled_from((*ENTRIES, "none"))),
            min_size=0,
            max_size=4,
        )
    )
    body = "".join(f"    {quoted(text)} -> {entry}\n" for text, entry in cases)
    return f'test "t" {{\n{body}}}\n'


@st.composite
def shops(draw: st.DrawFn) -> str:
    zone = draw(st.sampled_from(ZONES))
    blocks = draw(st.lists(st.one_of(scenario(), scenario(), cases_block()), min_size=1, max_size=3))
    return TW_TEXT.replace('timezone "Asia/Taipei"', f'timezone "{zone}"') + "\n" + "\n".join(blocks)


# ---------------------------------------------------------------------------------------------
# the property


@pytest.fixture(scope="module")
def rules_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_rules(tmp_path_factory.mktemp("scenario-fuzz"))


def check_then_test(rules: Path, text: str) -> None:
    path = rules / "shops" / "tw" / "shop.kefu"
    path.write_text(text, encoding="utf-8")
    result = load([path.parent], Cache.disabled())
    errors = result.errors
    note("\n".join(f"{d.span.line}: {d.code} {d.message}" for d in errors))
    event("check: " + (", ".join(sorted({d.code for d in errors})) or "no error"))
    if errors:
        return  # kefu check rejects it, and kefu test refuses to run it
    shop = result.rules.shop("tw")
    assert shop is not None
    for outcome in run_shop(shop, CompiledShop(shop, matcher_of_tw())):  # must not raise
        assert outcome.passed or outcome.expected, outcome
        event(f"test: {outcome.kind} {'passed' if outcome.passed else 'failed'}")


def scenario_shop(*steps: str, zone: str = "Asia/Taipei") -> str:
    body = "".join(f"    {step}\n" for step in steps)
    return TW_TEXT.replace('timezone "Asia/Taipei"', f'timezone "{zone}"') + f'\nscenario "s" {{\n{body}}}\n'


@PROPERTY
@given(shops())
@example(scenario_shop("at 2026-01-01 09:00", "wait 99999999d", 'customer "在嗎"'))
@example(scenario_shop("at 0001-01-01 00:00", 'customer "在嗎"'))
@example(scenario_shop("at 9999-12-31 23:59", "wait 2d", 'customer "在嗎"'))
@example(scenario_shop("at 0002-01-01 00:00", 'customer "在嗎"', zone="Pacific/Kiritimati"))
@example(scenario_shop("at 9998-12-31 23:59", 'customer "在嗎"', "wait 59s", "online amy", zone="Etc/GMT+12"))
@example(scenario_shop("at 2026-01-01 09:00", "wait 100000000000000000000d", 'customer "在嗎"'))
@example(scenario_shop("wait 2d", "at 2026-01-01 09:00", 'customer "在嗎"'))
def test_what_check_passes_test_can_run(rules_copy: Path, text: str) -> None:
    note(text[len(TW_TEXT) :])
    check_then_test(rules_copy, text)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(shops())
@example(scenario_shop("at 9998-12-31 23:59", "wait 1d", 'customer "在嗎"'))
def test_the_real_commands_never_end_in_an_internal_error(
    rules_copy: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = rules_copy / "shops" / "tw" / "shop.kefu"
    path.write_text(text, encoding="utf-8")
    checked, _, _ = run(capsys, "check", "--no-cache", str(path.parent))
    tested, out, err = run(capsys, "test", str(path.parent))
    note(out + err)
    assert checked in (0, 1) and tested in (0, 1), err
    assert "internal error" not in err
    if checked == 1 and re.search(r"error\[K\d+\]", err + out) is None:
        return  # warnings only
    if tested == 0:
        assert checked == 0, "kefu test passed a shop that kefu check rejects"
