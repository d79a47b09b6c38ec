"""The rule author's analysis commands: ``check`` (cycles, rules that never fire, shadowing,
conflicts, gaps) and ``graph`` (the rules and the facts they read and conclude)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crowdsourcing_rules.analysis.findings import DEFAULT_MAX_COMBINATIONS, DEFAULT_SAMPLES
from crowdsourcing_rules.cli.common import add_policy_option

__all__ = ["register"]

GRAPH_FORMATS = ("text", "mermaid", "dot")


def _add_rule_sources(parser: argparse.ArgumentParser) -> None:
    """The rule files and policy layers ``check`` and ``graph`` read."""
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="rule files or directories (default: the shipped rules)"
    )
    add_policy_option(parser)


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="analyse rule files: cycles, rules that never fire, shadowing, conflicts, gaps"
    )
    _add_rule_sources(check)
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too (exit code 1)")
    check.add_argument(
        "--ignore", action="append", default=[], metavar="CODE", help="leave out the findings of this code (repeatable)"
    )
    check.add_argument(
        "--max-combinations",
        type=int,
        default=DEFAULT_MAX_COMBINATIONS,
        metavar="N",
        help=f"search the input space exhaustively up to N combinations (default: {DEFAULT_MAX_COMBINATIONS})",
    )
    check.add_argument(
        "--samples",
        type=int,
        default=DEFAULT_SAMPLES,
        metavar="N",
        help=f"otherwise evaluate N sampled combinations; 0 turns the gap search off (default: {DEFAULT_SAMPLES})",
    )
    check.add_argument("--seed", type=int, default=0, help="seed of the sampling (default: 0)")
    check.set_defaults(run=run_check)

    draw = commands.add_parser("graph", help="the graph of rules and facts as text, Mermaid or DOT")
    _add_rule_sources(draw)
    draw.add_argument("--format", choices=GRAPH_FORMATS, default="text", help="output format (default: text)")
    draw.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    draw.add_argument(
        "--output-of", metavar="OUTPUT", help="only what can influence this output or fact (e.g. crowd_types)"
    )
    draw.add_argument("--around", metavar="RULE_ID", help="only this rule and its neighbours")
    draw.add_argument(
        "--radius", type=int, default=1, metavar="N", help="with --around: steps from rule to rule (default: 1)"
    )
    draw.set_defaults(run=run_graph)


def run_check(args: argparse.Namespace) -> int:
    """0 clean, 1 errors (or warnings with ``--strict``), 2 an unknown code to ignore."""
    from crowdsourcing_rules.analysis.checker import check
    from crowdsourcing_rules.analysis.findings import CODES
    from crowdsourcing_rules.rulefiles.loading import default_rules_path

    unknown = sorted(set(args.ignore) - set(CODES))
    if unknown:
        print(f"error: unknown finding code(s) {', '.join(unknown)}; see docs/analysis.md", file=sys.stderr)
        return 2
    report = check(
        args.paths or [default_rules_path()],
        policy=args.policy,
        max_combinations=args.max_combinations,
        samples=args.samples,
        seed=args.seed,
    ).ignoring(args.ignore)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 1 if report.failed(strict=args.strict) else 0


def run_graph(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.analysis.graph import rule_graph
    from crowdsourcing_rules.rulefiles.layers import load_layers
    from crowdsourcing_rules.rulefiles.loading import default_rules_path, load_rules

    paths = args.paths or [default_rules_path()]
    graph = rule_graph(load_layers(paths, args.policy).ruleset if args.policy else load_rules(paths))
    try:
        if args.output_of:
            graph = graph.output_of(args.output_of)
        if args.around:
            graph = graph.around(args.around, radius=args.radius)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    text = {"text": graph.to_text, "mermaid": graph.to_mermaid, "dot": graph.to_dot}[args.format]()
    if not text.endswith("\n"):
        text += "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
