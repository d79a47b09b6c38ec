"""``crowdsourcing-rules fmt [--check] PATH...``: format rule, policy, case and task files in one
layout, keeping their comments (see :mod:`crowdsourcing_rules.rulefiles.formatting`)."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from crowdsourcing_rules.cli.common import STDIO

__all__ = ["configure", "run"]

_SUFFIXES = (".yaml", ".yml")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Format rule, policy, case and task files: one indentation, the format's keys in one order, "
        "folded text wrapped to 100 columns; comments and quotes kept. Rewrites the files in place."
    )
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="YAML files or directories (searched for *.yaml and *.yml); - formats standard input to standard output",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a file would be reformatted (for CI)"
    )
    parser.add_argument("--diff", action="store_true", help="change nothing; print what would change, as a diff")


def run(args: argparse.Namespace) -> int:
    """0: nothing (left) to change; 1: with --check or --diff, files would change, or a file does not read."""
    from crowdsourcing_rules.errors import InputError
    from crowdsourcing_rules.rulefiles.formatting import format_text

    if any(str(p) == STDIO for p in args.paths):
        if len(args.paths) > 1:
            print("error: - (standard input) cannot be formatted with other paths", file=sys.stderr)
            return 2
        try:
            sys.stdout.write(format_text(sys.stdin.read(), "<stdin>"))
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0
    files, missing = _files(args.paths)
    for path in missing:
        print(f"error: {path}: no such file or directory", file=sys.stderr)
    changed, failed = 0, len(missing)
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            formatted = format_text(text, str(path))
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            failed += 1
            continue
        if formatted == text:
            continue
        changed += 1
        if args.diff:
            diff = difflib.unified_diff(
                text.splitlines(keepends=True), formatted.splitlines(keepends=True), str(path), f"{path} (formatted)"
            )
            sys.stdout.writelines(diff)
        if args.check or args.diff:
            print(f"would reformat {path}", file=sys.stderr)
        else:
            path.write_text(formatted, encoding="utf-8")
            print(f"reformatted {path}", file=sys.stderr)
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    print(f"{changed} file(s) {verb}, {len(files) - changed - failed} unchanged", file=sys.stderr)
    return 1 if failed or (changed and (args.check or args.diff)) else 0


def _files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The YAML files named or under the directories named (hidden ones skipped); the missing paths."""
    files: list[Path] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix in _SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append(path)
    return list(dict.fromkeys(files)), missing
