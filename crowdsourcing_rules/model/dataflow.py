"""How values flow through a rule set: which rules produce each output and derived fact, and which
rules and input facts can influence an output.

The advisor uses it to know which unknown facts could change a verdict, the explanations to know
which facts to vary, stratification to know what a reader of an output must wait for, and the rule
graph to answer "what influences this output?".

>>> from crowdsourcing_rules.model.rules import Conclusion, Rule, RuleSet, Source, Test
>>> source = Source("example", "I")
>>> ruleset = RuleSet([
...     Rule("veto", "Secrets stay in.", (Conclusion("set", "crowdsource", "no"),), source,
...          when=Test("legal_sensitivity", "is", "high")),
...     Rule("crowd", "The public.", (Conclusion("add", "crowd_types", "general_public"),), source,
...          when=Test("volume", "is", "massive")),
... ])
>>> upstream(ruleset, ["crowd_types"]).facts
('legal_sensitivity', 'volume')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import attrs

from crowdsourcing_rules.model.policy import is_veto, policy_sources, target
from crowdsourcing_rules.model.rules import RuleSet

__all__ = ["Producers", "Upstream", "producers", "upstream"]


@attrs.frozen
class Producers:
    """The rules that conclude each output and each derived fact, and the rules that can say 'no'."""

    outputs: dict[str, frozenset[str]]
    derived: dict[str, frozenset[str]]
    vetoes: frozenset[str]

    def of_output(self, name: str) -> frozenset[str]:
        return self.outputs.get(name, frozenset())

    def final_value(self, output: str) -> frozenset[str]:
        """The rules that must have fired before a condition can read the final value of
        ``output``: its producers, every rule that could empty it (a 'no' verdict), and for the
        verdict and the conditions, the producers of both."""
        found = self.of_output(output) | self.vetoes
        if output in ("crowdsource", "conditions"):
            found |= self.of_output("crowdsource") | self.of_output("conditions")
        return found


def producers(ruleset: RuleSet) -> Producers:
    """Who concludes what in ``ruleset``."""
    outputs: dict[str, set[str]] = defaultdict(set)
    derived: dict[str, set[str]] = defaultdict(set)
    vetoes: set[str] = set()
    for rule in ruleset:
        for conclusion in rule.then:
            space, name = target(conclusion)
            (derived if space == "derived" else outputs)[name].add(rule.id)
            if is_veto(conclusion):
                vetoes.add(rule.id)
    return Producers(
        {k: frozenset(v) for k, v in outputs.items()},
        {k: frozenset(v) for k, v in derived.items()},
        frozenset(vetoes),
    )


@attrs.frozen
class Upstream:
    """What can influence some outputs: rule ids (sorted) and input facts (in vocabulary order)."""

    rules: tuple[str, ...]
    facts: tuple[str, ...]


def upstream(ruleset: RuleSet, outputs: Iterable[str]) -> Upstream:
    """The rules and input facts that can influence ``outputs``: the rules that conclude them,
    the facts those rules test, and so on back through derived facts, outputs the rules read,
    and the conflict policy (a 'no' verdict resets the crowd, so what the verdict reads counts)."""
    made = producers(ruleset)
    vocabulary = ruleset.vocabulary
    by_id = {rule.id: rule for rule in ruleset}
    todo = [("output", name) for name in dict.fromkeys(outputs)]
    seen_nodes = set(todo)
    seen_rules: set[str] = set()
    facts: set[str] = set()
    while todo:
        space, name = todo.pop()
        if space == "output":
            found = made.of_output(name)
            nexts = [("output", source) for source in policy_sources(name)]
        else:
            found = made.derived.get(name, frozenset())
            nexts = []
        for rule_id in found - seen_rules:
            seen_rules.add(rule_id)
            for test in by_id[rule_id].tests:
                if vocabulary.has_fact(test.fact):
                    facts.add(test.fact)
                else:
                    nexts.append(("output" if vocabulary.has_output(test.fact) else "derived", test.fact))
        for node in nexts:
            if node not in seen_nodes:
                seen_nodes.add(node)
                todo.append(node)
    return Upstream(tuple(sorted(seen_rules)), tuple(f for f in vocabulary.fact_names if f in facts))
