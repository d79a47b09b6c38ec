"""``crowdsourcing-rules schema NAME``: the JSON Schema of a task, a rule file, a cases file or a
policy layer file, for forms, editors and API descriptions."""

from __future__ import annotations

import argparse
import json

from crowdsourcing_rules.cli.common import add_policy_option, add_rules_option, rule_paths

__all__ = ["configure", "run"]

NAMES = ("task", "rules", "cases", "policy")  # model.schema.SCHEMAS, without importing the library


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        choices=NAMES,
        help="task: a task's facts; cases: a decision cases file (both with the facts that --rules and "
        "--policy declare); rules: a rule file; policy: a policy layer file",
    )
    add_rules_option(parser)
    add_policy_option(parser)


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.model.schema import schema
    from crowdsourcing_rules.rulefiles.layers import load_layers

    vocabulary = None
    if args.name in ("task", "cases"):
        vocabulary = load_layers(rule_paths(args), args.policy).ruleset.vocabulary
    print(json.dumps(schema(args.name, vocabulary), indent=2, ensure_ascii=False))
    return 0
