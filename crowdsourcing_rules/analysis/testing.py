"""The runner behind ``crowdsourcing-rules test``: decision cases decided, compared, and the rule
coverage measured.

The runner decides every case with the default rules and the company's layer, reports each
difference with the trace, and measures rule coverage: which rules fired in no case (like
``opa test --coverage``). The same runner works from pytest::

    import crowdsourcing_rules as cr

    REPORT = cr.run_policy_cases("my_policy/")

    @pytest.mark.parametrize("result", REPORT.results, ids=lambda r: r.case.id)
    def test_decision_case(result):
        result.check()  # raises AssertionError with the case, the differences and the trace
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from crowdsourcing_rules.advisor import Advisor, EngineName
from crowdsourcing_rules.errors import CaseFileError, CrowdsourcingRulesError, Location, Problem, printable
from crowdsourcing_rules.model.recommendation import Recommendation
from crowdsourcing_rules.rulefiles.cases import Case, find_case_files, load_cases, show
from crowdsourcing_rules.rulefiles.loading import default_rules_path

__all__ = ["CaseReport", "CaseResult", "Coverage", "CoverageScope", "run_cases", "run_policy_cases"]

CoverageScope = Literal["policy", "all"]


@attrs.frozen
class CaseResult:
    """The outcome of one case: the recommendation and each difference from what it expects."""

    case: Case
    recommendation: Recommendation | None
    differences: tuple[str, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return not self.differences and self.error is None

    def explain(self) -> str:
        """The case, the differences and the trace, for a person to read."""
        case = self.case
        status = "PASS" if self.passed else "FAIL"
        lines = [f"{status} {case.id}  ({case.location})" if case.location else f"{status} {case.id}"]
        if case.description:
            lines.append(f"  {case.description}")
        given = ", ".join(f"{k}={show(v)}" for k, v in case.given.items() if k != "id")
        lines.append(f"  given: {given or 'no facts'}")
        if self.error:
            lines.append(f"  error: {self.error}")
        for difference in self.differences:
            lines.append(f"  - {difference}")
        rec = self.recommendation
        if rec is not None and not self.passed:
            lines.append(
                f"  got: crowdsource={rec.crowdsource}, crowd_types={show(rec.crowd_types)}, risks={show(rec.risk_ids)}"
            )
            lines.append("  trace (rules fired, in order):")
            for firing in rec.trace:
                lines.append(f"    {firing.rule_id}  salience {firing.salience}  {firing.location or ''}".rstrip())
                for override in firing.overridden:
                    lines.append(
                        f"      overridden: {override.output} = {override.value} by {override.by} ({override.reason})"
                    )
            if not rec.trace:
                lines.append("    (no rule fired)")
        return "\n".join(lines)

    def check(self) -> None:
        """Raise ``AssertionError`` with :meth:`explain` when the case fails (for pytest)."""
        if not self.passed:
            raise AssertionError(self.explain())


@attrs.frozen
class Coverage:
    """Which rules fired in some case. ``scope`` names the rules counted (see :func:`run_cases`)."""

    rules: tuple[str, ...]
    fired_by: Mapping[str, tuple[str, ...]]  # rule id -> ids of the cases it fired in
    scope: str = "all"

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Rules in scope that fired in no case."""
        return tuple(r for r in self.rules if not self.fired_by.get(r))

    @property
    def percent(self) -> float:
        """Share of the rules in scope that fired in some case; 100 when there are none."""
        if not self.rules:
            return 100.0
        return 100.0 * (len(self.rules) - len(self.uncovered)) / len(self.rules)


