"""``--lang fr|en`` on every command that prints words for a person: the words come from the
catalogues (compared here with what the catalogues say, not with a copy of the output), and
English stays English. Commands whose output is machine data take no ``--lang``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from crowdsourcing_rules.cli import COMMANDS, build_parser, main
from crowdsourcing_rules.model.language import language

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "analysis"
POLICY = ROOT / "examples" / "company_policy"
FR, EN = language("fr"), language("en")

#: Commands that print only machine data (a schema, a completion script, files formatted, a
#: server's log; the server takes ?lang= per request): no --lang (docs/explanations.md).
WITHOUT_LANG = {"schema", "completion", "fmt", "serve"}


def options(command: str) -> dict[str, argparse.Action]:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return {flag: action for action in sub._actions for flag in action.option_strings}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_that_prints_words_takes_lang(command: str) -> None:
    found = options(command).get("--lang")
    if command in WITHOUT_LANG:
        assert found is None
    else:
        assert found is not None and found.choices == ("en", "fr")


def run(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> tuple[str, str]:
    assert main(list(args)) == code
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.parametrize("t", [FR, EN], ids=lambda t: t.code)
def test_rules_lists_descriptions_in_the_language(t, capsys: pytest.CaptureFixture[str]) -> None:
    import crowdsourcing_rules as cr

    out, _ = run(capsys, "rules", "--lang", t.code)
    first = next(iter(cr.load_rules([cr.default_rules_path()])))
    assert " ".join(t.rule(first.description).split()) in out
    assert t.ui("default") in out
    if t is FR:
        assert t.rule(first.description) != first.description  # French indeed


@pytest.mark.parametrize("t", [FR, EN], ids=lambda t: t.code)
def test_rules_diff_in_the_language(t, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = run(capsys, "rules", "--diff", "--policy", str(POLICY), "--lang", t.code)
    assert t.ui("fact {name} declared").format(name="budget_code") in out
    assert out.startswith(t.ui("layer {number}").format(number=1))


@pytest.mark.parametrize("t", [FR, EN], ids=lambda t: t.code)
def test_test_reports_cases_in_the_language(t, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = run(capsys, "test", str(POLICY), "-v", "--engine", "reference", "--lang", t.code)
    assert out.startswith(t.ui("PASS") + " ")
    summary = t.ui("{cases} cases: {passed} passed, {failed} failed").split("{cases}")[1].split("{passed}")[0]
    assert summary in out  # " cases: " / " cas : "
    assert t.ui("rules added or replaced by the policy") in out


@pytest.mark.parametrize("t", [FR, EN], ids=lambda t: t.code)
def test_batch_summary_in_the_language(t, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("id,urgency\nt1,low\nt2,soon\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    _, err = run(capsys, "batch", str(tasks), "-o", str(output), "--no-progress", "--lang", t.code, code=1)
    expected = t.ui("{total} rows: {verdicts}; {errors} in error")
    assert expected.split("{verdicts}")[0].format(total=2) in err
    assert expected.split("; ")[-1].format(errors=1) in err
    rows = output.read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("0,t1,yes,")  # the rows keep their codes in every language


@pytest.mark.parametrize("t", [FR, EN], ids=lambda t: t.code)
def test_graph_listing_in_the_language(t, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = run(capsys, "graph", "--rules", str(FIXTURES / "clean.yaml"), "--lang", t.code)
    assert out.startswith(t.ui("generation {number}").format(number=0))
    assert t.ui("concludes") in out and f"({t.ui('salience')} " in out


@pytest.mark.parametrize("t", [FR, EN], ids=lambda t: t.code)
def test_check_and_validate_summaries_in_the_language(t, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = run(capsys, "check", "--rules", str(FIXTURES / "shadowed.yaml"), "--lang", t.code)
    summary = out.splitlines()[-1]
    assert summary.startswith(t.count(0, t.ui("{count} error"), t.ui("{count} errors")) + ", ")
    assert t.count(1, t.ui("{count} warning"), t.ui("{count} warnings")) in summary
    out, _ = run(capsys, "validate", "--rules", str(FIXTURES / "clean.yaml"), "--lang", t.code)
    assert out.strip().endswith(t.ui("{rules} rules, no problems").split("{rules}")[1])


def test_french_words_are_french() -> None:
    """What the tests above compare with is French indeed, not English msgids left untranslated."""
    for words in ("PASS", "default", "concludes", "{rules} rules, no problems", "{count} errors"):
        assert FR.ui(words) != EN.ui(words) == words
