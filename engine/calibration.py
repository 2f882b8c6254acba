"""Turning a raw match into a confidence that means the same in every shop (D-8, IR-2).

What tells a right answer from a wrong one is not how similar the best entry is but how far it
leads the best *other* entry: the lead (best raw similarity minus the runner-up's). How much lead
is enough depends on the shop: a 0.05 lead is safe in a 15-entry shop whose entries share no words
and a coin toss in a 150-entry one full of near-twins. So each shop calibrates on its own knowledge
base, never on customer queries (`engine.matcher.held_out`):

- in scope: every ask in turn is held out and matched against the rest, as a customer's message
  about that entry would be; right when its own entry comes first;
- out of scope: every ask is matched with its whole entry held out, as a message about something
  the shop never wrote an entry for; any answer to it is wrong. Both kinds weigh the same.

The confidence of a lead is then the share of right answers among the held-out messages that led
at least as clearly (the best such share over all cut-offs at or below it, so the map never falls):
`confidence 95` reads "in this shop's own data, answers this clear were right 95 times in 100".
Cut-offs with only a few messages above them are discounted by a pseudo-count of one half of a
wrong answer, so two lucky samples never make a confident level.

Held-out asks are an optimistic stand-in for customers: a shop's asks are written or picked to be
clear, its traffic is not. On the CIC chat sets at 5 asks per entry, the 57 held-out messages that
led by 0.15 or more were all right, the 104 customers' messages that led as clearly 84.6% of the
time. So a confident score needs more lead from a message than from a held-out ask: the steps of
the map that claim the default confidence (95) or more start `LEAD_PENALTY` further out. The
penalty fades linearly to nothing at the default suggestion level (50): a suggestion costs an agent
a glance, not a wrong answer sent to a customer, and the lower steps keep what the shop's own data
says (at a shop's own `confidence 90` the penalty is 8/9 of it). The constant is the smallest (on a
grid of 0.005) that keeps the default levels' auto-send precision at 95% or more on every visible
eval set, on the shops cut from each (a seeded 5/6 of its intents, rounded; their auto-sends pooled: a
set is one draw, and a constant that just holds it may hold by luck) and on bench/variants.py's
shops of seeds 1-3 pooled per source, and under which no cut or variant shop's wrong auto-sends
show it under 95% alone (a one-sided binomial test at 5%), the meaning check (engine.meaning) in
place. Chosen leaving each set out in turn it is the same for all 14, and leaving each source out
0.115 or 0.095 (`bench/quality.py` prints these columns: see docs/matching.md).
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr

from kefu.engine.rules import Matching

MAX_SAMPLES = 3000  # asks held out (each both ways); a stable curve, bounded for a 100k-ask shop
PRIOR_WRONG = 0.5  # pseudo-count of a wrong answer added to every cut-off
LEAD_PENALTY = 0.115  # lead a customer's message needs beyond a held-out ask's: see the module doc
PENALTY_FULL = float(Matching().confidence)  # steps claiming this or more get the whole penalty
PENALTY_NONE = float(Matching().suggest)  # steps claiming this or less get none; linear in between


class Calibration(BaseModel):
    """A non-decreasing step map lead -> confidence 0-100, from held-out asks."""

    model_config = ConfigDict(frozen=True)

    thresholds: tuple[float, ...]  # leads where a step starts, ascending (the penalty included)
    values: tuple[float, ...]  # confidence from that lead on
    samples: int
    penalty: float = 0.0  # lead added to the confident steps (fading below): how much clearer a message must be

    _arrays: tuple[np.ndarray, np.ndarray] = PrivateAttr()
    _steps: tuple[float, ...] = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        """The map as arrays, built with the model (not on first use: a match changes nothing)."""
        self._arrays = np.asarray(self.thresholds, dtype=float), np.asarray((0.0,) + self.values, dtype=float)
        self._steps = (0.0, *self.values)

    @property
    def highest(self) -> float:
        """The highest confidence this map gives any lead (0 for an empty map): a level above it is
        never reached by a message the map scores (see `engine.ceiling`)."""
        return max(self.values, default=0.0)

    def of(self, lead: float) -> float:
        """The confidence of one lead: `self(lead)` for a single number, without numpy's overhead."""
        if lead < 0 or not self.thresholds:  # a negative lead is not the best entry
            return 0.0
        return self._steps[bisect.bisect_right(self.thresholds, lead)]

    def __call__(self, lead: float | np.ndarray) -> np.ndarray:
        lead = np.asarray(lead, dtype=float)
        if not self.thresholds:
            return np.zeros_like(lead)
        thresholds, values = self._arrays
        index = np.searchsorted(thresholds, lead, side="right") - 1
        return np.where(lead < 0, 0.0, values[index + 1])  # a negative lead is not the best entry


def fit(
    lead: np.ndarray, correct: np.ndarray, weight: np.ndarray | None = None, penalty: float = LEAD_PENALTY
) -> Calibration:
    """Cumulative precision by lead, cautious where few samples back it, each confident step `penalty`
    further out than the held-out leads behind it; see the module doc."""
    if lead.size == 0:
        return Calibration(thresholds=(), values=(), samples=0, penalty=penalty)
    weight = np.ones(lead.size) if weight is None else np.asarray(weight, dtype=float)
    order = np.argsort(-lead, kind="stable")  # clearest first
    xs, right, sent = lead[order], np.cumsum(correct[order] * weight[order]), np.cumsum(weight[order])
    precision = 100.0 * right / (sent + PRIOR_WRONG)
    cut = np.r_[xs[1:] != xs[:-1], True]  # equal leads form one cut-off: the last of each run
    xs, precision = xs[cut], precision[cut]
    # a message leading by x is sent under any cut-off at or below x: it gets the best of them
    best = np.maximum.accumulate(precision[::-1])[::-1]
    thresholds, values = xs[::-1], best[::-1]
    step = np.r_[True, values[1:] != values[:-1]]  # one step per distinct value: a short map
    thresholds, values = thresholds[step], values[step]
    # the step map: values are non-decreasing in the lead by construction, and so is the share of
    # the penalty a step gets: the thresholds stay ascending
    share = np.clip((values - PENALTY_NONE) / (PENALTY_FULL - PENALTY_NONE), 0.0, 1.0)
    return Calibration(
        thresholds=tuple(float(t) for t in thresholds + penalty * share),
        values=tuple(float(v) for v in values),
        samples=int(lead.size),
        penalty=penalty,
    )
