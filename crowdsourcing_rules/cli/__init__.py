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
import re
import sys
from collections.abc import Iterable, Sequence

from crowdsourcing_rules._version import __version__

__all__ = ["COMMANDS", "MODULES", "build_parser", "main"]

#: Each command and its one-line help; it runs in the module of its name under
#: ``crowdsourcing_rules.cli`` (but for those in :data:`MODULES`).
COMMANDS: dict[str, str] = {
    "consult": "answer the card's questions one at a time, and get the recommendation",
    "decide": "recommend for one task file (YAML or JSON)",
    "explain": "explain a recommendation: why, why not, what if",
    "batch": "decide every task of a CSV, JSON Lines or Parquet file",
    "validate": "load rule files and report every problem",
    "check": "analyse rule files: cycles, rules that never fire, shadowing, conflicts, gaps",
    "graph": "the graph of rules and facts: a listing, or a picture (SVG, Mermaid, DOT)",
    "rules": "list the rules, or with --diff what the policy layers change",
    "test": "run a policy's decision cases (*.cases.yaml) on the rules with the policy on top",
    "fmt": "format rule, policy, case and task files, keeping their comments",
    "schema": "print the JSON Schema of task, case, rule or policy files, for an editor",
    "completion": "print a shell completion script (bash, zsh or tcsh)",
    "serve": "serve the rules over HTTP: decide, explain, batch (needs the 'server' extra)",
}
#: Commands whose module is not named after them (``test`` would read as a test module).
MODULES = {"test": "cases"}


class _Parser(argparse.ArgumentParser):
    """argparse, with a "did you mean" for a mistyped command, option or choice."""

    def error(self, message: str) -> None:  # type: ignore[override]  # argparse: NoReturn
        super().error(message + _suggestions(self, message))


def _suggestions(parser: argparse.ArgumentParser, message: str) -> str:
    """What a usage error's words were probably meant to be."""
    from crowdsourcing_rules.errors import did_you_mean

    choice = re.search(r"invalid choice: '?(.*?)'? \(choose from (.*)\)", message)
    if choice:
        choices = [c.strip().strip("'") for c in choice.group(2).split(",")]
        return did_you_mean(choice.group(1), choices)
    unknown = re.search(r"unrecognized arguments: (.*)", message)
    if not unknown:
        return ""
    options = sorted(_option_strings(parser))
    hints = []
    for word in unknown.group(1).split():
        flag = word.split("=", 1)[0]
        suggestion = did_you_mean(flag, options) if flag.startswith("-") else ""
        if suggestion:
            hints.append(f"{flag}: {suggestion.removeprefix('; ')}")
    return "".join(f"\n  {hint}" for hint in hints)


def _option_strings(parser: argparse.ArgumentParser) -> Iterable[str]:
    """The long options of a parser and of its configured subcommands."""
    for action in parser._actions:
        yield from (s for s in action.option_strings if s.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _option_strings(sub)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the options of ``command`` only (of every command when None)."""
    parser = _Parser(
        prog="crowdsourcing-rules",
        description="Decide whether and how to crowdsource a task, from rules kept in data files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in COMMANDS.items():
        sub = commands.add_parser(name, help=text, description=text)
        if command in (None, name):
            module = importlib.import_module(f"crowdsourcing_rules.cli.{MODULES.get(name, name)}")
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
    from crowdsourcing_rules.cli.common import UsageError
    from crowdsourcing_rules.errors import CrowdsourcingRulesError

    try:
        code: int = args.run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except CrowdsourcingRulesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``| head``): not an error. Point stdout at devnull so that
        # Python's flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code
