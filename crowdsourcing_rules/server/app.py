"""The ASGI application: :func:`create_app` builds it for ``crowdsourcing-rules serve`` or for any
ASGI server (uvicorn, hypercorn, gunicorn's uvicorn workers).

>>> from crowdsourcing_rules.server.app import create_app
>>> app = create_app(ServerConfig(engine="reference"))
>>> sorted(path for path in app.openapi()["paths"] if path.startswith("/v1/"))
['/v1/batch', '/v1/decide', '/v1/explain', '/v1/rules', '/v1/schemas/{name}', '/v1/vocabulary']

The rule files are read when the app is built, so that an error in them stops the server before it
binds a port. The API lives under ``/v1`` (``crowdsourcing_rules.server.api``), its description at
``/openapi.json`` with two interactive pages, ``/docs`` (Swagger UI) and ``/redoc``, whose scripts
are served from the installed package (fastapi-offline ships them): nothing is fetched from a CDN,
so the pages work on a machine without internet access. ``/`` is the web form for managers
(``crowdsourcing_rules.server.form``), its templates and its ``/static`` files (a style sheet, a
small script, an icon) served from the ``templates`` and ``static`` folders beside this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from starlette.staticfiles import StaticFiles

from crowdsourcing_rules._version import __version__
from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.rulefiles.schemas import recommendation_schema, task_schema
from crowdsourcing_rules.server import api, form
from crowdsourcing_rules.server.problems import PROBLEM_JSON, PROBLEM_SCHEMA, install_handlers
from crowdsourcing_rules.server.state import ServerConfig, ServerState

__all__ = ["DOCS_ASSETS", "ServerConfig", "create_app"]

#: Where the interactive pages' scripts and styles are served from (out of the way of ``/``).
DOCS_ASSETS = "/docs/assets"
DESCRIPTION = """Decide whether and how to crowdsource a piece of work, from rules kept in data files.

Send a task's facts as JSON to `/v1/decide`; errors are `application/problem+json` documents with
one entry per problem, each naming its fact. The vocabulary of facts is at `/v1/vocabulary`, the
JSON Schema of a task at `/v1/schemas/task`."""


def create_app(config: ServerConfig | None = None, *, advisor: Advisor | None = None) -> FastAPI:
    """The application for ``config`` (default: the shipped rules). ``advisor``, when given, is
    used instead of reading ``config``'s files (``--watch`` reloads from the files all the same).

    Raises :class:`~crowdsourcing_rules.RuleFileError` when the rule files have errors.
    """
    config = config or ServerConfig()
    state = ServerState(config, advisor)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        watcher = asyncio.create_task(state.watch(stop)) if config.watch else None
        try:
            yield
        finally:
            stop.set()
            if watcher is not None:
                await watcher
            await asyncio.to_thread(state.close)

    app = FastAPIOffline(
        title="crowdsourcing-rules",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=DOCS_ASSETS,
        swagger_ui_parameters={"validatorUrl": None},  # Swagger UI would ask validator.swagger.io
    )
    app.state.crowdsourcing_rules = state
    install_handlers(app)
    app.include_router(api.router)
    app.include_router(form.router)
    app.mount("/static", StaticFiles(packages=[("crowdsourcing_rules.server", "static")]), name="static")
    openapi_cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        # The task's schema follows the rules in use (a layer's facts): rebuilt after a reload.
        snapshot = state.snapshot
        if openapi_cache.get("for") is not snapshot:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            vocabulary = snapshot.advisor.ruleset.vocabulary
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components["Task"] = _component(task_schema(vocabulary))
            components["Recommendation"] = _component(recommendation_schema(vocabulary))
            components["Problem"] = PROBLEM_SCHEMA
            _parameter_errors_as_problems(document)
            openapi_cache.update({"for": snapshot, "document": document})
        cached: dict[str, Any] = openapi_cache["document"]
        return cached

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _component(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema as an OpenAPI component: without its ``$schema`` and ``$id``."""
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


def _parameter_errors_as_problems(document: dict[str, Any]) -> None:
    """FastAPI describes a bad parameter as its own 422 document; this API answers 400 with a
    problem document (``problems.install_handlers``): say so."""
    bad_parameter = {
        "description": "a bad parameter",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "HTTPValidationError" in str(responses.get("422", {})):
                del responses["422"]
                responses.setdefault("400", bad_parameter)
    for name in ("HTTPValidationError", "ValidationError"):
        document.get("components", {}).get("schemas", {}).pop(name, None)
