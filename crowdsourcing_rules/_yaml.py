"""Safe YAML 1.2 reading with a location for every node.

ruamel.yaml's round-trip loader keeps line and column numbers on mappings and sequences, rejects
duplicate keys, and never constructs Python objects from tags; we reject tagged nodes outright, cap
file size and node count (alias bombs), and turn every parser error into a located problem.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from crowdsourcing_rules.errors import Location, Problem

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 60
# ruamel.yaml parses flow collections recursively and slowly when nested thousands deep (seconds,
# then RecursionError): brackets opened and not closed are counted before parsing.
MAX_OPEN_BRACKETS = 200
_BRACKETS = re.compile(r"[\[\]{}]")
_PLAIN_TAGS = "tag:yaml.org,2002:"  # YAML's own types (str, int, binary, set, timestamp...)


class _Constructor(RoundTripConstructor):
    """Records every tag that is not one of YAML's own types, keys included (ruamel keeps no tag
    on a sequence used as a key, so the tree alone cannot show it)."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        tag = getattr(node.tag, "value", node.tag)
        if tag and (not tag.startswith(_PLAIN_TAGS) or tag.startswith(_PLAIN_TAGS + "python/")):
            refused = self.__dict__.setdefault("refused", [])
            refused.append((tag, node.start_mark))
        return super().construct_object(node, deep)


class YamlProblems(Exception):
    """Problems found while reading one document."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_text(path: Path, display: str) -> str:
    """Read a file as UTF-8 text, within the size limit."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise YamlProblems([Problem(f"cannot read file: {error.strerror}", Location(display))]) from None
    if size > MAX_FILE_BYTES:
        raise YamlProblems([Problem(f"file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes", Location(display))])
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblems([Problem(f"file is not UTF-8 text (byte {error.start})", Location(display))]) from None
    except OSError as error:
        raise YamlProblems([Problem(f"cannot read file: {error.strerror}", Location(display))]) from None


def parse(text: str, display: str) -> object:
    """Parse one YAML document; raise :class:`YamlProblems` for syntax errors or unsafe content."""
    if len(text) > MAX_FILE_BYTES:
        raise YamlProblems(
            [Problem(f"document is {len(text)} characters; the limit is {MAX_FILE_BYTES}", Location(display))]
        )
    deep = _open_brackets(text, display)
    if deep:
        raise YamlProblems([deep])
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        data = yaml.load(io.StringIO(text))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        what = " ".join(filter(None, [error.context, error.problem])) or "invalid YAML"
        if "duplicate key" in what or "found duplicate key" in str(error):
            what = _duplicate_key_message(error)
        raise YamlProblems([Problem(f"YAML syntax error: {what}", where)]) from None
    except YAMLError as error:
        raise YamlProblems([Problem(f"YAML error: {error}", Location(display))]) from None
    except RecursionError:
        raise YamlProblems([Problem("YAML nesting is too deep", Location(display))]) from None
    problems = [
        Problem(
            f"YAML tag {tag!r} is not allowed: rule and task files are plain data",
            Location(display, mark.line + 1, mark.column + 1),
        )
        for tag, mark in getattr(yaml.constructor, "refused", [])
    ] or list(_check_safe(data, display))
    if problems:
        raise YamlProblems(problems)
    return data


def _open_brackets(text: str, display: str) -> Problem | None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_OPEN_BRACKETS:
            start = match.start()
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            return Problem(
                f"nesting deeper than {MAX_DEPTH} levels ({MAX_OPEN_BRACKETS} brackets open)",
                Location(display, line, column),
            )
    return None


def _duplicate_key_message(error: MarkedYAMLError) -> str:
    problem = error.problem or ""
    return problem.split(" with value")[0].replace("found ", "") if problem else "duplicate key"


def _check_safe(data: object, display: str) -> Iterator[Problem]:
    """Reject tags, too many nodes (alias bombs expand when walked) and deep nesting."""
    count = 0
    stack: list[tuple[object, int, Location]] = [(data, 0, Location(display, 1, 1))]
    while stack:
        node, depth, where = stack.pop()
        count += 1
        if count > MAX_NODES:
            yield Problem(
                f"document has more than {MAX_NODES} nodes (aliases expanded); refusing to read it",
                Location(display),
            )
            return
        if depth > MAX_DEPTH:
            yield Problem(f"nesting deeper than {MAX_DEPTH} levels", where)
            return
        if isinstance(node, TaggedScalar) or (
            isinstance(node, (CommentedMap, CommentedSeq)) and node.tag.value is not None
        ):
            tag = node.tag.value
            yield Problem(f"YAML tag {tag!r} is not allowed: rule and task files are plain data", where)
            continue
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                stack.append((value, depth + 1, value_location(node, key, display)))
        elif isinstance(node, CommentedSeq):
            for index, value in enumerate(node):
                stack.append((value, depth + 1, item_location(node, index, display)))


def node_location(node: object, display: str) -> Location:
    """Where a mapping or sequence starts."""
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return Location(display, lc.line + 1, lc.col + 1)
    return Location(display)


def key_location(mapping: object, key: object, display: str) -> Location:
    """Where a key of a mapping is written."""
    try:
        line, col = mapping.lc.key(key)  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return node_location(mapping, display)
    return Location(display, line + 1, col + 1)


def value_location(mapping: object, key: object, display: str) -> Location:
    """Where the value of a key is written."""
    try:
        line, col = mapping.lc.value(key)  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return key_location(mapping, key, display)
    return Location(display, line + 1, col + 1)


def item_location(sequence: object, index: int, display: str) -> Location:
    """Where an item of a sequence is written."""
    try:
        line, col = sequence.lc.item(index)  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError, IndexError):
        return node_location(sequence, display)
    return Location(display, line + 1, col + 1)


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
