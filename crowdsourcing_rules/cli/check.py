"""``crowdsourcing-rules check``: analyse rule files (cycles, rules that never fire, shadowing,
conflicts, gaps), each finding with a stable code and a location."""

from __future__ import annotations

import argparse
import sys

from crowdsourcing_rules.analysis.findings import DEFAULT_MAX_COMBINATIONS, DEFAULT_SAMPLES
from crowdsourcing_rules.cli.common import add_rule_sources, rule_paths

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    add_rule_sources(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--strict", action="store_true", help="warnings fail the check too (exit code 1)")
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="CODE", help="leave out the findings of this code (repeatable)"
    )
    parser.add_argument(
        "--max-combinations",
        type=int,
        default=DEFAULT_MAX_COMBINATIONS,
        metavar="N",
        help=f"search the input space exhaustively up to N combinations (default: {DEFAULT_MAX_COMBINATIONS})",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=DEFAULT_SAMPLES,
        metavar="N",
        help=f"otherwise evaluate N sampled combinations; 0 turns the gap search off (default: {DEFAULT_SAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling (default: 0)")


def run(args: argparse.Namespace) -> int:
    """0 clean, 1 errors (or warnings with ``--strict``), 2 an unknown code to ignore."""
    from crowdsourcing_rules.analysis.checker import check
    from crowdsourcing_rules.analysis.findings import CODES

    unknown = sorted(set(args.ignore) - set(CODES))
    if unknown:
        print(f"error: unknown finding code(s) {', '.join(unknown)}; see docs/analysis.md", file=sys.stderr)
        return 2
    report = check(
        rule_paths(args),
        policy=args.policy,
        max_combinations=args.max_combinations,
        samples=args.samples,
        seed=args.seed,
    ).ignoring(args.ignore)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 1 if report.failed(strict=args.strict) else 0
