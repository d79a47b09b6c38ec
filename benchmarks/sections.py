"""The sections of the benchmark that compare our advisor with the straightforward translation:
start-up, throughput, latency, worker processes, Dask."""

from __future__ import annotations

import collections
import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import header, percentile, rate, row, rss_mib
from straightforward import Straightforward, _straight_partition, straightforward_pool

import crowdsourcing_rules as cr
from crowdsourcing_rules.batch.stream import decide_many
from crowdsourcing_rules.engine.compiling import compile_rules


def _wall(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def _import_time(module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter, from ``-X importtime`` (the module's total)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    )
    totals = [int(line.split("|")[1]) for line in out.stderr.splitlines() if line.rstrip().endswith(f"| {module}")]
    return max(totals) / 1e6


def section_startup(runs: int = 15) -> None:
    """Import time, and the wall time of two commands, each beside a program that imports durable."""
    print(f"\nstart-up, median of {runs} runs (targets: --version 150 ms, decide 350 ms)")
    print(f"  {'':<44} {'ours':>12} {'durable only':>14}  {'unit':<10} ratio")
    cli = [sys.executable, "-m", "crowdsourcing_rules"]
    example = str(Path(__file__).resolve().parent.parent / "examples" / "tasks" / "translation.yaml")
    base = 1000 * statistics.median(_wall([sys.executable, "-c", "import durable.lang"], runs))
    ours = 1000 * statistics.median(_import_time("crowdsourcing_rules") for _ in range(5))
    theirs = 1000 * statistics.median(_import_time("durable.lang") for _ in range(5))
    row("import crowdsourcing_rules / durable.lang", ours, theirs, "ms", higher_is_better=False)
    version = 1000 * statistics.median(_wall([*cli, "--version"], runs))
    row("crowdsourcing-rules --version", version, base, "ms", higher_is_better=False)
    decide = 1000 * statistics.median(_wall([*cli, "decide", example], runs))
    row("crowdsourcing-rules decide (translation.yaml)", decide, base, "ms", higher_is_better=False)


def section_throughput(advisor: cr.Advisor, straight: Straightforward, tasks: list[dict[str, Any]]) -> None:
    header(f"Throughput, one process, {len(tasks):,} tasks")
    before = rss_mib()
    theirs = rate(straight.decide, tasks)
    after_theirs = rss_mib()
    ours = rate(lambda t: advisor.decide(t, questions=False), tasks)
    after_ours = rss_mib()
    row("decide(task, questions=False)", ours, theirs, "tasks/s")
    few = tasks[: max(1, len(tasks) // 20)]
    ours_q = rate(advisor.decide, few)
    row(f"decide(task) with questions ({len(few):,} tasks)", ours_q, theirs, "tasks/s")
    growth = f"straightforward {after_theirs - before:+.1f} MiB, ours {after_ours - after_theirs:+.1f} MiB"
    print(f"  RSS growth over the run: {growth}")


def section_latency(advisor: cr.Advisor, straight: Straightforward, tasks: list[dict[str, Any]]) -> None:
    header(f"Latency of one decision, {len(tasks):,} calls")
    timings: dict[str, list[float]] = {"ours": [], "ours_q": [], "theirs": []}
    perf = time.perf_counter_ns
    gc.collect()
    for task in tasks:
        start = perf()
        straight.decide(task)
        middle = perf()
        advisor.decide(task, questions=False)
        end = perf()
        timings["theirs"].append((middle - start) / 1000)
        timings["ours"].append((end - middle) / 1000)
    for task in tasks[: max(1, len(tasks) // 10)]:
        start = perf()
        advisor.decide(task)
        timings["ours_q"].append((perf() - start) / 1000)

    for label, q in (("median", 0.5), ("99th percentile", 0.99)):
        theirs = percentile(timings["theirs"], q)
        row(f"decide(questions=False), {label}", percentile(timings["ours"], q), theirs, "µs", higher_is_better=False)
        row(f"decide() with questions, {label}", percentile(timings["ours_q"], q), theirs, "µs", higher_is_better=False)


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def section_workers(
    advisor: cr.Advisor, paths: list[str], tasks: list[dict[str, Any]], workers: int, rounds: int = 3
) -> None:
    header(
        f"Throughput with worker processes, {len(tasks):,} tasks (process start-up included), "
        f"best of {rounds} alternating rounds"
    )
    # The machine is a shared VM: its speed drifts by 20 % from one minute to the next. The four
    # measurements therefore alternate, round after round, and each figure is the best round (the
    # least disturbed, as timeit reports); the per-round scaling is printed too.
    figures: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)  # tasks/s, CPU µs per task

    def measure(label: str, run: Callable[[], object]) -> None:
        gc.collect()
        cpu, start = _cpu(), time.perf_counter()
        run()
        wall = time.perf_counter() - start
        figures[label].append((len(tasks) / wall, (_cpu() - cpu) / len(tasks) * 1e6))

    straight = Straightforward(compile_rules(cr.load_rules(paths)))
    for _ in range(rounds):
        measure("ours1", lambda: collections.deque(decide_many(tasks, advisor=advisor), maxlen=0))
        measure("oursN", lambda: collections.deque(decide_many(tasks, advisor=advisor, workers=workers), maxlen=0))
        measure("theirs1", lambda: [straight.decide(t) for t in tasks])
        measure("theirsN", lambda: straightforward_pool(paths, tasks, workers))
    best = {label: max(values) for label, values in figures.items()}
    row("decide_many, workers=1", best["ours1"][0], best["theirs1"][0], "tasks/s")
    row(f"decide_many, workers={workers}", best["oursN"][0], best["theirsN"][0], "tasks/s")
    row("  CPU per task, workers=1", best["ours1"][1], best["theirs1"][1], "µs", higher_is_better=False)
    row(f"  CPU per task, workers={workers} (all processes)", best["oursN"][1], best["theirsN"][1], "µs",
        higher_is_better=False)  # fmt: skip
    ours = best["oursN"][0] / best["ours1"][0]
    theirs = best["theirsN"][0] / best["theirs1"][0]
    print(f"  scaling workers={workers} / workers=1, best rounds: ours x{ours:.2f}, straightforward x{theirs:.2f}")
    for name, label in (("ours", "ours"), ("straightforward", "theirs")):
        each = [n[0] / one[0] for one, n in zip(figures[f"{label}1"], figures[f"{label}N"], strict=True)]
        print(f"  scaling in each round, {name}: " + ", ".join(f"x{x:.2f}" for x in each))
    ideal = workers * best["ours1"][1] / best["oursN"][1]
    print(f"  ours on {workers} idle cores, from CPU time (no start-up): at most x{ideal:.2f}")


def section_dask(paths: list[str], tasks: list[dict[str, Any]], workers: int) -> None:
    try:
        import dask.bag as db
        from dask.distributed import Client, LocalCluster

        from crowdsourcing_rules.batch import dask as cr_dask
    except ImportError as error:
        print(f"\nDask: skipped ({error}); install the 'dask' extra")
        return
    header(
        f"Dask, local cluster of {workers} worker processes x 1 thread, {len(tasks):,} tasks (cluster start excluded)"
    )
    partitions = max(workers * 4, len(tasks) // 2000)
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster),
    ):
        bag = db.from_sequence(tasks, npartitions=partitions)
        warm = db.from_sequence(tasks[: workers * 50], npartitions=workers * 4)
        cr_dask.decide_bag(warm, rules=paths).count().compute()  # each worker builds its advisor
        start = time.perf_counter()
        count = cr_dask.decide_bag(bag, rules=paths).count().compute()
        ours = count / (time.perf_counter() - start)
        warm.map_partitions(_straight_partition, paths).sum().compute()
        start = time.perf_counter()
        bag.map_partitions(_straight_partition, paths).sum().compute()
        theirs = len(tasks) / (time.perf_counter() - start)
    row("decide a Dask bag of tasks", ours, theirs, "tasks/s")
