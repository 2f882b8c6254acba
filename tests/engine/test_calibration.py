"""Calibration (issue #3, D-8): a non-decreasing map from raw score to confidence 0-100."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.engine.calibration import fit
from kefu.engine.rules import Matching


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
    """Two lucky samples at a high lead do not reach the default auto-send level; twenty do."""
    level = Matching().confidence
    assert fit(np.array([0.9, 0.95]), np.array([True, True]))(0.99) < level
    assert fit(np.linspace(0.5, 0.9, 20), np.ones(20, dtype=bool))(0.99) >= level


def test_confidence_is_the_precision_of_the_answers_at_least_that_clear() -> None:
    """Confidence of a lead = share right among held-out answers leading at least as clearly."""
    lead = np.array([0.1, 0.2, 0.3, 0.4] * 25)
    correct = np.array([False, False, True, True] * 25)
    calibration = fit(lead, correct)
    assert calibration(0.3) == pytest.approx(100 * 50 / 50.5)  # 0.3 and 0.4: all right
    assert calibration(0.45) == pytest.approx(100 * 50 / 50.5)  # the best cut-off that sends it
    assert calibration(0.2) == pytest.approx(100 * 50 / 75.5)  # 0.2 up: two thirds right
    assert calibration(0.1) == pytest.approx(100 * 50 / 100.5)  # everything: half right
    assert calibration(-0.01) == 0  # not the best entry


def test_empty_calibration_is_never_confident() -> None:
    assert fit(np.array([]), np.array([], dtype=bool))(0.99) == 0


def test_one_lead_gets_the_confidence_the_map_gives() -> None:
    """`of(lead)` (one number, for the matcher's few candidates) answers as the array map does."""
    rng = np.random.default_rng(3)
    calibration = fit(rng.random(400) - 0.2, rng.random(400) < 0.7)
    leads = [-0.5, -1e-9, 0.0, *calibration.thresholds, *(rng.random(200) - 0.1).tolist(), 2.0]
    assert [calibration.of(lead) for lead in leads] == calibration(np.asarray(leads)).tolist()
    assert fit(np.zeros(0), np.zeros(0, dtype=bool)).of(0.3) == 0.0
