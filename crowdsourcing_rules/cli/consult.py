"""``crowdsourcing-rules consult``: the guided consultation, one question at a time.

Each question comes with numbered choices; ``0`` is "I don't know", ``b`` (or ``r``) takes the last
answer back, ``q`` quits. A wrong answer is asked again, nothing lost. At the end of the input (or
on ``q``) the answers so far are kept: with ``--save`` they are written to the task file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crowdsourcing_rules.cli.common import add_lang_option, add_rules_options, advisor, cli_language

if TYPE_CHECKING:
    from crowdsourcing_rules.consultation.session import Consultation, Question
    from crowdsourcing_rules.model.language import Language

__all__ = ["configure", "run"]

_BACK = ("b", "back", "r", "retour")
_QUIT = ("q", "quit", "quitter")
_DONT_KNOW = ("0", "?")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--save", type=Path, metavar="TASK.yaml", help="write the answers to this task file")
    parser.add_argument("--title", help="the task's title (it names the task in the answer and the task file)")
    parser.add_argument("--detail", action="store_true", help="every output after the short answer")
    add_lang_option(parser)
    add_rules_options(parser)


class _EndOfInput(Exception):
    """Standard input ended."""


def _read(prompt: str) -> str:
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        print()
        raise _EndOfInput
    return line.strip()


def _ask(question: Question, number: int, t: Language) -> str:
    """Ask one question until the answer is a choice, "I don't know", back or quit; return the
    value, ``unknown``, ``back`` or ``quit``."""
    choices = question.choices(t)
    print()
    print(f"{number}. {question.text(t)}")
    for index, choice in enumerate(choices, 1):
        print(f"   {index}) {choice.label}")
    dont_know = t.ui("I don't know")
    print(f"   0) {dont_know}")
    while True:
        answer = _read("> ").casefold()
        if answer in _DONT_KNOW:
            return "unknown"
        if answer in _BACK:
            return "back"
        if answer in _QUIT:
            return "quit"
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            return choices[int(answer) - 1].value
        print(
            t.ui("Please answer with a number from 0 to {last}, b to go back or q to quit.").format(last=len(choices))
        )


def _save(consultation: Consultation, path: Path, t: Language) -> None:
    from crowdsourcing_rules.rulefiles.tasks import task_file_text

    facts = consultation.task_facts()
    facts["id"] = facts.get("id") if facts.get("id") != "consultation" else path.stem
    path.write_text(task_file_text(facts, t.ui("Answers of a guided consultation (crowdsourcing-rules consult)")))
    print(t.ui("Saved the task file {path}.").format(path=path))


def run(args: argparse.Namespace) -> int:
    from crowdsourcing_rules.consultation.session import Consultation

    t = cli_language(args)
    facts: dict[str, object] = {"id": args.save.stem if args.save else "consultation"}
    if args.title:
        facts["title"] = args.title
    with advisor(args) as built:
        consultation = Consultation(built, facts=facts)
        print(t.ui("Answer each question with the number of a choice: 0 if you don't know, b to go back, q to quit."))
        finished = False
        try:
            while (question := consultation.next_question()) is not None:
                answer = _ask(question, len(consultation.answers) + 1, t)
                if answer == "quit":
                    break
                if answer == "back":
                    if consultation.back() is None:
                        print(t.ui("This is the first question."))
                    continue
                consultation.answer(question.fact, answer)
            else:
                finished = True
        except _EndOfInput:
            print(t.ui("End of input: the answers so far are kept."))
        rec = consultation.recommendation
        print()
        if not finished:
            print(t.ui("The answer so far (the consultation was not finished):"))
        title = args.title or (args.save.stem if args.save else None)
        print(rec.to_text(lang=t, detail=args.detail, title=title))
        print()
        if args.save:
            _save(consultation, args.save, t)
        elif finished:
            try:
                name = _read(t.ui("Save the answers as a task file? File name (Enter to skip): "))
            except _EndOfInput:
                name = ""
            if name:
                _save(consultation, Path(name), t)
    return 0
