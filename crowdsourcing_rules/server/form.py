"""The web form for managers, at ``/``: the guided consultation as a page, then the answer.

Everything the page knows is in its address: the language (``lang``), the view (``view=one``, one
question at a time, or ``view=all``, the whole form), the task's ``title``, and the answers so far,
one query parameter per fact in the order they were given (``?lang=fr&task_type=professional_service
&personal_data=unknown``; ``unknown`` is "I don't know"). Each page is built anew from them with a
:class:`~crowdsourcing_rules.consultation.session.Consultation`: the server keeps nothing between
requests, the forms are plain ``GET`` forms whose hidden fields carry the answers so far, and the
browser's back button, a bookmark or a shared link give the same page. A dozen lines of
JavaScript (``static/form.js``) send the whole form as soon as a choice changes; without them,
every page works all the same (its button sends it).

``GET /task.yaml`` with the same parameters is the task file of the answers, written in the response.
Answers that cannot be used (a fact the consultation does not ask, a value outside its set, a fact
given twice) are left out and listed on the page, which answers ``422``; a wrong ``lang``, ``view``
or ``ask`` answers ``400``; the consultation goes on from the answers that can be used.

Pages are Jinja2 templates (``templates/``) with autoescaping: every text that comes from a task,
a rule file or the address is escaped. They load their script, style and icon from ``/static``,
and their Content-Security-Policy allows nothing else.

>>> preferred_language("fr-CH, fr;q=0.9, en;q=0.8"), preferred_language("de, en;q=0.5"), preferred_language("")
('fr', 'en', 'en')
>>> task_slug("CGV et politique cookies (été)"), task_slug("  ")
('cgv-et-politique-cookies-ete', 'consultation')
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from collections.abc import Sequence
from typing import Any

import attrs
import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crowdsourcing_rules._version import __version__
from crowdsourcing_rules.consultation.session import Consultation, Question
from crowdsourcing_rules.errors import Problem, TaskError, closest
from crowdsourcing_rules.explanations.trees import is_web_link, node_lines
from crowdsourcing_rules.model.language import LANGUAGES, Language
from crowdsourcing_rules.model.text import short_answer
from crowdsourcing_rules.model.vocabulary import UNKNOWN
from crowdsourcing_rules.rulefiles.tasks import task_file_text
from crowdsourcing_rules.server.api import server_state
from crowdsourcing_rules.server.problems import HTTPProblem, ProblemRoute
from crowdsourcing_rules.server.state import Snapshot

__all__ = [
    "CONTROLS",
    "LANGUAGE_NAMES",
    "MAX_TITLE",
    "SECURITY_HEADERS",
    "VIEWS",
    "FormState",
    "form_page",
    "form_task_file",
    "page_context",
    "preferred_language",
    "read_form",
    "render_page",
    "router",
    "task_file",
    "task_slug",
    "words",
]

router = APIRouter(route_class=ProblemRoute)
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("crowdsourcing_rules.server", "templates"),
    autoescape=True,  # every template: a task's, a rule file's or the address's text is escaped
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]
#: The views: one question at a time, or the whole form.
VIEWS = ("one", "all")
#: The query parameters that are not answers.
CONTROLS = ("lang", "view", "ask", "title")
#: Each language's name, in that language (the language switch).
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
MAX_TITLE = 200  # characters of a task's title
#: The pages load nothing but their own script, style and icon, and send no answers elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",  # a platform's link must not carry the answers in the address
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def preferred_language(accept: str) -> str:
    """The first language of an ``Accept-Language`` header that the views speak; English when
    none is."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        ranked.append((-weight, index, tag.split("-")[0].strip().lower()))
    for weight, _index, code in sorted(ranked):
        if weight < 0 and code in LANGUAGES:
            return code
    return LANGUAGES[0]


def task_slug(title: str | None) -> str:
    """A task id, and a file name, from a title: lower-case ASCII words joined by dashes."""
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return slug or "consultation"


