"""Explanations of a recommendation: why, why not, and what if.

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

Explanations are values: :meth:`Explanation.to_dict` gives JSON-ready data, :meth:`~Explanation.to_text`
and :meth:`~Explanation.to_markdown` text a person reads, and in a notebook they render as HTML.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import attrs

from crowdsourcing_rules._suggest import did_you_mean, one_of
from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.compiling import ItemTest, TaskTest, _atom, _producers
from crowdsourcing_rules.recommendation import Override, Recommendation
from crowdsourcing_rules.resolution import Resolved, resolve
from crowdsourcing_rules.rules import AllOf, AnyOf, Condition, Not, Rule, Test
from crowdsourcing_rules.task import Task
from crowdsourcing_rules.vocabulary import OUTPUTS, UNKNOWN, Vocabulary

__all__ = [
    "Change",
    "Check",
    "Derivation",
    "Explainer",
    "Explanation",
    "RuleNode",
    "Scenario",
    "Sensitivity",
    "WhatIf",
    "WhyNot",
    "explain",
]

#: Outputs compared by what-if and the sensitivity table, in the card's order: every output but
#: the free-text ones (conditions and plan steps are sentences, not choices).
COMPARED_OUTPUTS: tuple[str, ...] = tuple(output.name for output in OUTPUTS if output.kind != "text_list")
OutputValue = str | tuple[str, ...] | None
Space = Literal["input", "derived", "output"]


# -- values ----------------------------------------------------------------------------------


@attrs.frozen
class Check:
    """A rule's condition, as the author wrote it, checked against one task.

    ``kind`` is ``test``, ``all``, ``any`` or ``not``. A ``test`` check carries the :class:`Test`,
    the kind of fact it reads (``space``: ``input``, ``derived`` or ``output``) and the value the
    rules saw (``actual``: a string, or a tuple for list facts, derived facts and outputs, empty
    when absent). ``because`` lists the fired rules that produced a derived fact or output value
    the test read; ``could`` the rules that could have produced a value a failed test needed.
    """

    kind: str
    holds: bool
    items: tuple[Check, ...] = ()
    test: Test | None = None
    space: str | None = None
    actual: str | tuple[str, ...] | None = None
    because: tuple[RuleNode, ...] = ()
    could: tuple[RuleNode, ...] = ()

    def describe(self) -> str:
        """The test with the value seen: ``urgency at_least medium (urgency = low)``."""
        if self.kind != "test":
            return {"all": "all of", "any": "any of", "not": "not"}[self.kind]
        assert self.test is not None
        return f"{self.test.describe()} ({self.test.fact} = {show_value(self.actual)})"

    def blockers(self) -> tuple[tuple[Check, bool], ...]:
        """The tests that make this condition fail, each with whether it should have held.

        A test inside a ``not`` blocks by holding: ``(check, False)``.
        """
        return tuple(self._blockers(expected=True))

    def _blockers(self, expected: bool) -> Iterator[tuple[Check, bool]]:
        if self.holds == expected:
            return
        if self.kind == "test":
            yield self, expected
        elif self.kind == "not":
            yield from self.items[0]._blockers(not expected)
        else:
            for item in self.items:
                yield from item._blockers(expected)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "holds": self.holds}
        if self.kind == "test":
            assert self.test is not None
            data.update(
                fact=self.test.fact,
                op=self.test.op,
                value=list(self.test.value) if isinstance(self.test.value, tuple) else self.test.value,
                test=self.test.describe(),
                space=self.space,
                actual=list(self.actual) if isinstance(self.actual, tuple) else self.actual,
            )
            if self.because:
                data["because"] = [n.to_dict() for n in self.because]
            if self.could:
                data["could"] = [n.to_dict() for n in self.could]
        else:
            data["items"] = [item.to_dict() for item in self.items]
        return data


@attrs.frozen
class RuleNode:
    """A rule in an explanation: whether it fired, its condition checked, what it lost."""

    rule: Rule
    fired: bool
    check: Check | None
    stratum: int = 0
    overridden: tuple[Override, ...] = ()

    @property
    def id(self) -> str:
        return self.rule.id

    def to_dict(self) -> dict[str, Any]:
        source = self.rule.source
        return {
            "rule": self.rule.id,
            "description": self.rule.description,
            "salience": self.rule.salience,
            "stratum": self.stratum,
            "fired": self.fired,
            "source": {
                "citation": source.citation,
                "status": source.status,
                **({"url": source.url} if source.url else {}),
                **({"note": source.note} if source.note else {}),
            },
            "location": str(self.rule.location) if self.rule.location else None,
            "condition": self.check.to_dict() if self.check else None,
            "overridden": [o.to_dict() for o in self.overridden],
        }


@attrs.frozen
class Derivation:
    """Why an output has a value: the fired rules that concluded it, each with its derivation."""

    output: str
    value: str
    rules: tuple[RuleNode, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "value": self.value, "rules": [r.to_dict() for r in self.rules]}


@attrs.frozen
class WhyNot:
    """Why an output does not have a value.

    ``candidates`` are the rules that could have concluded it: those that fired but whose
    conclusion was overridden (with the :class:`Override`) come first, then those that did not
    fire (their check says which tests failed). ``actual`` explains the value the output has.
    """

    output: str
    value: str
    reached: bool
    current: OutputValue
    candidates: tuple[RuleNode, ...]
    actual: tuple[Derivation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "value": self.value,
            "reached": self.reached,
            "current": list(self.current) if isinstance(self.current, tuple) else self.current,
            "candidates": [c.to_dict() for c in self.candidates],
            "actual": [d.to_dict() for d in self.actual],
        }

    def _repr_html_(self) -> str:
        from crowdsourcing_rules.html import why_not_html

        return why_not_html(self)


@attrs.frozen
class Change:
    """One input fact changed from ``old`` to ``new``."""

    fact: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.fact} = {self.new} instead of {self.old}"


@attrs.frozen
class Scenario:
    """A task changed by some facts, and the value the chosen output then takes."""

    changes: tuple[Change, ...]
    outcome: OutputValue
    recommendation: Recommendation = attrs.field(eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": [{"fact": c.fact, "from": c.old, "to": c.new} for c in self.changes],
            "outcome": list(self.outcome) if isinstance(self.outcome, tuple) else self.outcome,
        }


@attrs.frozen
class Sensitivity:
    """For each input fact and each of its other values, the outputs that change.

    ``rows`` are ``(fact, current value, new value, {output: new output value})`` in vocabulary
    order; a row whose mapping is empty changes nothing. A list output changes when its set of
    values does (crowd and service types also when their first, best-fit value does); risks are
    compared with their severity, as ``"quality (high)"``.
    """

    task_id: str
    outputs: tuple[str, ...]
    rows: tuple[tuple[str, str, str, Mapping[str, OutputValue]], ...]
    base: Mapping[str, OutputValue] = attrs.field(factory=dict, eq=False)

    def describe(self, output: str, value: OutputValue) -> str:
        """How ``output`` changes to ``value``: ``yes -> no``, or ``+added -removed`` for lists."""
        return describe_change(self.base.get(output), value)

    def changing(self, output: str) -> tuple[tuple[str, str], ...]:
        """The ``(fact, value)`` pairs that change ``output``."""
        return tuple((fact, new) for fact, _old, new, changed in self.rows if output in changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "outputs": list(self.outputs),
            "rows": [
                {
                    "fact": fact,
                    "from": old,
                    "to": new,
                    "changes": {k: list(v) if isinstance(v, tuple) else v for k, v in changed.items()},
                }
                for fact, old, new, changed in self.rows
            ],
        }

    def to_frame(self) -> Any:
        """A pandas DataFrame: one row per (fact, value), one boolean column per output."""
        import pandas as pd

        records = [
            {"fact": fact, "from": old, "to": new, **{o: o in changed for o in self.outputs}}
            for fact, old, new, changed in self.rows
        ]
        return pd.DataFrame.from_records(records, columns=["fact", "from", "to", *self.outputs])

    def _repr_html_(self) -> str:
        from crowdsourcing_rules.html import sensitivity_html

        return sensitivity_html(self)


@attrs.frozen
class WhatIf:
    """The smallest changes to the task that change ``output`` (to ``target`` when given)."""

    output: str
    current: OutputValue
    target: str | None
    scenarios: tuple[Scenario, ...]
    sensitivity: Sensitivity
    tried: int = 0

    @property
    def size(self) -> int:
        """How many facts the smallest scenarios change (0 when none was found)."""
        return len(self.scenarios[0].changes) if self.scenarios else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "current": list(self.current) if isinstance(self.current, tuple) else self.current,
            "target": self.target,
            "tried": self.tried,
            "scenarios": [s.to_dict() for s in self.scenarios],
            "sensitivity": self.sensitivity.to_dict(),
        }

    def _repr_html_(self) -> str:
        from crowdsourcing_rules.html import what_if_html

        return what_if_html(self)


@attrs.frozen
class Explanation:
    """A recommendation with the derivation of each conclusion, and the why-not and what-if asked."""

    task: Task
    recommendation: Recommendation
    derivations: tuple[Derivation, ...]
    why_not: tuple[WhyNot, ...] = ()
    what_if: WhatIf | None = None

    def why(self, output: str, value: str | None = None) -> Derivation:
        """The derivation of an output (of one of its values, for a list output or a risk)."""
        for derivation in self.derivations:
            if derivation.output == output and (value is None or derivation.value == value):
                return derivation
        raise KeyError(f"{output} = {value}" if value else output)

    def to_dict(self, outputs: Iterable[str] | None = None) -> dict[str, Any]:
        """JSON-ready data; ``outputs`` limits the *why* part to those."""
        shown = None if outputs is None else set(outputs)
        return {
            "task_id": self.task.id,
            "recommendation": self.recommendation.to_dict(),
            "why": [d.to_dict() for d in self.derivations if shown is None or d.output in shown],
            "why_not": [w.to_dict() for w in self.why_not],
            "what_if": self.what_if.to_dict() if self.what_if else None,
        }

    def to_text(self, outputs: Iterable[str] | None = None) -> str:
        """The explanation as indented plain text; ``outputs`` limits the *why* part to those."""
        from crowdsourcing_rules.report import to_text

        return to_text(self.recommendation, trace=False) + "\n\n" + _render(self, outputs, markdown=False)

    def to_markdown(self, outputs: Iterable[str] | None = None) -> str:
        """The explanation as Markdown (nested lists); ``outputs`` limits the *why* part to those."""
        return _render(self, outputs, markdown=True)

    def _repr_html_(self) -> str:
        from crowdsourcing_rules.html import explanation_html

        return explanation_html(self)


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
    ) -> Explanation:
        """Decide ``task`` and explain every conclusion; add the why-not questions asked (each
        ``"output=value"`` or ``(output, value)``) and, with ``what_if``, the smallest changes that
        change ``output`` (to ``target`` when given)."""
        task = self.advisor.parse_task(task)
        rec = self.advisor.decide(task)
        state = _State(self, task, rec)
        derivations = tuple(
            Derivation(out, value, tuple(state.node(rid) for rid in state.producers(out, value)))
            for out, value in _conclusions(rec)
        )
        asked = tuple(self._why_not(state, *_split(q)) for q in why_not)
        scenarios = self.what_if(task, output=output, target=target) if what_if else None
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
        candidates = [rid for rid, rule in self._rules.items() if _concludes(rule, output, value)]
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
    ) -> WhatIf:
        """The smallest changes of the task's facts that change ``output`` (to ``target``).

        Every other value of every enumerated fact the rules read is tried alone; pairs are tried
        only when no single change does it (and ``max_changes`` allows). Changes to ``unknown``
        are not proposed. Scenarios come nearest first (on ordered scales, the fewest steps).
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

        singles = list(self._single_changes(task))
        tried = 0
        rows = []
        scenarios: list[Scenario] = []
        base_values = {o: _compared(base, o) for o in COMPARED_OUTPUTS}
        for change in singles:
            rec = sweeper.decide(_changed(task, (change,)), questions=False)
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
                rec = sweeper.decide(_changed(task, (first, second)), questions=False)
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
        """Input facts read by a rule on some path to ``output`` (through derived facts and outputs)."""
        outputs, derived, _vetoes = _producers(self.advisor.ruleset)
        producers = {("output", k): v for k, v in outputs.items()} | {("derived", k): v for k, v in derived.items()}
        producers[("output", "crowdsource")] = outputs.get("crowdsource", set()) | outputs.get("conditions", set())
        seen_rules: set[str] = set()
        facts: set[str] = set()
        # A 'no' verdict empties or resets every other output: what the verdict reads counts too
        todo = list(dict.fromkeys([("output", output), ("output", "crowdsource")]))
        seen_nodes = set(todo)
        while todo:
            node = todo.pop()
            for rid in producers.get(node, ()):
                if rid in seen_rules:
                    continue
                seen_rules.add(rid)
                for test in self._rules[rid].tests:
                    name = test.fact
                    if self.vocabulary.has_fact(name):
                        facts.add(name)
                        continue
                    key = ("output" if self.vocabulary.has_output(name) else "derived", name)
                    if key not in seen_nodes:
                        seen_nodes.add(key)
                        todo.append(key)
        return tuple(f for f in self.vocabulary.fact_names if f in facts)


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


