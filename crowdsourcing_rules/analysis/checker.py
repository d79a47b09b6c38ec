"""Static analysis of rule files: the findings of ``crowdsourcing-rules check``.

Every finding has a stable code, a severity, a location (``path:line:col``) and the ids of the rules
involved. The codes (``docs/analysis.md`` explains each, with an example):

====== ======== ======================================================================
code   severity finding
====== ======== ======================================================================
CR001  error    the rule files do not load
CR101  warning  rules form a cycle through derived facts (legal: it cannot loop at run time)
CR102  error    a cycle through an output or an absent derived fact (a load error)
CR201  error    never fires: its tests of an input fact leave no value
CR202  error    never fires: contradictory tests of a derived fact, an output or a list
CR203  error    never fires: it needs a value that no rule that can fire concludes
CR204  warning  one alternative of the condition can never hold
CR205  error    never fires: it fired for none of the input combinations (exhaustive search)
CR301  warning  a derived fact that no rule reads
CR401  warning  duplicate rule: same conditions, same conclusions
CR402  warning  shadowed rule: another rule fires whenever it does and concludes the same
CR501  warning  conflict: two rules fire on a task and set an output to different values at
                equal salience, and no rule of higher salience settles it (example task given)
CR502  info     possible conflict: compatible conditions, but no such task was found (sampled)
CR600  info     how the gap search was done (exhaustive or sampled)
CR601  warning  gap: input combinations with no verdict
CR602  warning  gap: a verdict other than 'no' but no granularity
CR603  warning  gap: a verdict other than 'no' but no crowd type
====== ======== ======================================================================

>>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
>>> report = check(parse_rule_documents([("example.yaml", _EXAMPLE)]))
>>> print(report.findings[0])
example.yaml:7:23: CR201 error: rule can never fire: its tests of 'urgency' leave no value (rule 'urgent')
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from crowdsourcing_rules.analysis import conflicts, gaps, structure
from crowdsourcing_rules.analysis.findings import (
    DEFAULT_MAX_COMBINATIONS,
    DEFAULT_SAMPLES,
    CheckReport,
    Finding,
    finding,
    sort_findings,
)
from crowdsourcing_rules.analysis.table import build_table
from crowdsourcing_rules.errors import RuleFileError
from crowdsourcing_rules.model.rules import RuleSet
from crowdsourcing_rules.rulefiles.layers import load_layers
from crowdsourcing_rules.rulefiles.loading import load_rules

__all__ = ["check"]

# A small rule set with one defect, for the examples in the docstrings.
_EXAMPLE = """
rules:
  - id: urgent
    description: Urgent work goes to the crowd.
    when:
      urgency: high
      all: [{urgency: low}]
    then: [{set: {crowdsource: 'yes'}}]
    source: {citation: example, status: I}
  - id: default
    description: By default, crowdsource micro-tasks to the public.
    salience: -100
    then:
      - set: {crowdsource: 'yes', granularity: micro_task}
      - add: {crowd_types: general_public}
    source: {citation: example, status: I}
"""


def check(
    rules: RuleSet | str | Path | Iterable[str | Path],
    *,
    policy: Iterable[str | Path] = (),
    max_combinations: int = DEFAULT_MAX_COMBINATIONS,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> CheckReport:
    """Check a rule set (or the rule files and directories given) and return every finding.

    ``policy`` lists a company's policy layers, applied in order on top of the rule files (see
    ``docs/policy.md``): the rules checked are those an advisor with these layers runs.

    The input space is searched exhaustively when it has at most ``max_combinations``
    combinations, otherwise ``samples`` combinations drawn with ``seed``; ``samples=0`` turns
    the gap search off.

    >>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
    >>> report = check(parse_rule_documents([("example.yaml", _EXAMPLE)]))
    >>> report.codes(), report.failed()
    (('CR201', 'CR600'), True)
    """
    layers = list(policy)
    if isinstance(rules, RuleSet) and layers:
        raise ValueError("policy layers apply to rule files: give paths, not a RuleSet")
    if not isinstance(rules, RuleSet):
        paths = [rules] if isinstance(rules, (str, Path)) else list(rules)
        try:
            rules = load_layers(paths, layers).ruleset if layers else load_rules(paths)
        except RuleFileError as error:
            return CheckReport(tuple(Finding("CR001", p.message, p.location, _ids(p.rule_id)) for p in error.problems))
    return _run(rules, max_combinations=max_combinations, samples=samples, seed=seed)


def _run(ruleset: RuleSet, *, max_combinations: int, samples: int, seed: int) -> CheckReport:
    """Every check over the rule set's fact table; the gap search runs the rules."""
    table = build_table(ruleset)
    found: list[Finding] = [
        finding(
            "CR102",
            f"{p.message}; a rule that waits for the final value of something it concludes itself "
            "can never see that value, so these rules do not load",
            p.location,
            _ids(p.rule_id),
        )
        for p in table.compile_problems
    ]
    for check_one in (
        structure.cycles,
        structure.dead_rules,
        structure.unreachable,
        structure.unread,
        structure.redundant,
    ):
        found += check_one(table)
    candidates = conflicts.candidates(table)
    done = gaps.search(table, candidates, max_combinations=max_combinations, samples=samples, seed=seed)
    found += done.findings
    flagged = {f.rule_ids[0] for f in found if f.code in ("CR201", "CR202", "CR203")}
    found += gaps.never_fired(table, done, flagged)
    found += conflicts.report(table, candidates, done.seen, done.masked, exhaustive=done.method.method == "exhaustive")
    found.append(finding("CR600", done.method.describe(), None, (), **done.method.to_dict()))
    return CheckReport(sort_findings(found), len(ruleset), done.method)


def _ids(rule_id: str | None) -> tuple[str, ...]:
    return (rule_id,) if rule_id else ()
