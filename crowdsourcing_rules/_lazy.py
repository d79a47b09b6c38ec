"""Lazy re-exports for package ``__init__`` modules (PEP 562).

A package's ``__init__`` imports the names it re-exports inside ``if TYPE_CHECKING:``, so that
type checkers and readers see them; :func:`attach` reads that block and imports each name the
first time it is used. ``import crowdsourcing_rules`` then costs almost nothing, and
``crowdsourcing-rules --version`` imports neither the engine nor the analysis.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["attach", "exports"]


def exports(source: str) -> dict[str, str]:
    """The names that the ``if TYPE_CHECKING:`` block of a module's ``source`` imports, each with
    its module.

    >>> exports("if TYPE_CHECKING:\\n    from json import dumps as dumps\\n")
    {'dumps': 'json'}
    """
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for item in node.body:
                if isinstance(item, ast.ImportFrom) and item.module:
                    found.update({alias.asname or alias.name: item.module for alias in item.names})
    return found


def attach(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """The ``__getattr__``, ``__dir__`` and ``__all__`` of a package that re-exports, lazily, what
    the ``if TYPE_CHECKING:`` block of its ``__init__`` file imports."""
    names = exports(Path(init_file).read_text(encoding="utf-8"))

    def __getattr__(name: str) -> Any:
        try:
            module = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # the next access is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(names) | set(vars(sys.modules[package])))

    return __getattr__, __dir__, sorted(names)
