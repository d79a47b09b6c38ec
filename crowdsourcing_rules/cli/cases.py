"""``crowdsourcing-rules test POLICY_DIR``: run a policy's decision cases (``*.cases.yaml``) on
the rules with the policy on top, and measure rule coverage."""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

from crowdsourcing_rules.cli.common import add_engine_option, add_lang_option, cli_language, report_policy_warnings

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policy_dir", type=Path, metavar="POLICY_DIR", help="the policy layer with its cases files")
    parser.add_argument(
        "--rules",
        action="append",
        type=Path,
        metavar="PATH",
        help="rule file or directory to use as the defaults instead of the shipped ones (repeatable)",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        metavar="PERCENT",
        help="fail when fewer than PERCENT of the rules in the coverage scope fired in some case",
    )
    parser.add_argument(
        "--coverage",
        choices=("policy", "all"),
        default="policy",
        help="rules counted by the coverage report: those the policy adds or replaces (default), or all",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show passing cases too")
    add_engine_option(parser)
    add_lang_option(parser)


def run(args: argparse.Namespace) -> int:
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
        t = cli_language(args)
        print(report.to_text(verbose=args.verbose, lang=t))
        if below:
            minimum = t.ui("coverage {percent} is below the minimum of {minimum}")
            print(minimum.format(percent=f"{report.coverage.percent:.1f}%", minimum=f"{args.min_coverage:g}%"))
    return 0 if report.passed and not below else 1
