"""The assistant's one step: `decide(state, event, rules, now) -> Outcome(state, actions)`.

Pure: it reads the state, the event, the compiled shop and the time it is given, and returns a new
state and the actions to carry out; it reads no clock, file or database and changes nothing it was
given. The terminal UI, `kefu simulate` and `kefu test` all drive this step, so what a test proves
is what the UI does. Requirement ids from SPEC.md mark where each rule lives.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kefu.engine import clock
from kefu.engine.events import (
    Action,
    AgentAutoSend,
    AgentLeave,
    AgentMessage,
    AgentOffline,
    AgentOnline,
    AgentOpen,
    AgentSendSuggestion,
    AgentTypes,
    Assign,
    Changed,
    CustomerMessage,
    CustomerRating,
    Denied,
    Event,
    Kind,
    Lists,
    Notice,
    Queue,
    Rated,
    Send,
    Sender,
    SessionClosed,
    SessionOpened,
    Setting,
    SettingChange,
    Suggest,
    Suggestion,
    Tick,
)
from kefu.engine.explain import Route, explain_step, route_step
from kefu.engine.inbox import (
    ANSWERS_KEPT,
    SESSION,
    Agent,
    Answered,
    Conversation,
    Session,
    Settings,
    State,
    Switches,
    replace,
)
from kefu.engine.match import Decision, Match
from kefu.engine.rules import BotHours, Role, Shop
from kefu.engine.timetable import Timetable
from kefu.engine.why import PolicyStep, Why
from kefu.engine.wording import HANT, WORDING, Wording, wording

if TYPE_CHECKING:
    from kefu.engine.matcher import Matcher

LABEL_AUTO_SENT = WORDING[HANT].auto_sent  # AR-6: what the agent sees under an assist auto-send
LABEL_BOT = WORDING[HANT].bot  # BOT-6: what the agent sees under a bot message
CUSTOMER_LABEL_BOT = WORDING[HANT].sent_by_assistant  # BOT-6: what the customer sees
SHOP_WIDE = {Setting.assist, Setting.auto_send, Setting.bot, Setting.bot_when}


class CompiledShop:
    """A shop compiled for `decide`, once per rules load: the rules model, its matcher index, the
    entries by id, its calendar as a `Timetable`, what kefu says in the shop's language and the
    `${shop.hours}` text. Nothing in it changes after it is built (`decide` only reads it), so one
    compiled shop may serve any number of runs."""

    __slots__ = ("entries", "hours_text", "matcher", "shop", "timetable", "wording")

    def __init__(self, shop: Shop, matcher: Matcher | None = None) -> None:
        if matcher is None:
            from kefu.engine.matcher import Matcher  # numpy and scipy: imported when a shop is compiled

            matcher = Matcher(shop.entries, shop.synonyms)
        self.shop = shop
        self.matcher = matcher
        self.entries = {entry.id: entry for entry in shop.entries}
        self.wording = wording(shop.language)
        self.hours_text = _hours_text(shop, self.wording)  # `${shop.hours}`
        self.timetable = Timetable.of(shop)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one step returns. A plain frozen dataclass, not a pydantic model: both parts are built
    by `decide` itself from validated models, and validating them again cost 8 µs a step."""

    state: State
    actions: tuple[Action, ...]


def decide(
    state: State, event: Event, rules: CompiledShop, now: dt.datetime, seq: int | None = None, explain: bool = False
) -> Outcome:
    """One event through the assistant. `now` is the event's time with its offset; `seq` its number in
    the stream, which every action carries as `event`; with `explain`, `send`, `suggest` and `notice`
    actions carry their `why`, and so does the `lists` action of a customer message left to a human."""
    step = _Step(state, rules, now, seq, explain)
    conversation = getattr(event, "conversation", None)
    if conversation is not None:
        step.close_idle_sessions(conversation)
    handler = _HANDLERS[type(event)]
    handler(step, event)
    return Outcome(state=step.finish(), actions=tuple(step.actions))


