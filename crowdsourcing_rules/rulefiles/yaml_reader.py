"""Safe YAML 1.2 reading with a location for every node.

libyaml (through PyYAML's C parser, or PyYAML's own parser where libyaml is missing) turns the text
into events; this module builds plain dicts, lists and scalars from them, resolving plain scalars by
YAML 1.2's core schema (so ``no`` and ``on`` stay text). No Python object is ever constructed from
a tag: the core schema's tags (``!!str``, ``!!int``...) are accepted, every other tag is refused.
Duplicate keys, recursive aliases, too many nodes (alias bombs) and too deep nesting are refused
while the document is built, and every problem is located.

Building from events rather than from a composed node graph keeps the work iterative (a document
nested thousands deep stops at :data:`MAX_DEPTH`, it never recurses) and fast: the default rules
load in a few tens of milliseconds, where ruamel.yaml's round-trip loader took a second.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import yaml

from crowdsourcing_rules.errors import Location, Problem
from crowdsourcing_rules.rulefiles.syntax import source_line as _line, syntax_problem

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 60


class _PurePythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own parser: the same events as libyaml's, for a PyYAML built without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _libyaml_parser() -> Any:
    try:  # libyaml's parser, in C, when PyYAML was built with it (its wheels are)
        from yaml.cyaml import CParser  # type: ignore[attr-defined]  # not in its __all__
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        return _PurePythonParser
    return CParser


_Parser: Any = _libyaml_parser()


class YamlProblems(Exception):
    """Problems found while reading one document."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# -- located containers ------------------------------------------------------------------------

Mark = tuple[int, int]  # line and column, counted from 0 as libyaml does


