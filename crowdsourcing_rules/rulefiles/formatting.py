r"""The formatter of rule, policy, case and task files (``crowdsourcing-rules fmt``).

It rewrites a file in one layout, keeping every comment and blank line (ruamel.yaml's round trip,
the only module besides the YAML reader that touches a YAML library):

- indentation of two spaces, list items indented under their key (``rules:`` then ``  - id: ...``);
- the keys the file format defines in one order: a rule's ``id``, ``description``, ``salience``,
  ``when``, ``then``, ``source``, ``metadata``; a source's ``citation``, ``status``, ``url``,
  ``note``; a file's ``metadata`` first; and so on. Keys that are data (facts in a condition or a
  case, outputs in an expectation) keep the author's order, as do rules and cases;
- folded text (``>``) rewrapped to fit in :data:`WIDTH` columns; plain text is never wrapped
  (a long citation or URL stays on one line); quotes kept as written (``'no'``).

Formatting never changes what a file means: the formatted text is read back with the library's
own reader and must give the same data, or the file is left alone with an error. Formatting a
formatted file changes nothing.

>>> text = "rules:\n  - then: [{plan: x}]   # the plan\n    id: a\n    # the rule says why\n    description: d\n"
>>> print(format_text(text), end="")
rules:
  - id: a
    # the rule says why
    description: d
    then: [{plan: x}]   # the plan
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from crowdsourcing_rules.errors import InputError, Location, Problem
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.cases import CASE_KEYS, TOP_KEYS as CASE_TOP_KEYS
from crowdsourcing_rules.rulefiles.conclusions import PLAN_KEYS, RISK_KEYS
from crowdsourcing_rules.rulefiles.layers import DISABLE_KEYS
from crowdsourcing_rules.rulefiles.parser import LAYER_KEYS, RULE_KEYS, SOURCE_KEYS

__all__ = ["WIDTH", "FormatError", "format_text"]

#: The width folded text is wrapped to
WIDTH = 100
_MAPPING_INDENT, _SEQUENCE_INDENT, _DASH_OFFSET = 2, 4, 2

# The order of the keys of each part of a file. A file's metadata comes first, as authors write it.
_RULE_FILE = ("metadata", "facts", "rules", *LAYER_KEYS)
_CASE_FILE = ("metadata", *(k for k in CASE_TOP_KEYS if k != "metadata"))
_FACT = ("description", "type", "values", "ordered")


class FormatError(InputError):
    """A file that cannot be formatted: it does not read, or formatting would change its data."""


def format_text(text: str, display: str = "<text>") -> str:
    """The formatted text of a rule, policy, case or task file.

    Raises :class:`FormatError` with located problems when the text is not valid YAML for the
    library (the same checks as when it is loaded).
    """
    try:
        before = yaml_reader.plain(yaml_reader.parse(text, display))
    except yaml_reader.YamlProblems as error:
        raise FormatError(f"cannot format {display}", error.problems) from None
    if before is None:
        return text
    yaml = _yaml()
    document = yaml.load(text)
    _canonical(document, _kind(document))
    _refold(document, 0)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    formatted = buffer.getvalue()
    try:
        after = yaml_reader.plain(yaml_reader.parse(formatted, display))
    except yaml_reader.YamlProblems:  # pragma: no cover - a ruamel bug: keep the file as it is
        after = object()
    if after != before:  # pragma: no cover - the same
        problem = Problem("formatting would change the file's data; it is left as it is", Location(display))
        raise FormatError(f"cannot format {display}", [problem])
    return formatted


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1_000_000  # plain text and flow collections are never wrapped; folded text is, by _refold
    yaml.indent(mapping=_MAPPING_INDENT, sequence=_SEQUENCE_INDENT, offset=_DASH_OFFSET)
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # [{plan: x}] stays as written
    return yaml


def _kind(document: object) -> str:
    """``rules`` (a rule file or a policy layer), ``cases`` or ``other`` (a task: data keys only)."""
    if isinstance(document, CommentedMap):
        if "cases" in document:
            return "cases"
        if any(key in document for key in _RULE_FILE if key != "metadata"):
            return "rules"
    return "other"


def _canonical(document: object, kind: str) -> None:
    """Put the format's keys in their order, in place."""
    if not isinstance(document, CommentedMap):
        return
    if kind == "cases":
        _order(document, _CASE_FILE)
        for case in _mappings(document.get("cases")):
            _order(case, CASE_KEYS)
    elif kind == "rules":
        _order(document, _RULE_FILE)
        for rule in (*_mappings(document.get("rules")), *_mappings(document.get("replace"))):
            _order(rule, RULE_KEYS)
            if isinstance(rule.get("source"), CommentedMap):
                _order(rule["source"], SOURCE_KEYS)
            for conclusion in _mappings(rule.get("then")):
                for part, keys in (("risk", RISK_KEYS), ("plan", PLAN_KEYS)):
                    if isinstance(conclusion.get(part), CommentedMap):
                        _order(conclusion[part], keys)
        for item in _mappings(document.get("disable")):
            _order(item, DISABLE_KEYS)
        facts = document.get("facts")
        if isinstance(facts, CommentedMap):
            for declaration in facts.values():
                if isinstance(declaration, CommentedMap):
                    _order(declaration, _FACT)


