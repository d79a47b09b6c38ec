"""Score the shipped knowledge base on the documented cases, and count the advice faults.

    python -m tests.knowledge_base.report [--quiet] [--random N] [--policy DIR ...]

Prints, for each case, the headline dimensions that are wrong and the advice faults; then the
score per dimension, the fault counts over the cases, the example tasks and N seeded random
tasks, and the empty task's answer. The tests check the same things (test_cases.py,
test_advice_lint.py); this report is for reading them all at once.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

import crowdsourcing_rules as cr

from ._cases import DIMENSIONS, case_paths, read_case, score
from ._kb import EXAMPLES_DIR, RULES_DIR
from ._lint import advice_faults, random_tasks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="the totals only")
    parser.add_argument("--random", type=int, default=300, help="random tasks to lint (default 300)")
    parser.add_argument("--policy", action="append", default=[], help="a policy layer on the shipped rules")
    args = parser.parse_args(argv)
    advisor = cr.Advisor.from_paths([RULES_DIR], policy=args.policy)
    right: Counter[str] = Counter()
    cases = [read_case(path) for path in case_paths()]
    faulty: Counter[str] = Counter()
    with_fault = 0
    for case in cases:
        rec = advisor.decide(case["facts"], questions=False)
        scored = score(case, rec)
        faults = advice_faults(case["facts"], rec)
        right.update(d for d in DIMENSIONS if scored[d] is None)
        faulty.update({f.split(":")[0] for f in faults})
        with_fault += bool(faults)
        if not args.quiet and (faults or any(scored.values())):
            print(f"== {case['id']} ({case.get('origin', '')}, {case.get('kind', '')})")
            for dimension in DIMENSIONS:
                if scored[dimension]:
                    print(f"   {dimension}: {scored[dimension]}")
            for fault in faults:
                print(f"   fault {fault}")
    print(f"\n{len(cases)} documented cases")
    for dimension in DIMENSIONS:
        print(f"  {dimension:13s} {right[dimension]}/{len(cases)}")
    print(f"  cases with an advice fault: {with_fault}/{len(cases)} {dict(faulty)}")
    for label, tasks in (
        ("example tasks", [dict(cr.read_task_file(p).facts) for p in sorted(EXAMPLES_DIR.glob("*.yaml"))]),
        (f"random tasks (seeded, {args.random})", random_tasks(args.random)),
    ):
        kinds: Counter[str] = Counter()
        bad = 0
        for task in tasks:
            faults = advice_faults(task, advisor.decide(task, questions=False))
            kinds.update({f.split(":")[0] for f in faults})
            bad += bool(faults)
            if faults and not args.quiet and label == "example tasks":
                print(f"   {task['id']}: {faults}")
        print(f"{label}: {bad}/{len(tasks)} with an advice fault {dict(kinds)}")
    empty = advisor.decide({"id": "empty-task"})
    print(f"empty task: {empty.crowdsource}, provisional={empty.provisional}, questions={list(empty.questions)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
