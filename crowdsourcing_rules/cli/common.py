"""What the commands share: the options that name rule files, policy layers and the engine, and
the advisor they build.

Commands import the library's modules inside their ``run`` functions, not at the top: building
the parser for ``--help`` or ``--version`` then imports nothing but argparse.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crowdsourcing_rules.advisor import Advisor

__all__ = [
    "ENGINES",
    "add_engine_option",
    "add_policy_option",
    "add_rules_option",
    "add_rules_options",
    "advisor",
    "report_policy_warnings",
    "rule_paths",
]

ENGINES = ("auto", "durable-rules", "reference")


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="inference engine (default: durable-rules, or the reference engine where it cannot be imported)",
    )


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    _paths(parser, "--policy", "DIR", "a company's policy layer (file or directory) loaded on top of the rules")


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    _paths(parser, "--rules", "PATH", "rule file or directory to use instead of the shipped defaults", default=None)


def add_rules_options(parser: argparse.ArgumentParser) -> None:
    """``--rules``, ``--policy`` and ``--engine``."""
    add_rules_option(parser)
    add_policy_option(parser)
    add_engine_option(parser)


def _paths(parser: argparse.ArgumentParser, flag: str, metavar: str, what: str, default: object = ()) -> None:
    """A repeatable option naming files or directories, in order."""
    parser.add_argument(
        flag,
        action="append",
        type=Path,
        default=[] if default == () else default,
        metavar=metavar,
        help=f"{what} (repeatable, in order)",
    )


def add_rule_sources(parser: argparse.ArgumentParser) -> None:
    """The rule files and policy layers ``check`` and ``graph`` read: positional paths."""
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="rule files or directories (default: the shipped rules)"
    )
    add_policy_option(parser)


def rule_paths(args: argparse.Namespace) -> list[Path]:
    """The rule files a command reads: ``--rules``, or the shipped defaults."""
    from crowdsourcing_rules.rulefiles.loading import default_rules_path

    return list(args.rules) if args.rules else [default_rules_path()]


def report_policy_warnings(caught: list[warnings.WarningMessage]) -> None:
    """A policy layer's warnings, as ``warning: ...`` lines on standard error."""
    from crowdsourcing_rules.errors import PolicyWarning

    for warning in caught:
        if issubclass(warning.category, PolicyWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


@contextmanager
def advisor(args: argparse.Namespace) -> Iterator[Advisor]:
    """The advisor for the command's rules and policy layers; a layer's warnings go to stderr."""
    from crowdsourcing_rules.advisor import Advisor
    from crowdsourcing_rules.errors import PolicyWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PolicyWarning)
        built = Advisor.from_paths(rule_paths(args), policy=args.policy, engine=args.engine)
    report_policy_warnings(caught)
    with built:
        yield built