# -- the step ---------------------------------------------------------------------------------


class _Step:
    """The working copy of one `decide` call: the state so far and the actions taken."""

    def __init__(
        self, state: State, rules: CompiledShop, now: dt.datetime, seq: int | None = None, explain: bool = False
    ) -> None:
        self.before = state
        self.seq = seq
        self.explain = explain
        self.routed: list[PolicyStep] = []  # with `explain`: how this message was routed
        self.matched: Match | None = None  # the last message matched in this step
        self.rules = rules
        self.shop = rules.shop
        self.now = now
        self.agents = state.agents
        self.settings = state.settings
        self.queue = state.queue
        self.conversations = state.conversations
        self.loads = state.loads
        self.actions: list[Action] = []
        self.local = rules.timetable.local(now)  # on the shop's wall clock
        self.policy = rules.timetable.policy_at(self.local)
        self.switches = Switches.of(self.settings, self.policy)

    def finish(self) -> State:
        """The new state, validated: its parts are models already, so pydantic-core only checks their
        types (measured faster than `model_copy(update=...)`, which copies in Python)."""
        return State(
            shop=self.before.shop,
            agents=self.agents,
            settings=self.settings,
            queue=self.queue,
            conversations=self.conversations,
            loads=self.loads,
            now=self.now,
        )

    # state changes: new values, never in place (the map is persistent; the loads dict is staff-sized)
    def put(self, conversation: Conversation) -> Conversation:
        self._count(self.conversations.get(conversation.id), conversation)
        self.conversations = self.conversations.set(conversation.id, conversation)
        return conversation

    def drop(self, conversation: Conversation) -> None:
        self._count(self.conversations.get(conversation.id), None)
        self.conversations = self.conversations.delete(conversation.id)

    def _count(self, old: Conversation | None, new: Conversation | None) -> None:
        """Keep each agent's load: the conversations assigned to it with an open session."""
        was = old.agent if old is not None and old.session is not None else None
        now = new.agent if new is not None and new.session is not None else None
        if was == now:
            return
        loads = dict(self.loads)
        if was is not None:
            loads[was] = loads.get(was, 0) - 1
        if now is not None:
            loads[now] = loads.get(now, 0) + 1
        self.loads = loads

    def put_agent(self, agent: Agent) -> Agent:
        self.agents = {**self.agents, agent.name: agent}
        return agent

    def emit(self, action_type: type, **fields: object) -> None:
        if self.seq is not None:
            fields["event"] = self.seq
        self.actions.append(action_type(time=self.now, shop=self.shop.id, **fields))

    # what the rules and switches say now
    def set(self, settings: Settings) -> None:
        """A switch flipped: the settings and the switches in force with them."""
        self.settings = settings
        self.switches = Switches.of(settings, self.policy)

    def assist_on(self) -> bool:
        return self.switches.assist

    def shop_auto_send(self) -> bool:
        return self.switches.auto_send

    def bot_on(self) -> bool:
        return self.switches.bot

    def bot_when(self) -> BotHours:
        return self.switches.bot_when

    def auto_send_for(self, agent: Agent) -> bool:
        return self.switches.auto_send_for(agent)

    def load(self, name: str) -> int:
        """Conversations the agent holds: assigned to it with an open session."""
        return self.loads.get(name, 0)

    def online(self) -> list[Agent]:
        return [a for a in self.agents.values() if a.online]

    def free_agent(self) -> Agent | None:
        """The online agent with room, least loaded first, then in staff order."""
        free = [
            (self.load(a.name), i, a)
            for i, a in enumerate(self.agents.values())
            if a.online and self.load(a.name) < a.capacity
        ]  # staff-sized: a handful of agents
        return min(free, key=lambda t: (t[0], t[1]))[2] if free else None

    def words(self) -> Wording:
        return self.rules.wording

    def remember(self, conversation: Conversation, sender: Sender, entry: str | None) -> tuple[Answered, ...]:
        """The conversation's recent answers with this one, which a rating may name by its event number."""
        if self.seq is None:
            return conversation.answers
        return (*conversation.answers, (self.seq, sender, entry))[-ANSWERS_KEPT:]

    def note_route(self, route: Route, conversation: Conversation) -> None:
        """With `explain`: remember how the message was routed, for the `why` of what follows."""
        if self.explain:
            self.routed = [route_step(self, route, conversation)]

    def why(self, match: Match | None, conversation: Conversation, repeats: int | None = None) -> Why:
        """The `why` of an action about `conversation`: the match, and the policy path to it."""
        return explain_step(self, match, conversation, repeats)

    def render(self, text: str, conversation: Conversation) -> str:
        """Fill `${shop.name}`, `${shop.hours}`, `${customer.name}`, `${agent.name}` in a reply, and
        write `$$` as the `$` it stands for (as `kefu check` reads them: left to right, spaces inside
        the braces allowed)."""
        if "$" not in text:
            return text
        values = {
            "shop.name": self.shop.name,
            "shop.hours": self.rules.hours_text,
            "customer.name": conversation.customer or "",
            "agent.name": conversation.agent or "",
        }
        return filled(text, values)

    def lists(
        self,
        conversation: Conversation,
        unread: bool,
        unreplied: bool,
        changes: dict[str, object] | None = None,
        why: Why | None = None,
    ) -> Conversation:
        """Put the conversation in (or out of) Unread and Unreplied, with any other `changes` in
        the same new value (one copy, not two)."""
        moved = (conversation.unread, conversation.unreplied) != (unread, unreplied)
        if not moved and not changes:
            return conversation
        if moved:
            self.emit(Lists, conversation=conversation.id, unread=unread, unreplied=unreplied, why=why)
        return self.settle(replace(conversation, {**(changes or {}), "unread": unread, "unreplied": unreplied}))

    def settle(self, conversation: Conversation) -> Conversation:
        """Keep the conversation in the live inbox, or let it leave: a conversation whose session has
        closed, with nothing unread or unreplied and no agent looking at it, is history (the store's)."""
        if (
            conversation.session is None
            and not conversation.unread
            and not conversation.unreplied
            and not any(agent.focus == conversation.id for agent in self.agents.values())
        ):
            if conversation.id in self.conversations:
                self.drop(conversation)
            return conversation
        return self.put(conversation)

    def close_idle_sessions(self, only: str | None = None) -> None:
        """D-1: sessions idle for 24 hours close; a conversation with nothing left to do leaves.
        An event about one conversation checks that one (no scan per message); a tick checks all."""
        cutoff = self.now - SESSION
        if only is not None:
            one = self.conversations.get(only)
            if one is None or one.session is None or one.session.last > cutoff:
                return
            idle = [one]
        else:
            idle = [c for c in self.conversations.values() if c.session is not None and c.session.last <= cutoff]
        for conversation in idle:
            self.emit(SessionClosed, conversation=conversation.id)
            self.settle(replace(conversation, {"session": None, "queued": False}))
            if conversation.id in self.queue:
                self.queue = tuple(q for q in self.queue if q != conversation.id)
        if idle:
            self.assign_waiting()

    def assign(self, conversation: Conversation, agent: Agent) -> Conversation:
        self.emit(Assign, conversation=conversation.id, agent=agent.name)
        if conversation.id in self.queue:
            self.queue = tuple(q for q in self.queue if q != conversation.id)
        return self.put(replace(conversation, {"agent": agent.name, "queued": False}))

    def assign_waiting(self) -> None:
        """Queued conversations first, then unassigned ones, each first come, to agents with room (BOT-5)."""
        if self.free_agent() is None:  # nobody has room (at night: nobody is online)
            return
        queued = set(self.queue)
        # first come (the session that opened first), never the map's own order: that follows the
        # ids' string hashes, which differ from one process to the next
        unassigned = sorted(
            (c.session.opened, c.id)
            for c in self.conversations.values()
            if c.session is not None and c.id not in queued and (c.agent is None or not self.agents[c.agent].online)
        )
        for conversation_id in itertools.chain(tuple(self.queue), (cid for _, cid in unassigned)):
            agent = self.free_agent()
            if agent is None:
                return
            self.assign(self.conversations[conversation_id], agent)

    def route(self, conversation: Conversation) -> Conversation:
        """A customer wrote: keep its agent if online, else give it one with room, else queue it."""
        if conversation.agent is not None and self.agents[conversation.agent].online:
            return conversation
        agent = self.free_agent()
        if agent is not None:
            return self.assign(conversation, agent)
        if self.online() and not conversation.queued:  # every online agent at capacity
            self.queue = self.queue + (conversation.id,)
            self.emit(Queue, conversation=conversation.id, position=len(self.queue))
            return self.put(replace(conversation, {"queued": True}))
        return conversation

    def suggestions(self, match: Match, conversation: Conversation, count: int = 3) -> tuple[Suggestion, ...]:
        """The replies as the customer would get them: placeholders filled in."""
        return tuple(
            Suggestion(
                entry=c.entry,
                score=c.score,
                raw=c.raw,
                reply=self.render(self.rules.entries[c.entry].reply, conversation),
            )
            for c in match.candidates[:count]
        )


