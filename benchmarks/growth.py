"""How the costs grow: with the number of rules (150 to 20,000 generated rules) and with the number
of list items in a task (0 to 60), for both engines, beside the floor evaluator.

Each measurement runs in a fresh process (its memory is its own, and durable-rules refuses or
crashes on rule sets beyond its limits: a crash is reported, not fatal). The rule files are
generated once per size (``rulegen``), then each process loads them (parsing and checking),
compiles them, builds an advisor on one engine (compiling again, the engine, the question
search), and decides generated tasks, alternating with the floor evaluator of the same rules.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import generate_tasks, peak_mib, percentile, rss_mib
from floor import floor_advisor
from rulegen import skill_tasks, write_rules

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.compiling import compile_rules

RULES = (150, 1_000, 5_000, 20_000)
ITEMS = (0, 15, 30, 60)
ENGINES = ("durable-rules", "reference")
ITEMS_RULES = 500  # rule set of the list-items measurement (within durable-rules' limits)


def _decide_times(
    advisor: cr.Advisor, floor: cr.Advisor, tasks: list[dict[str, Any]], budget: float
) -> dict[str, float]:
    """Median µs of decide (without questions) and of the floor's, alternating, within ``budget``
    seconds (at least 5 tasks); and of decide with questions on a tenth as many tasks."""
    ours: list[float] = []
    theirs: list[float] = []
    clock = time.perf_counter
    for task in tasks[:3]:  # warm up: first calls, caches
        advisor.decide(task, questions=False)
        floor.decide(task, questions=False)
    stop = clock() + budget
    for task in tasks:
        start = clock()
        advisor.decide(task, questions=False)
        middle = clock()
        floor.decide(task, questions=False)
        ours.append((middle - start) * 1e6)
        theirs.append((clock() - middle) * 1e6)
        if clock() > stop and len(ours) >= 5:
            break
    asked = []
    for task in tasks[: max(3, len(ours) // 10)]:
        start = clock()
        advisor.decide(task)
        asked.append((clock() - start) * 1e6)
    return {
        "decisions": len(ours),
        "decide_us": percentile(ours, 0.5),
        "floor_us": percentile(theirs, 0.5),
        "questions_us": percentile(asked, 0.5),
    }


def child(folder: str, engine: str, items: list[int], budget: float) -> dict[str, Any]:
    """Run in a fresh process: load, compile, build, decide; the figures as a dict."""
    cr.load_rules([cr.default_rules_path()])  # warm up: the modules the loader imports on first use
    report: dict[str, Any] = {"rss_start": rss_mib()}
    start = time.perf_counter()
    ruleset = cr.load_rules([folder])
    report["load_ms"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    compile_rules(ruleset)
    report["compile_ms"] = (time.perf_counter() - start) * 1000
    report["rss_compiled"], report["peak_compiled"] = rss_mib(), peak_mib()
    start = time.perf_counter()
    try:
        advisor = cr.Advisor(ruleset, engine=engine)  # type: ignore[arg-type]
    except cr.EngineUnavailableError as error:
        report["refused"] = str(error).splitlines()[1].strip() if "\n" in str(error) else str(error)
        return report
    report["build_ms"] = (time.perf_counter() - start) * 1000
    report["rss_built"] = rss_mib()
    floor = floor_advisor(ruleset)
    if items:
        report["items"] = {
            str(count): _decide_times(advisor, floor, skill_tasks(200, count), budget) for count in items
        }
    else:
        report.update(_decide_times(advisor, floor, list(generate_tasks(200, 1)), budget))
    report["rss_end"], report["peak"] = rss_mib(), peak_mib()
    return report


def _run_child(folder: Path, engine: str, items: list[int], budget: float) -> dict[str, Any]:
    here = str(Path(__file__).parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import growth; "
        f"print(json.dumps(growth.child({str(folder)!r}, {engine!r}, {items!r}, {budget!r})))"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired:
        return {"failed": "no answer after 30 minutes"}
    if done.returncode:
        last = done.stderr.strip().splitlines()[-1:] or [""]
        return {"failed": f"exit code {done.returncode} {last[0][:80]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def section_growth_rules(sizes: tuple[int, ...] = RULES, budget: float = 10.0) -> None:
    listed = ", ".join(f"{n:,}" for n in sizes)
    print(f"\nGrowth with the number of rules (generated rules: {listed}; a fresh process for each engine)")
    print(
        f"  {'rules':>6} {'engine':<14} {'load ms':>8} {'µs/rule':>7} {'compile':>8} {'µs/rule':>7} {'build ms':>9} "
        f"{'decide µs':>10} {'floor µs':>9} {'x floor':>7} {'with q µs':>10} {'MiB built':>9} {'peak':>6}"
    )
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            write_rules(Path(folder), size)
            for engine in ENGINES:
                r = _run_child(Path(folder), engine, [], budget)
                if "failed" in r:
                    print(f"  {size:>6,} {engine:<14} failed: {r['failed']}")
                    continue
                line = (
                    f"  {size:>6,} {engine:<14} {r['load_ms']:>8,.0f} {r['load_ms'] * 1000 / size:>7.0f} "
                    f"{r['compile_ms']:>8,.0f} {r['compile_ms'] * 1000 / size:>7.0f} "
                )
                if "refused" in r:
                    print(f"{line}refused: {r['refused'][:70]}")
                    memory = f"{r['rss_compiled']:.0f} MiB, peak {r['peak_compiled']:.0f}"
                    print(f"  {'':>6} {'':<14} (resident memory after compiling: {memory})")
                    continue
                print(
                    f"{line}{r['build_ms']:>9,.0f} {r['decide_us']:>10,.0f} {r['floor_us']:>9,.0f} "
                    f"{r['decide_us'] / r['floor_us']:>7.2f} {r['questions_us']:>10,.0f} {r['rss_built']:>9.0f} "
                    f"{r['peak']:>6.0f}"
                )


def section_growth_items(counts: tuple[int, ...] = ITEMS, rules: int = ITEMS_RULES, budget: float = 5.0) -> None:
    print(f"\nGrowth with the number of list items (skills_needed; {rules:,} generated rules, a tenth test a skill)")
    print(f"  {'engine':<14} " + " ".join(f"{f'{n} items':>22}" for n in counts) + f" {'MiB built':>10} {'peak':>6}")
    print(f"  {'':<14} " + " ".join(f"{'decide / floor µs':>22}" for _ in counts))
    with tempfile.TemporaryDirectory() as folder:
        write_rules(Path(folder), rules)
        for engine in ENGINES:
            r = _run_child(Path(folder), engine, list(counts), budget)
            if "failed" in r or "refused" in r:
                print(f"  {engine:<14} {r.get('failed') or r.get('refused')}")
                continue
            cells = [f"{r['items'][str(n)]['decide_us']:,.0f} / {r['items'][str(n)]['floor_us']:,.0f}" for n in counts]
            memory = f" {r['rss_built']:>10.0f} {r['peak']:>6.0f}"
            print(f"  {engine:<14} " + " ".join(f"{cell:>22}" for cell in cells) + memory)
