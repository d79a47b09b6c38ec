"""Conflicts: two rules that can fire on the same task and set one output to different values at
equal salience, so that the rule id alone decides (CR501, with an example task), or might
(CR502, when no such task was found).

Candidates come from the fact table; the gap search (:mod:`.gaps`) runs the rules on many tasks
and records, for each candidate, a task on which the tie decided the output; where the search
was not exhaustive, :func:`witness` builds tasks from the two conditions.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.analysis.findings import Finding, finding, plural, show_task
from crowdsourcing_rules.analysis.table import RuleTable
from crowdsourcing_rules.model import policy
from crowdsourcing_rules.model.conditions import Conjunction, merge
from crowdsourcing_rules.model.vocabulary import UNKNOWN, Vocabulary

__all__ = ["Candidate", "candidates", "decides", "report", "task_value", "witness"]

#: A possible conflict: rules a <= b, the output, and the value each sets.
Candidate = tuple[str, str, str, str, str]


def candidates(table: RuleTable) -> list[Candidate]:
    """Rules that can fire together and set a single output to different values at equal
    salience: ``(a, b, output, value_a, value_b)`` with ``a < b``, or ``a == b`` for one rule
    that sets an output twice."""
    sets: dict[str, dict[str, list[str]]] = {}
    for rule in table.ruleset:
        sets[rule.id] = defaultdict(list)
        for c in rule.then:
            if c.kind == "set" and c.name != "crowdsource" and c.value not in sets[rule.id][str(c.name)]:
                sets[rule.id][str(c.name)].append(c.value)
    out: list[Candidate] = []
    rules = sorted((r for r in table.ruleset if r.id in table.fireable), key=lambda r: r.id)
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
        if not clashes or not table.compatible(a.id, b.id):
            continue
        out.extend((a.id, b.id, output, value_a, value_b) for output, value_a, value_b in clashes)
    return out


def decides(table: RuleTable, candidate: Candidate, fired: set[str], verdict: str | None) -> bool:
    """Whether both rules fired and their tie decides the output: no fired rule of higher
    salience sets it, and a 'no' verdict does not make it not applicable anyway."""
    a, b, output, _va, _vb = candidate
    if a not in fired or b not in fired or (verdict == "no" and output in policy.NOT_APPLICABLE):
        return False
    top = max(
        table.rule(r).salience for r in fired if any(c.kind == "set" and c.name == output for c in table.rule(r).then)
    )
    return top == table.rule(a).salience


def report(
    table: RuleTable,
    found: list[Candidate],
    seen: Mapping[Candidate, dict[str, Any]],
    masked: Mapping[Candidate, int],
    *,
    exhaustive: bool,
) -> list[Finding]:
    """The findings for the candidates: CR501 with the example task the search (or
    :func:`witness`) found, CR502 when there is none, nothing when an exhaustive search shows
    that the tie never decides."""
    findings = []
    for candidate in found:
        a, b, output, value_a, value_b = candidate
        example = seen.get(candidate)
        if example is None and not exhaustive:
            example = witness(table, candidate)
        if example is None and exhaustive:
            continue  # every input was tried and the tie never decided: no conflict
        rule_b = table.rule(b)
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
            findings.append(
                finding(
                    "CR501",
                    f"conflict: {what}; for the task {show_task(example)} {fires} and no rule of higher salience "
                    f"sets {output}; {fix}",
                    where,
                    ids,
                    output=output,
                    example=example,
                )
            )
            continue
        why = (
            f"{fired} on {plural(masked[candidate], 'sampled task')}, but a rule of higher salience or "
            f"a 'no' verdict settled {output} each time"
            if masked.get(candidate)
            else f"no task was found on which {fires} and the tie decides"
        )
        findings.append(finding("CR502", f"possible conflict: {what}; {why}", where, ids, output=output))
    return findings


def witness(table: RuleTable, candidate: Candidate) -> dict[str, Any] | None:
    """A task on which the tie between two rules decides an output, built from their conditions."""
    if table.compiled is None:
        return None
    a, b = candidate[:2]
    advisor = Advisor(table.ruleset, engine="reference")
    tried = 0
    for x, y in table.pairs(a, b):
        for conj in _expand(table, merge((*x.task, *y.task), (*x.items, *y.items)), depth=3):
            task = _task_for(table, conj)
            if task is None:
                continue
            tried += 1
            rec = advisor.decide({"id": "witness", **task}, questions=False)
            if decides(table, candidate, {f.rule_id for f in rec.trace}, rec.crowdsource):
                return task
            if tried >= 64:
                return None
    return None


def _expand(table: RuleTable, conj: Conjunction, depth: int) -> Iterator[Conjunction]:
    """Conjunctions that also hold the conditions of a rule concluding each derived fact needed."""
    need = next((i for i in conj.items if i.positive and i.space == "derived"), None)
    if need is None or depth == 0:
        yield conj
        return
    rest = tuple(i for i in conj.items if i is not need)
    for rule in sorted(table.ruleset, key=lambda r: r.id):
        if rule.id not in table.fireable:
            continue
        if not any(
            c.kind == "derive" and c.name == need.name and (need.values is None or c.value in need.values)
            for c in rule.then
        ):
            continue
        for other in table.viable[rule.id]:
            merged = merge((*conj.task, *other.task), (*rest, *other.items))
            if table.dead_reason(merged) is None:
                yield from _expand(table, merged, depth - 1)


def _task_for(table: RuleTable, conj: Conjunction) -> dict[str, Any] | None:
    task: dict[str, Any] = {}
    for test in conj.task:
        if not test.values:
            return None
        value = next(v for v in table.domain(test.fact) if v in test.values)
        if value != UNKNOWN:
            task[test.fact] = task_value(table.vocabulary, test.fact, value)
    for item in conj.items:
        if item.space == "input" and item.positive:
            task.setdefault(item.name, []).append(sorted(item.values)[0] if item.values else "something")
    return task


def task_value(vocabulary: Vocabulary, fact: str, value: str) -> Any:
    """A value of a fact as a task file gives it (yes/no facts as booleans, text as a stand-in)."""
    kind = vocabulary.fact(fact).kind
    if kind in ("text", "id"):
        return "(some text)"
    if kind == "bool":
        return value == "true"
    return value