class YamlMap(dict[Any, Any]):
    """A mapping read from YAML: a dict that also knows where it, its keys and its values are."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}


class YamlList(list[Any]):
    """A sequence read from YAML: a list that also knows where it and its items are."""

    __slots__ = ("item_marks", "mark")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


# -- scalars: YAML 1.2 core schema ---------------------------------------------------------------

# The core schema's patterns exactly as YAML 1.2.2 writes them (section 10.3.2). ruamel.yaml, which
# read these files before, went beyond them (YAML 1.1's underscores in numbers and binary ``0b``
# integers, a sign before ``0x``): those are text in YAML 1.2, and text here, so ``1_000`` and
# ``0b101`` are strings. ``0o17`` *is* the core schema's octal form (the integer 15), and a leading
# zero is decimal (``012`` is 12). Timestamps are not part of YAML 1.2: a date stays text.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_CORE = "tag:yaml.org,2002:"
_MERGE = "<<"


def _int(text: str) -> int | None:
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    try:
        return int(text[2:] if base != 10 else text, base)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits): kept as text
        return None


def _float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered.endswith(".nan"):
        return math.nan
    return float(lowered)


def _plain_scalar(text: str) -> Any:
    """The value of an untagged plain scalar."""
    if not text or (text[0] in "~nN" and _NULL.match(text)):
        return None
    first = text[0]
    if first in "tTfF" and text in _BOOL:
        return _BOOL[text]
    if first in "-+0123456789.":
        if _INT.match(text):
            number = _int(text)
            return text if number is None else number
        if _FLOAT.match(text):
            return _float(text)
    return text


def _tagged(tag: str, text: str) -> tuple[Any, str | None]:
    """The value of a scalar with a core schema tag, or why it cannot have that tag."""
    kind = tag[len(_CORE) :]
    if kind == "str":
        return text, None
    value = _plain_scalar(text)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "float" and number:
        return float(value), None
    if (kind == "int" and number and isinstance(value, int)) or (kind == "bool" and isinstance(value, bool)):
        return value, None
    if kind == "null" and value is None:
        return None, None
    return None, f"{text!r} is not a valid {kind}"


_SCALAR_TAGS = {f"{_CORE}{kind}" for kind in ("str", "int", "float", "bool", "null")} | {"!"}
_COLLECTION_TAGS = {f"{_CORE}map", f"{_CORE}seq", "!"}


# -- building a document from events -----------------------------------------------------------


_NO_KEY = object()  # a mapping waiting for its next key
_UNHASHABLE = object()  # a key that was a mapping or a sequence (reported; its value is dropped)


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("anchor", "container", "deepest", "depth", "key", "key_mark", "start")

    def __init__(self, container: YamlMap | YamlList, depth: int, anchor: str | None, start: int) -> None:
        self.container = container
        self.depth = depth
        self.key: Any = _NO_KEY
        self.key_mark: Mark = (0, 0)
        self.anchor = anchor
        self.start = start  # node count when it opened: its size, aliases expanded, is the difference
        self.deepest = depth


class _Stop(Exception):
    """A problem after which the rest of the document is not read."""


class _Builder:
    def __init__(self, display: str, text: str = "") -> None:
        self.display = display
        self.text = text
        self.lines: list[str] | None = None
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # value, nodes, height
        self.open_anchors: set[str] = set()
        self.count = 0
        self.root: Any = None
        self.documents = 0

    def where(self, mark: Mark) -> Location:
        return Location(self.display, mark[0] + 1, mark[1] + 1)

    def problem(self, message: str, mark: Mark) -> None:
        if self.lines is None:  # split once, at the first problem
            self.lines = self.text.splitlines()
        line = self.lines[mark[0]] if mark[0] < len(self.lines) else ""
        self.problems.append(Problem(message, self.where(mark), line=line))

    def stop(self, message: str, mark: Mark | None) -> _Stop:
        if mark is None:
            self.problems.append(Problem(message, Location(self.display)))
        else:
            self.problem(message, mark)
        return _Stop()

    def grow(self, nodes: int, height: int, mark: Mark) -> int:
        """Count ``nodes`` more nodes ``height`` levels deep at the current position; its depth."""
        self.count += nodes
        if self.count > MAX_NODES:
            raise self.stop(f"document has more than {MAX_NODES} nodes (aliases expanded); refusing to read it", None)
        stack = self.stack
        depth = len(stack)
        if depth + height > MAX_DEPTH:
            raise self.stop(f"nesting deeper than {MAX_DEPTH} levels", mark)
        if stack and stack[-1].deepest < depth + height:
            stack[-1].deepest = depth + height
        return depth

    def add(self, value: Any, mark: Mark) -> None:
        """Put a finished node where it belongs: the root, a sequence item, a key or a value."""
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        container = top.container
        if isinstance(container, YamlList):
            container.append(value)
            container.item_marks.append(mark)
        elif top.key is _NO_KEY:
            if isinstance(value, (dict, list)):
                self.problem("a mapping key must be a scalar (text, a number, true, false or null)", mark)
                value = _UNHASHABLE
            top.key, top.key_mark = value, mark
        else:
            key, top.key = top.key, _NO_KEY
            if key is _UNHASHABLE:
                return
            if key in container:
                self.problem(f'YAML syntax error: duplicate key "{key}"', top.key_mark)
                return
            container[key] = value
            container.key_marks[key] = top.key_mark
            container.value_marks[key] = mark

    def build(self, parser: Any) -> Any:
        """Build the document from the parser's events, until it has none left."""
        handlers, get = self.handlers, parser.get_event
        while (event := get()) is not None:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(self, event)
        return self.root

    def _mark(self, event: Any) -> Mark:
        start = event.start_mark
        return (start.line, start.column)

    def _expects_key(self) -> bool:
        """Whether the next node is a key of the mapping being built."""
        return bool(self.stack) and isinstance(self.stack[-1].container, YamlMap) and self.stack[-1].key is _NO_KEY

    def _document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise self.stop(
                "YAML syntax error: expected a single document in the stream but found another document",
                self._mark(event),
            )

    def _check_tag(self, tag: str | None, allowed: set[str], mark: Mark) -> bool:
        if tag is None or tag in allowed:
            return True
        self.problem(f"YAML tag {tag!r} is not allowed: rule and task files are plain data", mark)
        return False

    def _scalar(self, event: Any) -> None:
        mark = self._mark(event)
        self.grow(1, 0, mark)
        tag, text = event.tag, event.value
        if tag is None or tag == "!":
            plain = tag is None and event.implicit[0]
            value = _plain_scalar(text) if plain else text
            if plain and text == _MERGE and self._expects_key():
                self.problem("merge keys ('<<') are not supported: write the keys out", mark)
        elif self._check_tag(tag, _SCALAR_TAGS, mark):
            value, error = _tagged(tag, text)
            if error:
                self.problem(f"YAML tag {tag!r}: {error}", mark)
        else:
            value = None
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1, 0)
        self.add(value, mark)

    def _open(self, event: Any, container: YamlMap | YamlList) -> None:
        mark = self._mark(event)
        self._check_tag(event.tag, _COLLECTION_TAGS, mark)
        depth = self.grow(1, 0, mark)
        self.stack.append(_Frame(container, depth, event.anchor, self.count - 1))
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)

    def _mapping(self, event: Any) -> None:
        self._open(event, YamlMap(self._mark(event)))

    def _sequence(self, event: Any) -> None:
        self._open(event, YamlList(self._mark(event)))

    def _close(self, event: Any) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.container, self.count - frame.start, frame.deepest - frame.depth)
        if self.stack:
            self.stack[-1].deepest = max(self.stack[-1].deepest, frame.deepest)
        self.add(frame.container, frame.container.mark)

    def _alias(self, event: Any) -> None:
        mark = self._mark(event)
        if event.anchor in self.open_anchors:
            raise self.stop(f"alias '*{event.anchor}' is inside the node it refers to (a recursive alias)", mark)
        found = self.anchors.get(event.anchor)
        if found is None:
            raise self.stop(f"YAML syntax error: found undefined alias '{event.anchor}'", mark)
        value, nodes, height = found
        self.grow(nodes, height, mark)
        self.add(value, mark)

    handlers: ClassVar[dict[type, Callable[[_Builder, Any], None]]] = {
        yaml.DocumentStartEvent: _document,
        yaml.ScalarEvent: _scalar,
        yaml.MappingStartEvent: _mapping,
        yaml.SequenceStartEvent: _sequence,
        yaml.MappingEndEvent: _close,
        yaml.SequenceEndEvent: _close,
        yaml.AliasEvent: _alias,
    }


