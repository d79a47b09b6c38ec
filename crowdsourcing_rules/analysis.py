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

>>> from crowdsourcing_rules.loading import parse_rule_documents
>>> report = check(parse_rule_documents([("example.yaml", _EXAMPLE)]))
>>> print(report.findings[0])
example.yaml:7:23: CR201 error: rule can never fire: its tests of 'urgency' leave no value (rule 'urgent')
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import networkx as nx

from crowdsourcing_rules.compiling import (
    TEXT_DOMAIN,
    CompiledRules,
    Conjunction,
    ItemTest,
    _atom,
    _merge,
    _negate,
    compile_rules,
)
from crowdsourcing_rules.errors import Location, RuleFileError
from crowdsourcing_rules.graph import RuleGraph, add_rule_source_arguments
from crowdsourcing_rules.layers import load_layers
from crowdsourcing_rules.loading import load_rules
from crowdsourcing_rules.rules import AllOf, Conclusion, Condition, Not, Rule, RuleSet, Test
from crowdsourcing_rules.vocabulary import UNKNOWN, Vocabulary

__all__ = ["CODES", "CheckReport", "Finding", "GapSearch", "check"]

SEVERITY_ORDER = ("error", "warning", "info")

CODES: Mapping[str, tuple[str, str]] = {
    "CR001": ("error", "the rule files do not load"),
    "CR101": ("warning", "cycle among rules through derived facts"),
    "CR102": ("error", "cycle through an output or an absent derived fact"),
    "CR201": ("error", "never fires: contradictory tests of an input fact"),
    "CR202": ("error", "never fires: contradictory tests of a derived fact, an output or a list"),
    "CR203": ("error", "never fires: needs a value that no rule that can fire concludes"),
    "CR204": ("warning", "an alternative of the condition can never hold"),
    "CR205": ("error", "never fires in an exhaustive search of the inputs"),
    "CR301": ("warning", "derived fact that no rule reads"),
    "CR401": ("warning", "duplicate rule"),
    "CR402": ("warning", "shadowed rule"),
    "CR501": ("warning", "conflicting values at equal salience"),
    "CR502": ("info", "possible conflict, no example found"),
    "CR600": ("info", "gap search"),
    "CR601": ("warning", "gap: no verdict"),
    "CR602": ("warning", "gap: no granularity"),
    "CR603": ("warning", "gap: no crowd type"),
}

DEFAULT_MAX_COMBINATIONS = 20_000
DEFAULT_SAMPLES = 5_000
_MAX_IMPLICATION_CASES = 4_096
_NOT_APPLICABLE = {
    "granularity": "not_applicable",
    "crowd_model": "none",
    "manage_crowd_directly": "not_applicable",
    "preselection": "none",
}
_EXAMPLES = 3

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


@attrs.frozen
class Finding:
    """One finding of :func:`check`: a code, a severity, a message, where, and which rules."""

    code: str
    message: str
    location: Location | None = None
    rule_ids: tuple[str, ...] = ()
    details: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False)

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.code} {self.severity}: {self.message}"
        if self.rule_ids:
            label = "rule" if len(self.rule_ids) == 1 else "rules"
            text += f" ({label} " + ", ".join(f"'{r}'" for r in self.rule_ids) + ")"
        return text

    def to_dict(self) -> dict[str, Any]:
        where = self.location
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": {"path": where.path, "line": where.line, "column": where.column} if where else None,
            "rules": list(self.rule_ids),
            "details": dict(self.details),
        }


@attrs.frozen
class GapSearch:
    """How the input space was searched: ``exhaustive``, ``sampled`` or ``skipped``."""

    method: str
    facts: tuple[str, ...] = ()
    combinations: int = 0
    evaluated: int = 0
    reason: str = ""

    def describe(self) -> str:
        if self.method == "skipped":
            return f"gap search skipped: {self.reason}"
        facts = f"{_plural(len(self.facts), 'fact')} the rules read"
        if self.method == "exhaustive":
            return (
                f"gap search: exhaustive, all {_plural(self.combinations, 'combination')} of the values of the "
                f"{facts} (values that no rule tells apart count as one)"
            )
        return (
            f"gap search: sampled {self.evaluated} of {self.combinations} combinations of the values of the "
            f"{facts}; gaps may remain elsewhere"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "facts": list(self.facts),
            "combinations": self.combinations,
            "evaluated": self.evaluated,
            "reason": self.reason,
        }


