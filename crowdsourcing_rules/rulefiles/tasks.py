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

from collections.abc import Mapping
from pathlib import Path

from crowdsourcing_rules.errors import Location, Problem, TaskError
from crowdsourcing_rules.model.task import Task, parse_task
from crowdsourcing_rules.model.vocabulary import Vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.files import display_path, read_text

__all__ = ["read_task_file", "read_task_text"]


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
