"""The documented cases of tests/knowledge_base/cases/ as tests of the shipped knowledge base.

Each case is a real situation, a lesson drawn from one, a documented practice or a textbook
construction, written as the project's own file with its sources (keys of docs/sources.md). For
each, as the cases' header says: the verdict, the first crowd type, the granularity and the first
service type equal the expected value or one of its acceptable alternatives (`null` means the list
must be empty), and every risk in `risks_must` is raised. The same cases are also decided with the
version-3 facts removed, so that `legal_sensitivity` read alone keeps the answers it can give.

A case whose expectation we believe is wrong is not edited: it is listed in `DISPUTED` and runs as
a strict expected failure, with the reason and the source. None is disputed at present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import RISK_IDS, default_vocabulary

from ._cases import CASES_DIR, DIMENSIONS, case_paths, read_case, score, secondary_misses

# case id -> (reason, source). Each becomes pytest.mark.xfail(strict=True).
DISPUTED: dict[str, tuple[str, str]] = {}
# The version-3 facts, which refine legal_sensitivity (docs/vocabulary.md).
FINER = tuple(spec.name for spec in default_vocabulary().facts if spec.refines)
# Cases whose answer rests on a version-3 fact that legal_sensitivity alone cannot say, and why.
NEEDS_FINER = {
    "university_online_survey": "the respondents give their own data; 'regulated' alone reads as third parties' data",
    "defence_design_export_control": "export control is a named regulated domain; 'high' alone reads as secret only",
}


def _params(*, mark_disputed: bool = True) -> list[Any]:
    params = []
    for path in case_paths():
        marks = []
        if mark_disputed and path.stem in DISPUTED:
            reason, source = DISPUTED[path.stem]
            marks.append(pytest.mark.xfail(strict=True, reason=f"{reason} (source: {source})"))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def _check(case: dict[str, Any], rec: cr.Recommendation) -> None:
    scored = score(case, rec)
    wrong = [f"{d}: {scored[d]}" for d in DIMENSIONS if scored[d]]
    assert not wrong, f"case {case['id']}: " + "; ".join(wrong) + f"\nfired: {rec.fired}"


@pytest.mark.parametrize("case_path", _params())
def test_documented_case(advisor: cr.Advisor, case_path: Path) -> None:
    case = read_case(case_path)
    _check(case, advisor.decide(case["facts"], questions=False))


@pytest.mark.parametrize("case_path", _params())
def test_documented_case_read_from_legal_sensitivity(advisor: cr.Advisor, case_path: Path) -> None:
    """Without the version-3 facts, `legal_sensitivity` alone gives the same headline answers,
    except where the case needs a finer fact (listed with the reason)."""
    case = read_case(case_path)
    if case["id"] in NEEDS_FINER:
        pytest.skip(NEEDS_FINER[case["id"]])
    coarse = {k: v for k, v in case["facts"].items() if k not in FINER}
    _check(case, advisor.decide(coarse, questions=False))


@pytest.mark.parametrize("case_path", _params(mark_disputed=False))
def test_documented_case_secondary_outputs(advisor: cr.Advisor, case_path: Path) -> None:
    """Beyond the headline: the other single-valued outputs a case states, where it states them.

    DISPUTED applies to the scored outputs only, so these run without the expected-failure mark.
    """
    case = read_case(case_path)
    wrong = secondary_misses(case, advisor.decide(case["facts"], questions=False))
    assert not wrong, f"case {case['id']}: " + "; ".join(wrong)


def test_the_cases_live_in_the_repository() -> None:
    """A plain clone runs them: the folder is part of the repository and holds the cases."""
    assert CASES_DIR.is_dir()
    assert len(case_paths()) >= 30
    assert not set(NEEDS_FINER) - {path.stem for path in case_paths()}, "NEEDS_FINER names no case"


@pytest.mark.parametrize("case_path", _params(mark_disputed=False))
def test_a_case_is_well_formed(case_path: Path) -> None:
    """Its facts are a valid task, its expectations values of the vocabulary, its id its file name."""
    case = read_case(case_path)
    assert case["id"] == case_path.stem == case["facts"]["id"]
    cr.Task.from_dict(case["facts"])  # raises TaskError, with every problem, when it is not
    vocabulary = default_vocabulary()
    expected, alternatives = case["expected"], case.get("acceptable_alternatives") or {}
    for key, output in (("crowd_type", "crowd_types"), ("service_type", "service_types")):
        for value in [expected.get(key), *alternatives.get(key, [])]:
            assert value is None or value in vocabulary.output(output).values, (key, value)
    for key in ("crowdsource", "granularity", "crowd_model", "manage_crowd_directly", "preselection"):
        for value in [expected.get(key), *alternatives.get(key, [])]:
            assert value is None or value in vocabulary.output(key).values, (key, value)
    for risk in [*expected.get("risks_must", []), *expected.get("risks_may", [])]:
        assert risk in RISK_IDS, risk
    assert case.get("justification"), "a case says why its expectations are right"
