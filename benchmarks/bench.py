"""Benchmark: our advisor beside a straightforward durable-rules translation and a floor evaluator.

Run it on purpose (it is not a test)::

    python benchmarks/bench.py                      # 20,000 generated tasks, every section
    python benchmarks/bench.py --only load,floor --tasks 2000
    python benchmarks/bench.py --only growth,items  # 150 to 20,000 generated rules; 0 to 60 list items
    python benchmarks/bench.py --tasks 2000 --million --only memory

Sections (``--only``, comma-separated):

- ``startup``: import time, and the wall time of ``crowdsourcing-rules --version`` and ``decide``;
- ``load``: loading, compiling and building the engines of the rules (``load.py``);
- ``floor``: ``decide`` on both engines and with questions, beside the floor evaluator, a minimal
  matcher plugged into the same agenda, strata and resolution (``floor.py``);
- ``breakdown``: where the time of one decision goes, step by step (``breakdown.py``);
- ``throughput``, ``latency``, ``workers``, ``dask``: beside the straightforward durable-rules
  translation of the same rules (``straightforward.py``, ``sections.py``);
- ``memory``: resident memory over many decisions, fresh processes (``memory.py``);
- ``growth``, ``items``: load, compile, decide and memory against the number of generated rules
  and of list items, both engines and the floor, fresh processes (``growth.py``, ``rulegen.py``).

Tasks are random valid facts from the vocabulary, seeded (``--seed``). Every figure is printed
beside its contender measured in the same run, with the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import sys

from breakdown import section_breakdown
from common import generate_tasks, load_average
from floor import section_floor
from growth import RULES, section_growth_items, section_growth_rules
from load import section_load
from memory import section_memory
from sections import section_dask, section_latency, section_startup, section_throughput, section_workers
from straightforward import Straightforward

import crowdsourcing_rules as cr
from crowdsourcing_rules.engine.compiling import compile_rules

SECTIONS = (
    "startup",
    "load",
    "floor",
    "breakdown",
    "throughput",
    "latency",
    "workers",
    "dask",
    "memory",
    "growth",
    "items",
)


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
        "--sizes",
        default=",".join(map(str, RULES)),
        help="numbers of generated rules of the growth section (default 150,1000,5000,20000)",
    )
    parser.add_argument(
        "--only", default=",".join(s for s in SECTIONS if s not in ("growth", "items")), help="sections to run"
    )
    args = parser.parse_args(argv)
    paths = args.rules or [str(cr.default_rules_path())]
    sections = set(args.only.split(","))
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; expected some of {', '.join(SECTIONS)}")
    advisor = cr.Advisor.from_paths(paths)
    tasks = list(generate_tasks(args.tasks, args.seed))
    print(
        f"crowdsourcing-rules {cr.__version__}, {len(advisor.ruleset)} rules from {', '.join(paths)}, "
        f"engine {advisor.engine}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs; "
        f"{len(tasks):,} tasks, seed {args.seed}"
    )
    verdicts: dict[str | None, int] = {}
    for task in tasks[:2000]:
        verdict = advisor.decide(task, questions=False).crowdsource
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    print(f"verdicts over the first {min(len(tasks), 2000):,} tasks: {verdicts}")
    print(f"load average before: {load_average()} (other processes on this machine compete for the CPUs)")
    if sections & {"throughput", "latency"}:
        straight = Straightforward(compile_rules(advisor.ruleset))
    if "startup" in sections:
        section_startup()
    if "load" in sections:
        section_load(paths)
    if "floor" in sections:
        section_floor(advisor, tasks[:2000])
    if "breakdown" in sections:
        section_breakdown(advisor, tasks[:2000])
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
    if "growth" in sections:
        section_growth_rules(tuple(int(n) for n in args.sizes.split(",")))
    if "items" in sections:
        section_growth_items()
    print(f"\nload average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
