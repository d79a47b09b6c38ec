"""Request bodies: the content type checked (415), the size limited while reading (413), and JSON
read strictly: a key given twice, ``NaN`` or a nesting too deep is an error, not a guess.

>>> load_json(b'{"id": "a", "urgency": "high"}')
{'id': 'a', 'urgency': 'high'}
>>> load_json(b'{"id": "a", "id": "b"}')
Traceback (most recent call last):
...
crowdsourcing_rules.server.bodies.DuplicateKeyError: key 'id' is given twice
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from crowdsourcing_rules.errors import Problem
from crowdsourcing_rules.server.problems import HTTPProblem

__all__ = [
    "JSON_LINES_TYPES",
    "JSON_TYPES",
    "DuplicateKeyError",
    "load_json",
    "parse_json_body",
    "read_body",
]

JSON_TYPES = ("application/json",)
#: The media types a JSON Lines body may be sent as (none is registered; these are in use).
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/x-jsonlines")


class DuplicateKeyError(ValueError):
    """A JSON object gives the same key twice: which value was meant cannot be told."""

    def __init__(self, key: str) -> None:
        super().__init__(f"key {key!r} is given twice")
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def load_json(data: bytes | str) -> Any:
    """Parse JSON strictly; ``ValueError`` (with :class:`DuplicateKeyError` for a key given twice)
    or ``RecursionError`` when it cannot be used."""
    return json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(request: Request, limit: int, accepted: tuple[str, ...]) -> bytes:
    """The body of ``request``: 415 unless its content type is ``accepted``, 413 as soon as it is
    (or says it will be) larger than ``limit`` bytes."""
    media_type = _media_type(request)
    if media_type not in accepted:
        given = f"{media_type!r}" if media_type else "no content type"
        raise HTTPProblem(415, f"the body must be sent as {' or '.join(accepted)}; got {given}")
    too_large = HTTPProblem(413, f"the body is larger than the limit of {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json_body(body: bytes) -> Any:
    """The JSON of a body: 400 when it is not JSON, 422 for a fact given twice."""
    try:
        return load_json(body)
    except DuplicateKeyError as error:
        raise HTTPProblem(
            422, "the task gives a fact twice", title="Invalid task", problems=[Problem(str(error), fact=error.key)]
        ) from None
    except RecursionError:
        raise HTTPProblem(400, "the body is not usable JSON: it is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, a bad encoding, NaN
        raise HTTPProblem(400, f"the body is not JSON: {error}") from None