def _mappings(value: object) -> Iterator[CommentedMap]:
    if isinstance(value, CommentedSeq):
        yield from (item for item in value if isinstance(item, CommentedMap))


def _order(mapping: CommentedMap, keys: Sequence[str]) -> None:
    """Known keys first, in ``keys`` order, then the others as they were (with their comments)."""
    rank = {key: index for index, key in enumerate(keys)}
    present = list(mapping)
    wanted = sorted(present, key=lambda k: (rank.get(k, len(keys)), present.index(k)))
    if wanted == present:
        return
    _move_comment_to_last(mapping, present, wanted)
    for key in wanted:
        mapping.move_to_end(key)


def _move_comment_to_last(mapping: CommentedMap, present: list[Any], wanted: list[Any]) -> None:
    """The comment lines after a mapping's last key (blank lines and a comment before the next
    rule, say) stay at the end of the mapping when its keys move."""
    last = mapping[present[-1]]
    if present[-1] == wanted[-1] or (isinstance(last, (CommentedMap, CommentedSeq)) and not last.fa.flow_style()):
        return  # the key is still last; or its value is a block, which holds the comments after it
    trailing = mapping.ca.items.get(present[-1])
    if not trailing or len(trailing) < 3 or trailing[2] is None:
        return
    token, trailing[2] = trailing[2], None
    _append_comment(mapping, wanted[-1], token)


def _append_comment(node: CommentedMap | CommentedSeq, last: Any, token: Any) -> None:
    """Put a comment after entry ``last`` of a collection, or after the deepest last entry of the
    block collection it holds (a comment stored on a key before its block value would be written
    between the two)."""
    value = node[last]
    if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
        _append_comment(value, list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1, token)
        return
    slot = 2 if isinstance(node, CommentedMap) else 0  # where ruamel keeps a comment after a key or an item
    entry = node.ca.items.setdefault(last, [None, None, None, None])
    if entry[slot] is None:
        entry[slot] = token
    else:
        entry[slot].value += token.value


def _refold(node: object, column: int) -> None:
    """Rewrap every folded text under ``node`` to :data:`WIDTH` columns. ``column`` is where the
    node's own keys (or list dashes) start in the formatted file."""
    if isinstance(node, CommentedMap):
        children, inner = list(node.values()), column + _MAPPING_INDENT
    elif isinstance(node, CommentedSeq):
        children, inner = list(node), column - _DASH_OFFSET + _SEQUENCE_INDENT
    else:
        return
    for value in children:
        if isinstance(value, FoldedScalarString):
            value.fold_pos = _folds(value, inner)  # type: ignore[attr-defined]  # ruamel's, untyped
        elif isinstance(value, (CommentedMap, CommentedSeq)) and not value.fa.flow_style():
            # a mapping's keys start at its key's column plus 2; a list's dashes likewise
            _refold(value, inner if isinstance(node, CommentedSeq) else column + _MAPPING_INDENT)


def _folds(text: FoldedScalarString, indent: int) -> list[int]:
    """Where to break folded text indented by ``indent`` so that its lines fit in :data:`WIDTH`:
    positions of single spaces between two words (a fold is read back as that space).

    A paragraph whose lines all fit keeps the author's line breaks; a paragraph with a line too
    long is refilled, each line taking as many words as fit.

    >>> text = " ".join(["word"] * 40)  # 199 characters, indented by 4: three lines
    >>> _folds(FoldedScalarString(text), 4)
    [94, 189]
    """
    room = max(WIDTH - indent, 20)
    authors = set(getattr(text, "fold_pos", None) or ())
    folds: list[int] = []
    offset = 0
    for line in str(text).split("\n"):
        # A more-indented line keeps its line breaks when read: it is never folded
        if line and not line[0].isspace():
            kept = sorted(p - offset for p in authors if offset <= p < offset + len(line))
            pieces = [b - a for a, b in zip([-1, *kept], [*kept, len(line)], strict=True)]
            chosen = kept if all(size - 1 <= room for size in pieces) else list(_breaks(line, room))
            folds.extend(offset + index for index in chosen)
        offset += len(line) + 1
    return folds


def _breaks(line: str, room: int) -> Iterator[int]:
    """Greedy: the last single space that keeps each piece of ``line`` within ``room``."""
    start, last_space = 0, -1
    for index, character in enumerate(line):
        if character != " " or line[index - 1] == " " or index + 1 >= len(line) or line[index + 1] == " ":
            continue
        if index - start > room and last_space > start:
            yield last_space
            start = last_space + 1
        last_space = index
    if len(line) - start > room and last_space > start:
        yield last_space
