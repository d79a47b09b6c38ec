"""Batch decisions: decide_many, decide_frame and the ``batch`` command (issue 7)."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.batch.results import OUTPUT_COLUMNS, TaskFailure, UnreadableRow, result_row
from crowdsourcing_rules.batch.stream import decide_many
from crowdsourcing_rules.cli import main

GOOD = [
    {"id": "licensed", "skill_level": "licensed", "legal_sensitivity": "regulated"},
    {"id": "micro", "decomposability": "micro", "volume": "massive", "skill_level": "general"},
    {"id": "plain"},
    {"id": "law", "skills_needed": ["French law"], "in_house_capability": "none"},
]
# Two problems in one task: both must be reported.
BAD = {"id": "bad", "urgency": "soon", "colour": "blue"}


@pytest.fixture(scope="module")
def advisor() -> Iterator[cr.Advisor]:
    with cr.Advisor.default() as advisor:
        yield advisor


def _tasks(count: int) -> Iterator[dict[str, object]]:
    for n in range(count):
        task = dict(GOOD[n % len(GOOD)])
        task["id"] = f"{task['id']}-{n}"
        yield task


def test_results_in_input_order_one_per_task(advisor: cr.Advisor) -> None:
    tasks = [*GOOD[:2], BAD, *GOOD[2:]]
    results = list(decide_many(tasks, advisor=advisor))
    assert [r.task_id for r in results] == [t["id"] for t in tasks]
    # A decided task is exactly what Advisor.decide gives without the question search.
    for task, result in zip(tasks, results, strict=True):
        if task is not BAD:
            assert result == advisor.decide(task, questions=False)


def test_a_failure_names_index_id_and_every_problem(advisor: cr.Advisor) -> None:
    failure = list(decide_many([GOOD[0], BAD], advisor=advisor))[1]
    assert isinstance(failure, TaskFailure)
    assert (failure.index, failure.task_id, failure.kind) == (1, "bad", "TaskError")
    messages = [p.message for p in failure.problems]
    assert len(messages) == 2
    assert any("colour" in m for m in messages)
    assert any("urgency" in m and "soon" in m for m in messages)
    assert result_row(failure)["error"] == failure.message


def test_a_task_that_is_not_a_mapping_is_a_failure_too(advisor: cr.Advisor) -> None:
    results = list(decide_many([["not", "a", "task"], UnreadableRow("broken", "f.jsonl:3:1")], advisor=advisor))
    assert [type(r) for r in results] == [TaskFailure, TaskFailure]
    assert results[0].task_id is None
    assert "f.jsonl:3:1: broken" in results[1].message


def test_strict_raises_the_first_failure_with_where_it_is(advisor: cr.Advisor) -> None:
    seen = []
    with pytest.raises(cr.TaskError) as caught:
        for result in decide_many([GOOD[0], BAD, GOOD[1]], advisor=advisor, strict=True):
            seen.append(result)
    assert len(seen) == 1
    assert len(caught.value.problems) == 2
    assert "index 1 (id 'bad')" in "\n".join(caught.value.__notes__)


def test_questions_are_off_by_default_and_can_be_asked(advisor: cr.Advisor) -> None:
    task = {"id": "q", "skill_level": "professional"}
    assert next(decide_many([task], advisor=advisor)).questions == ()
    assert next(decide_many([task], advisor=advisor, questions=True)) == advisor.decide(task)


def test_input_is_read_lazily(advisor: cr.Advisor) -> None:
    # An endless generator: only what is consumed is read.
    first = list(itertools.islice(decide_many(_tasks(10**12), advisor=advisor), 5))
    assert [r.task_id for r in first] == [f"{t['id']}" for t in itertools.islice(_tasks(5), 5)]


def test_default_advisor_is_built_and_closed() -> None:
    assert [r.crowdsource for r in decide_many([GOOD[2]])] == ["yes"]


def test_workers_must_be_positive(advisor: cr.Advisor) -> None:
    with pytest.raises(ValueError, match="workers"):
        next(decide_many(GOOD, advisor=advisor, workers=0))


def test_two_workers_same_results_same_order_bounded_window(advisor: cr.Advisor) -> None:
    """Two processes, small chunks: same results as one process, in input order, and the input is
    read at most a window (2 chunks per worker) ahead of what was yielded."""
    pulled = 0

    def counting() -> Iterator[dict[str, object]]:
        nonlocal pulled
        for n, task in enumerate(_tasks(61)):
            pulled += 1
            yield BAD if n == 30 else task

    chunk = 5
    results = []
    for result in decide_many(counting(), advisor=advisor, workers=2, chunk_size=chunk):
        assert pulled - len(results) <= 2 * 2 * chunk + chunk
        results.append(result)
    expected = list(decide_many([BAD if n == 30 else t for n, t in enumerate(_tasks(61))], advisor=advisor))
    assert results == expected
    assert isinstance(results[30], TaskFailure) and results[30].index == 30
    with pytest.raises(cr.TaskError):
        list(decide_many([*GOOD, BAD], advisor=advisor, workers=2, strict=True, chunk_size=2))


def test_results_from_workers_equal_in_process_ones_when_the_caches_overflow(
    advisor: cr.Advisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parent builds each risk and each overridden trace entry once, in bounded caches: with a
    # cache of one entry they are evicted all the time, and every result must still be the same.
    from crowdsourcing_rules.batch import pool as batch

    tasks = list(_tasks(40))
    expected = list(decide_many(tasks, advisor=advisor))
    assert any(f.overridden for r in expected for f in r.trace)  # the overridden path is exercised
    for size in (1, batch._UNPACK_CACHE_SIZE):
        monkeypatch.setattr(batch, "_UNPACK_CACHE_SIZE", size)
        assert list(decide_many(tasks, advisor=advisor, workers=2, chunk_size=7)) == expected


class Text(str):
    """A str subclass, as rules built in Python may carry: marshal cannot send it."""


def test_results_that_marshal_cannot_carry_travel_pickled(advisor: cr.Advisor) -> None:
    import attrs

    rules = [
        attrs.evolve(rule, then=tuple(attrs.evolve(c, value=Text(c.value)) for c in rule.then))
        for rule in advisor.ruleset
    ]
    with cr.Advisor(cr.RuleSet(rules, advisor.ruleset.vocabulary)) as texts:
        tasks = list(_tasks(12))
        expected = list(decide_many(tasks, advisor=texts))
        assert any(isinstance(c, Text) for r in expected for c in r.conditions)
        assert list(decide_many(tasks, advisor=texts, workers=2, chunk_size=5)) == expected


def test_a_thread_that_is_still_exiting_does_not_force_a_spawn(monkeypatch: pytest.MonkeyPatch) -> None:
    # Just after a pool shuts down, the OS can count its joined threads for a moment: decide_many
    # called twice in a row must still fork (a spawn re-imports the caller's script).
    import threading

    from crowdsourcing_rules.batch import pool as batch

    counts = iter([3, 2, 1])
    monkeypatch.setattr(batch, "_threads", lambda: next(counts))
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(batch.sys, "platform", "linux")
    assert batch.start_method() == "fork"
    monkeypatch.setattr(batch, "_threads", lambda: 2)  # a thread that stays: spawn, after a short wait
    assert batch.start_method() == "spawn"


def test_workers_are_spawned_when_another_thread_is_alive() -> None:
    # A fork would copy whatever lock that thread holds (durable-rules' among them).
    import threading

    from crowdsourcing_rules.batch.pool import start_method

    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert start_method() == "spawn"
    finally:
        release.set()
        thread.join()


# -- pandas ----------------------------------------------------------------------------------


def test_decide_frame_keeps_the_index_and_lists(advisor: cr.Advisor) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "skill_level": ["licensed", None, "wizard"],
            "skills_needed": [["French law"], [], None],
        },
        index=["x", "y", "z"],
    )
    out = cr.decide_frame(frame, advisor=advisor)
    assert list(out.index) == ["x", "y", "z"]
    assert list(out.columns) == [c for c in OUTPUT_COLUMNS if c != "task_id"]
    assert out.loc["x", "crowdsource"] == "with_conditions"
    assert isinstance(out.loc["x", "risks"], list) and "legal_regulatory_compliance" in out.loc["x", "risks"]
    assert out.loc["y", "error"] is None  # a missing cell is a fact not given
    assert "wizard" in out.loc["z", "error"]
    assert out.loc["z", "crowdsource"] is None
    assert cr.decide_frame(frame.iloc[:0], advisor=advisor).empty


# -- the command -----------------------------------------------------------------------------


def _write_csv(path: Path) -> None:
    path.write_text(
        "id,skill_level,legal_sensitivity,skills_needed\n"
        "t1,licensed,regulated,French law; statistics\n"
        "t2,wizard,,\n"
        ",general,,\n"
        "t4,general,none,python\n",
        encoding="utf-8",
    )


def test_batch_csv_every_row_once_errors_file_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, out, errors = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "errors.csv"
    _write_csv(source)
    assert main(["batch", str(source), "-o", str(out), "--errors", str(errors)]) == 1
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [r["row"] for r in rows] == ["0", "1", "2", "3"]
    assert [r["task_id"] for r in rows] == ["t1", "t2", "", "t4"]
    assert rows[0]["crowdsource"] == "with_conditions"
    # 'French law' came from a ';'-separated cell: the rule about legal skills saw it.
    assert "legal_regulatory_compliance" in rows[0]["risks"].split(";")
    assert rows[1]["error"] and rows[2]["error"] and not rows[3]["error"]
    rejected = list(csv.DictReader(errors.read_text(encoding="utf-8").splitlines()))
    assert [(r["row"], r["id"], r["skill_level"]) for r in rejected] == [("1", "t2", "wizard"), ("2", "", "general")]
    assert "missing required fact 'id'" in rejected[1]["error"]
    summary = capsys.readouterr().err
    assert "4 rows" in summary and "2 in error" in summary
    assert "\r" not in summary  # no progress bar when stderr is not a terminal
    assert main(["batch", str(source), "-o", str(out), "--allow-errors"]) == 0


def test_batch_jsonl_with_workers(tmp_path: Path) -> None:
    source, out, errors = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    lines = [json.dumps(t) for t in _tasks(9)] + ["{not json", json.dumps(BAD)]
    source.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    assert main(["batch", str(source), "-o", str(out), "--errors", str(errors), "--workers", "2"]) == 1
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == list(range(11))
    assert rows[9]["error"].startswith("the row cannot be read") and "in.jsonl:10:" in rows[9]["error"]
    assert isinstance(rows[0]["fired"], list)
    rejected = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rejected] == [9, 10]
    assert rejected[1]["colour"] == "blue"


def test_batch_parquet_round_trip(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    source, out, errors = tmp_path / "in.parquet", tmp_path / "out.parquet", tmp_path / "errors.csv"
    tasks = [*_tasks(5), {"id": "bad", "urgency": "soon"}]
    names = ["id", "skill_level", "legal_sensitivity", "decomposability", "volume", "in_house_capability", "urgency"]
    schema = pa.schema([*(pa.field(n, pa.string()) for n in names), pa.field("skills_needed", pa.list_(pa.string()))])
    pq.write_table(pa.Table.from_pylist(tasks, schema=schema), source)
    assert main(["batch", str(source), "-o", str(out), "--errors", str(errors)]) == 1
    table = pq.read_table(out).to_pylist()
    assert [r["row"] for r in table] == list(range(6))
    assert table[0]["crowdsource"] == "with_conditions"
    assert table[3]["risks"] == list(cr.decide(GOOD[3]).risk_ids)
    assert table[5]["error"] and "soon" in table[5]["error"]
    assert next(csv.DictReader(errors.read_text(encoding="utf-8").splitlines()))["id"] == "bad"


def test_batch_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.txt"
    source.write_text("id\nt1\n", encoding="utf-8")
    assert main(["batch", str(source), "-o", str(tmp_path / "out.csv")]) == 2
    assert "--format" in capsys.readouterr().err
    assert main(["batch", str(source), "--format", "csv", "-o", str(tmp_path / "out.csv")]) == 0
    assert main(["batch", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "out.csv")]) == 1


def test_a_row_carries_the_computed_outputs() -> None:
    """provisional as a boolean, service notes as 'service_type: why' lines, examples by name."""
    rec = cr.Recommendation(
        task_id="t",
        crowdsource="yes",
        service_types=("contest_platform",),
        provisional=True,
        service_notes={"contest_platform": "many entries"},
        platform_examples=({"name": "Kaggle", "service_type": "contest_platform", "url": "https://k", "note": "n"},),
    )
    row = result_row(rec)
    assert list(row) == list(OUTPUT_COLUMNS)
    assert (row["provisional"], row["service_notes"], row["platform_examples"]) == (
        True,
        ["contest_platform: many entries"],
        ["Kaggle"],
    )
