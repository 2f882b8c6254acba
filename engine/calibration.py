"""Turning raw similarity into a confidence that means the same in every shop (D-8, IR-2).

A raw tf-idf similarity of 0.6 is a near-certain match in a 20-entry Chinese shop and a coin toss
in a 2,000-entry English one. So each shop calibrates on its own knowledge base, never on customer
queries: every ask in turn is held out and matched against the rest (leave-one-out), as if a
customer had written it. An ask whose entry has no other ask plays an out-of-scope message: any
answer to it is wrong. Pool-adjacent-violators then fits a non-decreasing map from raw score to
the share of held-out asks answered right, and `confidence 90` means "about 9 in 10 answers this
sure were right in the shop's own data".
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

MAX_SAMPLES = 3000  # asks held out; enough for a stable curve, bounded for a 100k-ask shop
PRIOR_WEIGHT = 4.0  # pseudo-observations pulling sparse bins towards caution


class Calibration(BaseModel):
    """A non-decreasing step map raw -> confidence 0-100, from held-out asks."""

    model_config = ConfigDict(frozen=True)

    thresholds: tuple[float, ...]  # raw scores where a step starts, ascending
    values: tuple[float, ...]  # confidence from that raw score on
    samples: int

    def __call__(self, raw: float | np.ndarray) -> np.ndarray:
        if not self.thresholds:
            return np.zeros_like(np.asarray(raw, dtype=float))
        index = np.searchsorted(np.asarray(self.thresholds), raw, side="right") - 1
        values = np.asarray((0.0,) + self.values)
        return values[np.asarray(index) + 1]


def fit(raw: np.ndarray, correct: np.ndarray) -> Calibration:
    """Isotonic (pool-adjacent-violators) fit of correctness on raw score, with a cautious prior."""
    if raw.size == 0:
        return Calibration(thresholds=(), values=(), samples=0)
    order = np.argsort(raw, kind="stable")
    xs, ys = raw[order], correct[order].astype(float)
    blocks: list[list[float]] = []  # [sum of y, weight, first x]
    for x, y in zip(xs, ys):
        blocks.append([y, 1.0, float(x)])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            total, weight, _ = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight
    # shrink each block towards a low prior: a step seen only a few times is not trusted yet
    values = [100.0 * total / (weight + PRIOR_WEIGHT) for total, weight, _ in blocks]
    for i in range(1, len(values)):  # shrinking may break monotonicity: restore it
        values[i] = max(values[i], values[i - 1])
    return Calibration(thresholds=tuple(b[2] for b in blocks), values=tuple(values), samples=int(raw.size))
