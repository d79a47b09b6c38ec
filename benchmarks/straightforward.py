"""The straightforward durable-rules translation of the same rules, the contender of most sections.

One durable rule per rule, built from the same compiled conditions, durable's own ``pri`` for
salience, each action asserting its conclusions as facts, one session per task (assert the task's
facts, read the facts back with ``get_facts``, delete the state): what one writes from the
durable-rules documentation. It validates nothing, resolves no conflict and builds no trace: it
does less than our advisor.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.compiling import CompiledRule, CompiledRules, compile_rules
from crowdsourcing_rules.model.conditions import Conjunction
from crowdsourcing_rules.model.vocabulary import UNKNOWN

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from durable import engine as durable_engine


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """durable's Host without its background timer threads, which would dispatch actions of our
    synchronous sessions from another thread."""

    def _run(self) -> None:
        pass


def _or(name: str, values: Iterable[str]) -> dict[str, Any]:
    ordered = sorted(values)
    return {name: ordered[0]} if len(ordered) == 1 else {"$or": [{name: v} for v in ordered]}


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _conjunction_patterns(conjunction: Conjunction, prefix: str) -> list[dict[str, Any]]:
    patterns = [{f"{prefix}t": _and([{"kind": "task"}, *(_or(t.fact, t.values) for t in conjunction.task)])}]
    for position, item in enumerate(conjunction.items):
        parts = [{"kind": "item"}, {"space": item.space}, {"name": item.name}]
        if item.values is not None:
            parts.append(_or("value", item.values))
        patterns.append({f"{prefix}i{position}" + ("" if item.positive else "$not"): _and(parts)})
    return patterns


def _conclusion_facts(rule: CompiledRule) -> list[dict[str, Any]]:
    facts = []
    for n, c in enumerate(rule.rule.then):
        if c.kind == "derive":
            space, name, value = "derived", c.name, c.value
        elif c.kind in ("set", "add"):
            space, name, value = "output", c.name, c.value
        elif c.kind == "remove":
            space, name, value = "removed", c.name, c.value
        elif c.kind == "risk":
            space, name, value = "output", "risks", c.name
        else:  # condition, plan: texts
            space, name, value = "output", "conditions" if c.kind == "condition" else "plan", "present"
        facts.append({"kind": "item", "space": space, "name": name, "value": value, "rule": rule.id, "n": n})
    return facts


class Straightforward:
    """One durable rule per rule; each action asserts its conclusions; one session per task."""

    def __init__(self, compiled: CompiledRules) -> None:
        self.compiled = compiled
        self.name = f"straightforward_{id(self)}"
        definition: dict[str, Any] = {}
        for rule in compiled.rules:
            if not rule.conjunctions:
                continue
            if len(rule.conjunctions) == 1:
                body: dict[str, Any] = {"all": _conjunction_patterns(rule.conjunctions[0], "")}
            else:
                body = {
                    "any": [{f"g{n}$all": _conjunction_patterns(c, f"g{n}.")} for n, c in enumerate(rule.conjunctions)]
                }
            body["pri"] = -rule.rule.salience  # durable runs the lowest pri first
            body["run"] = self._action(_conclusion_facts(rule))
            definition[f"r{rule.index}"] = body
        self.host = _QuietHost()
        self.host.set_rulesets({self.name: definition})
        self._sids = iter(range(1, 1 << 62))

    @staticmethod
    def _action(facts: list[dict[str, Any]]) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            for fact in facts:
                # No rule reads this conclusion: left to propagate, durable would format a
                # traceback into the state (3 ms a task); caught, the fact is simply not kept.
                with contextlib.suppress(durable_engine.MessageNotHandledException):
                    c.assert_fact(dict(fact))

        return action

    def _facts(self, task: dict[str, Any], sid: str) -> list[dict[str, Any]]:
        compiled = self.compiled
        single: dict[str, Any] = {"sid": sid, "kind": "task"}
        for name in compiled.task_facts:
            value = task.get(name)
            if name in compiled.text_facts:
                single[name] = "known" if value else UNKNOWN
            elif isinstance(value, bool):
                single[name] = "true" if value else "false"
            else:
                single[name] = value if value is not None else UNKNOWN
        facts = [single]
        for name in sorted(compiled.list_inputs):
            for value in dict.fromkeys(v.casefold() for v in task.get(name) or ()):
                facts.append({"sid": sid, "kind": "item", "space": "input", "name": name, "value": value})
        return facts

    def decide(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        """Assert the task, read every fact back, delete the session; return the facts."""
        sid = str(next(self._sids))
        for fact in self._facts(task, sid):
            with contextlib.suppress(durable_engine.MessageNotHandledException):
                self.host.assert_fact(self.name, fact)
        try:
            return self.host.get_facts(self.name, sid)  # type: ignore[no-any-return]
        finally:
            self.host.delete_state(self.name, sid)


# Workers of the straightforward translation's process pool (the same chunks as decide_many).
_worker_engine: Straightforward | None = None


def _straight_init(paths: list[str]) -> None:
    global _worker_engine
    _worker_engine = Straightforward(compile_rules(cr.load_rules(paths)))


def _straight_chunk(chunk: list[dict[str, Any]]) -> int:
    assert _worker_engine is not None
    return sum(len(_worker_engine.decide(task)) for task in chunk)


def _straight_partition(part: list[dict[str, Any]], paths: list[str]) -> list[int]:
    # Dask pickles this function by value: keep the worker's engine in a module of its own.
    import types

    cache = sys.modules.setdefault("_bench_straightforward", types.ModuleType("_bench_straightforward"))
    if not hasattr(cache, "engine"):
        cache.engine = Straightforward(compile_rules(cr.load_rules(paths)))  # type: ignore[attr-defined]
    return [sum(len(cache.engine.decide(task)) for task in part)]  # type: ignore[attr-defined]


def straightforward_pool(paths: list[str], tasks: list[dict[str, Any]], workers: int, chunk: int = 200) -> float:
    import multiprocessing

    from crowdsourcing_rules.batch.pool import start_method as _start_method

    start = time.perf_counter()
    context = multiprocessing.get_context(_start_method())  # as decide_many does
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_straight_init, initargs=(paths,)) as pool:
        chunks = [tasks[i : i + chunk] for i in range(0, len(tasks), chunk)]
        for _ in pool.map(_straight_chunk, chunks):
            pass
    return len(tasks) / (time.perf_counter() - start)
