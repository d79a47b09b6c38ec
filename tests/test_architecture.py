"""The architecture's walls, checked: layers (import-linter), no import cycle, no private name
imported across subpackages, modules and classes of a readable size, lazy imports, and the
picture in docs/development.md listing every module."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "crowdsourcing_rules"
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 250


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """Every import of a module, at any depth (inside functions and ``if TYPE_CHECKING`` too):
    the module imported, the names taken from it, the line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.append((target, tuple(alias.name for alias in node.names), node.lineno))
    return found


def edges() -> dict[str, set[str]]:
    """Module to the modules it imports, within the package (``from pkg import module`` counts
    as importing the module)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, names, _line in imports(name, path):
            submodules = {f"{target}.{n}" for n in names} & MODULES.keys()
            if submodules:
                graph[name] |= submodules
            elif target in MODULES and target != name:
                graph[name].add(target)
    return graph


def subpackage(name: str) -> str:
    """The first part under the package: ``model`` for ``crowdsourcing_rules.model.task``; the
    root's own modules (``_version``, ``errors``) belong to the root."""
    parts = name.split(".")
    if len(parts) > 2 or (len(parts) == 2 and MODULES[name].name == "__init__.py"):
        return parts[1]
    return ""


def test_no_import_cycle_counting_imports_inside_functions() -> None:
    # Package __init__ files are left out: they re-export lazily, for type checkers only.
    graph = {n: {t for t in ts if MODULES[t].name != "__init__.py"} for n, ts in edges().items()}
    graph = {n: ts for n, ts in graph.items() if MODULES[n].name != "__init__.py"}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_no_module_imports_another_subpackages_private_name() -> None:
    wrong = []
    for name, path in MODULES.items():
        for target, names, line in imports(name, path):
            if not target.startswith("crowdsourcing_rules"):
                continue
            owner = target if target in MODULES else target.rpartition(".")[0]
            if owner not in MODULES or subpackage(owner) in ("", subpackage(name)):
                continue
            private_module = any(p.startswith("_") and not p.startswith("__") for p in target.split("."))
            private_names = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private_module or private_names:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {target} {private_names or ''}")
    assert not wrong, "private names imported across subpackages:\n" + "\n".join(wrong)


def test_modules_and_classes_are_of_a_readable_size() -> None:
    too_long = []
    for path in MODULES.values():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                too_long.append(f"{path.relative_to(ROOT)}: class {node.name}")
    assert not too_long, too_long


def test_subpackage_inits_import_nothing() -> None:
    """Importing one module of a subpackage must not import the others (lazy imports)."""
    for name, path in MODULES.items():
        if path.name == "__init__.py" and name.count("."):
            runtime = [
                n
                for n in ast.parse(path.read_text(encoding="utf-8")).body
                if isinstance(n, ast.Import | ast.ImportFrom)
                and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")
            ]
            if name != "crowdsourcing_rules.cli":  # the command line imports its command modules
                assert not runtime, f"{name} imports at run time"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_import_none_of_the_library(option: str) -> None:
    loaded = _modules_after(
        "import sys, contextlib, io\n"
        "from crowdsourcing_rules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main([{option!r}])\n"
        "print(*sys.modules)"
    )
    assert not {"networkx", "yaml", "attrs", "durable_rules_engine", "pandas"} & loaded
    ours = {m for m in loaded if m.startswith("crowdsourcing_rules")}
    assert ours == {
        "crowdsourcing_rules",
        "crowdsourcing_rules._lazy",
        "crowdsourcing_rules._version",
        "crowdsourcing_rules.cli",
    }


def test_deciding_imports_only_what_deciding_needs() -> None:
    loaded = _modules_after("import sys, crowdsourcing_rules as cr\ncr.decide({'id': 't1'})\nprint(*sys.modules)")
    for needless in (
        "networkx",
        "crowdsourcing_rules.analysis",
        "crowdsourcing_rules.batch",
        "crowdsourcing_rules.explanations",
        "crowdsourcing_rules.cli",
    ):
        assert needless not in loaded, needless


def test_the_architecture_picture_lists_every_module() -> None:
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert block, "docs/development.md has no Mermaid picture"
    drawn = set(re.findall(r'\["(_?[a-z_]+(?:\.[a-z_]+)*)"\]', block.group(1)))
    expected = {
        name.removeprefix("crowdsourcing_rules.")
        for name, path in MODULES.items()
        if path.name != "__init__.py" and name != "crowdsourcing_rules.__main__"
    }
    assert drawn == expected, f"missing: {sorted(expected - drawn)}; not modules: {sorted(drawn - expected)}"


LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))


@pytest.mark.skipif(not Path(LINT_IMPORTS).exists(), reason="import-linter is not installed")
def test_import_linter_contracts_hold_and_catch_a_wrong_import(tmp_path: Path) -> None:
    def lint(where: Path) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "PYTHONPATH": str(where)}
        return subprocess.run(
            [LINT_IMPORTS, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
            capture_output=True,
            text=True,
            cwd=where,
            env=environment,
        )

    kept = lint(ROOT)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    # A copy of the package in which the model imports the command line: the layers contract breaks.
    copy = tmp_path / "crowdsourcing_rules"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    rules = copy / "model" / "rules.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\nfrom crowdsourcing_rules.cli import main  # noqa\n")
    broken = lint(tmp_path)
    assert broken.returncode != 0
    assert "crowdsourcing_rules.model.rules -> crowdsourcing_rules.cli" in broken.stdout
