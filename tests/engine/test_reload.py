"""Simulation.reload: new rules between two events, the live state kept (what `kefu tui` does on a save)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from kefu.engine.decide import CompiledShop
from kefu.engine.events import Event, Kind
from kefu.engine.rules import Role, StaffMember
from kefu.engine.simulate import Simulation, fit_staff, recompile
from tests.engine.plays import DAY, NIGHT, SHIPPING, at, online, opens, says, sends, variant

EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def played(simulation: Simulation, fields: dict[str, Any]) -> list[Any]:
    steps = simulation.play(EVENT.validate_python(fields))
    assert isinstance(steps, list), steps
    return [action for step in steps for action in step.actions]


def with_reply(tw: CompiledShop, entry_id: str, reply: str) -> CompiledShop:
    entries = tuple(
        entry.model_copy(update={"reply": reply}) if entry.id == entry_id else entry for entry in tw.shop.entries
    )
    return variant(tw, entries=entries)


def test_events_after_a_reload_are_decided_by_the_new_rules_and_the_conversation_goes_on(tw: CompiledShop) -> None:
    simulation = Simulation({"tw": tw.shop}, compile=lambda _: tw)
    first = sends(played(simulation, says(NIGHT, SHIPPING)), Kind.answer)
    assert first and first[0].text != "全館免運!"
    new = with_reply(tw, first[0].entry, "全館免運!")
    simulation.reload({"tw": new.shop}, {"tw": new})
    second = sends(played(simulation, says(at(NIGHT, 1), SHIPPING)), Kind.answer)
    assert [action.text for action in second] == ["全館免運!"]
    conversation = simulation.states["tw"].conversations["c1"]
    assert conversation.session is not None and conversation.session.repeats[first[0].entry] == 2
    assert simulation.seq == 2


def test_unchanged_rules_keep_their_compiled_shop(tw: CompiledShop) -> None:
    simulation = Simulation({"tw": tw.shop}, compile=lambda shop: CompiledShop(shop, tw.matcher))
    before = simulation.rules("tw")
    simulation.reload({"tw": tw.shop.model_copy()})
    assert simulation.rules("tw") is before


def test_a_staff_member_added_joins_offline_and_one_removed_leaves_its_conversations_unassigned(
    tw: CompiledShop,
) -> None:
    simulation = Simulation({"tw": tw.shop}, compile=lambda _: tw)
    played(simulation, online(DAY, "bob"))
    played(simulation, says(at(DAY, 1), SHIPPING))
    assert simulation.states["tw"].conversations["c1"].agent == "bob"
    staff = (*(m for m in tw.shop.staff if m.name != "bob"), StaffMember(name="cho", role=Role.agent, capacity=2))
    new = variant(tw, staff=staff)
    simulation.reload({"tw": new.shop}, {"tw": new})
    state = simulation.states["tw"]
    assert "bob" not in state.agents and "bob" not in state.loads
    assert state.agents["cho"].online is False and state.agents["cho"].capacity == 2
    assert state.conversations["c1"].agent is None
    actions = played(simulation, online(at(DAY, 2), "cho"))
    assert [(a.type, a.agent) for a in actions if a.type == "assign"] == [("assign", "cho")]


def test_a_kept_members_own_auto_send_follows_the_new_rules_unless_it_was_flipped_while_playing(
    tw: CompiledShop,
) -> None:
    state = Simulation({"tw": tw.shop}, compile=lambda _: tw)
    played(state, {"type": "agent_auto_send", "time": DAY, "actor": "bob", "agent": "bob", "value": False})
    staff = tuple(m.model_copy(update={"auto_send": not m.auto_send, "capacity": 9}) for m in tw.shop.staff)
    new = variant(tw, staff=staff)
    fitted = fit_staff(state.states["tw"], new.shop, tw.shop)
    assert fitted.agents["amy"].auto_send is True  # was as the old rules said (off): follows them (on)
    assert fitted.agents["bob"].auto_send is False  # flipped while playing: stays
    assert {agent.capacity for agent in fitted.agents.values()} == {9}


def test_a_shop_gone_from_the_rules_leaves_with_its_state(tw: CompiledShop) -> None:
    other = tw.shop.model_copy(update={"id": "tw2"})
    simulation = Simulation({"tw": tw.shop, "tw2": other}, compile=lambda shop: CompiledShop(shop, tw.matcher))
    played(simulation, {**says(NIGHT, SHIPPING), "shop": "tw2"})
    simulation.reload({"tw": tw.shop})
    assert "tw2" not in simulation.states
    refused = simulation.play(EVENT.validate_python({**says(at(NIGHT, 1), SHIPPING), "shop": "tw2"}))
    assert not isinstance(refused, list) and "unknown shop 'tw2'" in refused.message


def test_stepping_back_past_a_reload_restores_the_state_fitted_to_the_rules_now(tw: CompiledShop) -> None:
    simulation = Simulation({"tw": tw.shop}, compile=lambda _: tw)
    played(simulation, online(DAY, "bob"))
    played(simulation, opens(at(DAY, 1), "bob"))
    before = simulation.snapshot()
    new = variant(tw, staff=tuple(m for m in tw.shop.staff if m.name != "bob"))
    simulation.reload({"tw": new.shop}, {"tw": new})
    simulation.restore(before)
    assert "bob" not in simulation.states["tw"].agents


def test_a_reply_edit_reuses_the_matcher_and_matches_as_a_fresh_compile_would(tw: CompiledShop) -> None:
    entry = tw.shop.entries[0]
    replied = with_reply(tw, entry.id, "A new reply").shop
    reused = recompile(replied, tw)
    assert reused.matcher is tw.matcher and reused.entries[entry.id].reply == "A new reply"
    fresh = CompiledShop(replied)
    for text in (SHIPPING, entry.asks[0].text, "我想訂做一件客製化的外套"):
        assert reused.matcher.match(text, replied.policy.matching) == fresh.matcher.match(text, replied.policy.matching)


def test_an_edit_of_what_the_matcher_reads_builds_a_new_matcher(tw: CompiledShop) -> None:
    entries = (tw.shop.entries[0].model_copy(update={"keywords": ("新關鍵字",)}), *tw.shop.entries[1:])
    assert recompile(tw.shop.model_copy(update={"entries": entries}), tw).matcher is not tw.matcher
    assert recompile(tw.shop, None).matcher is not tw.matcher
