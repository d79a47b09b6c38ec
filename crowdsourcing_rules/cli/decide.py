"""``crowdsourcing-rules decide TASK``: the recommendation for one task file."""

from __future__ import annotations

import argparse

from crowdsourcing_rules.cli.common import (
    add_lang_option,
    add_rules_options,
    add_task_argument,
    advisor,
    cli_language,
    read_task,
)

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    add_task_argument(parser)
    parser.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="output format (default: text; JSON keeps codes as codes, in English)",
    )
    parser.add_argument("--detail", action="store_true", help="text and Markdown: every output after the short answer")
    parser.add_argument("--trace", action="store_true", help="text and Markdown: the rules that fired, in order")
    parser.add_argument(
        "--no-trace", action="store_true", help=argparse.SUPPRESS
    )  # the default now; kept for old scripts
    parser.add_argument(
        "--no-questions", action="store_true", help="skip the search for unknown facts that would change the verdict"
    )
    add_lang_option(parser)
    add_rules_options(parser)


def run(args: argparse.Namespace) -> int:
    lang = cli_language(args)
    with advisor(args) as built:
        task = read_task(args.task, built.ruleset.vocabulary)
        rec = built.decide(task, questions=not args.no_questions)
    if args.format == "json":
        print(rec.to_json())
        return 0
    title = task.get("title")
    render = rec.to_markdown if args.format == "markdown" else rec.to_text
    print(render(lang=lang, detail=args.detail, trace=args.trace, title=str(title) if title else None))
    return 0
