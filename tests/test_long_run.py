"""Long runs: no growth in threads or memory over many decisions and reloads (issue 8).

The 30,000-evaluation test of issue 2 is ``test_many_evaluations.py``. Here: 100 reloads, a long run
of the reference engine, and 200,000 decisions with durable-rules, which takes minutes: it is marked
``slow`` and runs when ``RUN_SLOW=1`` is set (``RUN_SLOW=1 python -m pytest -m slow``).

Memory is read as resident set size at intervals after a warm-up; a leak of one session, one rule
set or one engine per decision or per reload would exceed the tolerances many times over.
"""

from __future__ import annotations

import gc
import os
import shutil
import threading
import weakref
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.rulefiles.loading import default_rules_path
from tests.test_many_evaluations import generated_tasks, resident_kib

RUN_SLOW = bool(os.environ.get("RUN_SLOW"))


def run(advisor: cr.Advisor, pool: list[cr.Task], count: int, samples: int) -> list[int]:
    """Decide ``count`` tasks; return resident memory (KiB) at ``samples`` even intervals."""
    memory = []
    step = count // samples
    for n in range(count):
        advisor.decide(pool[n % len(pool)], questions=False)
        if (n + 1) % step == 0:
            gc.collect()
            memory.append(resident_kib())
    return memory


def test_a_hundred_reloads_leave_no_engine_thread_or_memory_behind(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path(), rules)
    pool = generated_tasks(50)
    with cr.Advisor.from_paths([rules], engine="durable-rules") as advisor:
        for _ in range(10):  # warm-up
            advisor.reload()
            advisor.decide(pool[0], questions=False)
        gc.collect()
        threads, baseline = threading.active_count(), resident_kib()
        engines = []
        for n in range(100):
            engines.append(weakref.ref(advisor._engine))
            advisor.reload()
            advisor.decide(pool[n % len(pool)], questions=False)
        gc.collect()
        growth = resident_kib() - baseline
        alive = [ref for ref in engines if ref() is not None]
        assert alive == [], "replaced engines are released (their durable-rules rule sets deleted)"
        assert threading.active_count() == threads
        assert growth < 8 * 1024, f"resident memory grew by {growth} KiB over 100 reloads"


def test_ten_thousand_decisions_with_the_reference_engine() -> None:
    """The fallback engine holds nothing between decisions either."""
    pool = generated_tasks(500)
    with cr.Advisor.default(engine="reference") as advisor:
        threads = threading.active_count()
        memory = run(advisor, pool, 10_000, samples=5)
        assert threading.active_count() == threads
    growth = max(memory[1:]) - memory[1]  # the first interval is the warm-up
    assert growth < 4 * 1024, f"resident memory grew by {growth} KiB: {memory}"


@pytest.mark.slow
@pytest.mark.skipif(not RUN_SLOW, reason="minutes long: set RUN_SLOW=1 to run it")
def test_two_hundred_thousand_decisions_in_one_process() -> None:
    pool = generated_tasks(2_000)
    with cr.Advisor.default(engine="durable-rules") as advisor:
        threads = threading.active_count()
        memory = run(advisor, pool, 200_000, samples=10)
        assert threading.active_count() == threads
    after_warm_up = memory[1:]
    growth = max(after_warm_up) - after_warm_up[0]
    assert growth < 8 * 1024, f"resident memory grew by {growth} KiB (KiB every 20,000 decisions: {memory})"
