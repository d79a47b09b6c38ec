"""Compiling a rule set for an engine: conditions in normal form, strata, and what must be asserted.

The compiled form is engine-independent. Every condition becomes a disjunction of conjunctions of
two kinds of tests:

- a *task test* on one single-valued input fact: the set of values for which it holds (every
  operator, ``at_least``, ``not``... reduces to a set, computed once here);
- an *item test* on facts that come as items: list inputs (one item per element), derived facts
  and resolved outputs: an item of that name (and one of those values) exists, or does not.

Rules are placed in strata: a rule that reads an output, or tests that a derived fact is absent,
runs in a later stratum than every rule that can conclude it, so it sees the final value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import attrs
import networkx as nx

from crowdsourcing_rules.errors import Problem, RuleFileError
from crowdsourcing_rules.rules import AllOf, Condition, Not, Rule, RuleSet, Test
from crowdsourcing_rules.vocabulary import UNKNOWN, Vocabulary

__all__ = ["CompiledRule", "CompiledRules", "Conjunction", "ItemTest", "TaskTest", "compile_rules"]

TEXT_DOMAIN = ("known", UNKNOWN)


@attrs.frozen
class TaskTest:
    """A single-valued input fact has one of ``values``."""

    fact: str
    values: frozenset[str]


@attrs.frozen
class ItemTest:
    """An item ``(space, name, value)`` exists (``positive``) or not; ``values`` None: any value."""

    space: str  # "input", "derived" or "output"
    name: str
    values: frozenset[str] | None
    positive: bool = True

    def negated(self) -> ItemTest:
        return attrs.evolve(self, positive=not self.positive)


@attrs.frozen
class Conjunction:
    """Every test holds: task tests by fact (values intersected) and item tests."""

    task: tuple[TaskTest, ...]
    items: tuple[ItemTest, ...]


@attrs.frozen
class CompiledRule:
    """A rule ready for an engine."""

    index: int
    rule: Rule
    conjunctions: tuple[Conjunction, ...]
    stratum: int
    # Facts and outputs the rule's condition reads
    reads_inputs: frozenset[str]
    reads_derived: frozenset[str]
    reads_outputs: frozenset[str]

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def agenda_key(self) -> tuple[int, int, str]:
        """Firing order among activated rules: stratum, then higher salience, then id."""
        return (self.stratum, -self.rule.salience, self.rule.id)


@attrs.frozen
class CompiledRules:
    """A rule set compiled for the engines; engines build their own structures from it."""

    ruleset: RuleSet
    rules: tuple[CompiledRule, ...]
    strata: tuple[int, ...]
    # Which facts go into the engine: only those some condition reads
    task_facts: tuple[str, ...]
    text_facts: frozenset[str]
    list_inputs: frozenset[str]
    derived_read: frozenset[str]
    outputs_read_by_stratum: tuple[tuple[int, frozenset[str]], ...]

    @property
    def vocabulary(self) -> Vocabulary:
        return self.ruleset.vocabulary

    def rule(self, rule_id: str) -> CompiledRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def compile_rules(ruleset: RuleSet) -> CompiledRules:
    """Compile a rule set; raises :class:`RuleFileError` for a cycle through a stratified read."""
    vocabulary = ruleset.vocabulary
    derived = {str(c.name) for r in ruleset for c in r.then if c.kind == "derive"}
    normal: list[tuple[Rule, tuple[Conjunction, ...]]] = []
    for rule in ruleset:
        expanded = _dnf(rule.when, vocabulary, derived) if rule.when is not None else [([], [])]
        normal.append((rule, tuple(_merge(task, items) for task, items in expanded)))
    strata = _stratify(ruleset, normal)
    compiled: list[CompiledRule] = []
    for index, (rule, conjunctions) in enumerate(normal):
        tests = list(rule.tests)
        compiled.append(
            CompiledRule(
                index=index,
                rule=rule,
                conjunctions=tuple(c for c in conjunctions if all(t.values for t in c.task)),
                stratum=strata[rule.id],
                reads_inputs=frozenset(t.fact for t in tests if vocabulary.has_fact(t.fact)),
                reads_derived=frozenset(t.fact for t in tests if t.fact in derived and not vocabulary.has_fact(t.fact)),
                reads_outputs=frozenset(t.fact for t in tests if vocabulary.has_output(t.fact)),
            )
        )
    task_facts = sorted({t.fact for r in compiled for c in r.conjunctions for t in c.task})
    list_inputs = frozenset(i.name for r in compiled for c in r.conjunctions for i in c.items if i.space == "input")
    derived_read = frozenset(i.name for r in compiled for c in r.conjunctions for i in c.items if i.space == "derived")
    outputs_by_stratum: dict[int, set[str]] = defaultdict(set)
    for r in compiled:
        outputs_by_stratum[r.stratum] |= r.reads_outputs
    return CompiledRules(
        ruleset=ruleset,
        rules=tuple(compiled),
        strata=tuple(sorted({r.stratum for r in compiled})),
        task_facts=tuple(task_facts),
        text_facts=frozenset(f for f in task_facts if vocabulary.fact(f).kind in ("text", "id")),
        list_inputs=list_inputs,
        derived_read=derived_read,
        outputs_read_by_stratum=tuple((k, frozenset(v)) for k, v in sorted(outputs_by_stratum.items()) if v),
    )


# -- normal form -----------------------------------------------------------------------------

Atom = TaskTest | ItemTest
Conj = tuple[list[TaskTest], list[ItemTest]]


def _dnf(condition: Condition, vocabulary: Vocabulary, derived: set[str], negated: bool = False) -> list[Conj]:
    if isinstance(condition, Test):
        atom = _atom(condition, vocabulary, derived)
        if negated:
            atom = _negate(atom, vocabulary)
        return [([atom], [])] if isinstance(atom, TaskTest) else [([], [atom])]
    if isinstance(condition, Not):
        return _dnf(condition.item, vocabulary, derived, not negated)
    parts = [_dnf(item, vocabulary, derived, negated) for item in condition.items]
    conjunctive = isinstance(condition, AllOf) != negated
    if not conjunctive:
        return [conj for part in parts for conj in part]
    result: list[Conj] = [([], [])]
    for part in parts:
        result = [(t1 + t2, i1 + i2) for t1, i1 in result for t2, i2 in part]
    return result


def _merge(task: Iterable[TaskTest], items: Iterable[ItemTest]) -> Conjunction:
    by_fact: dict[str, frozenset[str]] = {}
    for test in task:
        by_fact[test.fact] = by_fact[test.fact] & test.values if test.fact in by_fact else test.values
    unique_items = tuple(dict.fromkeys(items))
    return Conjunction(tuple(TaskTest(f, v) for f, v in sorted(by_fact.items())), unique_items)


def _domain(fact: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    spec = vocabulary.fact(fact)
    return TEXT_DOMAIN if spec.kind in ("text", "id") else spec.values


def _negate(atom: Atom, vocabulary: Vocabulary) -> Atom:
    if isinstance(atom, ItemTest):
        return atom.negated()
    return TaskTest(atom.fact, frozenset(_domain(atom.fact, vocabulary)) - atom.values)


def _atom(test: Test, vocabulary: Vocabulary, derived: set[str]) -> Atom:
    name, op, value = test.fact, test.op, test.value
    if vocabulary.has_fact(name) and vocabulary.fact(name).kind != "list":
        spec = vocabulary.fact(name)
        domain = _domain(name, vocabulary)
        if op == "known":
            known = frozenset(v for v in domain if v != UNKNOWN)
            return TaskTest(name, known if value else frozenset({UNKNOWN}))
        if op in ("is", "in"):
            return TaskTest(name, frozenset(value if isinstance(value, tuple) else (str(value),)))
        if op in ("is_not", "not_in"):
            return TaskTest(name, frozenset(domain) - frozenset(value if isinstance(value, tuple) else (str(value),)))
        scale = spec.scale
        position = scale.index(str(value))
        chosen = {
            "at_least": scale[position:],
            "at_most": scale[: position + 1],
            "above": scale[position + 1 :],
            "below": scale[:position],
        }[op]
        return TaskTest(name, frozenset(chosen))
    space = "input" if vocabulary.has_fact(name) else ("output" if vocabulary.has_output(name) else "derived")
    if op == "known":
        return ItemTest(space, name, None, bool(value))
    values = value if isinstance(value, tuple) else (str(value),)
    if space == "input":  # free-text list items compare without case
        values = tuple(v.casefold() for v in values)
    positive = op not in ("is_not", "not_in")
    return ItemTest(space, name, frozenset(values), positive)


# -- strata ----------------------------------------------------------------------------------


def _producers(ruleset: RuleSet) -> tuple[dict[str, set[str]], dict[str, set[str]], set[str]]:
    """Rules concluding each output and each derived fact, and rules that can say 'no'."""
    outputs: dict[str, set[str]] = defaultdict(set)
    derived: dict[str, set[str]] = defaultdict(set)
    vetoes: set[str] = set()
    for rule in ruleset:
        for c in rule.then:
            if c.kind == "derive":
                derived[str(c.name)].add(rule.id)
            elif c.kind == "risk":
                outputs["risks"].add(rule.id)
            elif c.kind in ("condition", "plan"):
                outputs["conditions" if c.kind == "condition" else "plan"].add(rule.id)
            else:
                outputs[str(c.name)].add(rule.id)
                if c.kind == "set" and c.name == "crowdsource" and c.value == "no":
                    vetoes.add(rule.id)
    return outputs, derived, vetoes


def _stratify(ruleset: RuleSet, normal: list[tuple[Rule, tuple[Conjunction, ...]]]) -> dict[str, int]:
    outputs, derived, vetoes = _producers(ruleset)
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(rule.id for rule in ruleset)
    reasons: dict[tuple[str, str], str] = {}

    def depend(producer: str, reader: str, weight: int, why: str) -> None:
        if graph.has_edge(producer, reader) and graph[producer][reader]["weight"] >= weight:
            return
        graph.add_edge(producer, reader, weight=weight)
        reasons[(producer, reader)] = why

    for rule, conjunctions in normal:
        for conj in conjunctions:
            for item in conj.items:
                if item.space == "derived":
                    weight = 1 if not item.positive else 0
                    why = f"tests that derived fact {item.name!r} is absent" if weight else f"reads {item.name!r}"
                    for producer in derived.get(item.name, ()):
                        depend(producer, rule.id, weight, why)
                elif item.space == "output":
                    # An output is final once its producers have fired, and once every rule that
                    # could empty it (a 'no' verdict) has; the verdict also depends on conditions.
                    sources = set(outputs.get(item.name, ())) | vetoes
                    if item.name in ("crowdsource", "conditions"):
                        sources |= outputs.get("crowdsource", set()) | outputs.get("conditions", set())
                    for producer in sources:
                        depend(producer, rule.id, 1, f"reads output {item.name!r}")
    problems = []
    for component in nx.strongly_connected_components(graph):
        sub = graph.subgraph(component)
        for producer, reader, data in sub.edges(data=True):
            if data["weight"]:
                cycle = [*nx.shortest_path(sub, reader, producer), reader]
                rule = ruleset.rule(reader)
                problems.append(
                    Problem(
                        f"rule {reasons[(producer, reader)]}, which depends on the rule itself: " + " -> ".join(cycle),
                        rule.location,
                        reader,
                    )
                )
                break
    if problems:
        raise RuleFileError(f"{len(problems)} cycle(s) through outputs or absent facts", problems)
    # Positive cycles (a derives x, x lets b derive y, y lets a fire) are fine: each rule fires at
    # most once. Strata are longest paths over the condensation, counting only stratified reads.
    dag = nx.condensation(graph)
    member_of = dag.graph["mapping"]
    level: dict[int, int] = {}
    for node in nx.topological_sort(dag):
        level[node] = 0
        for rule_id in dag.nodes[node]["members"]:
            for producer in graph.predecessors(rule_id):
                if member_of[producer] != node:
                    level[node] = max(level[node], level[member_of[producer]] + graph[producer][rule_id]["weight"])
    used = {s: i for i, s in enumerate(sorted(set(level.values())))}
    return {rule: used[level[member_of[rule]]] for rule in graph.nodes}
