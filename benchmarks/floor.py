"""The floor: a minimal evaluator of the same compiled rules, to measure ``decide`` against.

It plugs a matcher of its own into an advisor: everything else is the library's own code, run as
it is (validating the task, the agenda and its strata, conflict resolution with its cache, the
recommendation and its trace). So the floor's decision differs from ours only in the matching,
and gives identical results (the benchmark checks it on every task it times).

The matcher is as cheap as Python allows. At build time, each conjunction of each rule gets a
bit; for each task fact and each of its values, the bits of the conjunctions whose test on that
fact admits the value (or that do not test it). Asserting a task is then one AND per fact (about
20 for the shipped rules) instead of testing each conjunction; only conjunctions with item tests
(list items, derived facts, outputs) are then checked one by one, when an item or a stratum
they depend on arrives.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from common import percentile

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.compiling import CompiledRules
from crowdsourcing_rules.model.conditions import ItemTest, domain

Item = tuple[str, str, str]


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class FloorEngine:
    """Matches compiled rules with bit masks over their conjunctions."""

    name = "floor"

    def __init__(self, compiled: CompiledRules) -> None:
        vocabulary = compiled.vocabulary
        conjunctions = [(rule, c) for rule in compiled.rules for c in rule.conjunctions]
        self.rule_of = [rule.index for rule, _c in conjunctions]
        self.items: list[tuple[ItemTest, ...]] = [c.items for _rule, c in conjunctions]
        everything = (1 << len(conjunctions)) - 1
        # For each task fact: the conjunctions that admit each value, and those that do not test it.
        self.admit: list[tuple[str, dict[str, int], int]] = []
        for fact in compiled.task_facts:
            values = {v: everything for v in domain(fact, vocabulary)}
            untested = everything
            for bit, (_rule, c) in enumerate(conjunctions):
                for test in c.task:
                    if test.fact == fact:
                        untested &= ~(1 << bit)
                        for value in values:
                            if value not in test.values:
                                values[value] &= ~(1 << bit)
            self.admit.append((fact, values, untested))
        self.plain = sum(1 << bit for bit, items in enumerate(self.items) if not items)
        self.by_stratum: dict[int, int] = {}
        self.by_item: dict[tuple[str, str], int] = {}
        for bit, (rule, c) in enumerate(conjunctions):
            self.by_stratum[rule.stratum] = self.by_stratum.get(rule.stratum, 0) | 1 << bit
            for item in c.items:
                key = (item.space, item.name)
                self.by_item[key] = self.by_item.get(key, 0) | 1 << bit

    def close(self) -> None:
        """Nothing to release."""

    @contextmanager
    def session(self) -> Iterator[FloorSession]:
        yield FloorSession(self)


class FloorSession:
    def __init__(self, engine: FloorEngine) -> None:
        self.engine = engine
        self.task = 0  # conjunctions whose task tests hold
        self.open = engine.by_stratum.get(0, 0)  # conjunctions of the strata opened so far
        self.present: dict[tuple[str, str], set[str]] = {}
        self.reported: set[int] = set()

    def _add(self, items: Iterable[Item]) -> int:
        touched = 0
        for space, name, value in items:
            self.present.setdefault((space, name), set()).add(value)
            touched |= self.engine.by_item.get((space, name), 0)
        return touched

    def _holds(self, bit: int) -> bool:
        for item in self.engine.items[bit]:
            present = self.present.get((item.space, item.name), ())
            found = bool(present) if item.values is None else not item.values.isdisjoint(present)
            if found != item.positive:
                return False
        return True

    def _report(self, candidates: int) -> list[int]:
        new = []
        plain, rule_of, reported = self.engine.plain, self.engine.rule_of, self.reported
        for bit in _bits(candidates & self.task & self.open):
            rule = rule_of[bit]
            if rule not in reported and (plain >> bit & 1 or self._holds(bit)):
                reported.add(rule)
                new.append(rule)
        return new

    def assert_task(self, facts: dict[str, str], items: Iterable[Item] = ()) -> list[int]:
        self._add(items)
        mask = -1
        for fact, values, untested in self.engine.admit:
            mask &= values.get(facts[fact], untested)
        self.task = mask
        return self._report(mask)

    def assert_items(self, items: Iterable[Item]) -> list[int]:
        return self._report(self._add(items))

    def assert_stratum(self, stratum: int, items: Iterable[Item] = ()) -> list[int]:
        touched = self._add(items)
        opened = self.engine.by_stratum.get(stratum, 0)
        self.open |= opened
        return self._report(touched | opened)


def floor_advisor(ruleset: cr.RuleSet, max_firings: int | None = None) -> cr.Advisor:
    """An advisor whose engine is the floor matcher (built as the reference one, then swapped)."""
    kwargs = {} if max_firings is None else {"max_firings": max_firings}
    advisor = cr.Advisor(ruleset, engine="reference", **kwargs)  # type: ignore[arg-type]
    engine = FloorEngine(advisor.compiled)
    advisor._engine = engine
    advisor._run = advisor._run._replace(engine=engine)
    return advisor


def _comparable(rec: cr.Recommendation) -> dict[str, object]:
    data = rec.to_dict()
    data.pop("engine")
    return data


def section_floor(advisor: cr.Advisor, tasks: list[dict[str, object]]) -> None:
    """``decide`` on each engine beside the floor, alternating task by task (the targets of issue 16:
    ``decide(questions=False)`` at most 2 times the floor, ``decide()`` at most 2 ms)."""
    floor = floor_advisor(advisor.ruleset)
    reference = cr.Advisor(advisor.ruleset, engine="reference")
    search = advisor._run.questions
    before = search._verdict.cache_info()
    timings: dict[str, list[float]] = {"ours": [], "floor": [], "reference": [], "questions": []}
    clock = time.perf_counter_ns
    gc.collect()
    for task in tasks:
        start = clock()
        ours = advisor.decide(task, questions=False)
        after_ours = clock()
        theirs = floor.decide(task, questions=False)
        after_floor = clock()
        reference.decide(task, questions=False)
        after_reference = clock()
        advisor.decide(task)
        end = clock()
        if _comparable(ours) != _comparable(theirs):
            raise SystemExit(f"the floor and {advisor.engine} differ on {task}")
        timings["ours"].append((after_ours - start) / 1000)
        timings["floor"].append((after_floor - after_ours) / 1000)
        timings["reference"].append((after_reference - after_floor) / 1000)
        timings["questions"].append((end - after_reference) / 1000)
    after = search._verdict.cache_info()
    floor_median = percentile(timings["floor"], 0.5)
    print(
        f"\nDecisions beside the floor evaluator, {len(tasks):,} tasks, each decided by all in turn "
        "(identical results on every task)"
    )
    print(f"  {'':<48} {'median':>10} {'99th pct':>10}  unit  median / floor's")
    labels = {
        "ours": f"decide(questions=False), {advisor.engine}",
        "reference": "decide(questions=False), reference engine",
        "floor": "decide(questions=False), floor evaluator",
        "questions": f"decide() with questions, {advisor.engine}",
    }
    for key in ("ours", "reference", "floor", "questions"):
        middle, high = percentile(timings[key], 0.5), percentile(timings[key], 0.99)
        print(f"  {labels[key]:<48} {middle:>10,.1f} {high:>10,.1f}  µs    x{middle / floor_median:5.2f}")
    evaluations = (after.misses - before.misses) / len(tasks)
    remembered = (after.hits - before.hits) / len(tasks)
    print(
        f"  the question search, per decision: {evaluations:.1f} variants evaluated (the verdict's "
        f"{len(search.compiled.rules)} rules), {remembered:.1f} remembered"
    )
    floor.close()
    reference.close()
