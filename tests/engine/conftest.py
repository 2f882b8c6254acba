"""Fixtures for the engine's tests."""

from __future__ import annotations

import pytest

from kefu.engine.decide import CompiledShop
from tests.engine.plays import tw_rules


@pytest.fixture(scope="module")
def tw() -> CompiledShop:
    """The demo shop tw, compiled once per test module."""
    return tw_rules()
