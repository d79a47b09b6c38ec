"""``crowdsourcing-rules graph``: the rules and the facts they read and conclude, as text, Mermaid
or DOT."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crowdsourcing_rules.cli.common import STDIO, add_rule_sources, rule_paths

__all__ = ["configure", "run"]

GRAPH_FORMATS = ("text", "mermaid", "dot", "svg")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "The rules and the facts they read and conclude: a text listing, or a picture (Mermaid, DOT, or "
        "SVG laid out by Graphviz when it is installed, else drawn by matplotlib). A picture shows one "
        "output and what decides it: the verdict (crowdsource) unless --output-of, --around or --all."
    )
    add_rule_sources(parser)
    parser.add_argument("--format", choices=GRAPH_FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--all", action="store_true", help="a picture of every rule, not only what decides the verdict")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (default, or -: standard output)"
    )
    parser.add_argument(
        "--output-of", metavar="OUTPUT", help="only what can influence this output or fact (e.g. crowd_types)"
    )
    parser.add_argument("--around", metavar="RULE_ID", help="only this rule and its neighbours")
    parser.add_argument(
        "--radius", type=int, default=1, metavar="N", help="with --around: steps from rule to rule (default: 1)"
    )


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.analysis.graph import rule_graph
    from crowdsourcing_rules.rulefiles.layers import load_layers
    from crowdsourcing_rules.rulefiles.loading import load_rules

    paths = rule_paths(args)
    graph = rule_graph(load_layers(paths, args.policy).ruleset if args.policy else load_rules(paths))
    try:
        if args.output_of:
            graph = graph.output_of(args.output_of)
        if args.around:
            graph = graph.around(args.around, radius=args.radius)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 1
    if args.format != "text" and not args.all:
        graph = graph.picture()
    text = {"text": graph.to_text, "mermaid": graph.to_mermaid, "dot": graph.to_dot, "svg": graph.to_svg}[args.format]()
    if not text.endswith("\n"):
        text += "\n"
    if args.output and str(args.output) != STDIO:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
