"""``crowdsourcing-rules validate``: load rule files (and policy layers) and report every problem."""

from __future__ import annotations

import argparse

from crowdsourcing_rules.cli.common import add_lang_option, add_rules_options, advisor, cli_language, rule_paths

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    add_rules_options(parser)
    add_lang_option(parser)


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.advisor import Advisor
    from crowdsourcing_rules.rulefiles.loading import load_rules

    t = cli_language(args)  # the summary's words; a problem's message stays in English
    if args.policy:
        with advisor(args) as built:
            count = len(built.layered.warnings) if built.layered else 0
            summary = t.ui("{rules} rules with {layers} policy layer(s), no problems")
            warned = t.ui(", {count} warning(s)").format(count=count) if count else ""
            print(summary.format(rules=len(built.ruleset), layers=len(args.policy)) + warned)
        return 0
    ruleset = load_rules(rule_paths(args))
    Advisor(ruleset, engine=args.engine)  # compiling finds cycles too
    print(t.ui("{rules} rules, no problems").format(rules=len(ruleset)))
    return 0
