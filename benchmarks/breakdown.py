"""Where the time of one decision goes: each step timed on its own, task after task.

The steps are wrapped with a clock (about 0.2 µs each, counted in the step), then the tasks are
decided with ``questions=False``; what no step covers (the agenda's own Python: the heap, the
sets of asserted items, the Session objects; the trace) is the rest. The durable-rules calls are
timed one by one: the task (with the list items), the strata (with the outputs they read),
derived facts, the activations read back (one call per activated rule), the retraction at the
end.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import crowdsourcing_rules as cr
from crowdsourcing_rules import advisor as advisor_module
from crowdsourcing_rules.engine import agenda


@contextmanager
def _wrapped(owner: Any, name: str, label: Callable[..., str], spent: dict[str, float]) -> Iterator[None]:
    real = getattr(owner, name)
    clock = time.perf_counter_ns

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label(*args, **kwargs)] += clock() - start

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, real)


def _fact_kind(_handle: int, facts: str) -> str:
    if '"kind":"task"' in facts:
        return "durable-rules: assert the task (and list items)"
    if '"kind":"stratum"' in facts:
        return "durable-rules: assert a stratum (and the outputs it reads)"
    return "durable-rules: assert derived facts"


def breakdown(advisor: cr.Advisor, tasks: list[dict[str, Any]]) -> tuple[float, dict[str, float]]:
    """Medians over the tasks, in µs: of the whole decision, and of each step's share of it."""
    spent: dict[str, float] = collections.defaultdict(float)
    steps: list[tuple[Any, str, Callable[..., str]]] = [
        (advisor, "parse_task", lambda *a, **k: "validate the task (parse_task)"),
        (agenda, "task_facts", lambda *a, **k: "the facts to assert (task_facts)"),
        # the agenda calls resolve by the name it imported
        (
            agenda,
            "resolve",
            lambda fired, only=None: "resolve the outputs a stratum reads" if only else "resolve everything (once)",
        ),
        (advisor_module, "Recommendation", lambda *a, **k: "build the recommendation"),
    ]
    if advisor.engine == "durable-rules":
        from crowdsourcing_rules.engine import durable

        engine = durable.durable_rules_engine
        steps += [
            (engine, "assert_fact", _fact_kind),
            (engine, "assert_facts", _fact_kind),
            (engine, "start_action_for_state", lambda *a: "durable-rules: read the activations"),
            (engine, "complete_and_start_action", lambda *a: "durable-rules: read the activations"),
            (engine, "retract_facts", lambda *a: "durable-rules: retract the task's facts"),
        ]
    totals: list[float] = []
    each: dict[str, list[float]] = collections.defaultdict(list)
    with contextlib.ExitStack() as stack:
        for owner, name, label in steps:
            stack.enter_context(_wrapped(owner, name, label, spent))
        gc.collect()
        clock = time.perf_counter_ns
        for task in tasks:
            spent.clear()
            start = clock()
            advisor.decide(task, questions=False)
            totals.append((clock() - start) / 1000)
            for label, value in spent.items():
                each[label].append(value / 1000)
    count = len(tasks)
    # a step that does not run in every decision counts 0 in the others
    return statistics.median(totals), {
        label: statistics.median(values + [0.0] * (count - len(values))) for label, values in each.items()
    }


def section_breakdown(advisor: cr.Advisor, tasks: list[dict[str, Any]]) -> None:
    total, per = breakdown(advisor, tasks)
    print(
        f"\nWhere the time of decide(task, questions=False) goes, {advisor.engine}, {len(tasks):,} tasks "
        "(medians; each step clocked on its own)"
    )
    print(f"  {'':<62} {'µs':>8} {'share':>7}")
    for label, value in sorted(per.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<62} {value:>8.1f} {value / total:>7.0%}")
    rest = total - sum(per.values())
    label = "the rest: the agenda, sessions, the trace, the calls themselves"
    print(f"  {label:<62} {rest:>8.1f} {rest / total:>7.0%}")
    print(f"  {'all of decide (the clocks included)':<62} {total:>8.1f} {1:>7.0%}")