@attrs.frozen
class CheckReport:
    """The findings of :func:`check`, sorted by location and code."""

    findings: tuple[Finding, ...]
    rules: int = 0
    search: GapSearch | None = None

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def failed(self, *, strict: bool = False) -> bool:
        """True when there is an error, or with ``strict`` a warning."""
        return bool(self.errors or (strict and self.warnings))

    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def ignoring(self, codes: Iterable[str]) -> CheckReport:
        """The report without the findings of these codes."""
        dropped = set(codes)
        return attrs.evolve(self, findings=tuple(f for f in self.findings if f.code not in dropped))

    def to_text(self) -> str:
        lines = [str(f) for f in self.findings]
        errors, warnings, notes = (self.count(s) for s in SEVERITY_ORDER)
        lines.append(
            f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}, {_plural(notes, 'note')} "
            f"in {_plural(self.rules, 'rule')}"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "summary": {"errors": self.count("error"), "warnings": self.count("warning"), "notes": self.count("info")},
            "gap_search": self.search.to_dict() if self.search else None,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


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

    >>> from crowdsourcing_rules.loading import parse_rule_documents
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
    return _Checker(rules, max_combinations=max_combinations, samples=samples, seed=seed).run()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _ids(rule_id: str | None) -> tuple[str, ...]:
    return (rule_id,) if rule_id else ()


def _sort_key(finding: Finding) -> tuple[bool, str, int, int, str, tuple[str, ...]]:
    where = finding.location or Location("")
    return (finding.location is None, where.path, where.line, where.column, finding.code, finding.rule_ids)


def _first(locations: Iterable[Location | None]) -> Location | None:
    known = [loc for loc in locations if loc is not None]
    return min(known) if known else None


# -- the checker -----------------------------------------------------------------------------


# A possible conflict: rules a < b, the output, and the value each sets.
Candidate = tuple[str, str, str, str, str]


@attrs.frozen
class _Dead:
    """Why a conjunction can never hold: ``task`` (an input fact) or ``items`` (a name)."""

    kind: str
    name: str


