"""The language is declared once (dsl/language.py): every construct's example is valid where it
stands, dispatch and its messages follow the table, and the words of the language are exactly the
values of the engine's own types."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.dsl import language, syntax
from kefu.dsl.build import _Builder, build
from kefu.dsl.language import BLOCKS, CONSTRUCTS, TOP_LEVEL, Construct
from kefu.dsl.load import load
from kefu.dsl.syntax import parse
from kefu.dsl.values import did_you_mean
from kefu.engine.diagnostics import Diagnostic
from kefu.engine.rules import EXPECT_KINDS, SETTING_VALUES, STEP_KINDS, BotHours, Reason, Role, Setting
from kefu.engine.verify import CLOCK_STEPS, STEP_EVENTS

PLACES = [(c, parent) for c in CONSTRUCTS for parent in c.parents]


def diagnostics(text: str) -> list[Diagnostic]:
    document = parse(text, "example.kefu")
    return document.diagnostics + build(document).diagnostics


def names(block: str) -> set[str]:
    return {c.name for c in CONSTRUCTS if block in c.parents}


def only(block: str, name: str) -> Construct:
    found = language.construct(block, name)
    assert found is not None, (block, name)
    return found


@pytest.mark.parametrize("construct, parent", PLACES, ids=[f"{parent}:{c.name}" for c, parent in PLACES])
def test_every_example_parses_and_builds_cleanly_where_it_stands(construct: Construct, parent: str) -> None:
    text = BLOCKS[parent].holding(construct.example)
    assert "\n" not in construct.example, "an example is one line (it stands in a table cell)"
    assert construct.example.split()[: len(construct.name.split())] == construct.name.split()
    assert [(d.code, d.message) for d in diagnostics(text)] == [], text


TWICE = [(c, p) for c, p in PLACES if not c.repeats and p != "file"]


@pytest.mark.parametrize("construct, parent", TWICE, ids=[f"{p}:{c.name}" for c, p in TWICE])
def test_a_statement_that_does_not_repeat_is_reported_when_given_twice(construct: Construct, parent: str) -> None:
    text = BLOCKS[parent].holding(construct.example + "\n" + construct.example)
    assert "K012" in [d.code for d in diagnostics(text)], text


def test_an_expectation_may_come_again_in_one_list() -> None:
    text = BLOCKS["expect"].holding("suggest shipping.free, suggest order.status")
    [scenario] = build(parse(text, "s.kefu")).scenarios
    assert [(e.kind, e.value) for e in scenario.steps[0].expect] == [
        ("suggest", "shipping.free"),
        ("suggest", "order.status"),
    ]
    assert all(c.repeats for c in CONSTRUCTS if "expect" in c.parents)


def test_greeting_given_twice_at_the_top_level_is_reported() -> None:
    example = only("file", "greeting").example
    assert [d.code for d in diagnostics(example + "\n" + example)] == ["K012"]


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_an_unknown_statement_lists_what_the_table_knows_in_its_block(block: str) -> None:
    [finding] = diagnostics(BLOCKS[block].holding("zzqx 1"))
    assert (finding.code, finding.message) == ("K010", f"unknown {BLOCKS[block].what} 'zzqx'")
    assert finding.help == "known here: " + ", ".join(sorted(names(block)))


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_a_misspelt_statement_gets_the_closest_name_of_its_block(block: str) -> None:
    name = max(names(block), key=len)
    typo = name[:-1] + ("x" if name[-1] != "x" else "y")
    [finding] = [d for d in diagnostics(BLOCKS[block].holding(typo)) if d.code == "K010"]
    assert finding.help == did_you_mean(typo, names(block), 0.6)


def test_every_builder_the_table_names_exists_and_every_block_it_names_is_declared() -> None:
    for construct in CONSTRUCTS:
        assert callable(getattr(_Builder, construct.builder, None)), construct
        assert set(construct.parents) <= set(BLOCKS), construct
        assert construct.opens is None or construct.opens in BLOCKS, construct
    opened = {c.opens for c in CONSTRUCTS if c.opens} | {"file", "expect"}
    assert opened == set(BLOCKS)


def test_the_parser_and_its_error_recovery_take_the_top_level_from_the_table() -> None:
    assert syntax.TOP_LEVEL is TOP_LEVEL
    assert set(TOP_LEVEL) == names("file")
    for name in TOP_LEVEL:
        assert syntax._ITEM_START.match(f"{name} x"), name


def test_staff_roles_are_the_engines_roles() -> None:
    assert names("staff") == {role.value for role in Role}


def test_scenario_steps_are_the_engines_step_kinds_and_each_plays_or_moves_the_clock() -> None:
    assert names("scenario") == set(STEP_KINDS)
    assert set(STEP_EVENTS) | set(CLOCK_STEPS) | {"expect"} == set(STEP_KINDS)
    assert not set(STEP_EVENTS) & set(CLOCK_STEPS)


def test_expectations_are_the_engines_expectation_kinds() -> None:
    assert {name.replace(" ", "_") for name in names("expect")} == set(EXPECT_KINDS)


def test_word_arguments_are_the_engines_enum_values() -> None:
    assert language.words("bot", "when") == tuple(hours.value for hours in BotHours)
    assert language.words("scenario", "rate", 1) == tuple(reason.value for reason in Reason)
    assert language.words("scenario", "set", 1) == tuple(setting.value for setting in Setting)
    assert set(SETTING_VALUES) == set(Setting)


@pytest.mark.parametrize(
    "setting, good, bad",
    [(s.value, words[0], "maybe") for s, words in SETTING_VALUES.items()],
)
def test_set_takes_each_setting_with_exactly_the_values_the_engine_accepts(setting: str, good: str, bad: str) -> None:
    frame = BLOCKS["scenario"].holding
    assert diagnostics(frame(f"set mia {setting} {good}")) == []
    [finding] = diagnostics(frame(f"set mia {setting} {bad}"))
    words = SETTING_VALUES[Setting(setting)]
    assert finding.message == f"'{setting}' takes {' or '.join(words)}, found '{bad}'"


def test_a_step_of_the_wrong_shape_names_its_arguments_and_shows_its_example() -> None:
    [finding] = diagnostics(BLOCKS["scenario"].holding("wait"))
    assert finding.message == "'wait' takes a duration such as 5m"
    assert finding.help == f"write: {only('scenario', 'wait').example}"


def test_a_plain_step_builds_its_fields_from_the_arguments_the_table_declares() -> None:
    document = parse(BLOCKS["scenario"].holding('at 2026-11-24 23:30\nagent amy "hi"\nwait 1h30m'), "s.kefu")
    [scenario] = build(document).scenarios
    at, agent, wait = scenario.steps
    assert (at.kind, str(at.time)) == ("at", "2026-11-24 23:30:00")
    assert (agent.kind, agent.actor, agent.text) == ("agent", "amy", "hi")
    assert (wait.kind, wait.seconds) == ("wait", 5400)


def test_the_statement_tables_cover_every_construct_in_every_block() -> None:
    tables = language.statements_markdown()
    for construct, _ in PLACES:
        assert f"| `{construct.syntax.replace('|', chr(92) + '|')}` |" in tables, construct.name


TOP = [c for c in CONSTRUCTS if "file" in c.parents and c.name not in ("shop", "preset")]


@pytest.mark.parametrize("construct", TOP, ids=[c.name for c in TOP])
def test_a_preset_holds_exactly_the_top_level_statements_the_table_allows(
    construct: Construct, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()  # the search for an enclosing shop stops here
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "general.kefu"
    path.write_text(f'preset general "通用類"\n{construct.example}\n', encoding="utf-8")
    codes = [d.code for d in load([path]).diagnostics]
    assert ("K038" in codes) == construct.shop_only, codes