@attrs.frozen
class FormState:
    """What a page's address says: the language, the view, the fact asked on purpose (``ask``),
    the title, the consultation with the answers that could be used, and the problems of the
    others (``status``: 200, 400 for a wrong parameter, 422 for answers that cannot be used)."""

    t: Language
    view: str
    ask: str | None
    title: str | None
    consultation: Consultation
    problems: tuple[Problem, ...]
    status: int


def _last(items: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in items if key == name]
    return values[-1] if values else None


def _question(consultation: Consultation, fact: str) -> Question:
    """The question of any fact the consultation asks (not only the next one)."""
    spec = consultation.advisor.ruleset.vocabulary.fact(fact)
    values = tuple(v for v in spec.values if v != UNKNOWN)
    return Question(fact, values, (), description=spec.description)


def _did_you_mean(t: Language, suggestion: str | None) -> str:
    return " " + t.ui("Did you mean “{suggestion}”?").format(suggestion=suggestion) if suggestion else ""


def read_form(snapshot: Snapshot, items: Sequence[tuple[str, str]], accept: str = "") -> FormState:
    """Read a page's query parameters (in order, repeated ones included): the answers that can
    be used go to a new consultation, the others become problems worded in the page's language."""
    problems: list[Problem] = []
    wrong_parameter = wrong_answer = False
    lang = _last(items, "lang")
    code = lang if lang in LANGUAGES else preferred_language(accept)
    t = snapshot.language(code)
    if lang is not None and lang not in LANGUAGES:
        message = t.ui("The language “{value}” is not available; the languages are {choices}.")
        message = message.format(value=lang, choices=", ".join(LANGUAGES))
        problems.append(Problem(message, value=lang, suggestion=closest(lang, LANGUAGES)))
        wrong_parameter = True
    view = _last(items, "view") or VIEWS[0]
    if view not in VIEWS:
        message = t.ui("The view “{value}” does not exist; the views are {choices}.")
        problems.append(Problem(message.format(value=view, choices=", ".join(VIEWS)), value=view))
        view, wrong_parameter = VIEWS[0], True
    title = (_last(items, "title") or "").strip() or None
    if title and len(title) > MAX_TITLE:
        message = t.ui("The title is cut to its first {count} characters.").format(count=MAX_TITLE)
        problems.append(Problem(message, fact="title", value=title))
        title, wrong_answer = title[:MAX_TITLE], True
    facts: dict[str, object] = {"id": task_slug(title)}
    if title:
        facts["title"] = title
    consultation = Consultation(snapshot.advisor, facts=facts)
    for fact, value in items:
        if fact in CONTROLS or not value:  # an empty value: a question of the whole form left open
            continue
        if fact in consultation.answers:
            question = _question(consultation, fact).text(t)
            message = t.ui("“{question}” is answered twice: the first answer is kept.").format(question=question)
            problems.append(Problem(message, fact=fact, value=value))
            wrong_answer = True
            continue
        try:
            consultation.answer(fact, value)
        except TaskError as error:
            problems += [_worded(consultation, t, problem) for problem in error.problems]
            wrong_answer = True
    ask = _last(items, "ask")
    if ask is not None and ask not in consultation.askable:
        problems.append(_unknown_fact(t, ask, closest(ask, consultation.askable)))
        ask, wrong_parameter = None, True
    status = 422 if wrong_answer else 400 if wrong_parameter else 200
    return FormState(t, view, ask, title, consultation, tuple(problems), status)


def _unknown_fact(t: Language, fact: str, suggestion: str | None) -> Problem:
    message = t.ui("“{fact}” is not a question of this consultation.").format(fact=fact)
    return Problem(message + _did_you_mean(t, suggestion), fact=fact, suggestion=suggestion)


def _worded(consultation: Consultation, t: Language, problem: Problem) -> Problem:
    """A problem of :meth:`Consultation.answer` in the page's words."""
    fact = problem.fact or ""
    if fact not in consultation.askable:
        return attrs.evolve(_unknown_fact(t, fact, problem.suggestion), value=problem.value)
    question = _question(consultation, fact).text(t)
    message = t.ui("“{value}” is not an answer to “{question}”.").format(value=problem.value, question=question)
    label = t.value(fact, problem.suggestion) if problem.suggestion else None
    return attrs.evolve(problem, message=message + _did_you_mean(t, label))


