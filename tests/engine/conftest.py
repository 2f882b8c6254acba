"""Fixtures for the engine's tests."""

from __future__ import annotations

import pytest

from kefu.engine.decide import Rules
from tests.engine.plays import tw_rules


@pytest.fixture(scope="module")
def tw() -> Rules:
    """The demo shop tw, compiled once per test module."""
    return tw_rules()
