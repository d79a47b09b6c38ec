"""Reading rule files: YAML to :class:`~crowdsourcing_rules.model.rules.RuleSet`, with every problem
located.

Loading collects all problems of all files before raising one :class:`RuleFileError`, so a user
fixes everything in one pass. Nothing in a file is evaluated: values are data, tags are refused.
The grammar is in :mod:`.parser` and the modules it uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from crowdsourcing_rules._pause import gc_paused
from crowdsourcing_rules.errors import Location, Problem, RuleFileError
from crowdsourcing_rules.model.rules import RuleSet
from crowdsourcing_rules.model.vocabulary import Vocabulary, default_vocabulary
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.parser import Document, RuleParser

__all__ = [
    "CASE_FILE_SUFFIXES",
    "RULE_FILE_SUFFIXES",
    "default_rules_path",
    "expand_paths",
    "load_rules",
    "parse_rule_documents",
]

RULE_FILE_SUFFIXES = (".yaml", ".yml", ".json")
CASE_FILE_SUFFIXES = (".cases.yaml", ".cases.yml")  # decision cases live beside rule files


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
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in RULE_FILE_SUFFIXES
                and not p.name.endswith(CASE_FILE_SUFFIXES)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(Problem("directory holds no rule files (*.yaml, *.yml, *.json)", Location(str(path))))
            files.extend(found)
        elif path.is_file():
            files.append(path)
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
            display = yaml_reader.display_path(file)
            try:
                documents.append(Document(display, yaml_reader.parse(yaml_reader.read_text(file, display), display)))
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