class _Checker:
    def __init__(self, ruleset: RuleSet, *, max_combinations: int, samples: int, seed: int) -> None:
        self.ruleset = ruleset
        self.vocabulary: Vocabulary = ruleset.vocabulary
        self.max_combinations = max_combinations
        self.samples = samples
        self.seed = seed
        self.findings: list[Finding] = []
        self.derived_values: dict[str, set[str]] = defaultdict(set)
        for rule in ruleset:
            for c in rule.then:
                if c.kind == "derive":
                    self.derived_values[str(c.name)].add(c.value)
        derived = set(self.derived_values)
        # Every alternative of every condition, kept even when it can never hold.
        self.alternatives: dict[str, tuple[Conjunction, ...]] = {}
        self.provenance: dict[str, tuple[tuple[Test, ...], ...]] = {}
        for rule in ruleset:
            alternatives = _alternatives(rule.when, self.vocabulary, derived)
            self.alternatives[rule.id] = tuple(conj for conj, _tests in alternatives)
            self.provenance[rule.id] = tuple(tests for _conj, tests in alternatives)
        self.viable: dict[str, tuple[Conjunction, ...]] = {}
        self.fireable: set[str] = set()
        self.compiled: CompiledRules | None = None

    def add(self, code: str, message: str, location: Location | None, rule_ids: Iterable[str], **details: Any) -> None:
        self.findings.append(Finding(code, message, location, tuple(rule_ids), details))

    def run(self) -> CheckReport:
        try:
            self.compiled = compile_rules(self.ruleset)
        except RuleFileError as error:
            for p in error.problems:
                self.add(
                    "CR102",
                    f"{p.message}; a rule that waits for the final value of something it concludes itself "
                    "can never see that value, so these rules do not load",
                    p.location,
                    _ids(p.rule_id),
                )
        self.check_cycles()
        self.check_dead()
        self.check_reachable()
        self.check_unread()
        self.check_redundant()
        candidates = self.conflict_candidates()
        search, seen, masked, fired = self.search_gaps(candidates)
        if search.method == "exhaustive":
            self.check_never_fired(fired, search)
        self.report_conflicts(candidates, seen, masked, exhaustive=search.method == "exhaustive")
        self.add("CR600", search.describe(), None, (), **search.to_dict())
        findings = tuple(sorted(self.findings, key=_sort_key))
        return CheckReport(findings, len(self.ruleset), search)

    # -- helpers -----------------------------------------------------------------------------

    def rule(self, rule_id: str) -> Rule:
        return self.ruleset.rule(rule_id)

    def test_location(self, rule: Rule, name: str, alternative: int = 0, *, last: bool = False) -> Location | None:
        """Where one alternative of a rule's condition tests ``name``: the first test of it in the file
        (the last with ``last``: the test that completes a contradiction)."""
        tests = self.provenance[rule.id][alternative]
        located = sorted(t.location for t in tests if t.fact == name and t.location is not None)
        if not located:
            return rule.location
        return located[-1] if last else located[0]

    def domain(self, fact: str) -> tuple[str, ...]:
        spec = self.vocabulary.fact(fact)
        return TEXT_DOMAIN if spec.kind in ("text", "id") else spec.values

    def item_domain(self, space: str, name: str) -> frozenset[str] | None:
        """The values an item can have; None for free text (list inputs)."""
        if space == "derived":
            return frozenset(self.derived_values.get(name, ()))
        if space == "output":
            spec = self.vocabulary.output(name)
            if spec.kind == "text_list":
                return frozenset({"present"})
            return frozenset(spec.values)
        return None

    def contradiction(self, items: Sequence[ItemTest]) -> str | None:
        """The name whose item tests contradict each other, if any."""
        by_name: dict[tuple[str, str], list[ItemTest]] = defaultdict(list)
        for item in items:
            by_name[(item.space, item.name)].append(item)
        for (space, name), tests in sorted(by_name.items()):
            negatives = [t for t in tests if not t.positive]
            everything = any(t.values is None for t in negatives)
            forbidden = frozenset().union(*(t.values for t in negatives if t.values is not None))
            domain = self.item_domain(space, name)
            single = space == "output" and self.vocabulary.output(name).kind == "single"
            together: frozenset[str] | None = None
            for test in tests:
                if not test.positive:
                    continue
                if everything:
                    return name
                allowed = test.values if test.values is not None else domain
                if allowed is None:
                    continue  # free text: some other item may exist
                allowed = allowed - forbidden
                if not allowed:
                    return name
                if single:
                    together = allowed if together is None else together & allowed
                    if not together:
                        return name
        return None

    def dead_reason(self, conj: Conjunction) -> _Dead | None:
        for test in conj.task:
            if not test.values:
                return _Dead("task", test.fact)
        name = self.contradiction(conj.items)
        return _Dead("items", name) if name is not None else None

    # -- cycles ------------------------------------------------------------------------------

    def check_cycles(self) -> None:
        """Cycles through derived facts only: legal, and unable to loop."""
        deps = RuleGraph.from_ruleset(self.ruleset).rule_dependencies()
        positive: nx.DiGraph[str] = nx.DiGraph()
        positive.add_nodes_from(deps)
        positive.add_edges_from((a, b, d) for a, b, d in deps.edges(data=True) if d["positive"])
        for component in nx.strongly_connected_components(positive):
            start = min(component)
            if len(component) == 1 and not positive.has_edge(start, start):
                continue
            sub = positive.subgraph(component)
            if sub.has_edge(start, start):
                cycle = [start, start]
            else:
                paths = [nx.shortest_path(sub, nxt, start) for nxt in sorted(sub.successors(start))]
                cycle = [start, *min(paths, key=lambda p: (len(p), p))]
            via = sorted({v.split(":", 1)[1] for a, b in itertools.pairwise(cycle) for v in deps.edges[a, b]["via"]})
            members = "" if len(component) == len(cycle) - 1 else f" (with {', '.join(sorted(component))})"
            self.add(
                "CR101",
                f"rules form a cycle through derived facts {', '.join(map(repr, via))}: {' -> '.join(cycle)}"
                f"{members}. It cannot loop at run time: each rule fires at most once per task, so the cycle is "
                "gone round at most once; but none of its rules fires unless some other way in starts it",
                self.rule(start).location,
                sorted(component),
                cycle=cycle,
            )

    # -- rules that can never fire -----------------------------------------------------------

    def check_dead(self) -> None:
        for rule in self.ruleset:
            alternatives = self.alternatives[rule.id]
            reasons = [self.dead_reason(c) for c in alternatives]
            self.viable[rule.id] = tuple(c for c, r in zip(alternatives, reasons, strict=True) if r is None)
            dead = [(i, r) for i, r in enumerate(reasons) if r is not None]
            if not dead:
                continue
            if len(dead) == len(alternatives):
                index, reason = next(((i, r) for i, r in dead if r.kind == "task"), dead[0])
                if reason.kind == "task":
                    code = "CR201"
                    what = f"its tests of {reason.name!r} leave no value"
                else:
                    code = "CR202"
                    what = f"its tests of {reason.name!r} contradict each other"
                if len(alternatives) > 1:
                    what += f" (and none of its {len(alternatives)} alternatives can hold)"
                self.add(
                    code,
                    f"rule can never fire: {what}",
                    self.test_location(rule, reason.name, index, last=True),
                    [rule.id],
                )
                continue
            for index, reason in dead:
                what = "leave no value" if reason.kind == "task" else "contradict each other"
                self.add(
                    "CR204",
                    f"alternative {index + 1} of {len(alternatives)} of the condition can never hold: its tests of "
                    f"{reason.name!r} {what}",
                    self.test_location(rule, reason.name, index, last=True),
                    [rule.id],
                    alternative=index + 1,
                )

    def producible(self, space: str, name: str, values: frozenset[str] | None) -> bool:
        """Whether some rule that can fire concludes ``name`` with one of ``values`` (None: any)."""
        produced: set[str] = set()
        verdicts: set[str] = set()
        for rule_id in self.fireable:
            for c in self.rule(rule_id).then:
                if c.kind == "set" and c.name == "crowdsource":
                    verdicts.add(c.value)
                if space == "derived" and c.kind == "derive" and c.name == name:
                    produced.add(c.value)
                elif space == "output":
                    if c.kind in ("set", "add") and c.name == name:
                        produced.add(c.value)
                    elif c.kind == "risk" and name == "risks":
                        produced.add(str(c.name))
                    elif c.kind in ("condition", "plan") and name == (
                        "conditions" if c.kind == "condition" else "plan"
                    ):
                        produced.add("present")
        if space == "output":
            if name == "crowdsource" and "yes" in verdicts and self.producible("output", "conditions", None):
                produced.add("with_conditions")
            if name in _NOT_APPLICABLE and "no" in verdicts:
                produced.add(_NOT_APPLICABLE[name])
        return bool(produced) if values is None else not produced.isdisjoint(values)

    def check_reachable(self) -> None:
        """Least fixpoint of the rules that can fire; the others need what nothing concludes."""
        changed = True
        while changed:
            changed = False
            for rule in self.ruleset:
                if rule.id in self.fireable:
                    continue
                for conj in self.viable[rule.id]:
                    needs = [i for i in conj.items if i.positive and i.space != "input"]
                    if all(self.producible(i.space, i.name, i.values) for i in needs):
                        self.fireable.add(rule.id)
                        changed = True
                        break
        for rule in self.ruleset:
            if rule.id in self.fireable or not self.viable[rule.id]:
                continue
            first = next(i for i, c in enumerate(self.alternatives[rule.id]) if c in self.viable[rule.id])
            missing = next(
                i
                for i in self.alternatives[rule.id][first].items
                if i.positive and i.space != "input" and not self.producible(i.space, i.name, i.values)
            )
            shown = "any value" if missing.values is None else " or ".join(sorted(missing.values))
            producers = sorted(
                r.id
                for r in self.ruleset
                if r.id != rule.id
                and any(
                    _target(c) == (missing.space, missing.name)
                    and c.kind != "remove"
                    and (missing.values is None or _concluded_value(c) in missing.values)
                    for c in r.then
                )
            )
            why = (
                f"; only rules that can never fire conclude it ({', '.join(producers)})"
                if producers
                else "; no rule concludes it"
            )
            self.add(
                "CR203",
                f"rule can never fire: it needs {missing.space} {missing.name!r} = {shown}{why}",
                self.test_location(rule, missing.name, first),
                [rule.id],
            )

    # -- derived facts nobody reads ----------------------------------------------------------

    def check_unread(self) -> None:
        read = {t.fact for rule in self.ruleset for t in rule.tests}
        for name in sorted(self.derived_values):
            if name in read:
                continue
            producers = [
                (c.location, r.id) for r in self.ruleset for c in r.then if c.kind == "derive" and c.name == name
            ]
            self.add(
                "CR301",
                f"derived fact {name!r} is concluded but no rule reads it, and it is not an output: "
                "it has no effect on any recommendation",
                _first(loc for loc, _r in producers),
                sorted({r for _loc, r in producers}),
            )

    # -- duplicates and shadowed rules -------------------------------------------------------

    def covers(self, narrow: Conjunction, wide: Sequence[Conjunction]) -> bool:
        """Whether every task satisfying ``narrow`` satisfies one of ``wide`` (sound, not complete)."""
        candidates = [c for c in wide if _items_imply(narrow.items, c.items)]
        if not candidates:
            return False
        given = {t.fact: t.values for t in narrow.task}

        def region(fact: str) -> frozenset[str]:
            return given.get(fact, frozenset(self.domain(fact)))

        for c in candidates:
            if all(region(t.fact) <= t.values for t in c.task):
                return True
        facts = sorted({t.fact for c in candidates for t in c.task})
        size = 1
        for fact in facts:
            size *= len(region(fact))
        if size > _MAX_IMPLICATION_CASES:
            return False
        for values in itertools.product(*(sorted(region(f)) for f in facts)):
            case = dict(zip(facts, values, strict=True))
            if not any(all(case[t.fact] in t.values for t in c.task) for c in candidates):
                return False
        return True

    def implies(self, a: str, b: str) -> bool:
        """Whenever rule ``a``'s condition holds, rule ``b``'s does."""
        return all(self.covers(conj, self.viable[b]) for conj in self.viable[a])

    def check_redundant(self) -> None:
        rules = [r for r in self.ruleset if self.viable[r.id]]
        conclusions = {r.id: frozenset(r.then) for r in rules}
        reported: set[str] = set()
        for narrow, wide in itertools.permutations(rules, 2):
            if narrow.id in reported or not conclusions[narrow.id] <= conclusions[wide.id]:
                continue
            if wide.salience < narrow.salience or not self.implies(narrow.id, wide.id):
                continue
            duplicate = conclusions[narrow.id] == conclusions[wide.id] and self.implies(wide.id, narrow.id)
            if duplicate:
                # Report the one to delete: the lower salience, then the later in the files.
                keep, drop = sorted((narrow, wide), key=lambda r: (-r.salience, r.location or Location(""), r.id))
                if drop.id in reported or keep.id in reported:
                    continue
                reported.add(drop.id)
                self.add(
                    "CR401",
                    f"rule duplicates {keep.id!r} ({keep.location}): same conditions and same conclusions"
                    + ("" if keep.salience == drop.salience else f", at a lower salience ({drop.salience})"),
                    drop.location,
                    [drop.id, keep.id],
                    duplicate_of=keep.id,
                )
                continue
            reported.add(narrow.id)
            self.add(
                "CR402",
                f"rule is shadowed by {wide.id!r} ({wide.location}): whenever it fires, {wide.id!r} fires too and "
                f"concludes everything it concludes, at a salience at least as high ({wide.salience})",
                narrow.location,
                [narrow.id, wide.id],
                shadowed_by=wide.id,
            )

    # -- conflicts ---------------------------------------------------------------------------

    def conflict_candidates(self) -> list[Candidate]:
        """Rules that can fire together and set a single output to different values at equal
        salience: ``(a, b, output, value_a, value_b)`` with ``a < b``, or ``a == b`` for one rule
        that sets an output twice."""
        sets: dict[str, dict[str, list[str]]] = {}
        for rule in self.ruleset:
            sets[rule.id] = defaultdict(list)
            for c in rule.then:
                if c.kind == "set" and c.name != "crowdsource" and c.value not in sets[rule.id][str(c.name)]:
                    sets[rule.id][str(c.name)].append(c.value)
        out: list[Candidate] = []
        rules = sorted((r for r in self.ruleset if r.id in self.fireable), key=lambda r: r.id)
        for rule in rules:
            for output, values in sorted(sets[rule.id].items()):
                if len(values) > 1:
                    out.append((rule.id, rule.id, output, values[0], values[1]))
        for a, b in itertools.combinations(rules, 2):
            if a.salience != b.salience:
                continue
            clashes = []
            for output in sorted(sets[a.id].keys() & sets[b.id].keys()):
                pairs = [(x, y) for x in sets[a.id][output] for y in sets[b.id][output] if x != y]
                if pairs:
                    clashes.append((output, *pairs[0]))
            if not clashes or not self.compatible(a.id, b.id):
                continue
            out.extend((a.id, b.id, output, value_a, value_b) for output, value_a, value_b in clashes)
        return out

    def compatible(self, a: str, b: str) -> bool:
        return any(
            self.dead_reason(_merge((*x.task, *y.task), (*x.items, *y.items))) is None for x, y in self.pairs(a, b)
        )

    def pairs(self, a: str, b: str) -> Iterator[tuple[Conjunction, Conjunction]]:
        return itertools.product(self.viable[a], self.viable[b])

    def decides(self, candidate: Candidate, fired: set[str], verdict: str | None) -> bool:
        """Whether both rules fired and their tie decides the output: no fired rule of higher
        salience sets it, and a 'no' verdict does not make it not applicable anyway."""
        a, b, output, _va, _vb = candidate
        if a not in fired or b not in fired or (verdict == "no" and output in _NOT_APPLICABLE):
            return False
        top = max(
            self.rule(r).salience for r in fired if any(c.kind == "set" and c.name == output for c in self.rule(r).then)
        )
        return top == self.rule(a).salience

    def report_conflicts(
        self,
        candidates: list[Candidate],
        seen: Mapping[Candidate, dict[str, Any]],
        masked: Mapping[Candidate, int],
        *,
        exhaustive: bool,
    ) -> None:
        for candidate in candidates:
            a, b, output, value_a, value_b = candidate
            example = seen.get(candidate)
            if example is None and not exhaustive:
                example = self.witness(candidate)
            if example is None and exhaustive:
                continue  # every input was tried and the tie never decided: no conflict
            rule_b = self.rule(b)
            sets = [c.location for c in rule_b.then if c.kind == "set" and c.name == output]
            # Point at the losing 'set': the later rule's, or the second one in a rule that sets twice.
            where = (sets[-1] if a == b else sets[0]) or rule_b.location
            salience = rule_b.salience
            fires, fired = ("it fires", "it fired") if a == b else ("both fire", "they fired together")
            if a == b:
                what = f"the rule sets {output} both to {value_a} and to {value_b}"
                fix = "the first written wins only because it comes first: keep one"
                ids = [a]
            else:
                what = (
                    f"{a!r} sets {output} = {value_a} and {b!r} sets {output} = {value_b}, "
                    f"at the same salience ({salience})"
                )
                fix = f"{a!r} wins only because its id sorts first: give one of them a higher salience"
                ids = [a, b]
            if example is not None:
                self.add(
                    "CR501",
                    f"conflict: {what}; for the task {_show(example)} {fires} and no rule of higher salience "
                    f"sets {output}; {fix}",
                    where,
                    ids,
                    output=output,
                    example=example,
                )
                continue
            why = (
                f"{fired} on {_plural(masked[candidate], 'sampled task')}, but a rule of higher salience or "
                f"a 'no' verdict settled {output} each time"
                if masked.get(candidate)
                else f"no task was found on which {fires} and the tie decides"
            )
            self.add("CR502", f"possible conflict: {what}; {why}", where, ids, output=output)

    def witness(self, candidate: Candidate) -> dict[str, Any] | None:
        """A task on which the tie between two rules decides an output, built from their conditions."""
        if self.compiled is None:
            return None
        from crowdsourcing_rules.advisor import Advisor

        a, b = candidate[:2]
        advisor = Advisor(self.ruleset, engine="reference")
        tried = 0
        for x, y in self.pairs(a, b):
            for conj in self.expand(_merge((*x.task, *y.task), (*x.items, *y.items)), depth=3):
                task = self.task_for(conj)
                if task is None:
                    continue
                tried += 1
                rec = advisor.decide({"id": "witness", **task}, questions=False)
                if self.decides(candidate, {f.rule_id for f in rec.trace}, rec.crowdsource):
                    return task
                if tried >= 64:
                    return None
        return None

    def expand(self, conj: Conjunction, depth: int) -> Iterator[Conjunction]:
        """Conjunctions that also hold the conditions of a rule concluding each derived fact needed."""
        need = next((i for i in conj.items if i.positive and i.space == "derived"), None)
        if need is None or depth == 0:
            yield conj
            return
        rest = tuple(i for i in conj.items if i is not need)
        for rule in sorted(self.ruleset, key=lambda r: r.id):
            if rule.id not in self.fireable:
                continue
            if not any(
                c.kind == "derive" and c.name == need.name and (need.values is None or c.value in need.values)
                for c in rule.then
            ):
                continue
            for other in self.viable[rule.id]:
                merged = _merge((*conj.task, *other.task), (*rest, *other.items))
                if self.dead_reason(merged) is None:
                    yield from self.expand(merged, depth - 1)

    def task_for(self, conj: Conjunction) -> dict[str, Any] | None:
        task: dict[str, Any] = {}
        for test in conj.task:
            if not test.values:
                return None
            domain = self.domain(test.fact)
            value = next(v for v in domain if v in test.values)
            if value != UNKNOWN:
                task[test.fact] = _task_value(self.vocabulary, test.fact, value)
        for item in conj.items:
            if item.space == "input" and item.positive:
                task.setdefault(item.name, []).append(sorted(item.values)[0] if item.values else "something")
        return task

    # -- gaps --------------------------------------------------------------------------------

    def search_gaps(
        self, candidates: list[Candidate]
    ) -> tuple[GapSearch, dict[Candidate, dict[str, Any]], dict[Candidate, int], set[str]]:
        seen: dict[Candidate, dict[str, Any]] = {}
        masked: dict[Candidate, int] = defaultdict(int)
        fired_any: set[str] = set()
        if self.compiled is None:
            return GapSearch("skipped", reason="the rules do not load (CR102)"), seen, masked, fired_any
        if self.samples <= 0:
            return GapSearch("skipped", reason="turned off"), seen, masked, fired_any
        from crowdsourcing_rules.advisor import Advisor

        dimensions = self.dimensions()
        names = tuple(name for name, _options in dimensions)
        total = 1
        for _name, options in dimensions:
            total *= len(options)
        sizes = [len(o) for _n, o in dimensions]
        if total <= max(self.max_combinations, self.samples):  # sampling would cost as much
            method = "exhaustive"
            combos: Iterable[tuple[int, ...]] = itertools.product(*(range(n) for n in sizes))
            count = total
        else:
            method = "sampled"
            generator = random.Random(self.seed)
            count = self.samples
            if total < 2**62:  # distinct combinations, drawn by their index
                combos = (_decode(i, sizes) for i in sorted(generator.sample(range(total), count)))
            else:
                combos = (tuple(generator.randrange(n) for n in sizes) for _ in range(count))
        gaps: dict[str, list[tuple[int, int, dict[str, Any]]]] = {"CR601": [], "CR602": [], "CR603": []}
        counts = dict.fromkeys(gaps, 0)
        with Advisor(self.ruleset, engine="reference") as advisor:
            for number, combo in enumerate(combos):
                task: dict[str, Any] = {}
                for (name, options), index in zip(dimensions, combo, strict=True):
                    value = options[index]
                    if value is not None:
                        task[name] = value
                rec = advisor.decide({"id": f"gap-{number}", **task}, questions=False)
                fired = {f.rule_id for f in rec.trace}
                fired_any |= fired
                for candidate in candidates:
                    if candidate in seen or candidate[0] not in fired or candidate[1] not in fired:
                        continue
                    if self.decides(candidate, fired, rec.crowdsource):
                        seen[candidate] = task
                    else:
                        masked[candidate] += 1
                missing = []
                if rec.crowdsource is None:
                    missing.append("CR601")
                elif rec.crowdsource != "no":
                    if rec.granularity is None:
                        missing.append("CR602")
                    if not rec.crowd_types:
                        missing.append("CR603")
                for code in missing:
                    counts[code] += 1
                    kept = gaps[code]
                    kept.append((len(task), number, task))
                    kept.sort(key=lambda k: (k[0], k[1]))
                    del kept[_EXAMPLES:]
        search = GapSearch(method, names, total, count)
        what = {
            "CR601": ("no rule concludes a verdict", "crowdsource"),
            "CR602": ("the verdict is not 'no' but no rule concludes a granularity", "granularity"),
            "CR603": ("the verdict is not 'no' but no rule adds a crowd type", "crowd_types"),
        }
        for code, kept in gaps.items():
            if not counts[code]:
                continue
            message, output = what[code]
            producers = [
                r for r in self.ruleset if any(_target(c) == ("output", output) and c.kind != "remove" for c in r.then)
            ]
            where = _first(r.location for r in producers) or _first(r.location for r in self.ruleset)
            if where is not None and not producers:
                where = Location(where.path)
            examples = [task for _n, _i, task in kept]
            scope = "of the" if method == "exhaustive" else "of the sampled"
            self.add(
                code,
                f"gap: {message} for {counts[code]} {scope} {count} input combinations, for example "
                + "; ".join(_show(e) for e in examples),
                where,
                sorted(r.id for r in producers),
                combinations=counts[code],
                examples=examples,
                method=method,
            )
        return search, seen, masked, fired_any

    def dimensions(self) -> list[tuple[str, list[Any]]]:
        """Each fact the rules read, with one value per class of values no rule tells apart."""
        assert self.compiled is not None
        tested: dict[str, set[frozenset[str]]] = defaultdict(set)
        items: dict[str, set[str]] = defaultdict(set)
        any_item: set[str] = set()
        for rule in self.compiled.rules:
            for conj in rule.conjunctions:
                for test in conj.task:
                    tested[test.fact].add(test.values)
                for item in conj.items:
                    if item.space == "input":
                        if item.values is None:
                            any_item.add(item.name)
                        else:
                            items[item.name] |= item.values
        dimensions: list[tuple[str, list[Any]]] = []
        for fact in self.compiled.task_facts:
            if self.vocabulary.fact(fact).kind == "id":
                continue  # every task has an id
            sets = sorted(tested[fact], key=sorted)
            classes: dict[tuple[bool, ...], list[str]] = defaultdict(list)
            for value in self.domain(fact):
                classes[tuple(value in s for s in sets)].append(value)
            options = []
            for members in classes.values():
                chosen = UNKNOWN if UNKNOWN in members else members[0]
                options.append(None if chosen == UNKNOWN else _task_value(self.vocabulary, fact, chosen))
            dimensions.append((fact, options))
        for name in sorted(self.compiled.list_inputs):
            values = sorted(items[name])
            if name in any_item:
                values.append("(another item)")
            if len(values) > 6:  # too many subsets: none, each alone, all
                subsets = [(), *((v,) for v in values), tuple(values)]
            else:
                subsets = [s for n in range(len(values) + 1) for s in itertools.combinations(values, n)]
            dimensions.append((name, [list(s) if s else None for s in subsets]))
        return dimensions

    def check_never_fired(self, fired: set[str], search: GapSearch) -> None:
        flagged = {f.rule_ids[0] for f in self.findings if f.code in ("CR201", "CR202", "CR203")}
        for rule in self.ruleset:
            if rule.id in fired or rule.id in flagged:
                continue
            self.add(
                "CR205",
                f"rule can never fire: it fired for none of the {_plural(search.combinations, 'input combination')} "
                "of an exhaustive search (its condition needs facts or outputs that never hold together)",
                rule.location,
                [rule.id],
            )


