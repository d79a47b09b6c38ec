"""YAML syntax errors in our words.

libyaml reports a mistake in its own terms, where its parser gave up: a tab in the indentation is
"found character that cannot start any token", a key one column off "did not find expected '-'
indicator", an unclosed quote "found unexpected end of stream" at the end of the file. This module
turns such an error into a :class:`~crowdsourcing_rules.errors.Problem` that says what is wrong in
plain words, at the place of the mistake, with the offending line and a hint.

>>> class Mark:
...     def __init__(self, line, column):
...         self.line, self.column = line, column
>>> class Error:  # what PyYAML raises for "id: 'a" (rulefiles.yaml_reader passes it here)
...     context, context_mark = "while scanning a quoted scalar", Mark(0, 4)
...     problem, problem_mark = "found unexpected end of stream", Mark(1, 0)
>>> print(syntax_problem(Error(), "id: 'a", "task.yaml"))
task.yaml:1:5: YAML syntax error: the quote ' opened here is never closed
    1 | id: 'a
      |     ^
  hint: end the value with ' (inside single quotes, write '' for a quote)
"""

from __future__ import annotations

import re
from typing import Any

from crowdsourcing_rules.errors import Location, Problem

__all__ = ["source_line", "syntax_problem"]

_INDENT_HINT = "the keys of one mapping, and the '-' items of one list, start in the same column; indent with spaces"


def syntax_problem(error: Any, text: str, display: str) -> Problem:
    """A libyaml syntax error said in our words: where the mistake is (not only where the parser
    gave up), the offending line with a caret, and a hint for the usual cause (a tab, a wrong
    indentation, a missing colon, an unclosed quote or bracket, a colon inside a plain value).

    ``error`` is PyYAML's ``MarkedYAMLError`` (its ``context``, ``problem`` and their marks, lines
    and columns counted from 0).
    """
    context, problem = error.context or "", error.problem or ""
    mark = error.problem_mark or error.context_mark
    opened = error.context_mark
    message, hint = " ".join(filter(None, [context, problem])) or "invalid YAML", None
    at = (mark.line, mark.column) if mark else None
    line = source_line(text, mark.line + 1) if mark else ""
    if ("cannot start any token" in problem or "tab character" in problem) and mark:
        character = line[mark.column : mark.column + 1]
        if character == "\t" or "tab character" in problem:
            message = "a tab character where YAML expects spaces"
            hint = "YAML indents with spaces only: replace the tab"
        else:
            message = f"a plain value cannot start with {character!r}"
            hint = "put the value in quotes"
    elif "could not find expected ':'" in problem and opened:
        at = (opened.line, opened.column)
        line = source_line(text, opened.line + 1)
        message = "a key without ':' (or a line that is neither a key nor a '-' item)"
        if re.search(r":[^\s]", line.strip()):
            hint = "write a space after the colon: 'key: value'"
        else:
            hint = "write 'key: value'; a value continued on the next line is indented more than its key"
    elif "quoted scalar" in context and "end of stream" in problem and opened:
        at = (opened.line, opened.column)
        line = source_line(text, opened.line + 1)
        quote = line[opened.column : opened.column + 1] or "quote"
        message = f"the quote {quote} opened here is never closed"
        hint = f"end the value with {quote}" + (" (inside single quotes, write '' for a quote)" if quote == "'" else "")
    elif "quoted scalar" in context and opened:
        message = f"in a quoted value: {problem}"
        hint = "a backslash starts an escape in double quotes: use single quotes, or write \\\\"
    elif "flow" in context and "did not find expected ','" in problem and opened:
        bracket = "{" if "mapping" in context else "["
        closing = "}" if bracket == "{" else "]"
        if mark and mark.line != opened.line:  # the end of the line came first: point at the opener
            at = (opened.line, opened.column)
            line = source_line(text, opened.line + 1)
            message = f"the '{bracket}' opened here is never closed"
        else:
            message = f"expected ',' or '{closing}' in the '{bracket}' opened at column {opened.column + 1}"
        hint = f"separate the items with ', ' and close with '{closing}'"
    elif ("did not find expected '-' indicator" in problem or "did not find expected key" in problem) and opened:
        kind = "list" if "'-'" in problem else "mapping"
        message = (
            f"this line is not indented like the {kind} it belongs to "
            f"(which starts at line {opened.line + 1}, column {opened.column + 1})"
        )
        hint = _INDENT_HINT
    elif "mapping values are not allowed" in problem and mark:
        before = line[: mark.column]
        if re.match(r"^\s*(-\s+)?[^:#\s][^:#]*:\s+\S", before):
            message = "a ': ' inside a plain value"
            hint = "put the value in quotes, e.g. description: 'Note: ...'"
        else:
            at = (mark.line, len(line) - len(line.lstrip()))  # the key, not its colon
            message = "this key is indented more than the keys before it"
            hint = _INDENT_HINT
    elif "expected <block end>" in problem:
        message = "this line is not indented like the lines before it"
        hint = _INDENT_HINT
    where = Location(display, at[0] + 1, at[1] + 1) if at else Location(display)
    return Problem(f"YAML syntax error: {message}", where, line=line if at else None, hint=hint)


def source_line(text: str, number: int) -> str:
    """Line ``number`` (1-based) of ``text``; empty past the end."""
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""