def _events(text: str, parser_class: Any = None) -> Iterator[Any]:
    parser = (parser_class or _Parser)(text)
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()


def parse(text: str, display: str) -> object:
    """Parse one YAML document; raise :class:`YamlProblems` for syntax errors or unsafe content.

    Mappings come back as :class:`YamlMap` and sequences as :class:`YamlList` (a dict and a list
    that know where their parts are written), scalars as ``str``, ``int``, ``float``, ``bool`` or
    ``None``; an empty document is ``None``.
    """
    if len(text) > MAX_FILE_BYTES:
        raise YamlProblems(
            [Problem(f"document is {len(text)} characters; the limit is {MAX_FILE_BYTES}", Location(display))]
        )
    builder = _Builder(display, text)
    parser = None
    try:
        parser = _Parser(text)
        data = builder.build(parser)
    except _Stop:
        raise YamlProblems(builder.problems) from None
    except yaml.MarkedYAMLError as error:
        raise YamlProblems([*builder.problems, syntax_problem(error, text, display)]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise YamlProblems(
            [
                *builder.problems,
                Problem(
                    f"YAML error: character {_code_point(error.character)} is not allowed in a YAML file",
                    Location(display, line, column),
                    line=_line(text, line),
                ),
            ]
        ) from None
    except yaml.YAMLError as error:  # pragma: no cover - every libyaml error is one of the above
        raise YamlProblems([*builder.problems, Problem(f"YAML error: {error}", Location(display))]) from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    if builder.problems:
        raise YamlProblems(builder.problems)
    return data


def _code_point(character: int | str) -> str:
    return f"U+{character if isinstance(character, int) else ord(character):04X}"


def node_location(node: object, display: str) -> Location:
    """Where a mapping or sequence starts."""
    mark = getattr(node, "mark", None)
    if mark is not None:
        return Location(display, mark[0] + 1, mark[1] + 1)
    return Location(display)


def _mark(node: object, marks: str, key: object) -> Mark | None:
    """The mark of a key, a value or an item of a located container; None when it has none."""
    try:
        return getattr(node, marks)[key]  # type: ignore[no-any-return]
    except (AttributeError, KeyError, TypeError, IndexError):
        return None


def key_location(mapping: object, key: object, display: str) -> Location:
    """Where a key of a mapping is written."""
    mark = _mark(mapping, "key_marks", key)
    return Location(display, mark[0] + 1, mark[1] + 1) if mark else node_location(mapping, display)


def value_location(mapping: object, key: object, display: str) -> Location:
    """Where the value of a key is written."""
    mark = _mark(mapping, "value_marks", key)
    return Location(display, mark[0] + 1, mark[1] + 1) if mark else key_location(mapping, key, display)


def item_location(sequence: object, index: int, display: str) -> Location:
    """Where an item of a sequence is written."""
    mark = _mark(sequence, "item_marks", index)
    return Location(display, mark[0] + 1, mark[1] + 1) if mark else node_location(sequence, display)


def plain(value: object, *, text_keys: bool = False) -> Any:
    """A document's containers (which carry their locations) as plain dicts and lists; with
    ``text_keys``, every key as text."""
    if isinstance(value, Mapping):
        return {(str(k) if text_keys else k): plain(v, text_keys=text_keys) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, text_keys=text_keys) for v in value]
    return value
