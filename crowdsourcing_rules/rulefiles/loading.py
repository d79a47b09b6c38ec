"""Reading rule files: YAML to :class:`~crowdsourcing_rules.model.rules.RuleSet`, with every problem
located.

Loading collects all problems of all files before raising one :class:`RuleFileError`, so a user
fixes everything in one pass. Nothing in a file is evaluated: values are data, tags are refused.
The grammar is in :mod:`.parser` and the modules it uses.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from crowdsourcing_rules._pause import gc_paused
from crowdsourcing_rules.errors import Location, Problem, RuleFileError
from crowdsourcing_rules.model.rules import RuleSet
from crowdsourcing_rules.model.vocabulary import Vocabulary, default_vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.files import read_document
from crowdsourcing_rules.rulefiles.parser import Document, RuleParser

__all__ = [
    "CASE_FILE_SUFFIXES",
    "RULE_FILE_SUFFIXES",
    "default_rules_path",
    "expand_paths",
    "is_case_file_name",
    "is_rule_file_name",
    "load_rules",
    "parse_rule_documents",
    "path_list",
]

RULE_FILE_SUFFIXES = (".yaml", ".yml", ".json")
CASE_FILE_SUFFIXES = (".cases.yaml", ".cases.yml")  # decision cases live beside rule files


def is_rule_file_name(name: str) -> bool:
    """Whether a directory search reads a file of this name as rules: by its extension, in any
    case (``Veto.YAML`` is read), decision cases files left out.

    >>> [is_rule_file_name(n) for n in ("a.yaml", "Veto.YAML", "b.JSON", "a.cases.yaml", "notes.txt")]
    [True, True, True, False, False]
    """
    lowered = name.lower()
    return lowered.endswith(RULE_FILE_SUFFIXES) and not lowered.endswith(CASE_FILE_SUFFIXES)


def is_case_file_name(name: str) -> bool:
    """Whether a file of this name holds decision cases (``*.cases.yaml``, in any case)."""
    return name.lower().endswith(CASE_FILE_SUFFIXES)


def default_rules_path() -> Path:
    """Where the shipped default rules are: inside the installed package, or the clone's ``rules/``."""
    packaged = resources.files("crowdsourcing_rules") / "_default_rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / "rules"


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files to read: files as given, directories searched recursively, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in path_list(paths, "paths"):
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and is_rule_file_name(p.name)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(Problem("directory holds no rule files (*.yaml, *.yml, *.json)", Location(str(path))))
            files.extend(found)
        elif path.exists():
            files.append(path)  # a file named on its own; a FIFO or a device is refused when read
        else:
            problems.append(Problem("no such file or directory", Location(str(path))))
    unique: list[Path] = []
    seen: set[Path] = set()
    for file in files:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique, problems


def path_list(paths: Iterable[str | Path] | None, name: str) -> list[Path]:
    """An argument that lists files or directories, as paths; ``None`` is none. A ``TypeError``
    says what was expected when it is a single path (iterating a string would give its
    characters) or anything else than paths.

    >>> path_list(["rules/", Path("more.yaml")], "paths")
    [PosixPath('rules'), PosixPath('more.yaml')]
    >>> path_list("rules/", "policy")
    Traceback (most recent call last):
    ...
    TypeError: policy must be a list of files or directories, not one str: write ['rules/']
    """
    if paths is None:
        return []
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{name} must be a list of files or directories, not one {type(paths).__name__}: write [{paths!r}]"
        )
    if not isinstance(paths, Iterable):
        raise TypeError(f"{name} must be a list of files or directories, got {type(paths).__name__}")
    out = []
    for item in paths:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"{name}: each item must be a path (str or Path), got {type(item).__name__}")
        out.append(Path(item))
    return out


def load_rules(paths: Iterable[str | Path], *, vocabulary: Vocabulary | None = None) -> RuleSet:
    """Load and validate rule files and directories.

    Directories are searched recursively for ``*.yaml``, ``*.yml`` and ``*.json`` files
    (``*.cases.yaml`` files hold decision cases and are skipped). Raises :class:`RuleFileError`
    listing every problem in every file.
    """
    files, problems = expand_paths(paths)
    documents: list[Document] = []
    with gc_paused():
        for file in files:
            try:
                documents.append(Document(*read_document(file)))
            except yaml_reader.YamlProblems as error:
                problems.extend(error.problems)
        return parse_rule_documents(documents, vocabulary=vocabulary, problems=problems)


def parse_rule_documents(
    documents: Sequence[Document] | Sequence[tuple[str, str]],
    *,
    vocabulary: Vocabulary | None = None,
    problems: list[Problem] | None = None,
) -> RuleSet:
    """Validate parsed documents (or ``(name, yaml_text)`` pairs) into a :class:`RuleSet`."""
    problems = list(problems or [])
    docs: list[Document] = []
    for doc in documents:
        if isinstance(doc, Document):
            docs.append(doc)
            continue
        name, text = doc
        try:
            docs.append(Document(name, yaml_reader.parse(text, name)))
        except yaml_reader.YamlProblems as error:
            problems.extend(error.problems)
    parser = RuleParser(vocabulary or default_vocabulary(), problems)
    ruleset = parser.parse(docs)
    if parser.problems:
        count = len(parser.problems)
        summary = f"{count} problem{'s' if count > 1 else ''} in rule files"
        raise RuleFileError(summary, parser.problems.sorted())
    return ruleset
