"""The HTTP API, version 1: decide, explain and batch, the vocabulary, the rules, the schemas, and
the server's health.

Every route takes the current :class:`~crowdsourcing_rules.server.state.Snapshot` once and decides on
a deciding thread (:meth:`~crowdsourcing_rules.server.state.ServerState.run`), never on the event
loop: a slow explanation does not hold up the other requests. Task bodies are JSON objects of facts
(``application/json``); a batch is JSON Lines, one task per line, answered as JSON Lines, one
result per task in input order, streamed as it is decided.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from crowdsourcing_rules._version import __version__
from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.batch.results import TaskFailure, UnreadableRow, decide_one
from crowdsourcing_rules.errors import EngineError, InputError, Problem, closest, did_you_mean
from crowdsourcing_rules.model.text import translated
from crowdsourcing_rules.rulefiles.schemas import SCHEMAS, schema
from crowdsourcing_rules.server.bodies import JSON_LINES_TYPES, JSON_TYPES, load_json, parse_json_body, read_body
from crowdsourcing_rules.server.problems import (
    PROBLEM_JSON,
    HTTPProblem,
    ProblemRoute,
    problem_document,
    task_problem,
)
from crowdsourcing_rules.server.state import ServerState, Snapshot

__all__ = ["BATCH_CHUNK", "LANGUAGES", "router", "server_state"]

router = APIRouter(route_class=ProblemRoute)
#: The languages of the answers' texts (codes stay codes in JSON whatever the language).
LANGUAGES = ("en", "fr")
BATCH_CHUNK = 64  # tasks decided per trip to a deciding thread in a batch

_TASK = {"$ref": "#/components/schemas/Task"}
_PROBLEM = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "not JSON, or a bad parameter", **_PROBLEM},
    413: {"description": "the body is over the limit", **_PROBLEM},
    415: {"description": "the body is not sent as JSON", **_PROBLEM},
    422: {"description": "an invalid task: one entry per problem, each naming its fact", **_PROBLEM},
    500: {"description": "the rules could not be evaluated, or an unexpected error", **_PROBLEM},
}
_TASK_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": _TASK}}}}
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "description": "one task (a JSON object) per line; blank lines are skipped",
        "content": {media: {"schema": {"type": "string"}} for media in JSON_LINES_TYPES},
    }
}

Trace = Annotated[bool, Query(description="include the rules that fired (several times larger)")]
Questions = Annotated[bool, Query(description="search the unknown facts that could change the verdict")]
Lang = Annotated[
    str, Query(description="language of the rules' texts (conditions, mitigations, plan steps...): 'en' or 'fr'")
]


class _Question(NamedTuple):
    """What an explanation is asked (the parameters of /v1/explain)."""

    why: list[str] | None
    why_not: Sequence[str]
    what_if: bool
    output: str
    target: str | None
    lang: str = "en"


def server_state(request: Request) -> ServerState:
    """The state of the server that received ``request``."""
    state: ServerState = request.app.state.crowdsourcing_rules
    return state


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        message = f"language {lang!r} is not available; expected one of {', '.join(LANGUAGES)}"
        message += did_you_mean(lang, LANGUAGES)
        raise HTTPProblem(400, message, problems=[Problem(message, value=lang, suggestion=closest(lang, LANGUAGES))])


def _in(lang: str, rec: dict[str, Any]) -> dict[str, Any]:
    """A recommendation's JSON form with its texts in the language (English: as it is)."""
    return rec if lang == LANGUAGES[0] else translated(rec, lang)


def _decide(advisor: Advisor, data: object, questions: bool, trace: bool, lang: str) -> dict[str, Any]:
    try:
        return _in(lang, advisor.decide(data, questions=questions).to_dict(trace=trace))
    except InputError as error:
        raise task_problem(error) from None
    except EngineError as error:
        raise HTTPProblem(500, str(error), title="Evaluation failed") from None


