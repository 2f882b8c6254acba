"""Calibration (issue #3, D-8): a non-decreasing map from raw score to confidence 0-100."""

from __future__ import annotations

import numpy as np

from engine.calibration import fit


def test_fit_is_monotone_and_bounded() -> None:
    rng = np.random.default_rng(1)
    raw = rng.random(500)
    correct = rng.random(500) < raw  # higher raw, more often right
    calibration = fit(raw, correct)
    grid = np.linspace(0, 1, 101)
    values = calibration(grid)
    assert np.all(np.diff(values) >= 0)
    assert values.min() >= 0 and values.max() <= 100
    assert values[-1] > values[0]


def test_sparse_evidence_is_not_trusted() -> None:
    """Two lucky samples at a high score do not make a confident level."""
    calibration = fit(np.array([0.9, 0.95]), np.array([True, True]))
    assert calibration(0.99) < 50


def test_empty_calibration_is_never_confident() -> None:
    assert fit(np.array([]), np.array([], dtype=bool))(0.99) == 0
