"""Compiling a rule set for an engine: conditions in normal form, strata, and what must be asserted.

The compiled form is engine-independent: each rule's condition in normal form
(:mod:`crowdsourcing_rules.model.conditions`), its stratum (:mod:`.strata`), and the facts the
engines must be given (only those some condition reads).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import attrs

from crowdsourcing_rules._pause import gc_paused
from crowdsourcing_rules.engine.strata import Graph, WaitsForItself, levels
from crowdsourcing_rules.errors import Problem, RuleFileError
from crowdsourcing_rules.model.conditions import Conjunction, normal_form
from crowdsourcing_rules.model.dataflow import producers
from crowdsourcing_rules.model.rules import Rule, RuleSet
from crowdsourcing_rules.model.vocabulary import Vocabulary

__all__ = ["CompiledRule", "CompiledRules", "compile_rules", "restrict"]


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
    #: By rule index: the derived facts the rule concludes that some condition reads, as items.
    derives: tuple[tuple[tuple[str, str, str], ...], ...]
    #: By rule index: :attr:`CompiledRule.agenda_key`, computed once.
    agenda_keys: tuple[tuple[int, int, str], ...]

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
    with gc_paused():
        return _compile(ruleset)


def _compile(ruleset: RuleSet) -> CompiledRules:
    vocabulary = ruleset.vocabulary
    derived = {str(c.name) for r in ruleset for c in r.then if c.kind == "derive"}
    normal = [(rule, tuple(normal_form(rule.when, vocabulary, derived))) for rule in ruleset]
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
    return _assemble(ruleset, tuple(compiled))


def restrict(compiled: CompiledRules, rule_ids: Iterable[str]) -> CompiledRules:
    """The part of ``compiled`` made of these rules, numbered again from 0, each in its stratum.

    The rules keep the strata of the whole set, and the part asserts only the facts its own
    conditions read. A part that holds, with each of its rules, every rule that can conclude what
    that rule reads (``model.dataflow.upstream`` gives such parts) fires the same rules of its own
    as the whole set does."""
    keep = frozenset(rule_ids)
    part = (r for r in compiled.rules if r.id in keep)
    return _assemble(compiled.ruleset, tuple(attrs.evolve(r, index=n) for n, r in enumerate(part)))


def _assemble(ruleset: RuleSet, compiled: tuple[CompiledRule, ...]) -> CompiledRules:
    """What the engines must be given for these rules: only what their conditions read."""
    vocabulary = ruleset.vocabulary
    task_facts = sorted({t.fact for r in compiled for c in r.conjunctions for t in c.task})
    list_inputs = frozenset(i.name for r in compiled for c in r.conjunctions for i in c.items if i.space == "input")
    derived_read = frozenset(i.name for r in compiled for c in r.conjunctions for i in c.items if i.space == "derived")
    outputs_by_stratum: dict[int, set[str]] = defaultdict(set)
    for r in compiled:
        outputs_by_stratum[r.stratum] |= r.reads_outputs
    return CompiledRules(
        ruleset=ruleset,
        rules=compiled,
        strata=tuple(sorted({r.stratum for r in compiled})),
        task_facts=tuple(task_facts),
        text_facts=frozenset(f for f in task_facts if vocabulary.fact(f).kind in ("text", "id")),
        list_inputs=list_inputs,
        derived_read=derived_read,
        outputs_read_by_stratum=tuple((k, frozenset(v)) for k, v in sorted(outputs_by_stratum.items()) if v),
        derives=tuple(_derived_items(r.rule, derived_read) for r in compiled),
        agenda_keys=tuple(r.agenda_key for r in compiled),
    )


def _derived_items(rule: Rule, read: frozenset[str]) -> tuple[tuple[str, str, str], ...]:
    """What firing ``rule`` asserts: the derived facts it concludes that some condition reads."""
    return tuple(("derived", str(c.name), c.value) for c in rule.then if c.kind == "derive" and c.name in read)


def _stratify(ruleset: RuleSet, normal: list[tuple[Rule, tuple[Conjunction, ...]]]) -> dict[str, int]:
    made = producers(ruleset)
    graph = Graph()
    for rule in ruleset:
        graph.node(rule.id)
    # One node per output and per derived fact that some rule reads (see engine.strata): its
    # producers point to it, it points to its readers.
    for rule, conjunctions in normal:
        for conj in conjunctions:
            for item in conj.items:
                if item.space == "derived":
                    hub = f"derived:{item.name}"
                    weight = 1 if not item.positive else 0
                    why = f"tests that derived fact {item.name!r} is absent" if weight else f"reads {item.name!r}"
                elif item.space == "output":
                    hub, weight, why = f"output:{item.name}", 1, f"reads output {item.name!r}"
                else:
                    continue
                if hub not in graph.successors:  # its producers, once (each reader costs one edge)
                    sources = (
                        made.derived.get(item.name, frozenset())
                        if item.space == "derived"
                        else made.final_value(item.name)
                    )
                    for producer in sorted(sources):
                        graph.edge(producer, hub, 0, "")
                graph.edge(hub, rule.id, weight, why)
    try:
        return levels(graph, [rule.id for rule in ruleset])
    except WaitsForItself as error:
        problems = [
            Problem(
                f"rule {why}, which depends on the rule itself: " + " -> ".join(cycle),
                ruleset.rule(reader).location,
                reader,
            )
            for reader, why, cycle in error.cycles
        ]
        raise RuleFileError(f"{len(problems)} cycle(s) through outputs or absent facts", problems) from None
