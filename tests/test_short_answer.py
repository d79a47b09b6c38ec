"""The short answer: at most ten lines in plain words for every example, in both languages, with
golden files for the card's example; the detail, the trace and Markdown after it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.model.text import SHORT_LINES

ROOT = Path(__file__).resolve().parent.parent
TASKS = sorted((ROOT / "examples" / "tasks").glob("*.yaml"))
GOLDEN = Path(__file__).parent / "golden" / "text"
CARD = ROOT / "examples" / "tasks" / "terms_of_sale_cookie_policy.yaml"


@pytest.fixture(scope="module")
def advisor() -> cr.Advisor:
    return cr.Advisor.default()


def short(text: str) -> list[str]:
    """The lines before the first blank line: the short answer."""
    return text.split("\n\n", 1)[0].splitlines()


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("path", TASKS, ids=lambda p: p.stem)
def test_the_short_answer_of_every_example_fits_in_ten_lines(path: Path, lang: str, advisor: cr.Advisor) -> None:
    task = cr.read_task_file(path)
    rec = advisor.decide(task)
    text = rec.to_text(lang=lang, title=task.get("title"))
    lines = short(text)
    assert text == "\n".join(lines)  # without --detail or --trace, the short answer is all
    assert 1 <= len(lines) <= SHORT_LINES
    codes = [*rec.crowd_types, *rec.service_types[:1], *(r.id for r in rec.risks[:3])]
    assert not [code for code in codes if "_" in code and code in text]  # words, not codes
    if rec.provisional:
        assert lines[-1].startswith(("To answer: ", "À trancher : ")) and lines[-1].endswith(("?", ")"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_card_example_in_each_language_is_its_golden_file(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The short answer and the detail of the card's example, as `decide --detail` prints them.
    Regenerate with UPDATE_GOLDEN=1 when a change is meant to change them."""
    monkeypatch.chdir(ROOT)
    assert main(["decide", str(CARD.relative_to(ROOT)), "--detail", "--lang", lang]) == 0
    got = capsys.readouterr().out
    golden = GOLDEN / f"{CARD.stem}.{lang}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


def test_markdown_has_the_same_structure(advisor: cr.Advisor) -> None:
    rec = advisor.decide(cr.read_task_file(CARD))
    text, markdown = rec.to_text(detail=True), rec.to_markdown(detail=True)
    first = short(markdown)[0]
    assert first.startswith("## Verdict for ") and len(short(text)) == 1 + len(markdown.split("\n\n")[1].splitlines())
    assert all(line.startswith("- ") for line in markdown.split("\n\n")[1].splitlines())
    assert "### Risks" in markdown and "### Action plan" in markdown


def test_the_trace_is_off_by_default_and_its_paths_are_relative(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decide", str(CARD)]) == 0
    assert "Rules fired" not in capsys.readouterr().out
    assert main(["decide", str(CARD), "--trace"]) == 0
    out = capsys.readouterr().out
    assert "Rules fired, in order" in out
    assert " q1_whether.yaml:" in out and str(ROOT) not in out  # relative to the rule directory
    assert main(["decide", str(CARD), "--format", "json"]) == 0
    assert '"crowd_types": [\n    "skilled_freelancers"' in capsys.readouterr().out  # codes in JSON