_PLACEHOLDER = re.compile(r"(?P<dollar>\$\$)|(?P<before> ?)\$\{(?P<name>[^}\n]*)\}(?P<after> ?)")


def filled(text: str, values: Mapping[str, str]) -> str:
    """`text` with its placeholders filled from `values` (one not among them kept as written) and `$$`
    written as the `$` it stands for."""
    return _PLACEHOLDER.sub(lambda m: _filled(m, values), text)


def hours_text(shop: Shop) -> str:
    """`${shop.hours}` of the shop, in its language (empty for a shop that set no hours)."""
    return _hours_text(shop, wording(shop.language))


def _filled(found: re.Match[str], values: Mapping[str, str]) -> str:
    """A placeholder's value with the spaces around it; an empty value (a customer without a name)
    takes one of them along: "Hi ${customer.name}, welcome" reads "Hi, welcome", not "Hi , welcome"."""
    if found.group("dollar"):
        return "$"
    before, name, after = found.group("before", "name", "after")
    name = name.strip()
    if name not in values:
        return found.group(0)
    if values[name]:
        return before + values[name] + after
    return " " if before and after else ""


def _hours_text(shop: Shop, words: Wording) -> str:
    """`${shop.hours}`: the working hours in the shop's language, days with the same hours grouped."""
    names = words.days
    groups: list[tuple[list[int], str]] = []
    for day in shop.hours:
        ranges = ", ".join(
            f"{r.start // 60:02d}:{r.start % 60:02d}-{(r.end % 1440) // 60:02d}:{r.end % 60:02d}" for r in day.ranges
        )
        if groups and groups[-1][1] == ranges and groups[-1][0][-1] == day.weekday - 1:
            groups[-1][0].append(day.weekday)
        else:
            groups.append(([day.weekday], ranges))
    join, dash = words.hours_join, words.days_dash
    return join.join(
        f"{names[days[0]]}{dash + names[days[-1]] if len(days) > 1 else ''} {ranges}" for days, ranges in groups
    )


