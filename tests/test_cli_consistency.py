"""One consistent command line: the same option for rule paths on every command, ``-`` for
standard input and output, a "did you mean" for mistyped commands, options and choices, and a
shell completion script generated from the parser."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from crowdsourcing_rules.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "examples" / "tasks" / "terms_of_sale_cookie_policy.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "analysis"
RULE_COMMANDS = ("decide", "explain", "batch", "validate", "check", "graph", "rules", "test")


def options(command: str) -> dict[str, argparse.Action]:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return {flag: action for action in sub._actions for flag in action.option_strings}


@pytest.mark.parametrize("command", RULE_COMMANDS)
def test_every_command_that_reads_rules_takes_them_with_rules(command: str) -> None:
    action = options(command)["--rules"]
    assert action.metavar == "PATH" and isinstance(action, argparse._AppendAction)


@pytest.mark.parametrize("command", ["decide", "explain", "batch", "validate", "check", "graph", "rules"])
def test_every_command_that_layers_a_policy_takes_it_with_policy(command: str) -> None:
    assert options(command)["--policy"].metavar == "DIR"


@pytest.mark.parametrize("command", ["graph", "batch"])
def test_output_names_a_file_wherever_it_exists(command: str) -> None:
    # -o/--output is a file on every command that has it (explain's output name is --what-if-output)
    found = options(command)
    assert found["-o"] is found["--output"] and found["--output"].type is Path
    assert "--output" not in {f for f, a in options("explain").items() if a.help != argparse.SUPPRESS}


@pytest.mark.parametrize("command", ["check", "graph"])
def test_positional_rule_paths_still_work_with_a_deprecation_note(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = str(FIXTURES / "clean.yaml")
    assert main([command, clean]) == 0
    old = capsys.readouterr()
    assert f"warning: rule paths as positional arguments are deprecated; write --rules {clean}" in old.err
    assert main([command, "--rules", clean]) == 0
    new = capsys.readouterr()
    assert new.out == old.out and "deprecated" not in new.err


def test_explain_output_is_the_deprecated_name_of_what_if_output(capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(TASK), "--what-if", "--target", "yes", "--format", "json", "--engine", "reference"]
    assert main(["explain", *args, "--output", "crowdsource"]) == 0
    old = capsys.readouterr()
    assert "explain --output is deprecated; write --what-if-output" in old.err
    assert main(["explain", *args, "--what-if-output", "crowdsource"]) == 0
    assert capsys.readouterr().out == old.out


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_decide_reads_a_task_from_standard_input(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    assert main(["decide", str(TASK), "--format", "json", "--no-questions"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    stdin(monkeypatch, TASK.read_bytes())
    assert main(["decide", "-", "--format", "json", "--no-questions"]) == 0
    assert json.loads(capsys.readouterr().out) == from_file


def test_a_task_on_standard_input_is_located_as_stdin(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    stdin(monkeypatch, b"id: t1\nurgncy: high\n")
    assert main(["explain", "-"]) == 1
    assert "<stdin>:2:1: unknown fact 'urgncy'; did you mean 'urgency'?" in capsys.readouterr().err


def test_graph_writes_to_standard_output_with_a_dash(tmp_path: Path, capsys) -> None:
    clean = str(FIXTURES / "clean.yaml")
    assert main(["graph", "--rules", clean, "--format", "dot", "-o", str(tmp_path / "g.dot")]) == 0
    assert main(["graph", "--rules", clean, "--format", "dot", "-o", "-"]) == 0
    assert capsys.readouterr().out == (tmp_path / "g.dot").read_text(encoding="utf-8")


def test_batch_reads_standard_input_and_writes_standard_output(monkeypatch: pytest.MonkeyPatch, capfdbinary) -> None:
    stdin(monkeypatch, b"id,task_type,urgency\nt1,data_labeling,high\nt2,funding,soon\n")
    code = main(["batch", "-", "--format", "csv", "-o", "-", "--output-format", "jsonl", "--engine", "reference"])
    assert code == 1  # t2's urgency is not a value: a row in error
    rows = [json.loads(line) for line in capfdbinary.readouterr().out.decode().splitlines()]
    assert [r["task_id"] for r in rows] == ["t1", "t2"]
    assert rows[0]["error"] is None and rows[0]["crowdsource"] and "urgency" in rows[1]["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-", "-o", "out.csv"], "standard input ('-') has no extension to tell its format: give --format"),
        ([str(TASK), "--format", "csv", "-o", "-"], "standard output ('-') has no extension to tell its format"),
    ],
)
def test_batch_needs_the_format_of_a_stream(args: list[str], message: str, capsys) -> None:
    assert main(["batch", *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["decdie", "task.yaml"], "did you mean 'decide'?"),
        (["valdate"], "did you mean 'validate'?"),
        (["decide", "--fromat", "json", str(TASK)], "--fromat: did you mean '--format'?"),
        (["check", "--stict"], "--stict: did you mean '--strict'?"),
        (["graph", "--output_of=crowd_types"], "--output_of: did you mean '--output-of'?"),
        (["decide", "--format", "jsn", str(TASK)], "did you mean 'json'?"),
        (["check", "--format", "josn"], "did you mean 'json'?"),
    ],
)
def test_a_mistyped_command_option_or_choice_gets_a_suggestion(
    argv: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert suggestion in capsys.readouterr().err


def test_no_suggestion_when_nothing_is_close(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["decide", "--zzzzzz", str(TASK)])
    assert "did you mean" not in capsys.readouterr().err


# -- shell completion --------------------------------------------------------------------------


def completion(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_the_completion_script_names_every_command_and_option(shell: str, capsys) -> None:
    script = completion(shell, capsys)
    for command in COMMANDS:
        assert command in script
        if shell == "tcsh":  # shtab's tcsh script completes commands and arguments, not options
            continue
        for flag in options(command):
            if flag.startswith("--") and options(command)[flag].help != argparse.SUPPRESS:
                assert flag in script, (command, flag)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["dec"], ["decide"]),
        (["check", "--st"], ["--strict"]),
        (["decide", "--format", ""], ["json", "markdown", "text"]),
        (["graph", "--format", ""], ["dot", "mermaid", "svg", "text"]),
        (["completion", ""], ["bash", "tcsh", "zsh"]),
    ],
)
def test_bash_completes_commands_options_and_choices(words: list[str], expected: list[str], capsys) -> None:
    script = completion("bash", capsys)
    line = " ".join(["crowdsourcing-rules", *words])
    call = (
        f"COMP_WORDS=(crowdsourcing-rules {' '.join(repr(w) for w in words)}); COMP_CWORD={len(words)}; "
        f"COMP_LINE={line!r}; COMP_POINT={len(line)}; _shtab_crowdsourcing_rules; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    )
    result = subprocess.run(["bash", "-c", script + "\n" + call], capture_output=True, text=True, check=True)
    assert sorted(result.stdout.split()) == expected


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_files_for_a_task(tmp_path: Path, capsys) -> None:
    script = completion("bash", capsys)
    (tmp_path / "task_one.yaml").write_text("id: t\n", encoding="utf-8")
    call = (
        "COMP_WORDS=(crowdsourcing-rules decide task_); COMP_CWORD=2; _shtab_crowdsourcing_rules; echo ${COMPREPLY[@]}"
    )
    result = subprocess.run(
        ["bash", "-c", script + "\n" + call], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert result.stdout.split() == ["task_one.yaml"]
