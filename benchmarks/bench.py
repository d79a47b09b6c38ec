"""Benchmark: our advisor beside a straightforward durable-rules translation of the same rules.

Run it on purpose (it is not a test)::

    python benchmarks/bench.py                      # 20,000 generated tasks, every section
    python benchmarks/bench.py --tasks 50000 --million
    python benchmarks/bench.py --only throughput,latency
    python benchmarks/bench.py --only startup

Sections: start-up (the package's import time, and the wall time of ``crowdsourcing-rules --version``
and of ``decide`` on an example, each beside a durable-rules program that only imports durable);
time to load and compile the rules; decisions per second in one process (ours without
and with the search for questions); latency of one decision (median, 99th percentile); decisions
per second with ``workers=2`` and through a local Dask cluster of two worker processes; resident
memory after 10,000 decisions and after all of them (1,000,000 with ``--million``), each in a
fresh process. Every figure is printed beside the straightforward translation's, measured in the
same run, with the ratio.

The straightforward translation (``Straightforward`` below) is what one writes from the durable-rules
documentation: one durable rule per rule, built from the same compiled conditions, durable's own
``pri`` for salience, each action asserting its conclusions as facts, one session per task (assert
the task's facts, read the facts back with ``get_facts``, delete the state). It validates nothing,
resolves no conflict and builds no trace: it does less than our advisor.

Tasks are random valid facts from the vocabulary, seeded (``--seed``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import crowdsourcing_rules as cr
from crowdsourcing_rules.batch.stream import decide_many
from crowdsourcing_rules.engine.compiling import CompiledRule, CompiledRules, compile_rules
from crowdsourcing_rules.model.conditions import Conjunction
from crowdsourcing_rules.model.vocabulary import UNKNOWN, Vocabulary

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from durable import engine as durable_engine

SKILLS = ("statistics", "French law", "python", "design", "translation", "data labeling", "law")
TEXTS = ("Translate the catalogue", "Label 1M images", "Design a logo", "Draft the contracts")


# -- generated tasks ---------------------------------------------------------------------------


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
            elif spec.kind == "list":
                task[spec.name] = rng.sample(SKILLS, rng.randint(0, 3))
            elif rng.random() < 0.5:
                task[spec.name] = rng.choice(TEXTS)
        yield task


# -- the straightforward translation -------------------------------------------------------------


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


# -- measuring ---------------------------------------------------------------------------------


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


# -- sections ----------------------------------------------------------------------------------


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


def section_load(paths: list[str]) -> None:
    header("Load and compile the rules, in a process that has imported the package (5 times)")
    ours, theirs = [], []
    for _ in range(5):
        start = time.perf_counter()
        advisor = cr.Advisor.from_paths(paths)
        ours.append(time.perf_counter() - start)
        advisor.close()
        start = time.perf_counter()
        Straightforward(compile_rules(cr.load_rules(paths)))
        theirs.append(time.perf_counter() - start)
    row("load + compile + build engine, best", min(ours) * 1000, min(theirs) * 1000, "ms", higher_is_better=False)
    row("load + compile + build engine, median", statistics.median(ours) * 1000, statistics.median(theirs) * 1000, "ms",
        higher_is_better=False)  # fmt: skip


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

    def pct(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))]

    for label, q in (("median", 0.5), ("99th percentile", 0.99)):
        row(f"decide(questions=False), {label}", pct(timings["ours"], q), pct(timings["theirs"], q), "µs",
            higher_is_better=False)  # fmt: skip
        row(f"decide() with questions, {label}", pct(timings["ours_q"], q), pct(timings["theirs"], q), "µs",
            higher_is_better=False)  # fmt: skip


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


def _memory_child(kind: str, count: int, seed: int, paths: list[str], checkpoints: list[int]) -> dict[str, float]:
    """Run in a fresh process: decide ``count`` tasks and report RSS at the checkpoints."""
    advisor = cr.Advisor.from_paths(paths)
    straight = Straightforward(compile_rules(advisor.ruleset))
    decide = (lambda t: advisor.decide(t, questions=False)) if kind == "ours" else straight.decide
    report: dict[str, float] = {"start": rss_mib()}
    marks = set(checkpoints)
    for n, task in enumerate(generate_tasks(count, seed), 1):
        decide(task)
        if n in marks:
            gc.collect()
            report[str(n)] = rss_mib()
    report["peak"] = peak_mib()
    return report


def section_memory(paths: list[str], count: int, seed: int, kinds: tuple[str, ...] = ("ours", "theirs")) -> None:
    checkpoints = sorted({c for c in (1_000, 10_000, 100_000, count) if c <= count})
    header(f"Resident memory (MiB), fresh process each, {count:,} decisions")
    # The engines run at the same time, each in a fresh process (RSS is per process, so they do not
    # disturb each other's figures; the million-decision run takes half as long).
    here = str(Path(__file__).parent)
    children = {}
    start = time.perf_counter()
    for kind in kinds:
        code = (
            f"import json, sys; sys.path.insert(0, {here!r}); import bench; "
            f"print(json.dumps(bench._memory_child({kind!r}, {count}, {seed}, {paths!r}, {checkpoints!r})))"
        )
        children[kind] = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    reports = {}
    for kind, child in children.items():
        out, _ = child.communicate()
        if child.returncode:
            raise SystemExit(f"the {kind} memory run failed (exit code {child.returncode})")
        reports[kind] = json.loads(out.strip().splitlines()[-1])
        print(f"  ({kind}: done after {time.perf_counter() - start:,.0f} s, start-up included)")
    if len(reports) == 1:  # one engine only (--memory-engines)
        for kind, report in reports.items():
            for mark, value in report.items():
                print(f"  {kind}: {mark:<10} {value:8.1f} MiB")
            if "10000" in report and count > 10_000:
                print(
                    f"  {kind}: memory after {count:,} vs after 10,000: {report[str(count)] / report['10000'] - 1:+.1%}"
                )
        return
    for mark in ["start", *map(str, checkpoints), "peak"]:
        label = (
            f"after {int(mark):,} decisions"
            if mark.isdigit()
            else ("peak (VmHWM)" if mark == "peak" else "after loading")
        )
        row(label, reports["ours"][mark], reports["theirs"][mark], "MiB", higher_is_better=False)
    if "10000" in reports["ours"] and count > 10_000:
        for kind in ("ours", "theirs"):
            growth = reports[kind][str(count)] / reports[kind]["10000"] - 1
            print(f"  {kind}: memory after {count:,} vs after 10,000: {growth:+.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=20_000, help="generated tasks (default 20,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rules", action="append", help="rule files (default: the shipped rules)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the workers section (default 3)")
    parser.add_argument("--million", action="store_true", help="memory section over 1,000,000 decisions")
    parser.add_argument("--memory-tasks", type=int, help="decisions of the memory section (default: --tasks)")
    parser.add_argument("--memory-engines", default="ours,theirs", help="ours, theirs or both (default)")
    parser.add_argument(
        "--only",
        default="startup,load,throughput,latency,workers,dask,memory",
        help="comma-separated sections to run",
    )
    args = parser.parse_args(argv)
    paths = args.rules or [str(cr.default_rules_path())]
    sections = set(args.only.split(","))
    advisor = cr.Advisor.from_paths(paths)
    straight = Straightforward(compile_rules(advisor.ruleset))
    tasks = list(generate_tasks(args.tasks, args.seed))
    print(
        f"crowdsourcing-rules {cr.__version__}, {len(advisor.ruleset)} rules from {', '.join(paths)}; "
        f"Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; {len(tasks):,} tasks, seed {args.seed}"
    )
    verdicts: dict[str | None, int] = {}
    for task in tasks[:2000]:
        verdict = advisor.decide(task, questions=False).crowdsource
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    print(f"verdicts over the first 2,000 tasks: {verdicts}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes on this machine compete for the CPUs)")
    if "startup" in sections:
        section_startup()
    if "load" in sections:
        section_load(paths)
    if "throughput" in sections:
        section_throughput(advisor, straight, tasks)
    if "latency" in sections:
        section_latency(advisor, straight, tasks[:2000])
    if "workers" in sections:
        section_workers(advisor, paths, tasks, args.workers, args.rounds)
    if "dask" in sections:
        section_dask(paths, tasks, args.workers)
    if "memory" in sections:
        count = 1_000_000 if args.million else (args.memory_tasks or max(args.tasks, 10_000))
        section_memory(paths, count, args.seed, tuple(args.memory_engines.split(",")))
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