# -- customer messages ------------------------------------------------------------------------


def _customer_message(step: _Step, event: CustomerMessage) -> None:
    conversation = step.conversations.get(event.conversation) or Conversation(id=event.conversation)
    opened = conversation.session is None
    changes: dict[str, object] = {"last_customer_text": event.text}
    if event.customer is not None:
        changes["customer"] = event.customer
    if opened:  # D-1
        changes["session"] = Session(opened=step.now, last=step.now)
    else:  # a message keeps the session open
        changes["session"] = replace(conversation.session, {"last": step.now})
    conversation = step.put(replace(conversation, changes))
    if opened:
        step.emit(SessionOpened, conversation=conversation.id)
    conversation = step.route(conversation)
    if opened and step.policy.greeting:  # a greeting is never smart reception
        step.emit(
            Send,
            conversation=conversation.id,
            sender=Sender.shop,
            kind=Kind.greeting,
            text=step.render(step.policy.greeting, conversation),
        )
    agent = step.agents.get(conversation.agent) if conversation.agent else None
    focused = agent is not None and agent.online and agent.focus == conversation.id
    if _bot_works(step, conversation):
        step.note_route("bot", conversation)
        _bot_answers(step, conversation, event.text)
    elif agent is not None and agent.online and step.assist_on() and not focused and step.auto_send_for(agent):
        step.note_route("assist", conversation)
        _assist_answers(step, conversation, agent, event.text)  # AR-3, AR-4, D-6, D-7
    else:
        step.note_route("human", conversation)
        # a human must answer; assist may still suggest (AR-2, IR-3)
        conversation = step.conversations[conversation.id]
        why = step.why(None, conversation) if step.explain else None
        step.lists(conversation, unread=not focused, unreplied=True, why=why)
        if agent is not None and agent.online and step.assist_on():
            _suggest(step, conversation, agent, event.text, "message")