def _alternatives(
    condition: Condition | None, vocabulary: Vocabulary, derived: set[str]
) -> list[tuple[Conjunction, tuple[Test, ...]]]:
    """The condition in disjunctive normal form, as :func:`compiling.compile_rules` computes it,
    with the tests each alternative comes from (to locate findings), and with the alternatives
    that can never hold kept."""

    def walk(node: Condition, negated: bool) -> list[list[tuple[Test, bool]]]:
        if isinstance(node, Test):
            return [[(node, negated)]]
        if isinstance(node, Not):
            return walk(node.item, not negated)
        parts = [walk(item, negated) for item in node.items]
        if isinstance(node, AllOf) == negated:  # a disjunction
            return [conj for part in parts for conj in part]
        result: list[list[tuple[Test, bool]]] = [[]]
        for part in parts:
            result = [left + right for left in result for right in part]
        return result

    if condition is None:
        return [(Conjunction((), ()), ())]
    out = []
    for conj in walk(condition, False):
        atoms = []
        for test, negated in conj:
            atom = _atom(test, vocabulary, derived)
            atoms.append(_negate(atom, vocabulary) if negated else atom)
        task = [a for a in atoms if not isinstance(a, ItemTest)]
        items = [a for a in atoms if isinstance(a, ItemTest)]
        out.append((_merge(task, items), tuple(test for test, _negated in conj)))
    return out


