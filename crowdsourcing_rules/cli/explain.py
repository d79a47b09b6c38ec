"""``crowdsourcing-rules explain TASK``: why, why not, and what if."""

from __future__ import annotations

import argparse
import json
import sys

from crowdsourcing_rules.cli import common

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_task_argument(parser)
    parser.add_argument(
        "--why",
        action="append",
        metavar="OUTPUT",
        help="explain only these outputs, e.g. crowdsource (repeatable; default: every conclusion)",
    )
    parser.add_argument(
        "--why-not",
        action="append",
        default=[],
        metavar="OUTPUT=VALUE",
        help="ask why an output does not have a value, e.g. granularity=contest (repeatable)",
    )
    parser.add_argument(
        "--what-if", action="store_true", help="find the smallest changes of the task's facts that change the output"
    )
    parser.add_argument(
        "--what-if-output",
        default="crowdsource",
        metavar="OUTPUT",
        help="output that --what-if changes (default: crowdsource)",
    )
    # The old name of --what-if-output: --output names a file on every other command
    parser.add_argument("--output", dest="deprecated_output", metavar="OUTPUT", help=argparse.SUPPRESS)
    parser.add_argument("--target", metavar="VALUE", help="with --what-if: the value the output should take")
    parser.add_argument(
        "--sensitivity",
        action="store_true",
        help="with --what-if: the table of which value of which fact changes which output",
    )
    parser.add_argument(
        "--all-facts",
        action="store_true",
        help="with --what-if: change any fact, not only those a manager can change (task type included)",
    )
    parser.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format (default: text)"
    )
    common.add_lang_option(parser)
    common.add_rules_options(parser)


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.errors import InputError, did_you_mean, printable_json
    from crowdsourcing_rules.explanations.explainer import Explainer

    if args.deprecated_output:
        print("warning: explain --output is deprecated; write --what-if-output", file=sys.stderr)
        args.what_if_output = args.deprecated_output
    lang = common.cli_language(args)
    with common.advisor(args) as built:  # the rules and the policy layers, exactly as decide reads them
        outputs = [o.name for o in built.ruleset.vocabulary.outputs]
        for name in args.why or ():
            if name not in outputs:
                print(f"error: --why: unknown output {name!r}{did_you_mean(name, outputs)}", file=sys.stderr)
                return 2
        task = common.read_task(args.task, built.ruleset.vocabulary)
        try:
            facts = None if args.all_facts else built.ruleset.vocabulary.changeable
            explanation = Explainer(built).explain(
                task,
                why_not=args.why_not,
                what_if=args.what_if or args.sensitivity,
                output=args.what_if_output,
                target=args.target,
                facts=facts,
            )
        except InputError:
            raise
        except ValueError as error:  # a why-not or what-if question that names no output or value
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.format == "json":
        print(printable_json(json.dumps(explanation.to_dict(args.why), indent=2, ensure_ascii=False)))
    else:
        render = explanation.to_markdown if args.format == "markdown" else explanation.to_text
        print(render(args.why, lang=lang, sensitivity=args.sensitivity), end="")
    return 0
