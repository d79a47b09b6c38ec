"""Errors as ``application/problem+json`` (RFC 9457): every error the server answers, from an
invalid task to an unexpected exception, with one entry per problem and never a traceback.

A problem document has the standard members (``type``, ``title``, ``status``, ``detail``,
``instance``) and ``problems``: one entry per problem, each naming the ``fact`` at fault, the
``value`` given, the ``message`` and the ``did_you_mean`` suggestion (None when there is none).

>>> body = problem_document(422, "task 't1' is invalid: 1 problem", "/v1/decide", title="Invalid task",
...     problems=[Problem("unknown fact 'urgncy'", fact="urgncy", value="high", suggestion="urgency")])
>>> body["type"], body["problems"][0]["did_you_mean"]
('https://crowdsourcing-rules.invalid/problems/invalid-task', 'urgency')
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from crowdsourcing_rules.errors import InputError, Problem

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_SCHEMA",
    "TYPES",
    "HTTPProblem",
    "ProblemResponse",
    "ProblemRoute",
    "install_handlers",
    "problem_document",
    "problem_entry",
    "task_problem",
]

log = logging.getLogger("crowdsourcing_rules.server")

PROBLEM_JSON = "application/problem+json"
_BASE = "https://crowdsourcing-rules.invalid/problems/"
#: The problem types of this API by status (other statuses are ``about:blank``, titled by the status).
TYPES = {
    400: _BASE + "bad-request",
    413: _BASE + "body-too-large",
    415: _BASE + "unsupported-media-type",
    422: _BASE + "invalid-task",
    500: _BASE + "internal-error",
}
MAX_VALUE = 200  # characters of a value echoed in a problem entry
_TEXT_OR_NULL = {"type": ["string", "null"]}
#: The JSON Schema of a problem document (an OpenAPI component).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details, with one entry per problem",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "fact": {**_TEXT_OR_NULL, "description": "the fact at fault, if any"},
                    "value": {"description": "the value given (shortened when long)"},
                    "message": {"type": "string"},
                    "did_you_mean": {**_TEXT_OR_NULL, "description": "the closest allowed name or value"},
                    "location": {"type": "string"},
                    "rule_id": {"type": "string"},
                },
                "required": ["fact", "value", "message", "did_you_mean"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "problems"],
}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


class HTTPProblem(Exception):
    """An error answered as a problem document (raised by the routes, turned into a response by the
    handler :func:`install_handlers` adds)."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, problems: Iterable[Problem] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _phrase(status)
        self.problems = tuple(problems)


def _short(value: object) -> object:
    """A value as given, or its first characters when it is long (a problem echoes the input)."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    if len(text) <= MAX_VALUE:
        return value
    return text[: MAX_VALUE - 1] + "…"


def problem_entry(problem: Problem) -> dict[str, Any]:
    """One problem: the fact, the value given, the message and the suggestion (and the location
    and rule id when the problem is in a file)."""
    entry: dict[str, Any] = {
        "fact": problem.fact,
        "value": _short(problem.value),
        "message": problem.message,
        "did_you_mean": problem.suggestion,
    }
    if problem.location:
        entry["location"] = str(problem.location)
    if problem.rule_id:
        entry["rule_id"] = problem.rule_id
    return entry


def problem_document(
    status: int, detail: str, instance: str, *, title: str | None = None, problems: Iterable[Problem] = ()
) -> dict[str, Any]:
    """The JSON body of a problem response."""
    return {
        "type": TYPES.get(status, "about:blank"),
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "instance": instance,
        "problems": [problem_entry(p) for p in problems],
    }


def task_problem(error: InputError) -> HTTPProblem:
    """A 422 for an invalid task, one entry per problem."""
    return HTTPProblem(422, error.summary, title="Invalid task", problems=error.problems)


def _respond(request: Request, problem: HTTPProblem, headers: Mapping[str, str] | None = None) -> ProblemResponse:
    body = problem_document(
        problem.status, problem.detail, request.url.path, title=problem.title, problems=problem.problems
    )
    return ProblemResponse(body, status_code=problem.status, headers=headers)


_INTERNAL = "the server could not answer this request; the error is in the server's log"


class ProblemRoute(APIRoute):
    """A route that answers an unexpected exception itself, as a 500 problem document, and logs it
    with its traceback. (Left to Starlette, the error would be answered too, but raised again to the
    ASGI server, which then closes the client's connection.)"""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (HTTPProblem, StarletteHTTPException, RequestValidationError):
                raise
            except Exception:
                log.exception("unexpected error answering %s %s", request.method, request.url.path)
                return _respond(request, HTTPProblem(500, _INTERNAL))

        return guarded


def install_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem document: the API's own, Starlette's (404, 405),
    FastAPI's parameter validation (400) and any unexpected exception (500, logged, no internals)."""

    async def own(request: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, HTTPProblem)
        return _respond(request, error)

    async def http(request: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, StarletteHTTPException)
        detail = error.detail if isinstance(error.detail, str) else _phrase(error.status_code)
        return _respond(request, HTTPProblem(error.status_code, detail), headers=error.headers)

    async def parameters(request: Request, error: Exception) -> ProblemResponse:
        assert isinstance(error, RequestValidationError)
        problems = [
            Problem(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', 'invalid')}", value=e.get("input"))
            for e in error.errors()
        ]
        return _respond(request, HTTPProblem(400, "invalid request parameters", problems=problems))

    async def unexpected(request: Request, error: Exception) -> ProblemResponse:
        # Outside a ProblemRoute: the ASGI server logs the traceback (Starlette raises it again)
        log.error("unexpected %s answering %s %s", type(error).__name__, request.method, request.url.path)
        return _respond(request, HTTPProblem(500, _INTERNAL))

    app.add_exception_handler(HTTPProblem, own)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(RequestValidationError, parameters)
    app.add_exception_handler(Exception, unexpected)
