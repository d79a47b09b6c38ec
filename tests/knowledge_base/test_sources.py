"""The sources of the knowledge base live inside the project.

docs/sources.md is the bibliography, in our own words: one `### key` heading per entry, with its
status. Every shipped rule names the entries it rests on (`source.keys`), and so do the documented
cases and the catalogue of example platforms; each key has its entry. Nothing the project ships
points to a file outside the repository.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from crowdsourcing_rules.model import platforms
from crowdsourcing_rules.model.rules import STATUS_LABELS
from crowdsourcing_rules.model.vocabulary import default_vocabulary

from ._cases import case_paths, read_case
from ._kb import REPO, SOURCES_MD, all_rules

ENTRY = re.compile(r"^### ([a-z0-9][a-z0-9-]*)\n\n(.*?)(?=^### |\Z)", re.MULTILINE | re.DOTALL)
STATUS = re.compile(r"^- Status: ([A-Z])$", re.MULTILINE)
# What the shipped files may not point to: the files the knowledge base was first researched from,
# kept outside the repository.
OUTSIDE = re.compile(
    r"LITERATURE\.md|VOCABULARY\.md|\.\./shared|shared/domain|shared/seed|\.\./\.\./(?:seed|domain|shared)"
)


def bibliography(text: str | None = None) -> dict[str, str]:
    """The entries of docs/sources.md: key -> status."""
    text = SOURCES_MD.read_text(encoding="utf-8") if text is None else text
    entries: dict[str, str] = {}
    for match in ENTRY.finditer(text):
        key, body = match.groups()
        assert key not in entries, f"entry {key!r} twice"
        status = STATUS.search(body)
        assert status, f"entry {key!r} has no '- Status: X' line"
        entries[key] = status.group(1)
    return entries


def test_the_bibliography_reader_can_fail() -> None:
    text = "### a-key\n\nA reference.\n\n- Status: V\n\n### other\n\nAnother.\n\n- Status: B\n"
    assert bibliography(text) == {"a-key": "V", "other": "B"}
    with pytest.raises(AssertionError, match="no '- Status"):
        bibliography("### a-key\n\nA reference without a status.\n")


def test_every_entry_has_a_status_label() -> None:
    entries = bibliography()
    assert len(entries) > 80
    assert set(entries.values()) <= set(STATUS_LABELS), set(entries.values()) - set(STATUS_LABELS)


def test_every_rule_names_its_sources_and_each_resolves() -> None:
    entries = bibliography()
    problems = []
    for rule in all_rules():
        keys = rule["source"].get("keys") or []
        if not keys:
            problems.append(f"{rule['id']}: no source keys")
        problems += [f"{rule['id']}: key {key!r} has no entry in docs/sources.md" for key in keys if key not in entries]
    assert not problems, problems


def test_a_rule_resting_on_an_unverified_source_says_so() -> None:
    """A rule citing an entry we could not read (status U) says it in its note, or is an inference."""
    entries = bibliography()
    silent = [
        rule["id"]
        for rule in all_rules()
        if any(entries.get(k) == "U" for k in rule["source"].get("keys") or [])
        and rule["source"]["status"] not in ("I", "U")
        and not str(rule["source"].get("note", "")).strip()
    ]
    assert not silent, silent


@pytest.mark.parametrize("path", case_paths(), ids=lambda p: p.stem)
def test_every_case_names_sources_that_resolve(path: Path) -> None:
    entries = bibliography()
    case = read_case(path)
    keys = list(case.get("sources") or [])
    for claim in case.get("justification") or []:
        keys += claim.get("sources") or []
        assert claim.get("sources") or claim.get("basis"), f"a claim rests on sources or says its basis: {claim}"
    assert keys, "a case names its sources"
    assert not [k for k in keys if k not in entries], [k for k in keys if k not in entries]


def test_every_catalogue_entry_resolves() -> None:
    """The example platforms: each from a bibliography entry or the platform's own site, marked to
    check, with service and task types of the vocabulary."""
    entries = bibliography()
    vocabulary = default_vocabulary()
    services = vocabulary.output("service_types").values
    task_types = vocabulary.fact("task_type").values
    for entry in platforms.catalogue():
        assert entry.source == "own-site" or entry.source in entries, entry.name
        assert entry.check, entry.name
        assert entry.service_type in services, entry.name
        assert entry.task_types and set(entry.task_types) <= set(task_types), entry.name
        assert entry.url.startswith("https://") or entry.url.startswith("http://"), entry.name
    names = [entry.name for entry in platforms.catalogue()]
    assert len(names) == len(set(names))
    assert tomllib.loads((Path(platforms.__file__).parent / "platforms.toml").read_text(encoding="utf-8"))


def _shipped_files() -> list[Path]:
    files = [REPO / "README.md", *sorted((REPO / "rules").rglob("*")), *sorted((REPO / "docs").glob("*.md"))]
    files += sorted((REPO / "crowdsourcing_rules").rglob("*"))
    files += sorted((REPO / "tests" / "knowledge_base" / "cases").glob("*.yaml"))
    return [f for f in files if f.is_file() and f.suffix in (".md", ".yaml", ".toml", ".py", ".json")]


def test_nothing_shipped_points_outside_the_repository() -> None:
    pointing = []
    for path in _shipped_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                pointing.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not pointing, "\n".join(pointing)
