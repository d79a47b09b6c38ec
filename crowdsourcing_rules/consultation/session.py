"""The guided consultation: one question at a time, the one whose answer can change the most.

A :class:`Consultation` holds the answers given so far (a fact answered ``unknown`` is one the user
does not know: it is not asked again). :meth:`~Consultation.next_question` tries every value of
every open fact the rules read on the way to the verdict, the crowd or the service, each alone, on
the advisor's public API (``decide`` without the question search, ``Task.with_facts``), and asks
the fact whose values change the verdict most often, then the crowd and the main service, then the
other outputs. When no open fact can change the verdict, the crowd or the main service, the
consultation is :attr:`~Consultation.done` and :attr:`~Consultation.recommendation` is the answer
(decided with the question search: facts answered "I don't know" that could change the verdict
make it provisional).

Everything is computed from the answers: a web form can send the answers so far with each request
and build ``Consultation(advisor, answers)`` anew (:meth:`~Consultation.to_dict` is its answer).

>>> import crowdsourcing_rules as cr
>>> consultation = cr.Consultation(cr.Advisor.default(engine="reference"))
>>> consultation.next_question().fact
'task_type'
>>> consultation.answer("task_type", "translation_localization")
>>> consultation.answers
{'task_type': 'translation_localization'}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from crowdsourcing_rules.errors import Problem, TaskError, closest, did_you_mean, one_of
from crowdsourcing_rules.model.dataflow import upstream
from crowdsourcing_rules.model.language import Language, language
from crowdsourcing_rules.model.recommendation import Recommendation
from crowdsourcing_rules.model.task import Task
from crowdsourcing_rules.model.vocabulary import UNKNOWN

if TYPE_CHECKING:
    from crowdsourcing_rules.advisor import Advisor

__all__ = ["HEADLINE", "Choice", "Consultation", "Question", "replay"]

#: What a consultation settles before it stops: the verdict, the crowd and the main service.
HEADLINE: tuple[str, ...] = ("crowdsource", "crowd_types", "service_types")
#: The other outputs whose changes rank the questions after the headline.
_OTHERS = ("granularity", "manage_crowd_directly", "crowd_model", "preselection", "risks", "conditions")


@attrs.frozen
class Choice:
    """One answer a question offers: the value (a code) and its label."""

    value: str
    label: str


@attrs.frozen
class Question:
    """The next fact to ask, the values it may take, and what its answer can change.

    ``changes`` names the outputs one of its values changes (the verdict first); ``score`` is how
    many of its values change the verdict, the headline and the other outputs.
    """

    fact: str
    values: tuple[str, ...]
    changes: tuple[str, ...]
    score: tuple[int, int, int] = (0, 0, 0)
    #: The fact's description in the vocabulary: the question when no catalogue words it.
    description: str = ""

    def text(self, lang: str | Language | None = "en") -> str:
        """The question in words (a company's fact without a translated question: its
        description, as a question)."""
        t = language(lang)
        if t.has_label("question", self.fact) or not self.description:
            return t.question(self.fact)
        return self.description[:1].upper() + self.description[1:].rstrip(".?") + "?"

    def choices(self, lang: str | Language | None = "en") -> tuple[Choice, ...]:
        """The answers, in words (``unknown``, "I don't know", is not one of them)."""
        t = language(lang)
        return tuple(Choice(value, t.value(self.fact, value)) for value in self.values)

    def to_dict(self, lang: str | Language | None = "en") -> dict[str, Any]:
        """JSON-ready: the fact, the question and the choices in words, what it can change."""
        t = language(lang)
        return {
            "fact": self.fact,
            "question": self.text(t),
            "choices": [{"value": c.value, "label": c.label} for c in self.choices(t)],
            "dont_know": {"value": UNKNOWN, "label": t.ui("I don't know")},
            "changes": list(self.changes),
        }


def _key(rec: Recommendation) -> dict[str, object]:
    """The outputs a consultation compares, as comparable values."""
    return {
        "crowdsource": rec.crowdsource,
        "crowd_types": (frozenset(rec.crowd_types), rec.crowd_types[:1]),
        "service_types": rec.service_types[:1],
        "granularity": rec.granularity,
        "manage_crowd_directly": rec.manage_crowd_directly,
        "crowd_model": rec.crowd_model,
        "preselection": rec.preselection,
        "risks": frozenset(rec.risk_ids),
        "conditions": bool(rec.conditions),
    }


class Consultation:
    """A guided consultation with an advisor: the answers so far, the next question, the answer.

    ``answers`` maps facts to values (``unknown``: "I don't know"), in the order they were given;
    ``facts`` are facts known before the consultation starts (``id``, ``title``...), never asked.
    """

    def __init__(
        self,
        advisor: Advisor,
        answers: Mapping[str, object] | None = None,
        *,
        facts: Mapping[str, object] | None = None,
    ) -> None:
        self.advisor = advisor
        vocabulary = advisor.ruleset.vocabulary
        self._base: dict[str, object] = {"id": "consultation", **(facts or {})}
        self._answers: dict[str, str] = {}
        self._cache: dict[tuple[tuple[str, str], ...], tuple[Question | None, Task]] = {}
        read = upstream(advisor.ruleset, HEADLINE).facts
        #: The facts a consultation may ask, in vocabulary order.
        self.askable: tuple[str, ...] = tuple(f for f in read if vocabulary.fact(f).kind in ("enum", "bool"))
        for fact, value in (answers or {}).items():
            self.answer(fact, value)

    # -- the answers ---------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, str]:
        """The answers so far, in order (a copy)."""
        return dict(self._answers)

    def answer(self, fact: str, value: object) -> None:
        """Record an answer (``unknown``: "I don't know"); answering a fact again replaces its
        answer. Raises :class:`~crowdsourcing_rules.TaskError` for a fact that cannot be asked or
        a value outside its set, with a "did you mean"."""
        shown = "true" if value is True else "false" if value is False else str(value)
        vocabulary = self.advisor.ruleset.vocabulary
        if fact not in self.askable:
            names = [*self.askable]
            message = f"{fact!r} is not a fact a consultation asks{did_you_mean(fact, names)}"
            raise TaskError(message, [Problem(message, fact=fact, value=shown, suggestion=closest(fact, names))])
        values = vocabulary.fact(fact).values
        if shown not in values:
            message = f"{fact} = {shown!r}: expected {one_of(values)}{did_you_mean(shown, values)}"
            raise TaskError(message, [Problem(message, fact=fact, value=shown, suggestion=closest(shown, values))])
        self._answers.pop(fact, None)
        self._answers[fact] = shown

    def back(self) -> str | None:
        """Take back the last answer; return its fact (None when there was none)."""
        if not self._answers:
            return None
        fact = next(reversed(self._answers))
        del self._answers[fact]
        return fact

    @property
    def task(self) -> Task:
        """The task the answers describe (facts not answered are unknown)."""
        return self._state()[1]

    # -- the next question ---------------------------------------------------------------

    def next_question(self) -> Question | None:
        """The fact to ask next, or None when no open fact can change the verdict, the crowd or
        the main service (the consultation is done)."""
        return self._state()[0]

    @property
    def done(self) -> bool:
        return self.next_question() is None

    @property
    def recommendation(self) -> Recommendation:
        """The recommendation for the answers so far, with the question search (provisional when
        a fact answered "I don't know" could change the verdict)."""
        return self.advisor.decide(self.task)

    def _state(self) -> tuple[Question | None, Task]:
        key = tuple(self._answers.items())
        if key not in self._cache:
            task = self.advisor.parse_task({**self._base, **self._answers})
            self._cache[key] = (self._search(task), task)
        return self._cache[key]

    def _search(self, task: Task) -> Question | None:
        advisor, vocabulary = self.advisor, self.advisor.ruleset.vocabulary
        base = _key(advisor.decide(task, questions=False))
        best: Question | None = None
        for fact in self.askable:
            if fact in self._answers or not vocabulary.open_question(fact, task.facts):
                continue
            values = tuple(v for v in vocabulary.fact(fact).values if v != UNKNOWN)
            verdict = headline = others = 0
            changed: dict[str, None] = {}
            for value in values:
                other = _key(advisor.decide(task.with_facts({fact: value}), questions=False))
                moved = [name for name, old in base.items() if other[name] != old]
                changed.update(dict.fromkeys(moved))
                verdict += "crowdsource" in moved
                headline += sum(name in HEADLINE for name in moved)
                others += sum(name not in HEADLINE for name in moved)
            if not headline:
                continue
            score = (verdict, headline, others)
            if best is None or score > best.score:
                ordered = tuple(name for name in (*HEADLINE, *_OTHERS) if name in changed)
                best = Question(fact, values, ordered, score, vocabulary.fact(fact).description)
        return best

    # -- as data -------------------------------------------------------------------------

    def to_dict(self, lang: str | Language | None = "en") -> dict[str, Any]:
        """JSON-ready: the answers, whether it is done, the next question (in words) or the
        recommendation (codes, as in ``Recommendation.to_dict``)."""
        question = self.next_question()
        return {
            "answers": self.answers,
            "done": question is None,
            "question": question.to_dict(lang) if question else None,
            "recommendation": None if question else self.recommendation.to_dict(trace=False),
        }

    def task_facts(self, *, include_unknown: bool = True) -> dict[str, object]:
        """The task's facts as a task file gives them: the facts given at the start, then the
        answers (yes/no facts as booleans)."""
        kinds = {spec.name: spec.kind for spec in self.advisor.ruleset.vocabulary.facts}
        data: dict[str, object] = dict(self._base)
        for fact, value in self._answers.items():
            if value == UNKNOWN and not include_unknown:
                continue
            data[fact] = (value == "true") if kinds[fact] == "bool" and value != UNKNOWN else value
        return data


def replay(consultation: Consultation, known: Mapping[str, object], limit: int = 100) -> Iterable[str]:
    """Answer every question from ``known`` (a fact it does not give: "I don't know") until the
    consultation is done; yield each fact asked. For tests and demonstrations."""
    for _ in range(limit):
        question = consultation.next_question()
        if question is None:
            return
        value = known.get(question.fact, UNKNOWN)
        consultation.answer(question.fact, UNKNOWN if value is None else value)
        yield question.fact
