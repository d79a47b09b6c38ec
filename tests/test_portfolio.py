"""examples/portfolio.csv: a few hundred varied tasks for ``crowdsourcing-rules batch`` (the
README's example), made by examples/make_portfolio.py."""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
PORTFOLIO = ROOT / "examples" / "portfolio.csv"


def maker():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_portfolio", ROOT / "examples" / "make_portfolio.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows() -> list[dict[str, str]]:
    with PORTFOLIO.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_file_is_what_the_script_makes(tmp_path: Path) -> None:
    maker().write(tmp_path / "portfolio.csv")
    assert (tmp_path / "portfolio.csv").read_bytes() == PORTFOLIO.read_bytes(), "run: python examples/make_portfolio.py"


def test_a_few_hundred_varied_tasks() -> None:
    tasks = rows()
    assert 200 <= len(tasks) <= 1000 and len({t["id"] for t in tasks}) == len(tasks)
    vocabulary = cr.default_vocabulary()
    types = Counter(t["task_type"] for t in tasks)
    assert set(types) == set(vocabulary.fact("task_type").values) - {"unknown"}
    # Every column is a fact of the vocabulary, and every enumerated fact is sometimes not given
    assert set(tasks[0]) <= set(vocabulary.fact_names)
    for spec in vocabulary.facts:
        if spec.kind in ("enum", "bool") and spec.name != "task_type":
            assert any(t[spec.name] == "" for t in tasks) and len({t[spec.name] for t in tasks}) > 2, spec.name


def test_batch_decides_every_task_with_every_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "decided.csv"
    assert main(["batch", str(PORTFOLIO), "-o", str(out), "--engine", "reference"]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        decided = list(csv.DictReader(handle))
    assert [d["task_id"] for d in decided] == [t["id"] for t in rows()]
    assert {d["crowdsource"] for d in decided} == {"yes", "no", "with_conditions"}
    assert all(d["error"] == "" for d in decided)
    assert "0 in error" in capsys.readouterr().err
