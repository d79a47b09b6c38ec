"""Loading the rules: reading and checking the files, compiling, building the engines."""

from __future__ import annotations

import gc
import itertools
import statistics
import time

from common import header, row
from straightforward import Straightforward

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.compiling import compile_rules
from crowdsourcing_rules.engine.engines import make_engine
from crowdsourcing_rules.engine.questions import QuestionSearch


def section_load(paths: list[str], runs: int = 11) -> None:
    """Each step alone, then the whole of ``Advisor.from_paths`` beside the straightforward
    translation's (the same loader and compiler, then its ruleset in durable's ``Host``). Wall
    time and the process's CPU time: on a busy machine the wall time also counts the waits for a
    CPU."""
    cr.Advisor.from_paths(paths).close()  # the first time imports the engine modules
    keys = ("load", "compile", "engine", "questions", "ours", "theirs")
    wall: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(runs):
        gc.collect()
        marks = [(time.perf_counter(), time.process_time())]
        ruleset = cr.load_rules(paths)
        marks.append((time.perf_counter(), time.process_time()))
        compiled = compile_rules(ruleset)
        marks.append((time.perf_counter(), time.process_time()))
        engine = make_engine("auto", compiled)
        marks.append((time.perf_counter(), time.process_time()))
        search = QuestionSearch(compiled, engine.name)  # type: ignore[arg-type]
        marks.append((time.perf_counter(), time.process_time()))
        engine.close()
        search.close()
        marks.append((time.perf_counter(), time.process_time()))
        cr.Advisor.from_paths(paths).close()
        marks.append((time.perf_counter(), time.process_time()))
        Straightforward(compile_rules(cr.load_rules(paths)))
        marks.append((time.perf_counter(), time.process_time()))
        spans = [((b[0] - a[0]) * 1000, (b[1] - a[1]) * 1000) for a, b in itertools.pairwise(marks)]
        for key, (w, c) in zip(keys, [*spans[:4], spans[5], spans[6]], strict=True):
            wall[key].append(w)
            cpu[key].append(c)
    print(f"\nLoad and compile the rules, in a process that has imported the package ({runs} times)")
    print(f"  {'':<52} {'best':>8} {'median':>8} {'CPU med':>8}  unit")
    for label, key in (
        ("read and check the rule files (load_rules)", "load"),
        ("compile (normal forms, strata)", "compile"),
        ("build the engine", "engine"),
        ("build the question search (the verdict's rules)", "questions"),
    ):
        line = f"{min(wall[key]):>8.1f} {statistics.median(wall[key]):>8.1f} {statistics.median(cpu[key]):>8.1f}"
        print(f"  {label:<52} {line}  ms")
    both = [a + b for a, b in zip(wall["load"], wall["compile"], strict=True)]
    both_cpu = [a + b for a, b in zip(cpu["load"], cpu["compile"], strict=True)]
    line = f"{min(both):>8.1f} {statistics.median(both):>8.1f} {statistics.median(both_cpu):>8.1f}"
    print(f"  {'load and compile (target: at most 60 ms)':<52} {line}  ms")
    header("The whole of it")
    row("Advisor.from_paths, best", min(wall["ours"]), min(wall["theirs"]), "ms", higher_is_better=False)
    row("Advisor.from_paths, median", statistics.median(wall["ours"]), statistics.median(wall["theirs"]), "ms",
        higher_is_better=False)  # fmt: skip
    row("Advisor.from_paths, median CPU time", statistics.median(cpu["ours"]), statistics.median(cpu["theirs"]), "ms",
        higher_is_better=False)  # fmt: skip