# -- the state of one decision ---------------------------------------------------------------


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
        atom = _atom(test, explainer.vocabulary, explainer._derived_names)
        if isinstance(atom, TaskTest):
            seen = self._single(atom.fact)
            return Check("test", seen in atom.values, test=test, space="input", actual=self._shown(atom.fact))
        assert isinstance(atom, ItemTest)
        present = self._items(atom)
        found = bool(present) if atom.values is None else not present.isdisjoint(atom.values)
        holds = found == atom.positive
        if atom.space == "input":
            return Check("test", holds, test=test, space="input", actual=tuple(self.task.get(atom.name) or ()))
        if atom.space == "derived":
            values = tuple(self.derived.get(atom.name, {}))
            because = tuple(
                self.node(rid) for value in values for rid in self.derived[atom.name][value] if self.order[rid] < before
            )
            could: tuple[RuleNode, ...] = ()
            if not holds and atom.positive and depth < 2:
                wanted = atom.values
                could = tuple(
                    self.unfired(rid, depth + 1)
                    for rid, rule in sorted(explainer._rules.items())
                    if rid not in self.order
                    and any(
                        c.kind == "derive" and c.name == atom.name and (wanted is None or c.value in wanted)
                        for c in rule.then
                    )
                )
            return Check("test", holds, test=test, space="derived", actual=values, because=because, could=could)
        values = self.resolved.items(atom.name)
        because = tuple(
            self.node(rid)
            for rid in dict.fromkeys(r for v in values for r in self.producers(atom.name, v))
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
            return _shorten(str(value)) if value else UNKNOWN
        return str(value) if value is not None else UNKNOWN

    def _items(self, atom: ItemTest) -> set[str]:
        if atom.space == "input":
            return {str(v).casefold() for v in (self.task.get(atom.name) or ())}
        if atom.space == "derived":
            return set(self.derived.get(atom.name, {}))
        return set(self.resolved.items(atom.name))


# -- helpers ---------------------------------------------------------------------------------


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


def show_value(value: OutputValue) -> str:
    """A value for display: tuples joined by commas, empty ones as ``absent``."""
    if isinstance(value, tuple):
        return ", ".join(value) if value else "absent"
    return "not concluded" if value is None else str(value)


def describe_change(old: OutputValue, new: OutputValue) -> str:
    """A change of an output value, in words.

    >>> describe_change("yes", "no")
    'yes -> no'
    >>> describe_change(("quality", "availability"), ("quality", "security"))
    '+security -availability'
    """
    if isinstance(old, tuple) and isinstance(new, tuple):
        parts = [f"+{v}" for v in new if v not in old] + [f"-{v}" for v in old if v not in new]
        return " ".join(parts) if parts else "reordered: " + show_value(new)
    return f"{show_value(old)} -> {show_value(new)}"


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _split(question: str | tuple[str, str]) -> tuple[str, str]:
    if isinstance(question, tuple):
        return question
    output, sep, value = question.partition("=")
    if not sep or not output.strip() or not value.strip():
        raise ValueError(f"a why-not question is OUTPUT=VALUE, for example granularity=contest; got {question!r}")
    return output.strip(), value.strip()


def _concludes(rule: Rule, output: str, value: str) -> bool:
    """Whether one of the rule's conclusions gives ``output`` the value ``value``."""
    for c in rule.then:
        if output == "risks":
            found = c.kind == "risk" and c.name == value
        elif output in ("conditions", "plan"):
            found = c.kind == {"conditions": "condition", "plan": "plan"}[output] and c.value == value
        else:
            found = c.kind in ("set", "add") and c.name == output and c.value == value
            # A condition turns a 'yes' into 'with_conditions'
            found = found or (output, value, c.kind) == ("crowdsource", "with_conditions", "condition")
        if found:
            return True
    return False


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


def _changed(task: Task, changes: Sequence[Change]) -> Task:
    new = {c.fact: c.new for c in changes}
    return Task(task.id, tuple((k, new.get(k, v)) for k, v in task.items))


# -- text and Markdown -------------------------------------------------------------------------


def _render(explanation: Explanation, outputs: Iterable[str] | None, *, markdown: bool) -> str:
    shown = None if outputs is None else set(outputs)
    out: list[str] = []

    def heading(text: str) -> None:
        out.append(("## " + text) if markdown else text)
        if markdown:
            out.append("")

    def line(depth: int, text: str) -> None:
        if markdown:
            out.append("  " * depth + "- " + _md(text))
        else:
            out.append("  " * (depth + 1) + text)

    def end_section() -> None:
        out.append("")

    heading(f"Why (task {explanation.task.id})")
    for derivation in explanation.derivations:
        if shown is not None and derivation.output not in shown:
            continue
        line(0, f"{derivation.output} = {_shorten(derivation.value, 80)}")
        seen: set[str] = set()
        for node in derivation.rules:
            _node_lines(node, 1, line, seen)
    end_section()
    for why_not in explanation.why_not:
        heading(f"Why not {why_not.output} = {why_not.value}?")
        if why_not.reached:
            line(0, f"it is reached: {why_not.output} = {show_value(why_not.current)}")
        else:
            line(0, f"{why_not.output} is {show_value(why_not.current)}")
            for derivation in why_not.actual:
                for node in derivation.rules:
                    line(1, f"because of {_rule_title(node)}")
            if not why_not.candidates:
                line(0, f"no rule concludes {why_not.output} = {why_not.value}")
            for node in why_not.candidates:
                _candidate_lines(node, why_not, line)
        end_section()
    if explanation.what_if is not None:
        _what_if_lines(explanation.what_if, heading, line)
        end_section()
    return "\n".join(out).rstrip() + "\n"


def _rule_title(node: RuleNode) -> str:
    where = f" {node.rule.location}" if node.rule.location else ""
    return f"{node.id} (salience {node.rule.salience}){where}"


def _node_lines(node: RuleNode, depth: int, line: Any, seen: set[str]) -> None:
    line(depth, f"rule {_rule_title(node)}: {node.rule.description.strip()}")
    if node.id in seen:
        line(depth + 1, "(derivation shown above)")
        return
    seen.add(node.id)
    line(depth + 1, f"source: {node.rule.source}" + (f" {node.rule.source.url}" if node.rule.source.url else ""))
    if node.check is None:
        line(depth + 1, "condition: always")
        return
    _check_lines(node.check, depth + 1, line, seen)


def _check_lines(check: Check, depth: int, line: Any, seen: set[str]) -> None:
    mark = "yes" if check.holds else "NO"
    if check.kind != "test":
        line(depth, f"[{mark}] {check.describe()}:")
        for item in check.items:
            _check_lines(item, depth + 1, line, seen)
        return
    line(depth, f"[{mark}] {check.describe()}")
    for producer in check.because:
        _node_lines(producer, depth + 1, line, seen)


def _candidate_lines(node: RuleNode, why_not: WhyNot, line: Any) -> None:
    line(1, f"rule {_rule_title(node)}: {node.rule.description.strip()}")
    if node.fired:
        lost = [o for o in node.overridden if o.output == why_not.output and o.value == why_not.value]
        for override in lost or node.overridden:
            line(2, f"fired, but overridden by {override.by}: {override.reason}")
        if not node.overridden:
            line(2, "fired")
        return
    if node.check is None:
        line(2, "did not fire")
        return
    line(2, "did not fire; failed:")
    _blocker_lines(node.check, 3, line, set())


def _blocker_lines(check: Check, depth: int, line: Any, seen: set[str]) -> None:
    for blocker, expected in check.blockers():
        prefix = "" if expected else "holds, but must not: "
        line(depth, prefix + blocker.describe())
        for candidate in blocker.could:
            if candidate.id in seen:
                continue
            seen.add(candidate.id)
            line(depth + 1, f"could be derived by {_rule_title(candidate)}, which did not fire; failed:")
            if candidate.check is not None:
                _blocker_lines(candidate.check, depth + 2, line, seen)


def _what_if_lines(what_if: WhatIf, heading: Any, line: Any) -> None:
    goal = f"{what_if.output} = {what_if.target}" if what_if.target else f"change {what_if.output}"
    heading(f"What if ({goal}; now {show_value(what_if.current)})")
    if not what_if.scenarios:
        line(0, f"no change of one or two facts does it ({what_if.tried} variants tried)")
    for scenario in what_if.scenarios[:10]:
        changes = " and ".join(str(c) for c in scenario.changes)
        line(0, f"with {changes}: {what_if.output} = {show_value(scenario.outcome)}")
    if len(what_if.scenarios) > 10:
        line(0, f"... and {len(what_if.scenarios) - 10} more")
    heading("Sensitivity (facts whose values change outputs)")
    for fact, old, new, changed in what_if.sensitivity.rows:
        if changed:
            shown = "; ".join(f"{k}: {what_if.sensitivity.describe(k, v)}" for k, v in changed.items())
            line(0, f"{fact} {old} -> {new}: {shown}")


def _md(text: str) -> str:
    for char in "\\`*[]<|":
        text = text.replace(char, "\\" + char)
    return text