# -- the page ------------------------------------------------------------------------------


def words(t: Language) -> dict[str, str]:
    """The words of the pages, in the page's language (the templates hold no text of their own:
    every word is a ``t.ui`` call here, where the message catalogues' extractor finds it)."""
    return {
        "app": t.ui("Should we crowdsource it?"),
        "language": t.ui("Language"),
        "api": t.ui("The HTTP API"),
        "intro": t.ui(
            "Answer the questions about the piece of work you consider handing to a crowd; the answer "
            "below changes with each one. Any question can be answered “I don't know”."
        ),
        "title": t.ui("The task's title (optional)"),
        "question": t.ui("Question {number}"),
        "dont_know": t.ui("I don't know"),
        "not_answered": t.ui("(not answered)"),
        "can_change": t.ui("Its answer can change: {outputs}."),
        "update": t.ui("Update the answer"),
        "back": t.ui("Back"),
        "change": t.ui("Change"),
        "restart": t.ui("Start again"),
        "answers": t.ui("Your answers"),
        "one_view": t.ui("One question at a time"),
        "all_view": t.ui("The whole form"),
        "answer_so_far": t.ui("The answer so far"),
        "answer": t.ui("The answer"),
        "done": t.ui("No other question can change the verdict, the crowd or the service: here is the answer."),
        "download": t.ui("Download the task (YAML)"),
        "problems": t.ui("Some answers could not be used"),
        "why": t.ui("Why?"),
        "glance": t.ui("Who, how and where"),
        "examples": t.ui("Examples to check, not endorsements:"),
    }


class _Links:
    """The addresses of a page's links and forms, relative to where the app is served."""

    def __init__(self, state: FormState, root: str) -> None:
        self.root = root
        self.state = state
        self.answers = list(state.consultation.answers.items())

    def base(self, *, lang: str | None = None, view: str | None = None, title: bool = True) -> list[tuple[str, str]]:
        pairs = [("lang", lang or self.state.t.code)]
        if (view or self.state.view) != VIEWS[0]:
            pairs.append(("view", view or self.state.view))
        if title and self.state.title:
            pairs.append(("title", self.state.title))
        return pairs

    def page(self, pairs: Sequence[tuple[str, str]]) -> str:
        return f"{self.root}/?{urllib.parse.urlencode(pairs)}"

    def context(self) -> dict[str, Any]:
        state, answers = self.state, self.answers
        return {
            "action": f"{self.root}/",
            "static": f"{self.root}/static",
            "api": f"{self.root}/docs",
            "languages": [
                (code, LANGUAGE_NAMES.get(code, code), self.page(self.base(lang=code) + answers)) for code in LANGUAGES
            ],
            "restart": self.page(self.base(title=False)),
            "back": self.page(self.base() + answers[:-1]) if answers else None,
            "one": self.page(self.base(view="one") + answers),
            "all": self.page(self.base(view="all") + answers),
            "task_file": f"{self.root}/task.yaml?{urllib.parse.urlencode(self.base() + answers)}",
            "hidden": self.base() + [(fact, value) for fact, value in answers if fact != state.ask],
            "hidden_untitled": self.base(title=False) + answers,
            "controls": self.base(title=False),
        }

    def change(self, fact: str) -> str:
        """The page that asks ``fact`` again, the other answers kept."""
        return self.page([*self.base(view="one"), *self.answers, ("ask", fact)])


def _question_context(question: Question, t: Language, number: int, current: str | None) -> dict[str, Any]:
    return {
        "fact": question.fact,
        "number": number,
        "text": question.text(t),
        "choices": question.choices(t),
        "current": current,
        "changes": [t.output(name) for name in question.changes],
    }


