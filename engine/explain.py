"""The `why` of one decision (see `engine.why`): built from a `decide` step only when it was asked to explain.

Each policy step names the rule it came from as `file:line` (the span the rules model keeps for it), or
none where nothing in the rules set it: a default, or a switch the owner flipped at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from kefu.engine import clock
from kefu.engine.diagnostics import Span
from kefu.engine.inbox import Conversation
from kefu.engine.match import Match
from kefu.engine.rules import BotHours, Matching
from kefu.engine.why import Levels, Matched, PolicyStep, Scored, Why

if TYPE_CHECKING:
    from kefu.engine.decide import _Step

RUN_TIME = "switched at run time"
HOURS = {
    "always": "no working hours set: always within them",
    "holiday": "a holiday (closed)",
    "working": "within working hours",
    "off": "outside working hours",
}


def where(span: Span | None) -> str | None:
    """`file:line` of a rule, or None."""
    return f"{span.file}:{span.line}" if span is not None else None


def explain_step(step: _Step, match: Match | None, conversation: Conversation, repeats: int | None) -> Why:
    return Why(
        matched=matched(match) if match is not None else None,
        policy=tuple(policy_path(step, conversation, match, repeats)),
    )


def levels(matching: Matching) -> Levels:
    return Levels(
        confidence=matching.confidence,
        suggest=matching.suggest,
        margin=matching.margin,
        repeat_limit=matching.repeat_limit,
        rule=where(matching.span),
    )


def matched(match: Match) -> Matched:
    """What the matcher made of a message, as the `why` shows it."""
    return Matched(
        message=match.message.original,
        normalised=match.message.text,
        synonyms=match.message.synonyms,
        candidates=tuple(Scored(entry=c.entry, raw=c.raw, score=c.score, ask=c.ask) for c in match.candidates),
        margin=match.margin,
        decision=match.decision.value,
        levels=levels(match.levels),
        exact=match.exact,
        tiny=match.tiny,
        reason=match.reason,
        meaning=match.meaning,
    )


def policy_path(step: _Step, conversation: Conversation, match: Match | None, repeats: int | None) -> list[PolicyStep]:
    """The facts the decision went through, in the order it looked at them."""
    shop, timetable, local = step.shop, step.rules.timetable, step.local
    path = [PolicyStep(what="clock", value=f"{local:%Y-%m-%d %H:%M %a} ({shop.timezone})")]
    path.append(PolicyStep(what="hours", value=HOURS[timetable.standing(local)], rule=where(shop.span)))
    period = clock.period_at(shop, local.date())
    if period is not None:
        path.append(PolicyStep(what="period", value=f"'{period.name}' in force", rule=where(period.span)))
    settings, policy = step.settings, step.policy
    assist = "on" if step.assist_on() else "off"
    shop_auto = "on" if step.shop_auto_send() else "off"
    path.append(
        PolicyStep(
            what="assist",
            value=f"{assist}, the shop's auto-send {shop_auto}",
            rule=RUN_TIME
            if settings.assist is not None or settings.auto_send is not None
            else where(policy.assist.span),
        )
    )
    bot = f"on, {step.bot_when().value}" if step.bot_on() else "off"
    runtime_bot = settings.bot is not None or settings.bot_when is not None
    path.append(PolicyStep(what="bot", value=bot, rule=RUN_TIME if runtime_bot else where(policy.bot.span)))
    online = [f"{a.name} {step.load(a.name)}/{a.capacity}" for a in step.online()]
    path.append(PolicyStep(what="online", value=", ".join(online) if online else "nobody"))
    path.append(PolicyStep(what="conversation", value=_standing(step, conversation)))
    path.extend(step.routed)
    if match is not None and match.best is not None and repeats is not None:
        path.append(
            PolicyStep(
                what="repeats",
                value=f"'{match.best.entry}' auto-sent {repeats} time(s) this session; the limit is "
                f"{match.levels.repeat_limit}",
                rule=where(match.levels.span),
            )
        )
    if conversation.session is not None and conversation.session.stopped:
        path.append(PolicyStep(what="stopped", value="smart reception waits for a human reply (D-2)"))
    return path


def _standing(step: _Step, conversation: Conversation) -> str:
    """Who holds the conversation and who is looking at it."""
    current = step.conversations.get(conversation.id, conversation)
    if current.queued:
        return f"queued at {step.queue.index(current.id) + 1 if current.id in step.queue else '?'}"
    if current.agent is None:
        return "no agent"
    agent = step.agents.get(current.agent)
    if agent is None or not agent.online:
        return f"assigned to {current.agent} (offline)"
    looking = (
        "has it open (D-6: no auto-send here)"
        if agent.focus == current.id
        else f"has {agent.focus} open"
        if agent.focus
        else "has no conversation open"
    )
    own = "its own" if agent.auto_send is not None else "the shop's"
    auto = "on" if step.auto_send_for(agent) else "off"
    return f"assigned to {agent.name}, who {looking}; auto-send {auto} ({own})"


Route = Literal["bot", "assist", "human"]  # who answers a customer message (`decide` picks one)

# Every way a customer message is routed, by name: `route.reason`, with what the `why` says of it
# (`{agent}` is the agent's name). The route step of a `why` carries its name as `key`; `kefu test
# --coverage` lists these as the routes a shop's tests may take.
ROUTES: dict[str, str] = {
    "bot.nobody_online": "the bot answers (no agent online; the bot works{when})",
    "bot.queued": "the bot answers (the customer waits in the queue; the bot works{when})",
    "assist.auto_send": "assist auto-sends for {agent}",
    "human.bot_off": "a human answers: no agent online, and the bot is off",
    "human.bot_off_hours_only": "a human answers: no agent online, and the bot works off hours only "
    "(within working hours now)",
    "human.open": "a human answers: {agent} has the conversation open (D-6)",
    "human.assist_off": "a human answers: assist is off",
    "human.auto_send_off": "a human answers: auto-send is off for {agent}",
}
assert {key.split(".")[0] for key in ROUTES} == set(get_args(Route))  # each route has its reasons


def route_step(step: _Step, route: Route, conversation: Conversation) -> PolicyStep:
    """How a customer message was routed: to the bot, to assist's auto-send, or to a human."""
    agent = conversation.agent or ""
    if route == "bot":
        key = "bot.nobody_online" if not step.online() else "bot.queued"
        when = " off hours only" if step.bot_when() == BotHours.off_hours else " all day"
        return PolicyStep(what="route", value=ROUTES[key].format(when=when), key=key)
    key = "assist.auto_send" if route == "assist" else _why_human(step, conversation)
    return PolicyStep(what="route", value=ROUTES[key].format(agent=agent), key=key)


def _why_human(step: _Step, conversation: Conversation) -> str:
    """The name (in `ROUTES`) of the reason a human must answer."""
    agent = step.agents.get(conversation.agent) if conversation.agent else None
    if agent is None or not agent.online:
        return "human.bot_off" if not step.bot_on() else "human.bot_off_hours_only"
    if agent.focus == conversation.id:
        return "human.open"
    if not step.assist_on():
        return "human.assist_off"
    return "human.auto_send_off"
