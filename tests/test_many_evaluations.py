"""Tens of thousands of evaluations in one process: no thread growth, flat memory.

durable-rules keeps each session's state until it is deleted (more than 1,024 live sessions raise
MemoryError) and its Host starts timer threads: both would show here as growth.
"""

from __future__ import annotations

import gc
import random
import threading
from pathlib import Path

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import default_vocabulary

EVALUATIONS = 30_000


def resident_kib() -> int:
    """Resident memory of this process, from /proc (Linux)."""
    with Path("/proc/self/statm").open() as statm:
        pages = int(statm.read().split()[1])
    return pages * 4


def generated_tasks(count: int, seed: int = 7) -> list[cr.Task]:
    rng = random.Random(seed)
    vocabulary = default_vocabulary()
    out = []
    for n in range(count):
        data: dict[str, object] = {"id": f"task-{n}"}
        for spec in vocabulary.facts:
            if spec.kind in ("enum", "bool"):
                data[spec.name] = rng.choice(spec.values)
        data["skills_needed"] = rng.sample(["French consumer law", "statistics", "design"], k=rng.randint(0, 2))
        out.append(cr.parse_task(data))
    return out


def test_thirty_thousand_evaluations_with_flat_memory_and_no_new_threads() -> None:
    pool = generated_tasks(1_000)
    with cr.Advisor.default(engine="durable-rules") as advisor:
        threads = threading.active_count()
        verdicts: dict[str | None, int] = {}
        for n in range(5_000):  # warm-up: caches, allocator pools
            advisor.decide(pool[n % len(pool)], questions=False)
        gc.collect()
        baseline = resident_kib()
        for n in range(EVALUATIONS):
            rec = advisor.decide(pool[n % len(pool)], questions=False)
            verdicts[rec.crowdsource] = verdicts.get(rec.crowdsource, 0) + 1
        gc.collect()
        growth = resident_kib() - baseline
        assert threading.active_count() == threads
        assert sum(verdicts.values()) == EVALUATIONS
        assert len(verdicts) >= 2, "the generated tasks exercise more than one verdict"
        # A session leaked per evaluation would cost far more than this (and fail at 1,024).
        assert growth < 8 * 1024, f"resident memory grew by {growth} KiB over {EVALUATIONS} evaluations"