def _why(snapshot: Snapshot, consultation: Consultation, t: Language) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """The derivation of each conclusion, as lines of text with their depth (each derivation whole,
    for a "why?" that is read alone)."""
    explanation = snapshot.explainer.explain(consultation.task)
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for derivation in explanation.derivations:
        lines: list[tuple[int, str]] = []
        seen: dict[str, str] = {}

        def line(depth: int, text: str, lines: list[tuple[int, str]] = lines) -> None:
            lines.append((depth, text))

        for node in derivation.rules:
            node_lines(node, 0, line, seen, t, derivation.output)
        found[(derivation.output, derivation.value)] = lines
    return found


def page_context(snapshot: Snapshot, state: FormState, root: str = "") -> dict[str, Any]:
    """Everything a page shows: the question asked (or the whole form), the answers so far, the
    answer (the short answer, and when the consultation is done the outputs, risks, plan and the
    derivations of the "why?"), the problems of the address, and the links."""
    t, consultation = state.t, state.consultation
    links = _Links(state, root)
    answers = consultation.answers
    asked: Question | None = consultation.next_question()
    done = asked is None
    if state.ask is not None:
        asked = _question(consultation, state.ask)
    rec = consultation.recommendation.to_dict(trace=False)
    shown = state.view == "all" or asked is None
    why = _why(snapshot, consultation, t) if shown else {}
    position = list(answers).index(asked.fact) + 1 if asked and asked.fact in answers else len(answers) + 1
    return {
        "t": t,
        "version": __version__,
        "view": state.view,
        "title": state.title,
        "status": state.status,
        "problems": state.problems,
        "links": links.context(),
        "question": _question_context(asked, t, position, answers.get(asked.fact)) if asked else None,
        "fields": [
            _question_context(_question(consultation, fact), t, number, answers.get(fact))
            for number, fact in enumerate(consultation.askable, 1)
        ]
        if state.view == "all"
        else [],
        "answers": [
            (_question(consultation, fact).text(t), t.value(fact, value), links.change(fact))
            for fact, value in answers.items()
        ],
        "done": done,
        "shown": shown,
        "rec": rec,
        "short": short_answer(rec, t, title=state.title),
        "why_lines": why,
        "words": words(t),
        "web_link": is_web_link,
        "UNKNOWN": UNKNOWN,
    }


def render_page(snapshot: Snapshot, items: Sequence[tuple[str, str]], accept: str, root: str) -> tuple[int, str]:
    """A page's status and HTML for its query parameters."""
    state = read_form(snapshot, items, accept)
    html = TEMPLATES.get_template("form.html").render(page_context(snapshot, state, root))
    return state.status, html


def task_file(snapshot: Snapshot, items: Sequence[tuple[str, str]], accept: str) -> tuple[str, str]:
    """The task file of the answers in the query parameters, and its name; a 422 (or 400)
    problem when some cannot be used."""
    state = read_form(snapshot, items, accept)
    if state.problems:
        detail = f"{len(state.problems)} answer{'s' if len(state.problems) > 1 else ''} cannot be used"
        raise HTTPProblem(state.status, detail, title="Invalid answers", problems=state.problems)
    consultation = state.consultation
    comment = state.t.ui("Answers of a guided consultation (crowdsourcing-rules serve, the web form)")
    facts = consultation.task_facts()
    return task_file_text(facts, comment), f"{facts['id']}.yaml"


# -- the routes ----------------------------------------------------------------------------


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/", include_in_schema=False)
async def form_page(request: Request) -> HTMLResponse:
    """The consultation as a page: the next question (or the whole form) and the answer."""
    state = server_state(request)
    items = request.query_params.multi_items()
    accept = request.headers.get("accept-language", "")
    status, html = await state.run(render_page, state.snapshot, items, accept, _root(request))
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, "Vary": "Accept-Language"})


@router.get("/task.yaml", include_in_schema=False)
async def form_task_file(request: Request) -> Response:
    """The task file (YAML) of the answers in the address, to download."""
    state = server_state(request)
    items = request.query_params.multi_items()
    accept = request.headers.get("accept-language", "")
    text, name = await state.run(task_file, state.snapshot, items, accept)
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text, media_type="application/yaml; charset=utf-8", headers=headers)
