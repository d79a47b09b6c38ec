"""Resident memory over many decisions, each engine in a fresh process (run side by side)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from pathlib import Path

from common import generate_tasks, header, peak_mib, row, rss_mib
from straightforward import Straightforward

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.compiling import compile_rules


def memory_child(kind: str, count: int, seed: int, paths: list[str], checkpoints: list[int]) -> dict[str, float]:
    """Run in a fresh process: decide ``count`` tasks and report RSS at the checkpoints."""
    advisor = cr.Advisor.from_paths(paths)
    straight = Straightforward(compile_rules(advisor.ruleset))
    decide = (lambda t: advisor.decide(t, questions=False)) if kind == "ours" else straight.decide
    report: dict[str, float] = {"start": rss_mib(), "errors": 0}
    marks = set(checkpoints)
    for n, task in enumerate(generate_tasks(count, seed), 1):
        try:
            decide(task)
        except Exception:  # counted: the straightforward translation meets durable-rules' errors
            report["errors"] += 1
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
            f"import json, sys; sys.path.insert(0, {here!r}); import memory; "
            f"print(json.dumps(memory.memory_child({kind!r}, {count}, {seed}, {paths!r}, {checkpoints!r})))"
        )
        children[kind] = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    reports = {}
    for kind, child in children.items():
        out, _ = child.communicate()
        if child.returncode:
            print(f"  ({kind}: the run failed, exit code {child.returncode})")
            continue
        reports[kind] = json.loads(out.strip().splitlines()[-1])
        errors = int(reports[kind].pop("errors"))
        took = time.perf_counter() - start
        print(f"  ({kind}: done after {took:,.0f} s, start-up included; {errors:,} decisions failed)")
    if len(reports) == 1:  # one engine only (--memory-engines), or the other failed
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
