"""Every code block of the README and of docs/ runs here, or is marked as not run.

The blocks are found by Sybil (a well-kept tool for testing the examples of documentation) and
run in order, page by page, in a folder that holds a copy of ``rules/`` and ``examples/``, the
example company policy as ``my_policy/`` and, as ``my_rules/``, the rule file docs/rule-files.md
shows:

- ``python``: runs (the blocks of a page share their names, as in a reader's session);
- ``console``: each ``$ crowdsourcing-rules ...`` line runs in-process and must exit with 0;
- ``yaml``: must read, and validate against the JSON Schema of its kind (a rule file or policy
  layer, decision cases, a task; a ``when:`` fragment as a rule's condition); a block whose first
  line names a file of the project (``# examples/tasks/...``) shows that file's keys as they are;
- ``json``: must be JSON;
- ``text``: output or a listing, not run;
- ``<!-- skip: next -->`` before a block: not run (it installs software, writes outside the
  project, or needs a cluster), said in the page's source.

A fence without a language is not allowed: a block says what it is.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

sybil = pytest.importorskip("sybil")
jsonschema = pytest.importorskip("jsonschema")

from sybil import Example, Sybil  # noqa: E402
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser  # noqa: E402

from crowdsourcing_rules.cli import main  # noqa: E402
from crowdsourcing_rules.rulefiles import yaml_reader  # noqa: E402
from crowdsourcing_rules.rulefiles.schemas import shipped_schema  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMPANY = ROOT / "examples" / "company_policy"
# Languages a fence may have: run, checked, or not code
RUN = {"python", "console", "yaml", "json"}
NOT_RUN = {"text", "sh", "mermaid"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^`\n]*)$", re.MULTILINE)


def run_console(example: Example) -> None:
    """Each ``$ `` line: a crowdsourcing-rules command, run in-process; exit code 0."""
    commands = [line[2:] for line in str(example.parsed).splitlines() if line.startswith("$ ")]
    assert commands, "a console block without a '$ ' command"
    for command in commands:
        words = shlex.split(command)
        program = words[0].removeprefix(".venv/bin/")
        if program != "crowdsourcing-rules" or {">", "|", "<"} & set(words):
            raise AssertionError(f"{command!r} cannot run in the tests: mark the block <!-- skip: next -->")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(words[1:])
        assert code == 0, f"{command}\n{out.getvalue()}{err.getvalue()}"


def _schema(kind: str) -> dict[str, Any]:
    if kind in ("task", "cases"):  # the company example's: the built-in facts and Acme's
        return json.loads((COMPANY / ".schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return json.loads(shipped_schema(kind))


def check_yaml(example: Example) -> None:
    """A YAML block reads, and validates against the schema of its kind."""
    text = str(example.parsed)
    data = yaml_reader.plain(yaml_reader.parse(text, f"{example.path}:{example.line}"))
    assert isinstance(data, dict), "a YAML block holds a mapping"
    named = ROOT / text.split("\n", 1)[0].removeprefix("# ").split(" ")[0]
    if text.startswith("# ") and named.is_file():  # a block that shows a file of the project shows it as it is
        whole = yaml_reader.plain(yaml_reader.parse(named.read_text(encoding="utf-8"), str(named)))
        assert data.items() <= whole.items(), f"the block differs from {named.relative_to(ROOT)}"
    if set(data) == {"when"}:  # a condition, as in a rule
        source = {"citation": "docs", "status": "I"}
        data, kind = (
            {"rules": [{"id": "doc", "description": "d", **data, "then": [{"plan": "p"}], "source": source}]},
            "policy",
        )
    elif "cases" in data:
        kind = "cases"
    elif {"rules", "facts", "replace", "disable", "salience"} & set(data):
        kind = "policy"  # a policy layer's schema: a rule file's, and the layer's own keys
    elif "id" in data:
        kind = "task"
    elif "repos" in data:
        return  # a .pre-commit-config.yaml: tests/test_precommit.py checks it with pre-commit's schema
    else:
        raise AssertionError(f"a YAML block of no known kind (keys {sorted(data)}): mark it <!-- skip: next -->")
    errors = [e.message for e in jsonschema.Draft7Validator(_schema(kind)).iter_errors(data)]
    assert not errors, errors


def check_json(example: Example) -> None:
    json.loads(str(example.parsed))


SYBIL = Sybil(
    parsers=[
        PythonCodeBlockParser(),
        CodeBlockParser("console", run_console),
        CodeBlockParser("yaml", check_yaml),
        CodeBlockParser("json", check_json),
        SkipParser(),
    ]
)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder like a clone of the project, with ``my_policy/`` and ``my_rules/``: the pages'
    paths hold there."""
    for name in ("rules", "examples"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copytree(COMPANY, tmp_path / "my_policy")
    # my_rules/: rule files of one's own, beside the shipped ones: the example of docs/rule-files.md
    page = (ROOT / "docs" / "rule-files.md").read_text(encoding="utf-8")
    block = page[page.index("# my_rules/legal.yaml") :]
    (tmp_path / "my_rules").mkdir()
    (tmp_path / "my_rules" / "legal.yaml").write_text(block[: block.index("```")], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return tmp_path


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_code_block_runs(page: Path, sandbox: Path) -> None:
    document = SYBIL.parse(page)
    for example in document:
        try:
            example.evaluate()
        except Exception as error:  # say which block: the page and its line
            raise AssertionError(f"{page.relative_to(ROOT)}:{example.line}: {error}") from error


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_says_what_it_is(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    opening = True
    for match in FENCE.finditer(text):
        info = match["info"].strip()
        if opening:
            language = info.split()[0] if info else ""
            line = text.count("\n", 0, match.start()) + 1
            if not (language in RUN | NOT_RUN or language.startswith("{")):
                raise AssertionError(
                    f"{page.relative_to(ROOT)}:{line}: a fence says what it holds: {sorted(RUN | NOT_RUN)}"
                )
        opening = not opening


README_SETUP = re.compile(r"^python3 -m venv \.venv && .*$", re.MULTILINE)


def test_the_readme_has_two_setup_commands_and_ci_runs_them_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install, test = README_SETUP.findall(readme)
    assert install.endswith("crowdsourcing-rules decide examples/tasks/terms_of_sale_cookie_policy.yaml")
    assert " -e " in install  # editable: the rules the command reads are those in rules/
    assert test.endswith(".venv/bin/python -m pytest") and "'.[test]'" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines() and install in ci.splitlines()