def _bot_works(step: _Step, conversation: Conversation) -> bool:
    """BOT-2, BOT-3: the bot is on, within its hours, and no agent can take the customer now."""
    if not step.switches.bot_in_hours(step.rules.timetable.working(step.local)):
        return False
    agent = step.agents.get(conversation.agent) if conversation.agent else None
    if agent is not None and agent.online:
        return False
    return not step.online() or conversation.queued


def _match(step: _Step, text: str) -> Match:
    match = step.rules.matcher.match(text, step.policy.matching, top=3)
    step.matched = match
    return match


def _answer(step: _Step, conversation: Conversation, text: str, sender: Sender, agent: Agent | None) -> bool:
    """Send a confident KB answer (IR-2, D-8) unless D-2 or STOP-1 forbids; False: it cannot."""
    session = conversation.session
    assert session is not None
    if session.stopped:  # D-2
        return False
    match = _match(step, text)
    best = match.best
    if match.decision != Decision.auto_send or best is None:
        return False
    sent = session.repeats.get(best.entry, 0)
    if sent >= step.policy.matching.repeat_limit:  # STOP-1
        _stop(step, conversation, "repeat_limit")
        return True  # handled: stopped with its own notice
    entry = step.rules.entries[best.entry]
    words = step.words()
    label, customer_label = (words.bot, words.sent_by_assistant) if sender == Sender.bot else (words.auto_sent, None)
    step.emit(
        Send,
        conversation=conversation.id,
        sender=sender,
        kind=Kind.answer,
        entry=entry.id,
        text=step.render(entry.reply, conversation),
        agent=agent.name if agent else None,
        label=label,
        customer_label=customer_label,
        score=best.score,
        why=step.why(match, conversation, sent) if step.explain else None,
    )
    repeats = {**session.repeats, entry.id: sent + 1}
    step.lists(
        conversation,
        unread=True,
        unreplied=False,
        changes={  # AR-5, BOT-5
            "session": replace(session, {"repeats": repeats}),
            "last_answer": (sender, entry.id),
            "answers": step.remember(conversation, sender, entry.id),
        },
    )
    return True


def _stop(step: _Step, conversation: Conversation, reason: str) -> Conversation:
    """AR-7, BOT-7, STOP-1, STOP-2, D-2: smart reception stops here until a human replies."""
    session = conversation.session
    assert session is not None
    step.emit(
        Notice,
        conversation=conversation.id,
        reason=reason,
        text=step.words().notices[reason],
        why=step.why(step.matched, conversation) if step.explain else None,
    )
    return step.lists(
        conversation, unread=True, unreplied=True, changes={"session": replace(session, {"stopped": True})}
    )


