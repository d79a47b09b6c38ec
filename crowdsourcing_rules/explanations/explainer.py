"""The explainer: it decides a task and explains the recommendation: why, why not, and what if.

- **Why**: each conclusion with the rules that concluded it; each rule with its condition checked
  against the task (actual values shown) and, for a derived fact or an output the condition read,
  the rules that produced it, down to the task's own facts.
- **Why not**: for a conclusion that was not reached, the rules that could have concluded it, and
  for each, the tests of its condition that failed (with the actual values), or the rule that
  overrode its conclusion.
- **What if**: the smallest changes to the task's facts that change an output (single facts first,
  pairs when no single change does), and a sensitivity table: which value of which fact changes
  which output.

>>> import crowdsourcing_rules as cr
>>> explanation = cr.explain({"id": "t1", "skill_level": "licensed"}, why_not=["crowdsource=yes"])
>>> explanation.why("crowdsource").value == explanation.recommendation.crowdsource
True
>>> explanation.why_not[0].reached
False

Explanations are values (:mod:`crowdsourcing_rules.explanations.trees` and
:mod:`~crowdsourcing_rules.explanations.answers`): :meth:`Explanation.to_dict` gives JSON-ready data,
:meth:`~Explanation.to_text` and :meth:`~Explanation.to_markdown` text a person reads, and in a
notebook they render as HTML.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.engine.resolution import Resolved, resolve
from crowdsourcing_rules.errors import did_you_mean, one_of
from crowdsourcing_rules.explanations.answers import Change, Explanation, Scenario, Sensitivity, WhatIf, WhyNot
from crowdsourcing_rules.explanations.trees import Check, Derivation, OutputValue, RuleNode, shorten
from crowdsourcing_rules.model import policy
from crowdsourcing_rules.model.conditions import ItemTest, TaskTest, atom
from crowdsourcing_rules.model.dataflow import upstream
from crowdsourcing_rules.model.recommendation import Recommendation
from crowdsourcing_rules.model.rules import AllOf, AnyOf, Condition, Not, Test
from crowdsourcing_rules.model.task import Task
from crowdsourcing_rules.model.vocabulary import OUTPUTS, UNKNOWN, Vocabulary

__all__ = ["COMPARED_OUTPUTS", "Explainer", "explain", "output_value"]

#: Outputs compared by what-if and the sensitivity table, in the card's order: every output but
#: the free-text ones (conditions and plan steps are sentences, not choices).
COMPARED_OUTPUTS: tuple[str, ...] = tuple(output.name for output in OUTPUTS if output.kind != "text_list")
Space = Literal["input", "derived", "output"]


# -- the explainer -----------------------------------------------------------------------------


class Explainer:
    """Explains an advisor's recommendations (with the rules it has when the explainer is built:
    after :meth:`Advisor.reload`, build a new one).

    >>> import crowdsourcing_rules as cr
    >>> explainer = Explainer(cr.Advisor.default(engine="reference"))
    >>> task = {"id": "t1", "skill_level": "licensed"}
    >>> explainer.why_not(task, "crowdsource", "no").reached
    False
    """

    def __init__(self, advisor: Advisor) -> None:
        self.advisor = advisor
        ruleset = advisor.ruleset
        self._rules = {r.id: r for r in ruleset}
        self._strata = {r.id: r.stratum for r in advisor.compiled.rules}
        self._derived_names = {str(c.name) for r in ruleset for c in r.then if c.kind == "derive"}
        self._sweeper: Advisor | None = advisor if advisor.engine == "reference" else None

    @property
    def vocabulary(self) -> Vocabulary:
        return self.advisor.ruleset.vocabulary

    # -- why ---------------------------------------------------------------------------------

    def explain(
        self,
        task: Mapping[str, object] | Task,
        *,
        why_not: Iterable[str | tuple[str, str]] = (),
        what_if: bool = False,
        output: str = "crowdsource",
        target: str | None = None,
        facts: Iterable[str] | None = None,
    ) -> Explanation:
        """Decide ``task`` and explain every conclusion; add the why-not questions asked (each
        ``"output=value"`` or ``(output, value)``) and, with ``what_if``, the smallest changes that
        change ``output`` (to ``target`` when given), of ``facts`` only when given."""
        task = self.advisor.parse_task(task)
        rec = self.advisor.decide(task)
        state = _State(self, task, rec)
        derivations = tuple(
            Derivation(out, value, tuple(state.node(rid) for rid in state.producers(out, value)))
            for out, value in _conclusions(rec)
        )
        asked = tuple(self._why_not(state, *_split(q)) for q in why_not)
        scenarios = self.what_if(task, output=output, target=target, facts=facts) if what_if else None
        return Explanation(task, rec, derivations, asked, scenarios)

    # -- why not -----------------------------------------------------------------------------

    def why_not(self, task: Mapping[str, object] | Task, output: str, value: str) -> WhyNot:
        """Why ``output`` does not have ``value`` for this task (``reached`` is True if it does)."""
        task = self.advisor.parse_task(task)
        rec = self.advisor.decide(task, questions=False)
        return self._why_not(_State(self, task, rec), output, value)

    def _why_not(self, state: _State, output: str, value: str) -> WhyNot:
        self._check_output(output, value)
        rec = state.rec
        current = output_value(rec, output)
        reached = value in current if isinstance(current, tuple) else current == value
        candidates = [
            rid for rid, rule in self._rules.items() if any(policy.gives(c, output, value) for c in rule.then)
        ]
        fired = [rid for rid in candidates if rid in state.order]
        nodes = [state.node(rid) for rid in sorted(fired, key=state.order.__getitem__)]
        nodes += [state.unfired(rid) for rid in sorted(set(candidates) - set(fired))]
        actual: tuple[Derivation, ...] = ()
        if isinstance(current, str):  # a single output: what gave it the value it has
            actual = (Derivation(output, current, tuple(state.node(r) for r in state.producers(output, current))),)
        return WhyNot(output, value, reached, current, tuple(nodes), actual)

    def _check_output(self, output: str, value: str | None = None) -> None:
        vocabulary = self.vocabulary
        names = [o.name for o in vocabulary.outputs]
        if not vocabulary.has_output(output):
            raise ValueError(f"unknown output {output!r}{did_you_mean(output, names)}")
        spec = vocabulary.output(output)
        if value is not None and spec.values and value not in spec.values:
            raise ValueError(
                f"output {output!r} has no value {value!r}; expected {one_of(spec.values)}"
                f"{did_you_mean(value, spec.values)}"
            )

    # -- what if -----------------------------------------------------------------------------

    def what_if(
        self,
        task: Mapping[str, object] | Task,
        *,
        output: str = "crowdsource",
        target: str | None = None,
        max_changes: int = 2,
        facts: Iterable[str] | None = None,
    ) -> WhatIf:
        """The smallest changes of the task's facts that change ``output`` (to ``target``).

        Every other value of every enumerated fact the rules read is tried alone; pairs are tried
        only when no single change does it (and ``max_changes`` allows). Changes to ``unknown``
        are not proposed. Scenarios come nearest first (on ordered scales, the fewest steps).
        ``facts`` limits the changes to those facts (``vocabulary.changeable``: the ones a
        manager can change; the command line's default).
        """
        self._check_output(output, target)
        task = self.advisor.parse_task(task)
        sweeper = self._reference()
        base = sweeper.decide(task, questions=False)
        current = output_value(base, output)

        def hits(rec: Recommendation) -> bool:
            value = output_value(rec, output)
            if target is None:
                return _differs(output, value, current)
            return target in value if isinstance(value, tuple) else value == target

        allowed = None if facts is None else set(facts)
        singles = [c for c in self._single_changes(task) if allowed is None or c.fact in allowed]
        tried = 0
        rows = []
        scenarios: list[Scenario] = []
        base_values = {o: _compared(base, o) for o in COMPARED_OUTPUTS}
        for change in singles:
            rec = sweeper.decide(task.with_facts({change.fact: change.new}), questions=False)
            tried += 1
            values = {o: _compared(rec, o) for o in COMPARED_OUTPUTS}
            changed = {o: v for o, v in values.items() if _differs(o, v, base_values[o])}
            rows.append((change.fact, change.old, change.new, changed))
            if hits(rec):
                scenarios.append(Scenario((change,), output_value(rec, output), rec))
        if not scenarios and max_changes >= 2:
            relevant = set(self._facts_behind(output))
            pool = [c for c in singles if c.fact in relevant]
            for first, second in itertools.combinations(pool, 2):
                if first.fact == second.fact:
                    continue
                rec = sweeper.decide(task.with_facts({first.fact: first.new, second.fact: second.new}), questions=False)
                tried += 1
                if hits(rec):
                    scenarios.append(Scenario((first, second), output_value(rec, output), rec))
        scenarios.sort(key=lambda s: sum(self._distance(c) for c in s.changes))
        sensitivity = Sensitivity(task.id, COMPARED_OUTPUTS, tuple(rows), base_values)
        return WhatIf(output, current, target, tuple(scenarios), sensitivity, tried)

    def sensitivity(self, task: Mapping[str, object] | Task) -> Sensitivity:
        """For each enumerated input fact the rules read, which of its values change which outputs."""
        return self.what_if(task, max_changes=1).sensitivity

    def _reference(self) -> Advisor:
        # Sweeps decide hundreds of variants: the reference engine is the faster one for that.
        if self._sweeper is None:
            self._sweeper = Advisor(self.advisor.ruleset, engine="reference")
        return self._sweeper

    def _single_changes(self, task: Task) -> Iterator[Change]:
        read = set(self.advisor.compiled.task_facts)
        for spec in self.vocabulary.facts:
            if spec.name not in read or spec.kind not in ("enum", "bool"):
                continue
            old = str(task.get(spec.name))
            for value in spec.values:
                if value not in (old, UNKNOWN):
                    yield Change(spec.name, old, value)

    def _distance(self, change: Change) -> int:
        scale = self.vocabulary.fact(change.fact).scale
        if change.old in scale and change.new in scale:
            return abs(scale.index(change.new) - scale.index(change.old))
        return 1

    def _facts_behind(self, output: str) -> tuple[str, ...]:
        """Input facts read by a rule on some path to ``output`` or to the verdict (a 'no' verdict
        resets most outputs), through derived facts, outputs and the conflict policy."""
        return upstream(self.advisor.ruleset, [output, "crowdsource"]).facts


def explain(
    task: Mapping[str, object] | Task,
    *,
    advisor: Advisor | None = None,
    why_not: Iterable[str | tuple[str, str]] = (),
    what_if: bool = False,
    output: str = "crowdsource",
    target: str | None = None,
) -> Explanation:
    """Decide a task and explain it; see :meth:`Explainer.explain`.

    Without ``advisor``, the shipped default rules are used.
    """
    return Explainer(advisor or _default_advisor()).explain(
        task, why_not=why_not, what_if=what_if, output=output, target=target
    )


@functools.cache
def _default_advisor() -> Advisor:
    return Advisor.default()


class _State:
    """What the rules saw for one task: the facts, what the fired rules derived, the outputs."""

    def __init__(self, explainer: Explainer, task: Task, rec: Recommendation) -> None:
        self.explainer = explainer
        self.task = task
        self.rec = rec
        rules = explainer._rules
        self.order = {rid: i for i, rid in enumerate(rec.fired)}
        fired = [rules[rid] for rid in rec.fired]
        self.resolved: Resolved = resolve(fired)
        self.overridden = {f.rule_id: f.overridden for f in rec.trace}
        self.derived: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for rule in fired:
            for c in rule.then:
                if c.kind == "derive":
                    self.derived[str(c.name)][c.value].append(rule.id)
        self._nodes: dict[str, RuleNode] = {}
        self._unfired: dict[str, RuleNode] = {}

    # Which fired rules produced a value

    def producers(self, output: str, value: str) -> list[str]:
        """Fired rules behind an output's value, in firing order."""
        rec, rules = self.rec, self.explainer._rules
        if output == "risks":
            risk = rec.risk(value)
            found = list(risk.rules) if risk else []
        elif output in ("conditions", "plan"):
            kind = "condition" if output == "conditions" else "plan"
            found = [
                rid
                for rid in rec.fired
                if any(c.kind == kind and (value == "present" or c.value == value) for c in rules[rid].then)
            ]
        else:
            found = [
                rid
                for rid in rec.fired
                if any(c.kind in ("set", "add") and c.name == output and c.value == value for c in rules[rid].then)
                and not any(o.output == output and o.value == value for o in self.overridden.get(rid, ()))
            ]
            if output == "crowdsource" and value == "with_conditions":
                found += self.producers("conditions", "present")
        return sorted(dict.fromkeys(found), key=lambda rid: self.order.get(rid, len(self.order)))

    # Rule nodes

    def node(self, rule_id: str) -> RuleNode:
        """A fired rule, with its condition checked and the producers of what it read."""
        if rule_id not in self._nodes:
            rule = self.explainer._rules[rule_id]
            before = self.order[rule_id]
            self._nodes[rule_id] = RuleNode(
                rule=rule,
                fired=True,
                check=self.check(rule.when, before=before) if rule.when is not None else None,
                stratum=self.explainer._strata[rule_id],
                overridden=self.overridden.get(rule_id, ()),
            )
        return self._nodes[rule_id]

    def unfired(self, rule_id: str, depth: int = 0) -> RuleNode:
        """A rule that did not fire, its condition checked; one level of why-not for derived facts."""
        if rule_id not in self._unfired:
            rule = self.explainer._rules[rule_id]
            self._unfired[rule_id] = RuleNode(
                rule=rule,
                fired=False,
                check=self.check(rule.when, before=len(self.order), depth=depth) if rule.when is not None else None,
                stratum=self.explainer._strata[rule_id],
            )
        return self._unfired[rule_id]

    def check(self, condition: Condition, *, before: int, depth: int = 0) -> Check:
        if isinstance(condition, Test):
            return self._test(condition, before, depth)
        if isinstance(condition, Not):
            inner = self.check(condition.item, before=before, depth=depth)
            return Check("not", not inner.holds, (inner,))
        items = tuple(self.check(item, before=before, depth=depth) for item in condition.items)
        if isinstance(condition, AllOf):
            return Check("all", all(i.holds for i in items), items)
        assert isinstance(condition, AnyOf)
        return Check("any", any(i.holds for i in items), items)

    def _test(self, test: Test, before: int, depth: int) -> Check:
        explainer = self.explainer
        tested = atom(test, explainer.vocabulary, explainer._derived_names)
        if isinstance(tested, TaskTest):
            seen = self._single(tested.fact)
            return Check("test", seen in tested.values, test=test, space="input", actual=self._shown(tested.fact))
        assert isinstance(tested, ItemTest)
        present = self._items(tested)
        found = bool(present) if tested.values is None else not present.isdisjoint(tested.values)
        holds = found == tested.positive
        if tested.space == "input":
            return Check("test", holds, test=test, space="input", actual=tuple(self.task.get(tested.name) or ()))
        if tested.space == "derived":
            values = tuple(self.derived.get(tested.name, {}))
            because = tuple(
                self.node(rid)
                for value in values
                for rid in self.derived[tested.name][value]
                if self.order[rid] < before
            )
            could: tuple[RuleNode, ...] = ()
            if not holds and tested.positive and depth < 2:
                wanted = tested.values
                could = tuple(
                    self.unfired(rid, depth + 1)
                    for rid, rule in sorted(explainer._rules.items())
                    if rid not in self.order
                    and any(
                        c.kind == "derive" and c.name == tested.name and (wanted is None or c.value in wanted)
                        for c in rule.then
                    )
                )
            return Check("test", holds, test=test, space="derived", actual=values, because=because, could=could)
        values = self.resolved.items(tested.name)
        because = tuple(
            self.node(rid)
            for rid in dict.fromkeys(r for v in values for r in self.producers(tested.name, v))
            if self.order.get(rid, before) < before
        )
        return Check("test", holds, test=test, space="output", actual=values, because=because)

    def _single(self, name: str) -> str:
        value = self.task.get(name)
        if self.explainer.vocabulary.fact(name).kind in ("text", "id"):
            return "known" if value else UNKNOWN
        return str(value) if value is not None else UNKNOWN

    def _shown(self, name: str) -> str:
        value = self.task.get(name)
        if self.explainer.vocabulary.fact(name).kind in ("text", "id"):
            return shorten(str(value)) if value else UNKNOWN
        return str(value) if value is not None else UNKNOWN

    def _items(self, item: ItemTest) -> set[str]:
        if item.space == "input":
            return {str(v).casefold() for v in (self.task.get(item.name) or ())}
        if item.space == "derived":
            return set(self.derived.get(item.name, {}))
        return set(self.resolved.items(item.name))


def output_value(rec: Recommendation, output: str) -> OutputValue:
    """An output of a recommendation as a comparable value: a string, None, or a tuple."""
    if output == "risks":
        return rec.risk_ids
    value = getattr(rec, output)
    return tuple(value) if isinstance(value, (tuple, list)) else value


def _compared(rec: Recommendation, output: str) -> OutputValue:
    """An output as the sensitivity table compares it: risks with their severity."""
    if output == "risks":
        return tuple(f"{r.id} ({r.severity})" for r in rec.risks)
    return output_value(rec, output)


# Lists whose first value is the recommendation (best fit first): a new first value is a change
RANKED = frozenset({"crowd_types", "service_types"})


def _differs(output: str, new: OutputValue, old: OutputValue) -> bool:
    """Whether an output changed: for a list, its set of values (and, when ranked, its first)."""
    if isinstance(new, tuple) and isinstance(old, tuple):
        return set(new) != set(old) or (output in RANKED and new[:1] != old[:1])
    return new != old


def _split(question: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(question, tuple):
        return question
    output, sep, value = question.partition("=")
    if not sep or not output.strip() or not value.strip():
        raise ValueError(f"a why-not question is OUTPUT=VALUE, for example granularity=contest; got {question!r}")
    return output.strip(), value.strip()


def _conclusions(rec: Recommendation) -> Iterator[tuple[str, str]]:
    """Every (output, value) of a recommendation, in the vocabulary's order."""
    for spec in OUTPUTS:
        if spec.name == "risks":
            yield from (("risks", risk.id) for risk in rec.risks)
            continue
        value = getattr(rec, spec.name)
        if isinstance(value, tuple):
            yield from ((spec.name, v) for v in value)
        elif value is not None:
            yield spec.name, value
