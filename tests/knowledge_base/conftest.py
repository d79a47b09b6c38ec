"""Fixtures of the knowledge-base tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import crowdsourcing_rules as cr

from ._kb import RULES_DIR


@pytest.fixture(scope="module")
def advisor() -> Iterator[cr.Advisor]:
    """An advisor on the shipped rules (rules/ of this repository), one per test module."""
    with cr.Advisor.from_paths([RULES_DIR]) as adv:
        yield adv
