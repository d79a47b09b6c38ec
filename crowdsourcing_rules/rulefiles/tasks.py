r"""Task files: a task's facts in a YAML or JSON file, validated with every problem located.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "t.yaml").write_text("id: t1\nurgency: soon\n")
>>> read_task_file(folder / "t.yaml")
Traceback (most recent call last):
...
crowdsourcing_rules.errors.TaskError: task 't1' is invalid: 1 problem
  .../t.yaml:2:1: fact 'urgency' has value 'soon' (str); expected one of 'low', 'medium', 'high', 'unknown'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from crowdsourcing_rules.errors import Location, Problem, TaskError
from crowdsourcing_rules.model.task import Task, parse_task
from crowdsourcing_rules.model.vocabulary import Vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.files import display_path, read_text

__all__ = ["read_task_file", "read_task_text", "task_file_text"]


def read_task_file(path: str | Path, vocabulary: Vocabulary | None = None) -> Task:
    """Read a task from a YAML or JSON file; problems are located at their line in the file."""
    path = Path(path)
    display = display_path(path)
    try:
        text = read_text(path, display)
    except yaml_reader.YamlProblems as error:
        raise TaskError(f"cannot read task file {display}", error.problems) from None
    return read_task_text(text, display, vocabulary)


def read_task_text(text: str, display: str, vocabulary: Vocabulary | None = None) -> Task:
    """Read a task from YAML or JSON text (standard input, say); ``display`` names it in messages.

    >>> read_task_text("id: t1\\nurgency: high\\n", "<stdin>").urgency
    'high'
    """
    try:
        data = yaml_reader.parse(text, display)
    except yaml_reader.YamlProblems as error:
        raise TaskError(f"cannot read task file {display}", error.problems) from None

    def locate(name: str | None) -> Location:
        if name is None or not isinstance(data, Mapping) or name not in data:
            return yaml_reader.node_location(data, display) if data is not None else Location(display)
        return yaml_reader.key_location(data, name, display)

    if data is None:
        raise TaskError(
            f"cannot read task file {display}",
            [Problem("file is empty: expected a mapping of facts", Location(display, 1, 1))],
        )
    return parse_task(yaml_reader.plain(data), vocabulary, locate=locate)


_PLAIN = re.compile(r"[a-z][a-z0-9_]*")
# Words YAML 1.1 reads as booleans or null: written quoted
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def task_file_text(facts: Mapping[str, object], comment: str | None = None) -> str:
    """A task file (YAML) for a mapping of facts: codes as plain words, other text quoted,
    yes/no facts as ``true``/``false``, lists in brackets; ``comment`` heads it.

    >>> print(task_file_text({"id": "t1", "title": "Logo: variants", "urgency": "high", "public_facing": False}))
    id: t1
    title: "Logo: variants"
    urgency: high
    public_facing: false
    <BLANKLINE>
    >>> read_task_text(task_file_text({"id": "no", "title": "yes"}), "<text>").title
    'yes'
    """

    def scalar(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        text = str(value)
        plain = _PLAIN.fullmatch(text) and text not in _RESERVED
        return text if plain else json.dumps(text, ensure_ascii=False)

    lines = [f"# {line}".rstrip() for line in (comment or "").splitlines()]
    for name, value in facts.items():
        if isinstance(value, (list, tuple)):
            lines.append(f"{name}: [{', '.join(scalar(v) for v in value)}]")
        else:
            lines.append(f"{name}: {scalar(value)}")
    return "\n".join(lines) + "\n"
