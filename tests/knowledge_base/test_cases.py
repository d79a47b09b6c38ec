"""The documented cases of ../shared/domain/cases as tests of the shipped knowledge base.

For each case, as its README scores it: the verdict, the first crowd type, the granularity and the
first service type equal the expected value or one of its acceptable alternatives (`null` means
the list must be empty), and every risk in `risks_must` is raised.

A case whose expectation we believe is wrong is not edited: it is listed in `DISPUTED` and runs as
a strict expected failure, with the reason and the source. None is disputed at present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import crowdsourcing_rules as cr

from ._kb import CASES_DIR, read_yaml

# case id -> (reason, source). Each becomes pytest.mark.xfail(strict=True).
DISPUTED: dict[str, tuple[str, str]] = {}


def _case_params(*, mark_disputed: bool = True) -> list[Any]:
    if not CASES_DIR.is_dir():
        reason = f"documented cases not found at {CASES_DIR} (a copy of shared/ beside the repository)"
        return [pytest.param(None, id="cases-absent", marks=pytest.mark.skip(reason=reason))]
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        marks = []
        if mark_disputed and path.stem in DISPUTED:
            reason, source = DISPUTED[path.stem]
            marks.append(pytest.mark.xfail(strict=True, reason=f"{reason} (source: {source})"))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


@pytest.mark.parametrize("case_path", _case_params())
def test_documented_case(advisor: cr.Advisor, case_path: Path) -> None:
    case = read_yaml(case_path)
    expected = case["expected"]
    alternatives = case.get("acceptable_alternatives") or {}
    rec = advisor.decide(case["facts"], questions=False)

    got = {
        "crowdsource": rec.crowdsource,
        "crowd_type": _first(rec.crowd_types),
        "granularity": rec.granularity,
        "service_type": _first(rec.service_types),
    }
    wrong = []
    for key, value in got.items():
        accepted = [expected.get(key), *alternatives.get(key, [])]
        if value not in accepted:
            wrong.append(f"{key}: got {value!r}, expected one of {accepted!r}")
    missing = [risk for risk in expected.get("risks_must", []) if risk not in rec.risk_ids]
    if missing:
        wrong.append(f"risks not raised: {missing} (raised: {list(rec.risk_ids)})")
    assert not wrong, f"case {case['id']}: " + "; ".join(wrong) + f"\nfired: {rec.fired}"


SECONDARY = ("crowd_model", "manage_crowd_directly", "preselection", "howe_function")


@pytest.mark.parametrize("case_path", _case_params(mark_disputed=False))
def test_documented_case_secondary_outputs(advisor: cr.Advisor, case_path: Path) -> None:
    """Beyond the README's scoring: the other single-valued outputs a case states, where it states them.

    DISPUTED applies to the scored outputs only, so these run without the expected-failure mark.
    """
    case = read_yaml(case_path)
    expected = case["expected"]
    alternatives = case.get("acceptable_alternatives") or {}
    rec = advisor.decide(case["facts"], questions=False)
    wrong = []
    for key in SECONDARY:
        if expected.get(key) is None:
            continue
        accepted = [expected[key], *alternatives.get(key, [])]
        if getattr(rec, key) not in accepted:
            wrong.append(f"{key}: got {getattr(rec, key)!r}, expected one of {accepted!r}")
    assert not wrong, f"case {case['id']}: " + "; ".join(wrong)


def test_cases_folder_holds_cases() -> None:
    """Guard against a silently empty parametrisation when the folder exists."""
    if not CASES_DIR.is_dir():
        pytest.skip(f"documented cases not found at {CASES_DIR}")
    assert sorted(CASES_DIR.glob("*.yaml")), f"no case files in {CASES_DIR}"