async def _task(request: Request) -> tuple[ServerState, Any]:
    state = server_state(request)
    return state, parse_json_body(await read_body(request, state.config.max_body, JSON_TYPES))


@router.get("/health", tags=["server"])
async def health(request: Request) -> dict[str, Any]:
    """The server is up: its version, rules, engine, and the reloads of ``--watch``."""
    state = server_state(request)
    snapshot = state.snapshot
    return {
        "status": "ok",
        "version": __version__,
        "rules": len(snapshot.advisor.ruleset),
        "engine": snapshot.advisor.engine,
        "loaded_at": snapshot.loaded_at,
        "watching": state.config.watch,
        "reloads": state.reloads,
        "last_reload_error": state.last_reload_error,
    }


@router.post(
    "/v1/decide",
    tags=["decisions"],
    openapi_extra=_TASK_BODY,
    responses={
        200: {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Recommendation"}}}},
        **_ERRORS,
    },
)
async def decide(
    request: Request, trace: Trace = False, questions: Questions = True, lang: Lang = "en"
) -> JSONResponse:
    """Decide one task: the body is the task's facts, the answer the recommendation."""
    _check_lang(lang)
    state, data = await _task(request)
    return JSONResponse(await state.run(_decide, state.snapshot.advisor, data, questions, trace, lang))


def _explain(snapshot: Snapshot, data: object, question: _Question) -> dict[str, Any]:
    why, why_not, what_if, output, target, lang = question
    try:
        task = snapshot.advisor.parse_task(data)
    except InputError as error:
        raise task_problem(error) from None
    try:
        explanation = snapshot.explainer.explain(task, why_not=why_not, what_if=what_if, output=output, target=target)
        answer = explanation.to_dict(why)
        answer["recommendation"] = _in(lang, answer["recommendation"])
        return answer
    except InputError as error:
        raise task_problem(error) from None
    except EngineError as error:
        raise HTTPProblem(500, str(error), title="Evaluation failed") from None
    except ValueError as error:  # a why-not or what-if question that names no output or value
        raise HTTPProblem(400, str(error), problems=[Problem(str(error))]) from None


@router.post("/v1/explain", tags=["decisions"], openapi_extra=_TASK_BODY, responses=_ERRORS)
async def explain(
    request: Request,
    why: Annotated[
        list[str] | None, Query(description="explain only these outputs (default: every conclusion)")
    ] = None,
    why_not: Annotated[list[str], Query(description="why an output does not have a value: OUTPUT=VALUE")] = [],  # noqa: B006
    what_if: Annotated[bool, Query(description="the smallest changes of facts that change the output")] = False,
    output: Annotated[str, Query(description="the output what-if changes")] = "crowdsource",
    target: Annotated[str | None, Query(description="the value what-if aims at")] = None,
    lang: Lang = "en",
) -> JSONResponse:
    """Decide one task and explain it: why each conclusion, why not the values asked, what if."""
    _check_lang(lang)
    state, data = await _task(request)
    snapshot = state.snapshot
    outputs = [o.name for o in snapshot.advisor.ruleset.vocabulary.outputs]
    unknown = [
        Problem(f"unknown output {name!r}{did_you_mean(name, outputs)}", value=name, suggestion=closest(name, outputs))
        for name in why or ()
        if name not in outputs
    ]
    if unknown:
        raise HTTPProblem(400, "'why' names outputs that do not exist", problems=unknown)
    question = _Question(why, why_not, what_if, output, target, lang)
    return JSONResponse(await state.run(_explain, snapshot, data, question))


def _row(
    advisor: Advisor, index: int, number: int, line: bytes, trace: bool, questions: bool, where: str, lang: str = "en"
) -> bytes:
    """One line of a batch's answer, for one line of its body."""
    try:
        task: object = load_json(line)
    except RecursionError:
        task = UnreadableRow("not usable JSON: nested too deeply")
    except ValueError as error:
        task = UnreadableRow(f"not JSON: {error}")
    try:
        result = decide_one(advisor, index, task, questions)
    except Exception as error:  # one row's unexpected failure must not lose the others
        result = TaskFailure(index, None, type(error).__name__, "the task could not be decided: unexpected error")
    head: dict[str, Any] = {"index": index, "line": number}
    if isinstance(result, TaskFailure):
        status = 422 if result.kind == "TaskError" else 500
        title = "Invalid task" if status == 422 else "Evaluation failed"
        body = problem_document(status, result.summary, f"{where}#line={number}", title=title, problems=result.problems)
        head.update(task_id=result.task_id, problem=body)
    else:
        head["recommendation"] = _in(lang, result.to_dict(trace=trace))
    return json.dumps(head, ensure_ascii=False, default=str).encode() + b"\n"


def _chunk(
    advisor: Advisor, rows: list[tuple[int, int, bytes]], trace: bool, questions: bool, where: str, lang: str
) -> bytes:
    return b"".join(_row(advisor, index, number, line, trace, questions, where, lang) for index, number, line in rows)


@router.post(
    "/v1/batch",
    tags=["decisions"],
    openapi_extra=_BATCH_BODY,
    responses={
        200: {
            "description": "one JSON object per task, in input order: {index, line, recommendation} or "
            "{index, line, task_id, problem}",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        },
        **{status: _ERRORS[status] for status in (400, 413, 415)},
    },
)
async def batch(
    request: Request, trace: Trace = False, questions: Questions = False, lang: Lang = "en"
) -> StreamingResponse:
    """Decide every task of a JSON Lines body; the answer streams one line per task as it is decided,
    every task exactly once, a task in error answered by its problem document."""
    _check_lang(lang)
    state = server_state(request)
    body = await read_body(request, state.config.max_batch_body, JSON_LINES_TYPES)
    advisor = state.snapshot.advisor
    rows = [(number, line) for number, line in enumerate(body.split(b"\n"), 1) if line.strip()]
    where = request.url.path

    async def lines() -> AsyncIterator[bytes]:
        for start in range(0, len(rows), BATCH_CHUNK):
            chunk = [
                (start + offset, number, line)
                for offset, (number, line) in enumerate(rows[start : start + BATCH_CHUNK])
            ]
            yield await state.run(_chunk, advisor, chunk, trace, questions, where, lang)

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.get("/v1/vocabulary", tags=["rules"])
async def vocabulary(request: Request) -> dict[str, Any]:
    """The facts a task may give (a company layer's declared facts included) and the outputs."""
    vocabulary = server_state(request).snapshot.advisor.ruleset.vocabulary
    data = dict(vocabulary.as_dict())
    return {**data, "declared": [f.name for f in vocabulary.facts if not f.builtin]}


@router.get("/v1/rules", tags=["rules"])
async def rules(request: Request) -> list[dict[str, Any]]:
    """Every rule in use: id, description, salience, layer (0: the defaults), location and source."""
    advisor = server_state(request).snapshot.advisor
    origin = advisor.layered.origin if advisor.layered else {}
    return [
        {
            "id": rule.id,
            "description": rule.description,
            "salience": rule.salience,
            "layer": origin.get(rule.id, 0),
            "location": str(rule.location) if rule.location else None,
            "source": rule.source.to_dict(),
        }
        for rule in advisor.ruleset
    ]


@router.get("/v1/schemas/{name}", tags=["rules"], responses={404: _ERRORS[400] | {"description": "no such schema"}})
async def schemas(request: Request, name: str) -> dict[str, Any]:
    """A JSON Schema: ``task`` (with the declared facts of the rules in use), ``cases``, ``rules``, ``policy``."""
    if name not in SCHEMAS:
        raise HTTPProblem(404, f"no schema {name!r}; expected one of {', '.join(SCHEMAS)}{did_you_mean(name, SCHEMAS)}")
    return schema(name, server_state(request).snapshot.advisor.ruleset.vocabulary)
