"""The command line: decide and validate, output formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crowdsourcing_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "examples" / "tasks" / "terms_of_sale_cookie_policy.yaml"


def test_decide_prints_a_readable_report(capsys) -> None:
    assert main(["decide", str(TASK)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Verdict for General terms of sale and cookie policy for the online shop: yes, with")
    assert "Who: skilled freelancers. How: as a whole project." in out and "Rules fired" not in out
    assert main(["decide", str(TASK), "--detail", "--trace"]) == 0
    out = capsys.readouterr().out
    assert "\nDetails\n" in out and "\nRules fired, in order\n" in out


def test_decide_json_is_the_vocabulary_form(capsys) -> None:
    assert main(["decide", str(TASK), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # The keys in the order of the contract (docs/vocabulary.md): outputs, then computed outputs.
    expected = [
        "task_id",
        "crowdsource",
        "conditions",
        "crowd_types",
        "granularity",
        "service_types",
        "manage_crowd_directly",
        "crowd_model",
        "preselection",
        "howe_function",
        "objectives",
        "risks",
        "plan",
        "questions",
        "provisional",
        "service_notes",
        "platform_examples",
        "trace",
        "engine",
    ]
    assert list(data) == expected
    assert data["engine"] == "durable-rules"
    assert isinstance(data["provisional"], bool)
    assert list(data["service_notes"]) == data["service_types"], "one line per service type, in order"
    first = data["service_types"][0]
    assert all(set(e) == {"name", "service_type", "url", "note"} for e in data["platform_examples"])
    assert all(e["service_type"] == first for e in data["platform_examples"])
    assert all({"rule", "source", "location"} <= set(f) for f in data["trace"])


def test_a_bad_task_file_exits_1_with_located_errors(tmp_path: Path, capsys) -> None:
    task = tmp_path / "bad.yaml"
    task.write_text("id: x\nurgency: soon\ncolour: red\n", encoding="utf-8")
    assert main(["decide", str(task)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:2:1: fact 'urgency' has value 'soon'" in err
    assert "bad.yaml:3:1: unknown fact 'colour'" in err


def test_bad_rule_files_exit_1_with_every_problem(write_rules, capsys) -> None:
    folder = write_rules(rules="rules:\n  - id: a\n    descripton: d\n")
    assert main(["validate", "--rules", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "rules.yaml:3:5: unknown key 'descripton' in rule; did you mean 'description'?" in err
    assert "(rule 'a')" in err
    assert "rule needs 'then'" in err


def test_validate_the_shipped_rules(capsys) -> None:
    assert main(["validate"]) == 0
    assert "no problems" in capsys.readouterr().out


def test_a_missing_task_file_exits_1(capsys) -> None:
    assert main(["decide", "no/such/task.yaml"]) == 1
    assert "cannot read file" in capsys.readouterr().err


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["decide"])
    assert caught.value.code == 2


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crowdsourcing_rules", "decide", str(TASK), "--format", "json", "--no-questions"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["task_id"] == "terms-of-sale-cookie-policy"
