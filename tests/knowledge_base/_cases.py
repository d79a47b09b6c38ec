"""The documented cases of tests/knowledge_base/cases/: reading them and scoring a recommendation
against one, as the cases' header says.

The headline dimensions: the verdict, the first crowd type, the granularity and the first service
type each match the expected value or one of its acceptable alternatives (``null``: the list is
empty), and every risk in ``risks_must`` is raised.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import crowdsourcing_rules as cr

from ._kb import REPO, read_yaml

CASES_DIR = REPO / "tests" / "knowledge_base" / "cases"
DIMENSIONS = ("crowdsource", "crowd_type", "granularity", "service_type", "risks_must")
SECONDARY = ("crowd_model", "manage_crowd_directly", "preselection", "howe_function")


def case_paths() -> list[Path]:
    """The case files, sorted."""
    return sorted(CASES_DIR.glob("*.yaml"))


@functools.cache
def read_case(path: Path) -> dict[str, Any]:
    """One case file as plain data."""
    data = read_yaml(path)
    assert isinstance(data, dict), path
    return data


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def score(case: dict[str, Any], rec: cr.Recommendation) -> dict[str, str | None]:
    """For each headline dimension, None when the recommendation is right, else what is wrong."""
    expected = case["expected"]
    alternatives = case.get("acceptable_alternatives") or {}
    got = {
        "crowdsource": rec.crowdsource,
        "crowd_type": _first(rec.crowd_types),
        "granularity": rec.granularity,
        "service_type": _first(rec.service_types),
    }
    out: dict[str, str | None] = {}
    for key, value in got.items():
        accepted = [expected.get(key), *alternatives.get(key, [])]
        out[key] = None if value in accepted else f"got {value!r}, expected one of {accepted!r}"
    missing = [risk for risk in expected.get("risks_must", []) if risk not in rec.risk_ids]
    out["risks_must"] = f"not raised: {missing} (raised: {list(rec.risk_ids)})" if missing else None
    return out


def secondary_misses(case: dict[str, Any], rec: cr.Recommendation) -> list[str]:
    """The other single-valued outputs a case states, where they differ."""
    expected = case["expected"]
    alternatives = case.get("acceptable_alternatives") or {}
    wrong = []
    for key in SECONDARY:
        if expected.get(key) is None:
            continue
        accepted = [expected[key], *alternatives.get(key, [])]
        if getattr(rec, key) not in accepted:
            wrong.append(f"{key}: got {getattr(rec, key)!r}, expected one of {accepted!r}")
    return wrong
