"""What every section of the benchmark shares: generated tasks, memory readings, printing."""

from __future__ import annotations

import gc
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import crowdsourcing_rules as cr
from crowdsourcing_rules.model.vocabulary import Vocabulary

SKILLS = ("statistics", "French law", "python", "design", "translation", "data labeling", "law")
TEXTS = ("Translate the catalogue", "Label 1M images", "Design a logo", "Draft the contracts")


def generate_tasks(count: int, seed: int, vocabulary: Vocabulary | None = None) -> Iterator[dict[str, Any]]:
    """``count`` random valid tasks, the same for the same seed (generated lazily)."""
    vocabulary = vocabulary or cr.default_vocabulary()
    rng = random.Random(seed)
    specs = [s for s in vocabulary.facts if s.name != "id"]
    for n in range(count):
        task: dict[str, Any] = {"id": f"task-{n}"}
        for spec in specs:
            if spec.kind in ("enum", "bool"):
                if rng.random() < 0.8:  # some facts not given: unknown
                    task[spec.name] = rng.choice(spec.values)
            elif spec.kind == "list":  # free items (skills), or items of a set (regulated domains)
                task[spec.name] = rng.sample(spec.values or SKILLS, rng.randint(0, 3))
            elif rng.random() < 0.5:
                task[spec.name] = rng.choice(TEXTS)
        yield task


def _status_mib(field: str) -> float:
    """A memory field of /proc/self/status (in kB there), in MiB; NaN where there is none."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mib() -> float:
    """Resident memory of this process now, in MiB."""
    return _status_mib("VmRSS")


def peak_mib() -> float:
    """Peak resident memory of this process, in MiB."""
    return _status_mib("VmHWM")


def rate(func: Callable[[dict[str, Any]], object], tasks: list[dict[str, Any]]) -> float:
    gc.collect()
    start = time.perf_counter()
    for task in tasks:
        func(task)
    return len(tasks) / (time.perf_counter() - start)


def row(label: str, ours: float, theirs: float, unit: str, *, higher_is_better: bool = True) -> None:
    ratio = ours / theirs if higher_is_better else theirs / ours
    print(f"  {label:<44} {ours:>12,.1f} {theirs:>14,.1f}  {unit:<10} x{ratio:5.2f}")


def header(title: str) -> None:
    print(f"\n{title}")
    print(f"  {'':<44} {'ours':>12} {'straightforward':>14}  {'unit':<10} ratio")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (0.5: the median), by rank."""
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(func: Callable[[], object]) -> float:
    """Seconds to run ``func`` once."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start
