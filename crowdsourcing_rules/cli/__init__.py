"""The command line: ``crowdsourcing-rules decide TASK`` and friends.

Each command lives in a module of its own, which adds its options (``configure``) and runs it
(``run``). A module is imported only when its command is used: ``--help`` and ``--version``
import none of them, nor the library. Exit codes: 0 success, 1 invalid input (task or rule
files) or failed evaluation, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from crowdsourcing_rules._version import __version__

__all__ = ["COMMANDS", "build_parser", "main"]

#: Each command: the module under ``crowdsourcing_rules.cli`` that runs it, and its one-line help.
COMMANDS: dict[str, tuple[str, str]] = {
    "decide": ("decide", "recommend for one task file (YAML or JSON)"),
    "explain": ("explain", "explain a recommendation: why, why not, what if"),
    "batch": ("batch", "decide every task of a CSV, JSON Lines or Parquet file"),
    "validate": ("validate", "load rule files and report every problem"),
    "check": ("check", "analyse rule files: cycles, rules that never fire, shadowing, conflicts, gaps"),
    "graph": ("graph", "the graph of rules and facts as text, Mermaid or DOT"),
    "rules": ("rules", "list the rules, or with --diff what the policy layers change"),
    "test": ("cases", "run a policy's decision cases (*.cases.yaml) on the rules with the policy on top"),
    "schema": ("schema", "print the JSON Schema of a task, a rule file, a cases file or a policy layer"),
    "serve": ("serve", "serve the rules over HTTP: decide, explain, batch (needs the 'server' extra)"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the options of ``command`` only (of every command when None)."""
    parser = argparse.ArgumentParser(
        prog="crowdsourcing-rules",
        description="Decide whether and how to crowdsource a task, from rules kept in data files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, text) in COMMANDS.items():
        sub = commands.add_parser(name, help=text, description=text)
        if command in (None, name):
            module = importlib.import_module(f"crowdsourcing_rules.cli.{module_name}")
            module.configure(sub)
            sub.set_defaults(run=module.run)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``, if any: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    command = _command(words)
    parser = build_parser(command if command in COMMANDS else "")
    args = parser.parse_args(words)
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
