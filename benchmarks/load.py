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
    translation's (the same loader and compiler, then its ruleset in durable's ``Host``)."""
    cr.Advisor.from_paths(paths).close()  # the first time imports the engine modules
    steps: dict[str, list[float]] = {k: [] for k in ("load", "compile", "engine", "questions", "ours", "theirs")}
    clock = time.perf_counter
    for _ in range(runs):
        gc.collect()
        marks = [clock()]
        ruleset = cr.load_rules(paths)
        marks.append(clock())
        compiled = compile_rules(ruleset)
        marks.append(clock())
        engine = make_engine("auto", compiled)
        marks.append(clock())
        search = QuestionSearch(compiled, engine.name)  # type: ignore[arg-type]
        marks.append(clock())
        engine.close()
        search.close()
        marks.append(clock())
        cr.Advisor.from_paths(paths).close()
        marks.append(clock())
        Straightforward(compile_rules(cr.load_rules(paths)))
        marks.append(clock())
        spans = [(b - a) * 1000 for a, b in itertools.pairwise(marks)]
        for key, span in zip(("load", "compile", "engine", "questions"), spans, strict=False):
            steps[key].append(span)
        steps["ours"].append(spans[5])
        steps["theirs"].append(spans[6])
    print(f"\nLoad and compile the rules, in a process that has imported the package ({runs} times)")
    print(f"  {'':<52} {'best':>8} {'median':>8}  unit")
    for label, key in (
        ("read and check the rule files (load_rules)", "load"),
        ("compile (normal forms, strata)", "compile"),
        ("build the engine", "engine"),
        ("build the question search (the verdict's rules)", "questions"),
    ):
        print(f"  {label:<52} {min(steps[key]):>8.1f} {statistics.median(steps[key]):>8.1f}  ms")
    header("The whole of it")
    row("Advisor.from_paths, best", min(steps["ours"]), min(steps["theirs"]), "ms", higher_is_better=False)
    row("Advisor.from_paths, median", statistics.median(steps["ours"]), statistics.median(steps["theirs"]), "ms",
        higher_is_better=False)  # fmt: skip
