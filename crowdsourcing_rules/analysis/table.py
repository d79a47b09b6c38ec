"""The fact table the checks read: everything about a rule set that more than one check needs,
computed once, in order, and then frozen.

Each rule's condition in normal form with every alternative kept (even those that can never
hold) and the tests each comes from, the reason each alternative cannot hold, the alternatives
that can, the values each derived fact can take, which rules can fire at all (a least fixpoint),
and the compiled rules (or the problems that stop them from compiling).

>>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
>>> table = build_table(parse_rule_documents([("example.yaml", _EXAMPLE)]))
>>> sorted(table.fireable), table.viable["dead"]
(['default'], ())
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

import attrs

from crowdsourcing_rules.engine.compiling import CompiledRules, compile_rules
from crowdsourcing_rules.errors import Location, Problem, RuleFileError
from crowdsourcing_rules.model import policy
from crowdsourcing_rules.model.conditions import Conjunction, ItemTest, alternatives, conjunction, domain, merge
from crowdsourcing_rules.model.rules import Rule, RuleSet, Test
from crowdsourcing_rules.model.vocabulary import Vocabulary

__all__ = ["Dead", "RuleTable", "build_table"]

_MAX_IMPLICATION_CASES = 4_096

# A small rule set for the example above: one rule that can never fire.
_EXAMPLE = """
rules:
  - id: dead
    description: Never.
    when: {urgency: high, all: [{urgency: low}]}
    then: [{set: {crowdsource: 'yes'}}]
    source: {citation: example, status: I}
  - id: default
    description: By default, crowdsource.
    then: [{set: {crowdsource: 'yes'}}]
    source: {citation: example, status: I}
