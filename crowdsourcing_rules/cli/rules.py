"""``crowdsourcing-rules rules``: list the rules, or with ``--diff`` what the policy layers change."""

from __future__ import annotations

import argparse
import json

from crowdsourcing_rules.cli.common import add_lang_option, add_rules_options, advisor, cli_language

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--diff", action="store_true", help="list the rules the --policy layers add, replace, disable")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_lang_option(parser)
    add_rules_options(parser)
    parser.set_defaults(error=parser.error)


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.rulefiles.layers import format_changes

    if args.diff and not args.policy:
        args.error("rules --diff needs at least one --policy DIR to compare with the rules")
    t = cli_language(args)
    with advisor(args) as built:
        layered = built.layered
        if args.diff:
            assert layered is not None
            if args.format == "json":
                print(json.dumps([c.to_dict() for c in layered.changes], indent=2, ensure_ascii=False))
            else:
                print(format_changes(layered, t))
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
    layers = [t.ui("layer {number}").format(number=row["layer"]) if row["layer"] else t.ui("default") for row in rows]
    layer_width = max((len(layer) for layer in layers), default=8)
    for row, layer in zip(rows, layers, strict=True):
        print(f"{row['id']:<{width}}  {row['salience']:>5}  {layer:<{layer_width}}  {row['location']}")
        print("    " + " ".join(t.rule(str(row["description"])).split()))  # the description, in the language
    return 0