def _assist_answers(step: _Step, conversation: Conversation, agent: Agent, text: str) -> None:
    stopped_before = conversation.session is not None and conversation.session.stopped
    if _answer(step, conversation, text, Sender.assist, agent):
        return
    conversation = step.conversations[conversation.id]
    if stopped_before:  # D-2: stopped already; the agent was told
        step.lists(conversation, unread=True, unreplied=True)
    else:
        _stop(step, conversation, "assist_cannot_answer")  # AR-7
    _suggest(step, step.conversations[conversation.id], agent, text, "message")


def _bot_answers(step: _Step, conversation: Conversation, text: str) -> None:
    session = conversation.session
    assert session is not None
    stopped_before = session.stopped
    if _answer(step, conversation, text, Sender.bot, None):  # BOT-4
        return
    conversation = step.conversations[conversation.id]
    if not stopped_before:  # BOT-7: the fallback, then the agent is told
        step.emit(
            Send,
            conversation=conversation.id,
            sender=Sender.bot,
            kind=Kind.fallback,
            text=step.render(step.policy.bot.fallback or step.words().fallback, conversation),
            label=step.words().bot,
            customer_label=step.words().sent_by_assistant,
            why=step.why(step.matched, conversation) if step.explain else None,
        )
        _stop(step, conversation, "bot_cannot_answer")
        return
    session = conversation.session
    assert session is not None
    reply = step.policy.bot.off_hours_reply
    if reply and not session.off_hours_sent:  # BOT-7, once per session (D-2)
        step.emit(
            Send,
            conversation=conversation.id,
            sender=Sender.shop,
            kind=Kind.off_hours_reply,
            text=step.render(reply, conversation),
            why=step.why(step.matched, conversation) if step.explain else None,
        )
        conversation = step.put(replace(conversation, {"session": replace(session, {"off_hours_sent": True})}))
    step.lists(conversation, unread=True, unreplied=True)


def _suggest(step: _Step, conversation: Conversation, agent: Agent, text: str, source: str) -> None:
    """AR-2, IR-3: the best entries for the agent, when the best reaches the suggest level."""
    match = _match(step, text)
    if match.decision == Decision.none and source == "message":
        return
    suggestions = step.suggestions(match, conversation)
    if suggestions:
        step.emit(
            Suggest,
            conversation=conversation.id,
            agent=agent.name,
            source=source,
            suggestions=suggestions,
            why=step.why(match, conversation) if step.explain else None,
        )


# -- agents -----------------------------------------------------------------------------------


def _agent(step: _Step, name: str) -> Agent | None:
    return step.agents.get(name)


def _agent_online(step: _Step, event: AgentOnline) -> None:
    agent = _agent(step, event.agent)
    if agent is not None:
        _come_online(step, agent)


def _come_online(step: _Step, agent: Agent) -> Agent:
    """An agent who goes online, or simply acts, is online; waiting conversations go to agents (BOT-5)."""
    if agent.online:
        return agent
    agent = step.put_agent(replace(agent, {"online": True}))
    step.assign_waiting()  # BOT-5: conversations the bot handled go to agents too
    return step.agents[agent.name]


def _agent_offline(step: _Step, event: AgentOffline) -> None:
    agent = _agent(step, event.agent)
    if agent is None or not agent.online:
        return
    step.put_agent(replace(agent, {"online": False, "focus": None}))
    _unfocus(step, agent.focus)
    step.assign_waiting()


def _unfocus(step: _Step, conversation_id: str | None) -> None:
    """Nobody looks at the conversation any more: it may leave the live inbox (D-1)."""
    conversation = step.conversations.get(conversation_id) if conversation_id else None
    if conversation is not None:
        step.settle(conversation)


