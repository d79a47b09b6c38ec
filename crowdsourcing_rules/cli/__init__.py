"""The command line: ``crowdsourcing-rules decide TASK`` and friends.

Each command lives in a module of its own (:mod:`.decide`, :mod:`.explain`, :mod:`.rules`,
:mod:`.check`, :mod:`.batch`) that adds its options to the parser and runs it. Exit codes: 0
success, 1 invalid input (task or rule files) or failed evaluation, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from crowdsourcing_rules._version import __version__
from crowdsourcing_rules.cli import batch, check, decide, explain, rules

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = argparse.ArgumentParser(
        prog="crowdsourcing-rules",
        description="Decide whether and how to crowdsource a task, from rules kept in data files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    decide.register(commands)
    explain.register(commands)
    batch.register(commands)
    rules.register(commands)
    check.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from crowdsourcing_rules.errors import CrowdsourcingRulesError

    try:
        code: int = args.run(args)
    except CrowdsourcingRulesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``| head``): not an error. Point stdout at devnull so that
        # Python's flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code
