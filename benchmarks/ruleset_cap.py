"""Benchmark: how many rules one durable-rules ruleset should hold (``engine.durable.MAX_RULES``).

Run it on purpose (it is not a test)::

    python benchmarks/ruleset_cap.py                          # 5,000 generated rules
    python benchmarks/ruleset_cap.py --rules 20000 --tasks 6
    python benchmarks/ruleset_cap.py --caps 250,1000,4096

Each cap builds the durable-rules engine of the same generated rule set (tests/generated_rules.py)
in this process; then the same tasks are decided on every engine in turn, round after round, so
that the machine's load falls on every cap alike. Printed per cap: the rulesets, the time to build
them, and the median decision time (``questions=False``), with its ratio to the C engine's own
limit (4,096 rules a ruleset) and to the reference engine, measured in the same run.

Why a cap matters: durable-rules scans every action of a ruleset each time it starts one
(``getNextResultInState``), so a decision that activates A rules in a ruleset of R rules costs
A x R; smaller rulesets cost one more C call per fact each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine import durable
from crowdsourcing_rules.rulefiles.loading import parse_rule_documents
from tests import generated_rules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=5000, help="generated rules (default 5,000)")
    parser.add_argument("--tasks", type=int, default=20, help="random tasks (two worst cases are added)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--caps", default="250,500,1000,2000,4096")
    parser.add_argument("--seed", type=int, default=105)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    docs, info = generated_rules.generate(args.rules, args.seed)
    ruleset = parse_rule_documents(docs)
    tasks = generated_rules.tasks(info, args.tasks, args.seed + 1)
    print(f"{len(ruleset)} rules, {len(tasks)} tasks, load average {os.getloadavg()[0]:.2f}")
    advisors: dict[str, cr.Advisor] = {"reference": cr.Advisor(ruleset, engine="reference")}
    for cap in (int(c) for c in args.caps.split(",")):
        durable.MAX_RULES = cap
        start = time.perf_counter()
        advisor = cr.Advisor(ruleset, engine="durable-rules")
        built = time.perf_counter() - start
        engine = advisor._run.engine
        assert isinstance(engine, durable.DurableEngine)
        print(f"cap {cap}: {engine.rulesets} rulesets, built in {built:.2f} s")
        advisors[f"cap {cap}"] = advisor
    times: dict[str, list[float]] = {name: [] for name in advisors}
    for _round in range(args.rounds):
        for task in tasks:
            for name, advisor in advisors.items():
                start = time.perf_counter()
                advisor.decide(task, questions=False)
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times[f"cap {args.caps.split(',')[-1]}"])
    reference = statistics.median(times["reference"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:>10}: median {median * 1000:8.1f} ms per decision;"
            f" x{median / base:.2f} of the last cap, x{median / reference:.2f} of the reference engine"
        )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
