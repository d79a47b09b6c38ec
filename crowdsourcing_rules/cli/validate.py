"""``crowdsourcing-rules validate``: load rule files (and policy layers) and report every problem."""

from __future__ import annotations

import argparse

from crowdsourcing_rules.cli.common import add_rules_options, advisor, rule_paths

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    add_rules_options(parser)


def run(args: argparse.Namespace) -> int:
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