def _decode(index: int, sizes: Sequence[int]) -> tuple[int, ...]:
    """The combination with this index in :func:`itertools.product` order."""
    digits = []
    for size in reversed(sizes):
        index, digit = divmod(index, size)
        digits.append(digit)
    return tuple(reversed(digits))


def _items_imply(strong: Sequence[ItemTest], weak: Sequence[ItemTest]) -> bool:
    """Every item test in ``weak`` follows from one in ``strong``."""

    def follows(s: ItemTest, w: ItemTest) -> bool:
        if (s.space, s.name, s.positive) != (w.space, w.name, w.positive):
            return False
        if w.positive:
            return w.values is None or (s.values is not None and s.values <= w.values)
        return s.values is None or (w.values is not None and w.values <= s.values)

    return all(any(follows(s, w) for s in strong) for w in weak)


def _concluded_value(conclusion: Conclusion) -> str:
    """The value an item of the conclusion's output or fact takes (what a condition tests)."""
    if conclusion.kind == "risk":
        return str(conclusion.name)
    if conclusion.kind in ("condition", "plan"):
        return "present"
    return conclusion.value


def _target(conclusion: Conclusion) -> tuple[str, str]:
    if conclusion.kind == "derive":
        return "derived", str(conclusion.name)
    names = {"risk": "risks", "condition": "conditions", "plan": "plan"}
    return "output", names.get(conclusion.kind, str(conclusion.name))


