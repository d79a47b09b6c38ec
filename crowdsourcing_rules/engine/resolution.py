"""Conflict resolution: from the conclusions of the fired rules to one value per output.

The policy is :mod:`crowdsourcing_rules.model.policy` (and ``docs/rule-files.md``); this module
applies it to the rules that fired on one task.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Sequence

import attrs

from crowdsourcing_rules.model.policy import (
    EMPTIED_BY_NO,
    NOT_APPLICABLE,
    VERDICT_RANK,
    capped,
    policy_sources,
    rank as _rank,
)
from crowdsourcing_rules.model.recommendation import Override, Risk
from crowdsourcing_rules.model.rules import Conclusion, Rule
from crowdsourcing_rules.model.vocabulary import OUTPUTS, SEVERITIES

__all__ = ["Resolved", "resolve"]

SINGLE = tuple(o.name for o in OUTPUTS if o.kind == "single")
LISTS = tuple(o.name for o in OUTPUTS if o.kind == "list")


@attrs.frozen
class Resolved:
    """Resolved outputs, and the conclusions each fired rule lost."""

    single: dict[str, str | None]
    lists: dict[str, tuple[str, ...]]
    risks: tuple[Risk, ...]
    conditions: tuple[str, ...]
    plan: tuple[str, ...]
    overridden: dict[str, tuple[Override, ...]]

    def items(self, output: str) -> tuple[str, ...]:
        """An output's values as the engine's output items (what a condition reading it sees)."""
        if output in self.single:
            value = self.single[output]
            return (value,) if value is not None else ()
        if output in self.lists:
            return self.lists[output]
        if output == "risks":
            return tuple(r.id for r in self.risks)
        if output in ("conditions", "plan"):
            return ("present",) if getattr(self, output) else ()
        return ()


@functools.lru_cache(maxsize=256)
def _needed(outputs: frozenset[str]) -> frozenset[str]:
    """The outputs to resolve for ``outputs``: them and, through the policy, what can change them."""
    needed, todo = set(outputs), list(outputs)
    while todo:
        for source in policy_sources(todo.pop()):
            if source not in needed:
                needed.add(source)
                todo.append(source)
    return frozenset(needed)


def resolve(fired: Sequence[Rule], only: Collection[str] | None = None) -> Resolved:
    """Resolve the conclusions of ``fired`` (in firing order).

    With ``only``, resolve just those outputs (and what the policy needs for them, the verdict
    for the crowd), without the overridden conclusions: what a later stratum reads, or the
    verdict alone. The other outputs are then left out of the result."""
    full = only is None
    wanted = frozenset() if only is None else _needed(frozenset(only))

    def want(output: str) -> bool:
        return full or output in wanted

    overridden: dict[str, list[Override]] = defaultdict(list)

    def lose(rule: Rule, output: str, value: str, by: str, reason: str) -> None:
        if not full:
            return  # nobody reads what a partial resolution overrides
        override = Override(output, value, by, reason)
        if override not in overridden[rule.id]:
            overridden[rule.id].append(override)

    # One pass over the conclusions, grouped by output (in firing order, then conclusion order)
    sets: dict[str, list[tuple[Rule, str]]] = defaultdict(list)
    changes: dict[str, list[tuple[Rule, int, Conclusion]]] = defaultdict(list)
    for rule in fired:
        for position, c in enumerate(rule.then):
            if c.kind == "set":
                sets[str(c.name)].append((rule, c.value))
            elif c.kind in ("add", "remove"):
                changes[str(c.name)].append((rule, position, c))

    # Single-valued outputs
    single: dict[str, str | None] = {}
    winners: dict[str, Rule] = {}
    for output in SINGLE:
        if not want(output):
            continue
        claims = sets.get(output, ())
        if not claims:
            single[output] = None
            continue
        if output == "crowdsource":
            rule, value = min(claims, key=lambda rv: (-VERDICT_RANK[rv[1]], *_rank(rv[0])))
            reason = "a more cautious verdict wins"
        else:
            rule, value = min(claims, key=lambda rv: _rank(rv[0]))
            reason = "a rule of higher salience (or, at equal salience, a smaller id) wins"
        single[output], winners[output] = value, rule
        for other, other_value in claims:
            if other_value != value:
                why = reason
                if output != "crowdsource" and other.salience == rule.salience:
                    why = "conflict at equal salience: the rule with the smaller id wins"
                lose(other, output, other_value, rule.id, why)

    # Lists: collect additions with their best rank, then drop removals
    lists: dict[str, tuple[str, ...]] = {}
    for output in LISTS:
        if not want(output):
            continue
        best: dict[str, tuple[int, str, int]] = {}
        adders: dict[str, list[Rule]] = defaultdict(list)
        removed: dict[str, Rule] = {}
        for rule, position, c in changes.get(output, ()):
            if c.kind == "add":
                key = _rank(rule, position)
                best[c.value] = min(best.get(c.value, key), key)
                adders[c.value].append(rule)
            else:
                removed.setdefault(c.value, rule)
        for value, remover in removed.items():
            for rule in adders.get(value, ()):
                lose(rule, output, value, remover.id, "removed by another rule")
        lists[output], dropped = capped(output, [v for v in sorted(best, key=best.__getitem__) if v not in removed])
        for value in dropped:
            for rule in adders[value]:
                lose(rule, output, value, "policy", f"at most {len(lists[output])} values are kept, best first")

    # Risks
    by_id: dict[str, dict[str, object]] = {}
    for rule in fired if want("risks") else ():
        for c in rule.then:
            if c.kind != "risk":
                continue
            entry = by_id.setdefault(str(c.name), {"severity": c.severity, "mitigations": [], "rules": []})
            if SEVERITIES.index(str(c.severity)) > SEVERITIES.index(str(entry["severity"])):
                entry["severity"] = c.severity
            mitigations = entry["mitigations"]
            assert isinstance(mitigations, list)
            mitigations.extend(m for m in c.mitigations if m not in mitigations)
            rules = entry["rules"]
            assert isinstance(rules, list)
            if rule.id not in rules:
                rules.append(rule.id)
    risk_order = OUTPUTS[[o.name for o in OUTPUTS].index("risks")].values
    risks = tuple(
        Risk(risk_id, str(e["severity"]), e["mitigations"], e["rules"])
        for risk_id, e in sorted(
            by_id.items(), key=lambda kv: (-SEVERITIES.index(str(kv[1]["severity"])), risk_order.index(kv[0]))
        )
    )

    conditions = tuple(
        dict.fromkeys(c.value for rule in fired if want("conditions") for c in rule.then if c.kind == "condition")
    )
    steps = sorted(
        (
            (c.order, *_rank(rule, position), c.value)
            for rule in fired
            if want("plan")
            for position, c in enumerate(rule.then)
            if c.kind == "plan"
        ),
    )
    plan = tuple(dict.fromkeys(step[-1] for step in steps))

    # The verdict's policy
    verdict = single.get("crowdsource")
    if verdict == "yes" and conditions:
        single["crowdsource"] = "with_conditions"
        for rule in fired if full else ():
            for c in rule.then:
                if c.kind == "set" and c.name == "crowdsource" and c.value == "yes":
                    lose(rule, "crowdsource", "yes", "policy", "conditions apply, so the verdict is with_conditions")
    if verdict == "no":
        veto = winners["crowdsource"].id
        for output, value in NOT_APPLICABLE.items():
            if output not in single:
                continue  # not resolved here
            if single[output] not in (None, value):
                lose(winners[output], output, str(single[output]), veto, "the verdict is no")
            single[output] = value
        for output in (o for o in EMPTIED_BY_NO if o in lists):  # conditions: below
            for rule in fired if full else ():
                for c in rule.then:
                    if c.kind == "add" and c.name == output and c.value in lists[output]:
                        lose(rule, output, c.value, veto, "the verdict is no")
            lists[output] = ()
        for rule in fired if full else ():
            for c in rule.then:
                if c.kind == "condition":
                    lose(rule, "conditions", c.value, veto, "the verdict is no")
        conditions = ()

    return Resolved(
        single=single,
        lists=lists,
        risks=risks,
        conditions=conditions,
        plan=plan,
        overridden={k: tuple(v) for k, v in overridden.items()},
    )
