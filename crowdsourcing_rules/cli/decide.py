"""``crowdsourcing-rules decide TASK``: the recommendation for one task file."""

from __future__ import annotations

import argparse
from pathlib import Path

from crowdsourcing_rules.cli.common import add_rules_options, advisor, read_task

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "task", type=Path, help="task file (YAML or JSON): a mapping of the vocabulary's facts; - for standard input"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--no-trace", action="store_true", help="text format: leave out the fired rules")
    parser.add_argument(
        "--no-questions", action="store_true", help="skip the search for unknown facts that would change the verdict"
    )
    add_rules_options(parser)


def run(args: argparse.Namespace) -> int:
    with advisor(args) as built:
        task = read_task(args.task, built.ruleset.vocabulary)
        rec = built.decide(task, questions=not args.no_questions)
    print(rec.to_json() if args.format == "json" else rec.to_text(trace=not args.no_trace))
    return 0