def _task_value(vocabulary: Vocabulary, fact: str, value: str) -> Any:
    kind = vocabulary.fact(fact).kind
    if kind in ("text", "id"):
        return "(some text)"
    if kind == "bool":
        return value == "true"
    return value


def _show(task: Mapping[str, Any]) -> str:
    if not task:
        return "{} (every fact unknown)"
    return json.dumps(dict(task), ensure_ascii=False)


# -- command line ------------------------------------------------------------------------------


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``crowdsourcing-rules check``."""
    add_rule_source_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="warnings fail the check too (exit code 1)")
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="CODE", help="leave out the findings of this code (repeatable)"
    )
    parser.add_argument(
        "--max-combinations",
        type=int,
        default=DEFAULT_MAX_COMBINATIONS,
        metavar="N",
        help=f"search the input space exhaustively up to N combinations (default: {DEFAULT_MAX_COMBINATIONS})",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=DEFAULT_SAMPLES,
        metavar="N",
        help=f"otherwise evaluate N sampled combinations; 0 turns the gap search off (default: {DEFAULT_SAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling (default: 0)")


def check_command(args: argparse.Namespace) -> int:
    """Run ``crowdsourcing-rules check``: 0 clean, 1 errors (or warnings with ``--strict``)."""
    from crowdsourcing_rules.advisor import default_rules_path

    unknown = sorted(set(args.ignore) - set(CODES))
    if unknown:
        print(f"error: unknown finding code(s) {', '.join(unknown)}; see docs/analysis.md", file=sys.stderr)
        return 2
    report = check(
        args.paths or [default_rules_path()],
        policy=args.policy,
        max_combinations=args.max_combinations,
        samples=args.samples,
        seed=args.seed,
    ).ignoring(args.ignore)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 1 if report.failed(strict=args.strict) else 0
