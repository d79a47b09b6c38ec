"""Shared helpers for the knowledge-base tests: where things are, and reading YAML."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "rules"
EXAMPLES_DIR = REPO / "examples" / "tasks"
SOURCES_MD = REPO / "docs" / "sources.md"


def read_yaml(path: Path) -> Any:
    """Read a YAML file into plain Python data (safe loader, YAML 1.2)."""
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def rule_files() -> list[Path]:
    """The shipped rule files, sorted."""
    return sorted(RULES_DIR.glob("*.yaml"))


def all_rules() -> list[dict[str, Any]]:
    """Every rule of the shipped rule files, as plain data, with its file name under `_file`."""
    return list(_all_rules())


@functools.cache
def _all_rules() -> tuple[dict[str, Any], ...]:
    rules: list[dict[str, Any]] = []
    for path in rule_files():
        for rule in read_yaml(path).get("rules", []):
            rules.append({**rule, "_file": path.name})
    return tuple(rules)
