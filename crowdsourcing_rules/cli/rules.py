"""``crowdsourcing-rules rules``: list the rules, or with ``--diff`` what the policy layers change."""

from __future__ import annotations

import argparse
import json

from crowdsourcing_rules.cli.common import add_rules_options, advisor

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--diff", action="store_true", help="list the rules the --policy layers add, replace, disable")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_rules_options(parser)
    parser.set_defaults(error=parser.error)


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.rulefiles.layers import format_changes

    if args.diff and not args.policy:
        args.error("rules --diff needs at least one --policy DIR to compare with the rules")
    with advisor(args) as built:
        layered = built.layered
        if args.diff:
            assert layered is not None
            if args.format == "json":
                print(json.dumps([c.to_dict() for c in layered.changes], indent=2, ensure_ascii=False))
            else:
                print(format_changes(layered))
            return 0
        origin = layered.origin if layered else {}
        rows = [
            {
                "id": rule.id,
                "salience": rule.salience,
                "layer": origin.get(rule.id, 0),
                "location": str(rule.location) if rule.location else None,
                "description": rule.description,
            }
            for rule in built.ruleset
        ]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max((len(rule.id) for rule in built.ruleset), default=0)
    for row in rows:
        layer = f"layer {row['layer']}" if row["layer"] else "default"
        print(f"{row['id']:<{width}}  {row['salience']:>5}  {layer:<8}  {row['location']}")
    return 0
