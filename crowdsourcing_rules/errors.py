"""The library's exceptions.

Every error the library raises on purpose derives from one base class::

    CrowdsourcingRulesError
    ├── InputError (ValueError)            bad input, reported with every problem at once
    │   ├── RuleFileError                  a rule file: syntax, keys, ids, facts, values
    │   ├── TaskError                      a task: unknown fields, wrong types or values
    │   └── CaseFileError                  a decision cases file: keys, facts, expected values
    └── EngineError (RuntimeError)         evaluation went wrong
        ├── FiringLimitError               more firings than the limit allows
        └── EngineUnavailableError         the requested engine cannot be used here

An :class:`InputError` carries its :class:`Problem` objects, each located as
``path:line:col: message (rule 'id')`` so that a user can fix a file in one pass.

One warning, :class:`PolicyWarning` (``UserWarning``), reports what a policy layer does that is
allowed but probably not meant, such as contradicting a default rule at equal salience.
"""

from __future__ import annotations

import difflib
import re
import reprlib
from collections.abc import Iterable

import attrs

__all__ = [
    "CaseFileError",
    "CrowdsourcingRulesError",
    "EngineError",
    "EngineUnavailableError",
    "FiringLimitError",
    "InputError",
    "Location",
    "PolicyWarning",
    "Problem",
    "RuleFileError",
    "TaskError",
    "closest",
    "did_you_mean",
    "one_of",
    "printable",
    "printable_json",
    "shown",
]


@attrs.frozen(order=True)
class Location:
    """A place in a file: 1-based line and column; 0 when unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        return self.path


@attrs.frozen
class Problem:
    """One problem found in an input, with where it is and what was expected.

    ``fact`` names the fact at fault when there is one (an unknown fact, a wrong value), ``value``
    is the value given for it, as given, and ``suggestion`` the closest allowed name or value (the
    "did you mean" of the message), so that a form or an API client can point at the field without
    reading the message.

    >>> problem = Problem("unknown fact 'urgncy'", fact="urgncy", value="high", suggestion="urgency")
    >>> problem.to_dict()["suggestion"]
    'urgency'

    ``line`` is the text of the offending line, shown under the message with a caret at the
    location's column; ``hint`` says how to fix the usual cause (both only where they help, as
    for YAML syntax errors).

    >>> print(Problem("a tab", Location("f.yaml", 2, 3), line="a:\\tb", hint="indent with spaces"))
    f.yaml:2:3: a tab
        2 | a:→b
          |   ^
      hint: indent with spaces
    """

    message: str
    location: Location | None = None
    rule_id: str | None = None
    fact: str | None = None
    # Any value a user gave (a list too): compared, never hashed
    value: object = attrs.field(default=None, hash=False)
    suggestion: str | None = None
    line: str | None = attrs.field(default=None, eq=False, kw_only=True)
    hint: str | None = attrs.field(default=None, eq=False, kw_only=True)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.rule_id:
            text += f" (rule '{self.rule_id}')"
        if self.line is not None and self.location is not None and self.location.line:
            text += "\n" + _excerpt(self.line, self.location.line, self.location.column)
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return printable(text)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the message, the location as ``path:line:col`` (or None), the rule id,
        the fact, the value given and the suggestion."""
        return {
            "message": self.message,
            "location": str(self.location) if self.location else None,
            "rule_id": self.rule_id,
            "fact": self.fact,
            "value": self.value,
            "suggestion": self.suggestion,
        }


def _excerpt(line: str, number: int, column: int, width: int = 100) -> str:
    """A line of a file under its number, with a caret under ``column`` (1-based); a tab shows as
    an arrow, and a long line is cut around the column."""
    start = max(0, column - 1 - width // 2) if len(line) > width else 0
    shown = line[start : start + width].replace("\t", "→")
    if start:
        shown = "…" + shown[1:]
    if start + width < len(line):
        shown = shown[:-1] + "…"
    gutter = f"    {number} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * max(0, column - 1 - start) + "^"
    return f"{gutter}{shown.rstrip()}\n{caret}"


class CrowdsourcingRulesError(Exception):
    """Base class of every error raised by crowdsourcing_rules."""


class InputError(CrowdsourcingRulesError, ValueError):
    """Input that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, summary: str, problems: Iterable[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.summary = summary
        lines = [printable(summary), *("  " + str(problem).replace("\n", "\n  ") for problem in self.problems)]
        super().__init__("\n".join(lines))


class RuleFileError(InputError):
    """One or more rule files are invalid."""


class TaskError(InputError):
    """A task's facts are invalid."""


class CaseFileError(InputError):
    """One or more decision cases files are invalid."""


class PolicyWarning(UserWarning):
    """A policy layer does something allowed but probably not meant; ``problem`` says what and where."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class EngineError(CrowdsourcingRulesError, RuntimeError):
    """Evaluation of the rules failed."""


class FiringLimitError(EngineError):
    """The rules fired more often than the limit allows for one task."""

    def __init__(self, limit: int, fired: Iterable[str], pending: Iterable[str]) -> None:
        self.limit = limit
        self.fired = tuple(fired)
        self.pending = tuple(pending)
        last = ", ".join(self.fired[-10:])
        waiting = ", ".join(self.pending) or "none"
        super().__init__(f"firing limit of {limit} reached; last rules fired: {last}; rules still waiting: {waiting}")


class EngineUnavailableError(EngineError):
    """The requested inference engine cannot run in this environment."""


def closest(word: object, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word``, or None when none is close.

    >>> closest("urgncy", ["urgency", "budget"]), closest("zzz", ["urgency"])
    ('urgency', None)
    """
    matches = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or an empty string.

    >>> did_you_mean("urgncy", ["urgency", "budget"])
    "; did you mean 'urgency'?"
    """
    match = closest(word, choices)
    return f"; did you mean '{match}'?" if match else ""


def one_of(choices: Iterable[str]) -> str:
    """Describe a closed set of values for an error message: ``one of 'a', 'b'``."""
    return "one of " + ", ".join(repr(c) for c in choices)


# Characters a terminal acts on rather than shows: C0 and C1 controls (escape sequences start with
# ESC, or with CSI in C1), DEL, the line and paragraph separators, and the bidirectional overrides
# and isolates (text that reads differently from what it is). A line end and a tab are kept.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    r"""Text safe to print on a terminal: control characters, and the characters that reorder
    text, written as escapes (``\x1b``, ``\u202e``); line ends and tabs kept.

    >>> printable("task \x1b[31mred\x1b[0m\n")
    'task \\x1b[31mred\\x1b[0m\n'
    """
    return _UNPRINTABLE.sub(_escape, text)


def printable_json(text: str) -> str:
    r"""JSON text safe to print on a terminal: the characters :func:`printable` escapes, written
    as JSON escapes (``\u009b``); the data it reads back to is the same.

    >>> printable_json('{"id": "\u202eevil"}')
    '{"id": "\\u202eevil"}'
    """
    return _UNPRINTABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60  # a deeply nested value has no full repr


def shown(value: object, limit: int = 60) -> str:
    """A value as a message shows it: its ``repr``, control characters escaped, at most ``limit``
    characters (a long value is cut, with ``...``).

    >>> shown("x" * 1000, 12)
    "'xxxxxxxx..."
    >>> shown(10**5000)
    'an integer too long to show'
    """
    try:
        text = printable(_REPR.repr(value))
    except ValueError:  # an integer too long to write out (sys.get_int_max_str_digits), maybe nested
        return f"{'an integer' if isinstance(value, int) else 'a ' + type(value).__name__} too long to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."