@attrs.frozen
class CaseReport:
    """Every case's result, and the rule coverage."""

    results: tuple[CaseResult, ...]
    coverage: Coverage
    locations: Mapping[str, Location | None] = attrs.field(factory=dict, eq=False)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def to_text(self, *, verbose: bool = False) -> str:
        """Failures with their trace, a summary line and the coverage report."""
        lines = [r.explain() for r in self.results if verbose or not r.passed]
        failed = len(self.failures)
        lines.append(f"{len(self.results)} cases: {len(self.results) - failed} passed, {failed} failed")
        cov = self.coverage
        what = "rules added or replaced by the policy" if cov.scope == "policy" else "rules"
        covered = len(cov.rules) - len(cov.uncovered)
        lines.append(f"coverage: {covered} of {len(cov.rules)} {what} fired in some case ({cov.percent:.1f}%)")
        for rule_id in cov.uncovered:
            where = self.locations.get(rule_id)
            lines.append(f"  fired in no case: {rule_id}" + (f"  {where}" if where else ""))
        return printable("\n".join(lines))

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "cases": [
                {
                    "id": r.case.id,
                    "location": str(r.case.location) if r.case.location else None,
                    "passed": r.passed,
                    "differences": list(r.differences),
                    "error": r.error,
                    "fired": list(r.recommendation.fired) if r.recommendation else [],
                }
                for r in self.results
            ],
            "coverage": {
                "scope": self.coverage.scope,
                "percent": round(self.coverage.percent, 2),
                "rules": list(self.coverage.rules),
                "uncovered": list(self.coverage.uncovered),
            },
        }


def run_cases(
    advisor: Advisor, cases: Iterable[Case], *, coverage_of: Iterable[str] | None = None, scope: str = "all"
) -> CaseReport:
    """Decide every case with ``advisor``; coverage counts the rules ``coverage_of`` (default: all)."""
    results = []
    fired_by: dict[str, list[str]] = {}
    for case in cases:
        try:
            rec = advisor.decide(case.task, questions=case.asks_questions)
        except CrowdsourcingRulesError as error:
            results.append(CaseResult(case, None, (), f"{type(error).__name__}: {error}"))
            continue
        for rule_id in rec.fired:
            fired_by.setdefault(rule_id, []).append(case.id)
        differences = tuple(d for e in case.expectations if (d := e.difference(rec)) is not None)
        results.append(CaseResult(case, rec, differences))
    in_scope = tuple(coverage_of) if coverage_of is not None else tuple(r.id for r in advisor.ruleset)
    coverage = Coverage(in_scope, {r: tuple(fired_by.get(r, ())) for r in in_scope}, scope)
    locations = {rule.id: rule.location for rule in advisor.ruleset}
    return CaseReport(tuple(results), coverage, locations)


def run_policy_cases(
    policy: str | Path,
    *,
    defaults: Iterable[str | Path] | None = None,
    cases: Iterable[str | Path] | None = None,
    coverage: CoverageScope = "policy",
    engine: EngineName = "auto",
) -> CaseReport:
    """Load the default rules (or ``defaults``) with ``policy`` as a layer on top, and run the
    policy's decision cases (``cases``, or :func:`find_case_files` of the policy).

    ``coverage="policy"`` counts the rules the policy adds or replaces; ``"all"`` every rule loaded.
    Raises :class:`~crowdsourcing_rules.RuleFileError` or :class:`CaseFileError` for invalid files.
    """
    defaults = list(defaults) if defaults is not None else [default_rules_path()]
    case_files = tuple(Path(p) for p in cases) if cases is not None else find_case_files(policy)
    if not case_files:
        raise CaseFileError(
            "no decision cases",
            [Problem("no decision cases file (*.cases.yaml) here or beside it", Location(str(policy)))],
        )
    with Advisor.from_paths(defaults, policy=[policy], engine=engine) as advisor:
        rule_ids = [r.id for r in advisor.ruleset]
        loaded = load_cases(case_files, advisor.ruleset.vocabulary, rule_ids)
        assert advisor.layered is not None
        scope = advisor.layered.rules_of_layer(1) if coverage == "policy" else None
        return run_cases(advisor, loaded, coverage_of=scope, scope=coverage)
