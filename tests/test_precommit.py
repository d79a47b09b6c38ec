"""The pre-commit hooks a company's policy repository uses (.pre-commit-hooks.yaml), and the
example repository's configuration (examples/company_policy/.pre-commit-config.yaml).

pre-commit would clone crowdsourcing-rules and install it in an environment of its own, which
needs the network; here each file is validated by pre-commit's own schema, and each hook of the
example runs as the command pre-commit would run: its entry, its args, and the files it matches.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPANY = ROOT / "examples" / "company_policy"
clientlib = pytest.importorskip("pre_commit.clientlib")


def manifest() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}


def example_hooks() -> list[dict[str, Any]]:
    [repo] = clientlib.load_config(str(COMPANY / ".pre-commit-config.yaml"))["repos"]
    return list(repo["hooks"])


def test_the_hooks_offer_validate_check_test_and_fmt() -> None:
    entries = {hook["entry"] for hook in manifest().values()}
    assert entries == {
        "crowdsourcing-rules validate",
        "crowdsourcing-rules check --strict",
        "crowdsourcing-rules test",
        "crowdsourcing-rules fmt --check",
    }


def test_the_example_uses_every_hook_and_this_release() -> None:
    from crowdsourcing_rules import __version__

    assert sorted(hook["id"] for hook in example_hooks()) == sorted(manifest())
    [repo] = clientlib.load_config(str(COMPANY / ".pre-commit-config.yaml"))["repos"]
    assert repo["rev"] == f"v{__version__}"


def command(hook: dict[str, Any], folder: Path) -> list[str]:
    """What pre-commit runs for a hook of the example: entry, args, and the matching files."""
    spec = {**manifest()[hook["id"]], **hook}
    words = [*shlex.split(spec["entry"]), *spec.get("args", [])]
    script = Path(sys.executable).parent / words[0]
    words[:1] = [str(script)] if script.exists() else [sys.executable, "-m", "crowdsourcing_rules"]
    if spec.get("pass_filenames", True):
        files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        if "yaml" in spec.get("types", []):
            files = [f for f in files if f.endswith((".yaml", ".yml"))]
        files = [f for f in files if re.search(spec.get("files", ""), f)]
        assert files, hook["id"]
        words += files
    return words


def run(hook: dict[str, Any], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(hook, folder), cwd=folder, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("hook", example_hooks(), ids=lambda h: h["id"])
def test_each_hook_of_the_example_passes_on_the_example(hook: dict[str, Any]) -> None:
    result = run(hook, COMPANY)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def broken_repository(tmp_path: Path) -> Path:
    """A copy of the example in which a rule names a fact nobody declared, badly indented."""
    folder = tmp_path / "acme"
    shutil.copytree(COMPANY, folder)
    vetoes = folder / "vetoes.yaml"
    vetoes.write_text(
        vetoes.read_text(encoding="utf-8").replace("touches_customer_data: true", "touches_custmer_data:  true"),
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize(
    ("hook_id", "message"),
    [
        ("crowdsourcing-rules-validate", "touches_custmer_data"),
        ("crowdsourcing-rules-check", "touches_custmer_data"),
        ("crowdsourcing-rules-test", "touches_custmer_data"),
    ],
)
def test_a_hook_stops_a_commit_that_breaks_the_policy(broken_repository: Path, hook_id: str, message: str) -> None:
    [hook] = [h for h in example_hooks() if h["id"] == hook_id]
    result = run(hook, broken_repository)
    assert result.returncode == 1 and message in result.stdout + result.stderr


def test_the_fmt_hook_stops_a_commit_of_an_unformatted_file(broken_repository: Path) -> None:
    (broken_repository / "extra.yaml").write_text("rules:\n- id: a\n  description: d\n", encoding="utf-8")
    [hook] = [h for h in example_hooks() if h["id"] == "crowdsourcing-rules-fmt"]
    result = run(hook, broken_repository)
    assert result.returncode == 1 and "would reformat extra.yaml" in result.stderr


def test_the_documented_configuration_is_the_examples() -> None:
    from crowdsourcing_rules.rulefiles import yaml_reader

    doc = (ROOT / "docs" / "tooling.md").read_text(encoding="utf-8")
    block = doc[doc.index("```yaml\nrepos:") + len("```yaml\n") :]
    block = block[: block.index("```")]
    example = (COMPANY / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert yaml_reader.parse(block, "doc") == yaml_reader.parse(example, "example")