"""


@attrs.frozen
class Dead:
    """Why a conjunction can never hold: ``task`` (an input fact) or ``items`` (a name)."""

    kind: str
    name: str


@attrs.frozen
class RuleTable:
    """What the checks know of a rule set (see the module's docstring); build it with
    :func:`build_table`."""

    ruleset: RuleSet
    compiled: CompiledRules | None
    compile_problems: tuple[Problem, ...]
    derived_values: Mapping[str, frozenset[str]]
    alternatives: Mapping[str, tuple[Conjunction, ...]]
    provenance: Mapping[str, tuple[tuple[Test, ...], ...]]
    dead: Mapping[str, tuple[Dead | None, ...]]  # why each alternative cannot hold; None: it can
    viable: Mapping[str, tuple[Conjunction, ...]]
    fireable: frozenset[str]

    @property
    def vocabulary(self) -> Vocabulary:
        return self.ruleset.vocabulary

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
        return domain(fact, self.vocabulary)

    def dead_reason(self, conj: Conjunction) -> Dead | None:
        return dead_reason(conj, self.vocabulary, self.derived_values)

    def producible(self, space: str, name: str, values: frozenset[str] | None) -> bool:
        """Whether some rule that can fire concludes ``name`` with one of ``values`` (None: any)."""
        return producible(self.ruleset, self.fireable, space, name, values)

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

    def pairs(self, a: str, b: str) -> Iterator[tuple[Conjunction, Conjunction]]:
        """Every pair of alternatives of two rules that can hold."""
        return itertools.product(self.viable[a], self.viable[b])

    def compatible(self, a: str, b: str) -> bool:
        """Whether some alternative of each rule can hold together."""
        return any(
            self.dead_reason(merge((*x.task, *y.task), (*x.items, *y.items))) is None for x, y in self.pairs(a, b)
        )


def build_table(ruleset: RuleSet) -> RuleTable:
    """Compute the fact table of a rule set."""
    vocabulary = ruleset.vocabulary
    derived_values: dict[str, set[str]] = defaultdict(set)
    for rule in ruleset:
        for c in rule.then:
            if c.kind == "derive":
                derived_values[str(c.name)].add(c.value)
    values = {name: frozenset(found) for name, found in derived_values.items()}
    derived = set(values)
    every: dict[str, tuple[Conjunction, ...]] = {}
    provenance: dict[str, tuple[tuple[Test, ...], ...]] = {}
    dead: dict[str, tuple[Dead | None, ...]] = {}
    viable: dict[str, tuple[Conjunction, ...]] = {}
    for rule in ruleset:
        tests = alternatives(rule.when)
        every[rule.id] = tuple(conjunction(alternative, vocabulary, derived) for alternative in tests)
        provenance[rule.id] = tuple(tuple(test for test, _negated in alternative) for alternative in tests)
        dead[rule.id] = tuple(dead_reason(c, vocabulary, values) for c in every[rule.id])
        viable[rule.id] = tuple(c for c, why in zip(every[rule.id], dead[rule.id], strict=True) if why is None)
    try:
        compiled: CompiledRules | None = compile_rules(ruleset)
        problems: tuple[Problem, ...] = ()
    except RuleFileError as error:
        compiled, problems = None, error.problems
    return RuleTable(
        ruleset=ruleset,
        compiled=compiled,
        compile_problems=problems,
        derived_values=values,
        alternatives=every,
        provenance=provenance,
        dead=dead,
        viable=viable,
        fireable=_fireable(ruleset, viable),
    )


def _fireable(ruleset: RuleSet, viable: Mapping[str, tuple[Conjunction, ...]]) -> frozenset[str]:
    """The least fixpoint of the rules that can fire: a rule can when one of its alternatives can
    hold and every derived fact and output it needs is concluded by a rule that can fire."""
    fireable: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rule in ruleset:
            if rule.id in fireable:
                continue
            for conj in viable[rule.id]:
                needs = [i for i in conj.items if i.positive and i.space != "input"]
                if all(producible(ruleset, fireable, i.space, i.name, i.values) for i in needs):
                    fireable.add(rule.id)
                    changed = True
                    break
    return frozenset(fireable)


def producible(
    ruleset: RuleSet, fireable: set[str] | frozenset[str], space: str, name: str, values: frozenset[str] | None
) -> bool:
    """Whether some rule of ``fireable`` concludes ``name`` with one of ``values`` (None: any),
    directly or through the conflict policy (a condition gives 'with_conditions', a 'no' the
    not-applicable values)."""
    produced: set[str] = set()
    verdicts: set[str] = set()
    for rule_id in fireable:
        for c in ruleset.rule(rule_id).then:
            if c.kind == "set" and c.name == "crowdsource":
                verdicts.add(c.value)
            if c.kind != "remove" and policy.target(c) == (space, name):
                produced.add(policy.item_value(c))
    if space == "output":
        if name == "crowdsource" and "yes" in verdicts and producible(ruleset, fireable, "output", "conditions", None):
            produced.add("with_conditions")
        if name in policy.NOT_APPLICABLE and "no" in verdicts:
            produced.add(policy.NOT_APPLICABLE[name])
    return bool(produced) if values is None else not produced.isdisjoint(values)


def item_domain(
    vocabulary: Vocabulary, derived_values: Mapping[str, frozenset[str]], space: str, name: str
) -> frozenset[str] | None:
    """The values an item can have; None for free text (list inputs)."""
    if space == "derived":
        return frozenset(derived_values.get(name, ()))
    if space == "output":
        spec = vocabulary.output(name)
        if spec.kind == "text_list":
            return frozenset({"present"})
        return frozenset(spec.values)
    return None


def contradiction(
    items: Sequence[ItemTest], vocabulary: Vocabulary, derived_values: Mapping[str, frozenset[str]]
) -> str | None:
    """The name whose item tests contradict each other, if any."""
    by_name: dict[tuple[str, str], list[ItemTest]] = defaultdict(list)
    for item in items:
        by_name[(item.space, item.name)].append(item)
    for (space, name), tests in sorted(by_name.items()):
        negatives = [t for t in tests if not t.positive]
        everything = any(t.values is None for t in negatives)
        forbidden = frozenset().union(*(t.values for t in negatives if t.values is not None))
        values = item_domain(vocabulary, derived_values, space, name)
        single = space == "output" and vocabulary.output(name).kind == "single"
        together: frozenset[str] | None = None
        for test in tests:
            if not test.positive:
                continue
            if everything:
                return name
            allowed = test.values if test.values is not None else values
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


def dead_reason(conj: Conjunction, vocabulary: Vocabulary, derived_values: Mapping[str, frozenset[str]]) -> Dead | None:
    """Why a conjunction can never hold, or None when it can."""
    for test in conj.task:
        if not test.values:
            return Dead("task", test.fact)
    name = contradiction(conj.items, vocabulary, derived_values)
    return Dead("items", name) if name is not None else None


def _items_imply(strong: Sequence[ItemTest], weak: Sequence[ItemTest]) -> bool:
    """Every item test in ``weak`` follows from one in ``strong``."""

    def follows(s: ItemTest, w: ItemTest) -> bool:
        if (s.space, s.name, s.positive) != (w.space, w.name, w.positive):
            return False
        if w.positive:
            return w.values is None or (s.values is not None and s.values <= w.values)
        return s.values is None or (w.values is not None and w.values <= s.values)

    return all(any(follows(s, w) for s in strong) for w in weak)