def _agent_open(step: _Step, event: AgentOpen) -> None:
    """D-6, AR-4: the agent is replying here now; assist stops auto-sending in this conversation."""
    agent = _agent(step, event.agent)
    if agent is None:
        return
    before = agent.focus
    agent = step.put_agent(replace(_come_online(step, agent), {"focus": event.conversation}))
    if before != event.conversation:
        _unfocus(step, before)  # one conversation on screen at a time (D-6)
    conversation = step.conversations.get(event.conversation)
    if conversation is None:
        return
    if conversation.agent != agent.name:  # opening a conversation takes it
        conversation = step.assign(conversation, agent)
    conversation = step.lists(conversation, unread=False, unreplied=conversation.unreplied)
    if step.assist_on() and conversation.unreplied and conversation.last_customer_text:
        _suggest(step, conversation, agent, conversation.last_customer_text, "message")


def _agent_leave(step: _Step, event: AgentLeave) -> None:
    agent = _agent(step, event.agent)
    if agent is not None and agent.focus == event.conversation:
        step.put_agent(replace(agent, {"focus": None}))
        _unfocus(step, event.conversation)


def _agent_types(step: _Step, event: AgentTypes) -> None:
    """IR-3 (2): suggestions from the words the agent types, ranked the same way."""
    agent = _agent(step, event.agent)
    conversation = step.conversations.get(event.conversation)
    if agent is None or conversation is None or not step.assist_on():
        return
    _suggest(step, conversation, agent, event.text, "keywords")


def _human_reply(step: _Step, conversation_id: str, agent_name: str, text: str, entry: str | None) -> None:
    agent = _agent(step, agent_name)
    if agent is None:
        return
    agent = _come_online(step, agent)
    conversation = step.conversations.get(conversation_id) or step.put(Conversation(id=conversation_id))
    if conversation.agent != agent.name:
        conversation = step.assign(conversation, agent)
    step.emit(
        Send,
        conversation=conversation.id,
        sender=Sender.agent,
        kind=Kind.reply,
        text=text,
        entry=entry,
        agent=agent.name,
    )
    update: dict[str, object] = {
        "last_answer": (Sender.agent, entry),
        "answers": step.remember(conversation, Sender.agent, entry),
    }
    if conversation.session is not None:  # D-2: a human replied, smart reception may answer again
        update["session"] = replace(conversation.session, {"stopped": False, "repeats": {}, "last": step.now})
    step.lists(conversation, unread=False, unreplied=False, changes=update)


def _agent_message(step: _Step, event: AgentMessage) -> None:
    _human_reply(step, event.conversation, event.agent, event.text, None)


def _agent_send_suggestion(step: _Step, event: AgentSendSuggestion) -> None:
    """AR-2: a suggestion sent as is, or edited; either way a human reply (M-2)."""
    entry = step.rules.entries.get(event.entry)
    if entry is None:
        return
    conversation = step.conversations.get(event.conversation) or Conversation(id=event.conversation)
    text = event.text if event.text is not None else step.render(entry.reply, conversation)
    _human_reply(step, event.conversation, event.agent, text, entry.id)


# -- settings ---------------------------------------------------------------------------------


def _on_off(value: bool | None) -> str:
    return "on" if value else "off"


