"""The search for questions: which unknown facts could change the verdict if they were known.

The answer is defined by the exhaustive search: an enumerated fact that the task leaves unknown
is a question when deciding the task again with one of its values gives another verdict. This
module gives the same answers at about the cost of one decision:

- **only the verdict's rules run**: the rules on a path to ``crowdsource``
  (:func:`~crowdsourcing_rules.model.dataflow.upstream`) are compiled into an engine of their own,
  so a variant goes through those rules, in the strata they have, and through no other;
- **only the verdict is resolved** (before a stratum, only the outputs it reads);
- **one value per class**: two values of a fact that every condition of those rules accepts or
  refuses alike give the same verdict, so one value of each class is tried, and none of the class
  of ``unknown`` (the task as it is);
- **verdicts are remembered by what the verdict's rules read**: the task's facts those rules test
  (each value replaced by its class's) and its list items. A variant seen before, in this task or
  another one, costs a look-up.

The engine is the advisor's (durable-rules or the reference engine): it matches every variant.

>>> from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
>>> from crowdsourcing_rules.engine.compiling import compile_rules
>>> from crowdsourcing_rules.model.task import parse_task
>>> rules = parse_rule_documents([("r.yaml", '''
... rules:
...   - {id: veto, description: Keep it in., when: {legal_sensitivity: regulated},
...      then: [{set: {crowdsource: 'no'}}], source: {citation: x, status: I}}
...   - {id: go, description: Go., then: [{set: {crowdsource: 'yes'}}], source: {citation: x, status: I}}
...   - {id: hurry, description: Hurry., when: {urgency: high}, then: [{plan: hurry}],
...      source: {citation: x, status: I}}
... ''')])
>>> search = QuestionSearch(compile_rules(rules), "reference")
>>> search.facts  # urgency cannot change the verdict: no rule on a path to it reads urgency
('legal_sensitivity',)
>>> search.questions(parse_task({"id": "t"}), "yes")
('legal_sensitivity',)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from crowdsourcing_rules.engine.agenda import DEFAULT_MAX_FIRINGS, Engine, fire, task_facts
from crowdsourcing_rules.engine.compiling import CompiledRules, restrict
from crowdsourcing_rules.engine.engines import EngineName, make_engine
from crowdsourcing_rules.engine.resolution import resolve
from crowdsourcing_rules.model.dataflow import upstream
from crowdsourcing_rules.model.task import Task
from crowdsourcing_rules.model.vocabulary import UNKNOWN

__all__ = ["QuestionSearch"]

_VERDICT = frozenset({"crowdsource"})


class QuestionSearch:
    """Finds the unknown facts of a task that could change its verdict (see the module).

    Safe to share between threads; :meth:`close` releases its engine.
    """

    def __init__(
        self,
        compiled: CompiledRules,
        engine: EngineName,
        *,
        max_firings: int = DEFAULT_MAX_FIRINGS,
        cache_size: int = 4096,
    ) -> None:
        vocabulary = compiled.vocabulary
        cone = upstream(compiled.ruleset, ["crowdsource"])
        self.compiled = part = restrict(compiled, cone.rules)
        self.max_firings = max_firings
        #: The enumerated facts some rule on a path to the verdict reads, in vocabulary order.
        self.facts: tuple[str, ...] = tuple(f for f in cone.facts if vocabulary.fact(f).kind in ("enum", "bool"))
        # Each value of a fact the part tests, mapped to the first value of its class: the values
        # that every test of the part on that fact accepts or refuses alike.
        self._classes: list[dict[str, str]] = []
        # For each fact that can be asked: its position in the key, and one value of each class
        # but the class of ``unknown``.
        self._tried: dict[str, tuple[int, tuple[str, ...]]] = {}
        tests: dict[str, list[frozenset[str]]] = {f: [] for f in part.task_facts}
        for rule in part.rules:
            for conjunction in rule.conjunctions:
                for test in conjunction.task:
                    tests[test.fact].append(test.values)
        for position, fact in enumerate(part.task_facts):
            spec = vocabulary.fact(fact)
            first: dict[tuple[bool, ...], str] = {}
            classes = {}
            for value in spec.values if spec.kind in ("enum", "bool") else ():
                classes[value] = first.setdefault(tuple(value in values for values in tests[fact]), value)
            self._classes.append(classes)
            if fact in self.facts:
                unknown = classes[UNKNOWN]
                self._tried[fact] = (position, tuple(v for v in dict.fromkeys(classes.values()) if v != unknown))
        self.engine = make_engine(engine, part)
        # Not a bound method: the cache would hold the search, and the search its cache.
        self._verdict = functools.lru_cache(maxsize=cache_size)(
            functools.partial(_verdict, part, self.engine, max_firings)
        )

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()

    def questions(self, task: Task, verdict: str | None) -> tuple[str, ...]:
        """The facts of :attr:`facts` that ``task`` leaves open (unknown, and a finer fact only when
        the coarser one it refines is unknown too) and that change ``verdict`` (the task's verdict)
        with some value, in vocabulary order."""
        single, items = task_facts(self.compiled, task)
        given = (single[fact] for fact in self.compiled.task_facts)
        key = tuple(classes.get(value, value) for classes, value in zip(self._classes, given, strict=True))
        listed = tuple(items)
        asked = []
        facts, vocabulary = task.facts, self.compiled.vocabulary
        for fact in self.facts:
            tried = self._tried.get(fact)
            if tried is None or not vocabulary.open_question(fact, facts):
                continue
            position, values = tried
            for value in values:
                if self._verdict((*key[:position], value, *key[position + 1 :]), listed) != verdict:
                    asked.append(fact)
                    break
        return tuple(asked)


def _verdict(
    part: CompiledRules, engine: Engine, max_firings: int, key: tuple[str, ...], items: Sequence[tuple[str, str]]
) -> str | None:
    """The verdict of the part's rules on these facts (``key``: one value per task fact)."""
    single = dict(zip(part.task_facts, key, strict=True))
    with engine.session() as session:
        fired = fire(part, session, single, items, max_firings=max_firings)
    return resolve([r.rule for r in fired], only=_VERDICT).single["crowdsource"]
