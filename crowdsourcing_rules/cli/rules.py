"""The policy owner's commands: ``validate`` (load rule files, report every problem), ``rules``
(list them, or what the policy layers change) and ``test`` (run a policy's decision cases)."""

from __future__ import annotations

import argparse
import functools
import json
import warnings
from pathlib import Path
from typing import Any

from crowdsourcing_rules.cli.common import (
    add_engine_option,
    add_rules_options,
    advisor,
    report_policy_warnings,
    rule_paths,
)

__all__ = ["register"]


def register(commands: Any) -> None:
    validate = commands.add_parser("validate", help="load rule files and report every problem")
    add_rules_options(validate)
    validate.set_defaults(run=run_validate)

    listing = commands.add_parser("rules", help="list the rules, or with --diff what the policy layers change")
    listing.add_argument("--diff", action="store_true", help="list the rules the --policy layers add, replace, disable")
    listing.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_rules_options(listing)
    listing.set_defaults(run=functools.partial(run_rules, listing))

    test = commands.add_parser(
        "test", help="run a policy's decision cases (*.cases.yaml) on the rules with the policy on top"
    )
    test.add_argument("policy_dir", type=Path, metavar="POLICY_DIR", help="the policy layer with its cases files")
    test.add_argument(
        "--rules",
        action="append",
        type=Path,
        metavar="PATH",
        help="rule file or directory to use as the defaults instead of the shipped ones (repeatable)",
    )
    test.add_argument(
        "--min-coverage",
        type=float,
        metavar="PERCENT",
        help="fail when fewer than PERCENT of the rules in the coverage scope fired in some case",
    )
    test.add_argument(
        "--coverage",
        choices=("policy", "all"),
        default="policy",
        help="rules counted by the coverage report: those the policy adds or replaces (default), or all",
    )
    test.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    test.add_argument("-v", "--verbose", action="store_true", help="show passing cases too")
    add_engine_option(test)
    test.set_defaults(run=run_test)


def run_validate(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.advisor import Advisor
    from crowdsourcing_rules.rulefiles.loading import load_rules

    if args.policy:
        with advisor(args) as built:
            count = len(built.layered.warnings) if built.layered else 0
            warned = f", {count} warning(s)" if count else ""
            print(f"{len(built.ruleset)} rules with {len(args.policy)} policy layer(s), no problems{warned}")
        return 0
    ruleset = load_rules(rule_paths(args))
    Advisor(ruleset, engine=args.engine)  # compiling finds cycles too
    print(f"{len(ruleset)} rules, no problems")
    return 0


def run_rules(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from crowdsourcing_rules.rulefiles.layers import format_changes

    if args.diff and not args.policy:
        parser.error("rules --diff needs at least one --policy DIR to compare with the rules")
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


def run_test(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.analysis.testing import run_policy_cases
    from crowdsourcing_rules.errors import PolicyWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PolicyWarning)
        report = run_policy_cases(args.policy_dir, defaults=args.rules, coverage=args.coverage, engine=args.engine)
    report_policy_warnings([w for w in caught if issubclass(w.category, PolicyWarning)])
    below = args.min_coverage is not None and report.coverage.percent < args.min_coverage
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.to_text(verbose=args.verbose))
        if below:
            print(f"coverage {report.coverage.percent:.1f}% is below the minimum of {args.min_coverage:g}%")
    return 0 if report.passed and not below else 1