def _setting_change(step: _Step, event: SettingChange) -> None:
    """AR-1, BOT-1: only the owner or an admin switches shop-wide settings."""
    actor = step.agents.get(event.actor)
    setting = event.setting
    if actor is None:
        step.emit(
            Denied,
            actor=event.actor,
            setting=setting.value,
            value=event.value,
            reason=f"'{event.actor}' is not on the staff of shop '{step.shop.id}'",
        )
        return
    if actor.role not in (Role.owner, Role.admin):
        step.emit(
            Denied,
            actor=event.actor,
            setting=setting.value,
            value=event.value,
            reason=f"only the owner or an admin may switch '{setting.value}'; {event.actor} is an agent",
        )
        return
    if setting == Setting.bot_when:
        if event.value not in (BotHours.all_day.value, BotHours.off_hours.value):
            step.emit(
                Denied,
                actor=event.actor,
                setting=setting.value,
                value=event.value,
                reason="bot_when takes all_day or off_hours",
            )
            return
        before = step.bot_when().value
        step.set(replace(step.settings, {"bot_when": BotHours(event.value)}))
        step.emit(Changed, actor=event.actor, setting=setting.value, before=before, after=event.value)
        return
    if event.value not in ("on", "off"):
        step.emit(
            Denied,
            actor=event.actor,
            setting=setting.value,
            value=event.value,
            reason=f"{setting.value} takes on or off",
        )
        return
    current = {Setting.assist: step.assist_on, Setting.auto_send: step.shop_auto_send, Setting.bot: step.bot_on}
    before = _on_off(current[setting]())
    step.set(replace(step.settings, {setting.value: event.value == "on"}))
    step.emit(Changed, actor=event.actor, setting=setting.value, before=before, after=event.value)


def _agent_auto_send(step: _Step, event: AgentAutoSend) -> None:
    """AR-8: each agent allows or refuses auto-send for itself only."""
    setting = f"auto_send:{event.agent}"
    agent = step.agents.get(event.agent)
    if event.actor not in step.agents:
        reason = f"'{event.actor}' is not on the staff of shop '{step.shop.id}'"
    elif agent is None:
        reason = f"'{event.agent}' is not on the staff of shop '{step.shop.id}'"
    elif event.actor != event.agent:
        reason = f"an agent sets auto-send only for itself; {event.actor} may not set it for {event.agent}"
    else:
        reason = ""
    if reason or agent is None:
        step.emit(Denied, actor=event.actor, setting=setting, value=_on_off(event.value), reason=reason)
        return
    before = "shop" if agent.auto_send is None else _on_off(agent.auto_send)
    step.put_agent(replace(agent, {"auto_send": event.value}))
    step.emit(Changed, actor=event.actor, setting=setting, before=before, after=_on_off(event.value))


# -- ratings and the clock --------------------------------------------------------------------


def _customer_rating(step: _Step, event: CustomerRating) -> None:
    """BOT-8, M-4: the rating is tied to the answer it names (any answer of the conversation still in
    the live inbox), or to the last one."""
    conversation = step.conversations.get(event.conversation)
    sender: Sender | None
    entry: str | None
    if event.answer is not None:
        named = [a for a in conversation.answers if a[0] == event.answer] if conversation else []
        sender, entry = (named[0][1], named[0][2]) if named else (None, None)
    else:
        sender, entry = conversation.last_answer if conversation and conversation.last_answer else (None, None)
    step.emit(
        Rated,
        conversation=event.conversation,
        solved=event.solved,
        reason=event.reason,
        text=event.text,
        sender=sender,
        entry=entry,
        answer=event.answer,
    )


def _tick(step: _Step, event: Tick) -> None:
    """The clock passed: every idle session closes (D-1)."""
    step.close_idle_sessions()


_HANDLERS = {
    CustomerMessage: _customer_message,
    AgentOnline: _agent_online,
    AgentOffline: _agent_offline,
    AgentOpen: _agent_open,
    AgentLeave: _agent_leave,
    AgentTypes: _agent_types,
    AgentMessage: _agent_message,
    AgentSendSuggestion: _agent_send_suggestion,
    SettingChange: _setting_change,
    AgentAutoSend: _agent_auto_send,
    CustomerRating: _customer_rating,
    Tick: _tick,
}


def run(rules: CompiledShop, events: Sequence[Event], state: State | None = None) -> tuple[State, list[Action]]:
    """Events one after the other from `state` (or everyone offline); the last state and all actions."""
    state = state if state is not None else State.initial(rules.shop)
    actions: list[Action] = []
    for event in events:
        outcome = decide(state, event, rules, clock.aware(rules.shop, event.time))
        state = outcome.state
        actions.extend(outcome.actions)
    return state, actions
