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
    from crowdsourcing_rules.model.language import Language
    from crowdsourcing_rules.model.task import Task
    from crowdsourcing_rules.model.vocabulary import Vocabulary

__all__ = [
    "ENGINES",
    "STDIO",
    "UsageError",
    "add_engine_option",
    "add_lang_option",
    "add_policy_option",
    "add_rules_option",
    "add_rules_options",
    "add_task_argument",
    "advisor",
    "cli_language",
    "read_task",
    "report_policy_warnings",
    "rule_paths",
    "standard_streams",
]

ENGINES = ("auto", "durable-rules", "reference")


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="inference engine (default: durable-rules, or the reference engine where it cannot be imported)",
    )


def add_task_argument(parser: argparse.ArgumentParser) -> None:
    """The task file a command reads (``-``: standard input)."""
    parser.add_argument(
        "task", type=Path, help="task file (YAML or JSON): a mapping of the vocabulary's facts; - for standard input"
    )


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("en", "fr"),
        default=None,
        help="language of the words printed (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG; English)",
    )


def cli_language(args: argparse.Namespace) -> Language:
    """The language a command prints in: ``--lang``, else the environment's, with the policy
    layers' translations on top."""
    from crowdsourcing_rules.rulefiles.translations import policy_language

    return policy_language(args.lang, getattr(args, "policy", None) or ())


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
    """The rule files and policy layers ``check`` and ``graph`` read: ``--rules`` and ``--policy``,
    as for every other command. Rule paths given as positional arguments (the old form) still
    work, with a deprecation note."""
    _paths(parser, "--rules", "PATH", "rule file or directory to use instead of the shipped defaults", default=None)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    add_policy_option(parser)


def rule_paths(args: argparse.Namespace) -> list[Path]:
    """The rule files a command reads: ``--rules`` (and the deprecated positional paths of
    ``check`` and ``graph``), or the shipped defaults."""
    from crowdsourcing_rules.rulefiles.loading import default_rules_path

    positional = list(getattr(args, "paths", None) or ())
    if positional:
        flags = " ".join(f"--rules {p}" for p in positional)
        print(
            f"warning: rule paths as positional arguments are deprecated; write {flags}",
            file=sys.stderr,
        )
    paths = [*(args.rules or ()), *positional]
    return paths or [default_rules_path()]


def read_task(path: Path, vocabulary: Vocabulary) -> Task:
    """The task of a task file, or of standard input when ``path`` is ``-``."""
    from crowdsourcing_rules.rulefiles.tasks import read_task_file, read_task_text

    if str(path) == STDIO:
        return read_task_text(sys.stdin.read(), "<stdin>", vocabulary)
    return read_task_file(path, vocabulary)


#: A file argument that means standard input (where a file is read) or output (where one is written)
STDIO = "-"


class UsageError(Exception):
    """A wrong combination of arguments: exit code 2, with the message."""


@contextmanager
def standard_streams(
    args: argparse.Namespace, read: dict[str, str | None], write: dict[str, str | None]
) -> Iterator[None]:
    """Let file arguments given as ``-`` be standard input or output, for a command that reads and
    writes files by path (such as ``batch``, whose Parquet files need seeking).

    ``read`` and ``write`` map an argument's name to the name of the option that gives its format
    (``None`` if it has none). Standard input is copied into a temporary file before the command
    runs; what the command writes into a temporary file is copied to standard output after it.
    The temporary file ends with the format's extension; ``-`` without its format is a usage error.
    """
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="crowdsourcing-rules-") as folder:
        copy_out: list[Path] = []
        for direction, names in (("read", read), ("write", write)):
            for name, format_option in names.items():
                if str(getattr(args, name)) != STDIO:
                    continue
                fmt = getattr(args, format_option) if format_option else None
                if format_option and not fmt:
                    stream = "standard input" if direction == "read" else "standard output"
                    flag = "--" + format_option.replace("_", "-")
                    raise UsageError(f"{stream} ('-') has no extension to tell its format: give {flag}")
                spooled = Path(folder) / (name + (f".{fmt}" if fmt else ""))
                if direction == "read":
                    with spooled.open("wb") as handle:
                        shutil.copyfileobj(sys.stdin.buffer, handle)
                else:
                    copy_out.append(spooled)
                setattr(args, name, spooled)
        yield
        if copy_out:
            sys.stdout.flush()
            for spooled in copy_out:
                if spooled.exists():
                    with spooled.open("rb") as handle:
                        shutil.copyfileobj(handle, sys.stdout.buffer)
            sys.stdout.buffer.flush()


def report_policy_warnings(caught: list[warnings.WarningMessage]) -> None:
    """The warnings given while the rules were read (a policy layer's, the fallback to the
    reference engine), each as one ``warning: ...`` message on standard error: no source line."""
    from crowdsourcing_rules.errors import printable

    for warning in caught:
        text = ""
        for line in filter(None, (part.strip() for part in printable(str(warning.message)).splitlines())):
            text += (" " if text.endswith(":") else "; ") + line if text else line
        print(f"warning: {text}", file=sys.stderr)


@contextmanager
def advisor(args: argparse.Namespace) -> Iterator[Advisor]:
    """The advisor for the command's rules and policy layers; a layer's warnings go to stderr."""
    from crowdsourcing_rules.advisor import Advisor
    from crowdsourcing_rules.errors import PolicyWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PolicyWarning)
        warnings.simplefilter("always", RuntimeWarning)  # the fallback to the reference engine
        built = Advisor.from_paths(rule_paths(args), policy=args.policy, engine=args.engine)
    report_policy_warnings(caught)
    with built:
        yield built
