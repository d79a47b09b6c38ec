"""The command line: ``crowdsourcing-rules decide TASK`` and friends.

Exit codes: 0 success, 1 invalid input (task or rule files) or failed evaluation, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from crowdsourcing_rules import __version__, analysis, graph
from crowdsourcing_rules.advisor import Advisor, default_rules_path
from crowdsourcing_rules.errors import CrowdsourcingRulesError, InputError, PolicyWarning
from crowdsourcing_rules.layers import format_changes
from crowdsourcing_rules.loading import load_rules
from crowdsourcing_rules.report import to_json, to_text
from crowdsourcing_rules.task import read_task_file

__all__ = ["main"]


def _add_rules_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        action="append",
        type=Path,
        metavar="PATH",
        help="rule file or directory to use instead of the shipped defaults (repeatable)",
    )
    parser.add_argument(
        "--policy",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a company's policy layer (file or directory) loaded on top of the rules (repeatable, in order)",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "durable-rules", "reference"),
        default="auto",
        help="inference engine (default: durable-rules, or the reference engine where it cannot be imported)",
    )


def _rule_paths(args: argparse.Namespace) -> list[Path]:
    return list(args.rules) if args.rules else [default_rules_path()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crowdsourcing-rules",
        description="Decide whether and how to crowdsource a task, from rules kept in data files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    decide = commands.add_parser("decide", help="recommend for one task file (YAML or JSON)")
    decide.add_argument("task", type=Path, help="task file: a mapping of the vocabulary's facts")
    decide.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    decide.add_argument("--no-trace", action="store_true", help="text format: leave out the fired rules")
    decide.add_argument(
        "--no-questions", action="store_true", help="skip the search for unknown facts that would change the verdict"
    )
    _add_rules_options(decide)

    explain = commands.add_parser("explain", help="explain a recommendation: why, why not, what if")
    explain.add_argument("task", type=Path, help="task file: a mapping of the vocabulary's facts")
    explain.add_argument(
        "--why",
        action="append",
        metavar="OUTPUT",
        help="explain only these outputs, e.g. crowdsource (repeatable; default: every conclusion)",
    )
    explain.add_argument(
        "--why-not",
        action="append",
        default=[],
        metavar="OUTPUT=VALUE",
        help="ask why an output does not have a value, e.g. granularity=contest (repeatable)",
    )
    explain.add_argument(
        "--what-if", action="store_true", help="find the smallest changes of the task's facts that change the output"
    )
    explain.add_argument(
        "--output", default="crowdsource", metavar="OUTPUT", help="output that --what-if changes (default: crowdsource)"
    )
    explain.add_argument("--target", metavar="VALUE", help="with --what-if: the value the output should take")
    explain.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format (default: text)"
    )
    _add_rules_options(explain)

    from crowdsourcing_rules.batch import add_batch_command

    add_batch_command(commands, _add_rules_options)

    validate = commands.add_parser("validate", help="load rule files and report every problem")
    _add_rules_options(validate)

    check = commands.add_parser(
        "check", help="analyse rule files: cycles, rules that never fire, shadowing, conflicts, gaps"
    )
    analysis.add_check_arguments(check)

    draw = commands.add_parser("graph", help="the graph of rules and facts as text, Mermaid or DOT")
    graph.add_graph_arguments(draw)

    rules = commands.add_parser("rules", help="list the rules, or with --diff what the policy layers change")
    rules.add_argument("--diff", action="store_true", help="list the rules the --policy layers add, replace, disable")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    _add_rules_options(rules)

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
    test.add_argument(
        "--engine",
        choices=("auto", "durable-rules", "reference"),
        default="auto",
        help="inference engine (default: durable-rules, or the reference engine where it cannot be imported)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "decide":
            return _decide(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "batch":
            from crowdsourcing_rules.batch import run_batch_command

            return run_batch_command(args, _rule_paths(args))
        if args.command == "validate":
            if args.policy:
                with _advisor(args) as advisor:
                    count = len(advisor.layered.warnings) if advisor.layered else 0
                    warned = f", {count} warning(s)" if count else ""
                    print(f"{len(advisor.ruleset)} rules with {len(args.policy)} policy layer(s), no problems{warned}")
                return 0
            ruleset = load_rules(_rule_paths(args))
            Advisor(ruleset, engine=args.engine)  # compiling finds cycles too
            print(f"{len(ruleset)} rules, no problems")
            return 0
        if args.command == "check":
            return analysis.check_command(args)
        if args.command == "graph":
            return graph.graph_command(args)
        if args.command == "rules":
            if args.diff and not args.policy:
                parser.error("rules --diff needs at least one --policy DIR to compare with the rules")
            return _rules(args)
        if args.command == "test":
            return _test(args)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except CrowdsourcingRulesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``| head``): not an error. Point stdout at devnull so that
        # Python's flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse rejects it first
    return 2  # pragma: no cover


@contextmanager
def _advisor(args: argparse.Namespace) -> Iterator[Advisor]:
    """The advisor for the command's rules and policy layers; a layer's warnings go to stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PolicyWarning)
        advisor = Advisor.from_paths(_rule_paths(args), policy=args.policy, engine=args.engine)
    for warning in caught:
        if issubclass(warning.category, PolicyWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    with advisor:
        yield advisor


def _rules(args: argparse.Namespace) -> int:
    with _advisor(args) as advisor:
        layered = advisor.layered
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
            for rule in advisor.ruleset
        ]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    width = max((len(rule.id) for rule in advisor.ruleset), default=0)
    for row in rows:
        layer = f"layer {row['layer']}" if row["layer"] else "default"
        print(f"{row['id']:<{width}}  {row['salience']:>5}  {layer:<8}  {row['location']}")
    return 0


def _test(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.cases import run_policy_cases

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PolicyWarning)
        report = run_policy_cases(args.policy_dir, defaults=args.rules, coverage=args.coverage, engine=args.engine)
    for warning in caught:
        if issubclass(warning.category, PolicyWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
    below = args.min_coverage is not None and report.coverage.percent < args.min_coverage
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.to_text(verbose=args.verbose))
        if below:
            print(f"coverage {report.coverage.percent:.1f}% is below the minimum of {args.min_coverage:g}%")
    return 0 if report.passed and not below else 1


def _decide(args: argparse.Namespace) -> int:
    with _advisor(args) as advisor:
        task = read_task_file(args.task, advisor.ruleset.vocabulary)
        rec = advisor.decide(task, questions=not args.no_questions)
    print(to_json(rec) if args.format == "json" else to_text(rec, trace=not args.no_trace))
    return 0


def _explain(args: argparse.Namespace) -> int:
    from crowdsourcing_rules._suggest import did_you_mean
    from crowdsourcing_rules.explain import Explainer

    with Advisor.from_paths(_rule_paths(args), engine=args.engine) as advisor:
        outputs = [o.name for o in advisor.ruleset.vocabulary.outputs]
        for name in args.why or ():
            if name not in outputs:
                print(f"error: --why: unknown output {name!r}{did_you_mean(name, outputs)}", file=sys.stderr)
                return 2
        task = read_task_file(args.task, advisor.ruleset.vocabulary)
        try:
            explanation = Explainer(advisor).explain(
                task, why_not=args.why_not, what_if=args.what_if, output=args.output, target=args.target
            )
        except InputError:
            raise
        except ValueError as error:  # a why-not or what-if question that names no output or value
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.format == "json":
        print(json.dumps(explanation.to_dict(args.why), indent=2, ensure_ascii=False))
    else:
        render = explanation.to_markdown if args.format == "markdown" else explanation.to_text
        print(render(args.why), end="")
    return 0
