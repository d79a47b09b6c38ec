"""``crowdsourcing-rules schema KIND``: the JSON Schema of task files, decision case files, rule
files or policy layers, for an editor (docs/editors.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crowdsourcing_rules.cli.common import STDIO, add_policy_option

__all__ = ["KINDS", "configure", "run"]

KINDS = ("task", "cases", "rules", "policy")  # rulefiles.schemas.SCHEMAS, without importing the library


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print the JSON Schema of a kind of file. The schemas know the facts of the vocabulary and their "
        "values: with --policy, the facts the policy layers declare too."
    )
    parser.add_argument("kind", choices=KINDS, help="task files, decision case files, rule files or policy layers")
    parser.add_argument(
        "--rules",
        action="append",
        type=Path,
        metavar="PATH",
        help="rule file or directory to use instead of the shipped defaults (repeatable, in order)",
    )
    add_policy_option(parser)
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (default, or -: standard output)"
    )


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.cli.common import rule_paths
    from crowdsourcing_rules.rulefiles import schemas

    vocabulary = None
    if args.rules or args.policy:
        from crowdsourcing_rules.rulefiles.layers import load_layers

        vocabulary = load_layers(rule_paths(args), args.policy).ruleset.vocabulary
    text = schemas.schema_text(schemas.schema(args.kind, vocabulary))
    if args.output and str(args.output) != STDIO:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
