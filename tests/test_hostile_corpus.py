"""The hostile corpus, run as a user runs it: ``python -m crowdsourcing_rules ...`` in a subprocess.

Every input of issue 18 is here with the exit code and the message it must give. A subprocess is
the only way to see what a user sees: a hang (each run has a time bound, and a limit on its memory,
so that reading ``/dev/zero`` cannot take the machine), a crash of the interpreter (an exit by a
signal), a traceback, a changed input file, a half-written output. For every case the harness
checks that the command ended by itself within the bound, with the expected exit code and message
and no traceback, and that every input file is byte for byte what it was; for batch runs, that the
output holds every input row exactly once, in order, and that the errors file is strict JSON.

The cases run a few at a time in one fixture (they wait on the interpreter's start more than on
the CPU), then each is a test of its own.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "examples" / "company_policy"
CARD_TASK = ROOT / "examples" / "tasks" / "terms_of_sale_cookie_policy.yaml"
# A hang detector, not a speed measure: every case ends in a second or two.
TIME_BOUND = 120
MEMORY_BOUND = 4 << 30  # bytes of address space: reading /dev/zero without a limit fails here, not the machine

# The command, exec'd under the memory limit: the process that runs is `python -m crowdsourcing_rules`.
LAUNCH = (
    "import os, resource, sys; "
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_BOUND}, {MEMORY_BOUND})); "
    "os.execv(sys.executable, [sys.executable, '-m', 'crowdsourcing_rules', *sys.argv[1:]])"
)


def command(*args: str) -> list[str]:
    return [sys.executable, "-c", LAUNCH, *args]


Files = Callable[[Path], None]


@dataclass
class Case:
    """One hostile input: the files it needs, the command, and what the command must do."""

    name: str
    files: Files
    args: list[str]
    code: int
    message: str  # a regular expression stderr must match
    one_line: bool = True  # stderr is one line (batch), else a located error (summary and problems)
    rows: int | None = None  # batch: input rows, each in the output exactly once
    errors: int | None = None  # batch: rows in the errors file
    check: Callable[[Path], None] | None = None  # more checks on the folder after the run
    env: dict[str, str] = field(default_factory=dict)
    parquet: bool = False  # needs pyarrow (the pandas extra)


@dataclass
class Run:
    code: int | None
    out: str
    err: str
    seconds: float
    before: dict[str, str]
    after: dict[str, str]


# -- input files -------------------------------------------------------------------------------


def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Files:
    def make(folder: Path) -> None:
        data = content if isinstance(content, bytes) else content.encode(encoding)
        (folder / name).write_bytes(data)

    return make


def several(*makers: Files) -> Files:
    def make(folder: Path) -> None:
        for maker in makers:
            maker(folder)

    return make


def fifo(name: str) -> Files:
    return lambda folder: os.mkfifo(folder / name)


def directory(name: str) -> Files:
    return lambda folder: (folder / name).mkdir()


def csv_text(count: int, bad: dict[int, bytes] | None = None) -> bytes:
    """A CSV file of ``count`` good tasks; ``bad`` replaces some rows (by index) with raw bytes."""
    lines = [b"id,urgency,skills_needed"]
    for n in range(count):
        lines.append((bad or {}).get(n, f"t{n},{('low', 'medium', 'high')[n % 3]},writing; design".encode()))
    return b"\n".join(lines) + b"\n"


GOOD = csv_text(4)
TASK_YAML = "id: t1\nurgency: high\n"


def parquet(name: str, table: Callable[[], object], corrupt_group: int | None = None) -> Files:
    def make(folder: Path) -> None:
        import pyarrow.parquet as pq

        pq.write_table(table(), folder / name, row_group_size=50)
        if corrupt_group is not None:  # overwrite the start of one row group's first column chunk
            column = pq.ParquetFile(folder / name).metadata.row_group(corrupt_group).column(0)
            start = column.dictionary_page_offset or column.data_page_offset
            data = bytearray((folder / name).read_bytes())
            data[start : start + 40] = b"\xff" * 40
            (folder / name).write_bytes(bytes(data))

    return make


def task_table() -> object:
    import pyarrow as pa

    return pa.table({"id": [f"t{n}" for n in range(150)], "urgency": ["high"] * 150})


def bytes_table() -> object:
    import pyarrow as pa

    return pa.table({"id": ["a", "b"], "urgency": pa.array([b"high", b"\xff\xfe"], pa.binary())})


NO_DURABLE = "hidden"  # a folder with a durable_rules_engine module that cannot be imported


def hide_durable(folder: Path) -> None:
    (folder / NO_DURABLE).mkdir()
    (folder / NO_DURABLE / "durable_rules_engine.py").write_text("raise ImportError('hidden by the test')\n")


# -- checks on the folder after a run ----------------------------------------------------------


def output_rows(path: Path) -> list[dict[str, object]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]
    return [strict_json(line) for line in path.read_text(encoding="utf-8").splitlines()]


def strict_json(line: str) -> dict[str, object]:
    def refuse(name: str) -> object:
        raise AssertionError(f"{name} in a JSON file: not JSON")

    value = json.loads(line, parse_constant=refuse)
    assert isinstance(value, dict)
    return value


def no_file(name: str) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        assert not (folder / name).exists(), f"{name} was written"
        assert not list(folder.glob(f".{name}.*.part")), "a temporary file was left"

    return check


def cell(name: str, row: int, column: str, expected: object) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        assert output_rows(folder / name)[row][column] == expected

    return check


def error_mentions(row: int, *words: str) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        entries = {int(str(e["row"])): e for e in output_rows(folder / "errors.jsonl")}
        for word in words:
            assert word in str(entries[row]["error"]), (word, entries[row]["error"])

    return check


def same_verdict_as_decide(folder: Path) -> None:
    decided = subprocess.run(
        command("decide", str(CARD_TASK), "--policy", str(POLICY), "--format", "json", "--no-questions"),
        capture_output=True,
        text=True,
        timeout=TIME_BOUND,
        check=True,
    )
    explained = json.loads((folder / "explained.json").read_text(encoding="utf-8"))
    assert json.loads(decided.stdout)["crowdsource"] == explained["recommendation"]["crowdsource"] == "no"


def policy_fact_task(folder: Path) -> None:
    """The card's task with a fact only the example policy declares."""
    text = CARD_TASK.read_text(encoding="utf-8") + "budget_code: capex\n"
    (folder / "task.yaml").write_text(text, encoding="utf-8")


def batch(source: str, *more: str) -> list[str]:
    return ["batch", source, "-o", "out.jsonl", "--errors", "errors.jsonl", "--no-progress", *more]


# -- the corpus --------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000
QUIET = r"\A\Z"  # nothing on stderr
_FALLBACK = re.compile(r"^warning: durable-rules cannot be imported[^\n]*\n", re.MULTILINE)


def without_fallback(err: str) -> str:
    """Standard error without the warning that durable-rules cannot be imported: where it cannot
    (Python 3.13 without the compiler flag, a CI job), every command says so first."""
    return _FALLBACK.sub("", err)


ONE_LINE_ERROR = r"^error: "

CASES = [
    # 3. an output or errors path that is the input, or each other: refused, the input unchanged
    Case("output is the input", write("tasks.csv", GOOD), ["batch", "tasks.csv", "-o", "tasks.csv"], 2,
         r"--output tasks.csv is the same file as INPUT tasks.csv"),
    Case("output is the input by another path", several(write("tasks.csv", GOOD), directory("sub")),
         ["batch", "tasks.csv", "-o", "sub/../tasks.csv"], 2, r"is the same file as INPUT"),
    Case("output is a hard link to the input",
         several(write("tasks.csv", GOOD), lambda f: os.link(f / "tasks.csv", f / "link.csv")),
         ["batch", "tasks.csv", "-o", "link.csv"], 2, r"--output link.csv is the same file as INPUT"),
    Case("output is a symbolic link to the input",
         several(write("tasks.csv", GOOD), lambda f: (f / "link.csv").symlink_to("tasks.csv")),
         ["batch", "tasks.csv", "-o", "link.csv"], 2, r"is the same file as INPUT"),
    Case("errors file is the output", write("tasks.csv", GOOD),
         ["batch", "tasks.csv", "-o", "out.csv", "--errors", "out.csv"], 2,
         r"--errors out.csv is the same file as --output out.csv", check=no_file("out.csv")),
    Case("errors file is the input", write("tasks.csv", GOOD),
         ["batch", "tasks.csv", "-o", "out.csv", "--errors", "tasks.csv"], 2, r"--errors tasks.csv is the same file"),
    # 5. a row that cannot be read is a row in error, with its line; every other row is decided
    Case("bad UTF-8 byte at row 1,001 of 1,011",
         write("tasks.csv", csv_text(1_011, {1_000: b"t1000,high,caf\xe9"})), batch("tasks.csv"), 1,
         r"^1011 rows: .*; 1 in error", rows=1_011, errors=1,
         check=error_mentions(1_000, "tasks.csv:1002", "not UTF-8", r"\xe9")),
    Case("lone surrogates in JSON Lines",
         write("tasks.jsonl", '{"id": "a"}\n{"id": "\\ud800"}\n{"id": "b", "title": "x\\udcff"}\n{"id": "c"}\n'),
         batch("tasks.jsonl"), 1, r"^4 rows: yes 2; 2 in error", rows=4, errors=2,
         check=error_mentions(1, "tasks.jsonl:2", "lone surrogate")),
    Case("a JSON Lines line nested 100,000 deep",
         write("tasks.jsonl", f'{{"id": "a"}}\n{{"id": "deep", "x": {DEEP}}}\n{{"id": "c"}}\n'),
         batch("tasks.jsonl"), 1, r"^3 rows: yes 2; 1 in error", rows=3, errors=1,
         check=error_mentions(1, "tasks.jsonl:2", "nesting deeper")),
    Case("a CSV cell over 131,072 characters",
         write("tasks.csv", "id,title\na,x\nb," + "y" * 200_000 + '\nc,z\nd,"' + "q" * 140_000 + '"\ne,w\n'),
         batch("tasks.csv"), 1, r"^5 rows: yes 3; 2 in error", rows=5, errors=2,
         check=error_mentions(1, "tasks.csv:3", "field limit")),
    Case("a JSON Lines line over the line limit",
         write("tasks.jsonl", '{"id": "a"}\n{"id": "' + "x" * 5_000_001 + '"}\n{"id": "c"}\n'),
         batch("tasks.jsonl"), 1, r"^3 rows: yes 2; 1 in error", rows=3, errors=1,
         check=error_mentions(1, "tasks.jsonl:2", "longer than 5000000 characters")),
    Case("a UTF-16 CSV file (byte order mark)",
         write("tasks.csv", "id,urgency\nt1,high\nt2,élevé\n", encoding="utf-16"), batch("tasks.csv"), 1,
         r"^2 rows: yes 1; 1 in error", rows=2, errors=1, check=error_mentions(1, "'élevé'")),
    Case("a UTF-16 CSV file without a byte order mark",
         write("tasks.csv", "id,urgency\nt1,high\n", encoding="utf-16-le"), batch("tasks.csv"), 1,
         r"NUL characters: is the file UTF-16 .* --encoding", check=no_file("out.jsonl")),
    Case("--encoding for a Latin-1 file", write("tasks.csv", "id,title\nt1,café\n", encoding="latin-1"),
         batch("tasks.csv", "--encoding", "latin-1"), 0, r"^1 rows: yes 1; 0 in error", rows=1, errors=0),
    Case("an unknown --encoding", write("tasks.csv", GOOD), batch("tasks.csv", "--encoding", "klingon"), 2,
         r"unknown encoding 'klingon'"),
    Case("an empty Parquet file", write("tasks.parquet", b""), batch("tasks.parquet"), 1,
         r"tasks.parquet: not a readable Parquet file", check=no_file("out.jsonl"), parquet=True),
    Case("a corrupt Parquet file", write("tasks.parquet", b"PAR1 not really"), batch("tasks.parquet"), 1,
         r"tasks.parquet: not a readable Parquet file", parquet=True),
    Case("a Parquet row group that cannot be decoded", parquet("tasks.parquet", task_table, corrupt_group=1),
         batch("tasks.parquet"), 1, r"^150 rows: yes 100; 50 in error", rows=150, errors=50,
         check=error_mentions(50, "row 50 (row group 1)", "cannot read this row group"), parquet=True),
    Case("a bytes column written to a JSON Lines errors file", parquet("tasks.parquet", bytes_table),
         batch("tasks.parquet"), 1, r"^2 rows: none decided; 2 in error", rows=2, errors=2,
         check=error_mentions(0, "b'high' (bytes)"), parquet=True),
    # 7. bounded reads: regular files only, read within the limit
    Case("decide /dev/zero", lambda f: None, ["decide", "/dev/zero"], 1,
         r"/dev/zero: cannot read file: a character device, not a regular file", one_line=False),
    Case("decide a FIFO", fifo("task.yaml"), ["decide", "task.yaml"], 1,
         r"task.yaml: cannot read file: a FIFO \(named pipe\)", one_line=False),
    Case("decide a directory", directory("task.yaml"), ["decide", "task.yaml"], 1,
         r"task.yaml: cannot read file: a directory", one_line=False),
    Case("validate a FIFO as a rule file", fifo("rules.yaml"), ["validate", "--rules", "rules.yaml"], 1,
         r"rules.yaml: cannot read file: a FIFO", one_line=False),
    Case("a FIFO as a policy layer", fifo("veto.yaml"), ["decide", str(CARD_TASK), "--policy", "veto.yaml"], 1,
         r"veto.yaml: cannot read file: a FIFO", one_line=False),
    Case("test a FIFO as a decision cases file", fifo("x.cases.yaml"), ["test", "x.cases.yaml"], 1,
         r"x.cases.yaml: cannot read file: a FIFO", one_line=False),
    Case("batch /dev/zero", lambda f: None, ["batch", "/dev/zero", "--format", "csv", "-o", "out.csv"], 1,
         r"/dev/zero: cannot read: a character device"),
    Case("batch a FIFO", fifo("tasks.csv"), ["batch", "tasks.csv", "-o", "out.csv"], 1,
         r"tasks.csv: cannot read: a FIFO"),
    Case("a task file over the size limit", write("task.yaml", "id: t1\n#" + "x" * 5_000_001 + "\n"),
         ["decide", "task.yaml"], 1, r"the limit is 5000000 bytes", one_line=False),
    # 8. duplicates: refused per row
    Case("a CSV header naming a column twice", write("tasks.csv", "id,urgency,urgency\na,high,low\nb,low,low\n"),
         batch("tasks.csv"), 1, r"^2 rows: none decided; 2 in error", rows=2, errors=2,
         check=error_mentions(0, "tasks.csv:2", "column 'urgency' appears twice")),
    Case("a JSON Lines key given twice", write("tasks.jsonl", '{"id": "a", "urgency": "high", "urgency": "low"}\n'),
         batch("tasks.jsonl"), 1, r"^1 rows: none decided; 1 in error", rows=1, errors=1,
         check=error_mentions(0, "tasks.jsonl:1", "key 'urgency' appears twice")),
    # 4. explain honours --policy as decide does (a policy-declared fact included)
    Case("explain --policy", lambda f: None,
         ["explain", str(CARD_TASK), "--policy", str(POLICY), "--format", "json",
          "--what-if-output", "crowdsource"], 0, QUIET, one_line=False),
    Case("explain --policy with a policy's own fact", policy_fact_task,
         ["explain", "task.yaml", "--policy", str(POLICY)], 0, QUIET, one_line=False),
    # 12. outputs that cannot be written: one line, nothing decided
    Case("output in a directory that does not exist", write("tasks.csv", GOOD),
         ["batch", "tasks.csv", "-o", "missing/out.csv"], 1, r"the directory missing does not exist"),
    Case("output is a directory", several(write("tasks.csv", GOOD), directory("out.csv")),
         ["batch", "tasks.csv", "-o", "out.csv"], 1, r"--output out.csv: is a directory"),
    Case("output is a device", write("tasks.csv", GOOD),
         ["batch", "tasks.csv", "-o", "/dev/null", "--output-format", "csv"], 1, r"--output /dev/null: not a regular"),
    # 13. the smaller ones
    Case("an escape sequence in a task id", write("task.yaml", 'id: "\\e[31mred\\e[0m"\nurgency: soon\n'),
         ["decide", "task.yaml"], 1, r"task '\\x1b\[31mred\\x1b\[0m' is invalid", one_line=False),
    Case("an escape sequence in a decided task id", write("task.yaml", 'id: "\\e]0;owned\\a"\n'),
         ["decide", "task.yaml"], 0, QUIET, one_line=False),
    Case("a 200,000-character id", write("task.yaml", "id: " + "x" * 200_000 + "\n"), ["decide", "task.yaml"], 1,
         r"fact 'id' is 200000 characters long", one_line=False),
    Case("an integer id", write("task.yaml", "id: 12345\n"), ["decide", "task.yaml", "--format", "json"], 0, QUIET,
         one_line=False),
    Case("NaN and infinities in JSON Lines", write("tasks.jsonl", '{"id": NaN}\n{"id": 1e999}\n{"id": "ok"}\n'),
         batch("tasks.jsonl"), 1, r"^3 rows: yes 1; 2 in error", rows=3, errors=2,
         check=error_mentions(0, "NaN is not JSON")),
    Case("the fallback warning", several(hide_durable, write("task.yaml", TASK_YAML)),
         ["decide", "task.yaml", "--detail"], 0,
         r"^warning: durable-rules cannot be imported: hidden by the test; using the pure-Python reference engine",
         env={"PYTHONPATH": NO_DURABLE}),
    Case("formula injection in CSV", write("tasks.csv", "id,urgency\n=cmd|' /C calc'!A0,high\n@x,high\n-1,high\n"),
         ["batch", "tasks.csv", "-o", "out.csv"], 0, r"^3 rows: yes 3; 0 in error", rows=3,
         check=cell("out.csv", 0, "task_id", "'=cmd|' /C calc'!A0")),
    Case("1_000 and 0o17 in a task file", write("task.yaml", "id: 0o17\ntitle: 1_000\n"),
         ["decide", "task.yaml", "--format", "json"], 0, QUIET, one_line=False),
]  # fmt: skip


def _fingerprints(folder: Path) -> dict[str, str]:
    """Every regular file in the folder and its hash (FIFOs and devices are not opened)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _run(case: Case, folder: Path) -> Run | None:
    if case.parquet and not _parquet():
        return None
    case.files(folder)
    before = _fingerprints(folder)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for name, value in case.env.items():  # PYTHONPATH: in front of the caller's
        env[name] = os.pathsep.join(filter(None, [value, env.get(name, "")]))
    started = time.monotonic()
    try:
        done = subprocess.run(
            command(*case.args),
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIME_BOUND,
        )
        code: int | None = done.returncode
        out, err = done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        code, out, err = None, str(expired.stdout or ""), str(expired.stderr or "")
    if case.name == "explain --policy":
        (folder / "explained.json").write_text(out, encoding="utf-8")
    return Run(code, out, err, time.monotonic() - started, before, _fingerprints(folder))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run | None, Path]]:
    folders = {case.name: tmp_path_factory.mktemp(re.sub(r"\W+", "_", case.name)[:40]) for case in CASES}
    with ThreadPoolExecutor(3) as pool:
        futures = {case.name: pool.submit(_run, case, folders[case.name]) for case in CASES}
        return {name: (future.result(), folders[name]) for name, future in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(case: Case, runs: dict[str, tuple[Run | None, Path]]) -> None:
    run, folder = runs[case.name]
    if run is None:
        pytest.skip("Parquet needs pyarrow (the pandas extra)")
    assert run.code is not None, f"no end within {TIME_BOUND} s: a hang\n{run.err[-2000:]}"
    assert run.code >= 0, f"killed by signal {-run.code}: a crash\n{run.err[-2000:]}"
    assert "Traceback" not in run.err, run.err[-3000:]
    assert run.code == case.code, run.err[-2000:]
    err = run.err if case.env else without_fallback(run.err)
    assert re.search(case.message, err, re.MULTILINE), err[-2000:]
    if case.one_line:
        assert err.count("\n") == 1, err[-2000:]
    for name, digest in run.before.items():  # inputs are never changed
        assert run.after.get(name) == digest, f"{name} changed"
    assert not glob.glob(str(folder / "**" / ".*.part"), recursive=True), "a temporary file was left"
    if case.rows is not None:
        out = next(p for p in (folder / "out.jsonl", folder / "out.csv") if p.exists())
        assert [int(str(r["row"])) for r in output_rows(out)] == list(range(case.rows))  # each once, in order
    if case.errors is not None:
        entries = output_rows(folder / "errors.jsonl")
        assert len(entries) == case.errors
        decided = {int(str(r["row"])): r for r in output_rows(folder / "out.jsonl")}
        for entry in entries:  # a row in error is in the output too, with the same message
            assert decided[int(str(entry["row"]))]["error"] == entry["error"]
    if case.check is not None:
        case.check(folder)


def test_what_the_escape_cases_print(runs: dict[str, tuple[Run | None, Path]]) -> None:
    """Control characters never reach the terminal: the id is shown escaped, in the report too."""
    for name in ("an escape sequence in a task id", "an escape sequence in a decided task id"):
        run, _folder = runs[name]
        assert "\x1b" not in run.out + run.err and "\x07" not in run.out + run.err
    assert runs["an escape sequence in a decided task id"][0].out.startswith("Verdict for \\x1b]0;owned\\x07: ")


def test_what_the_smaller_cases_print(runs: dict[str, tuple[Run | None, Path]]) -> None:
    long_id = runs["a 200,000-character id"][0].err
    assert len(long_id) < 500, "the id is echoed"
    assert json.loads(runs["an integer id"][0].out)["task_id"] == "12345"
    # YAML 1.2 core: 0o17 is an integer (15, read as the id "15"), 1_000 is text
    decided = json.loads(runs["1_000 and 0o17 in a task file"][0].out)
    assert decided["task_id"] == "15"
    warning = runs["the fallback warning"][0].err
    assert "RuntimeWarning" not in warning and ".py:" not in warning
    assert "Engine: reference" in runs["the fallback warning"][0].out
    explained = runs["explain --policy with a policy's own fact"][0].out
    assert "no: keep it in-house" in explained


def test_explain_with_the_policy_gives_decide_s_verdict(runs: dict[str, tuple[Run | None, Path]]) -> None:
    run, folder = runs["explain --policy"]
    assert run.code == 0
    same_verdict_as_decide(folder)


# -- interrupted runs --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_tasks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough tasks that a batch is still running when it is stopped."""
    path = tmp_path_factory.mktemp("many") / "tasks.csv"
    path.write_bytes(csv_text(50_000))
    return path


def _default_signals() -> None:
    # A shell starts background jobs with Ctrl-C ignored, and an ignored signal stays ignored in
    # the child (as the batch intends): the batch under test gets Python's usual handling, however
    # the test run itself was started.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stop(source: Path, folder: Path, number: signal.Signals, output: str, workers: str) -> tuple[int, str]:
    process = subprocess.Popen(
        command("batch", str(source), "-o", output, "--errors", "errors.jsonl", "--workers", workers, "--no-progress"),
        cwd=folder,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    try:
        deadline = time.monotonic() + TIME_BOUND
        while not list(folder.glob(f".{output}.*.part")):  # rows are being written
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the batch wrote nothing"
            time.sleep(0.02)
        process.send_signal(number)
        _out, err = process.communicate(timeout=TIME_BOUND)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, err


@pytest.mark.parametrize(
    ("number", "code", "message"),
    [
        (signal.SIGINT, 130, r"^error: interrupted after \d+ rows: out.csv not written \(left as it was\)\n$"),
        (signal.SIGTERM, 143, r"^error: stopped by SIGTERM after \d+ rows: out.csv not written \(left as it was\)\n$"),
        (signal.SIGKILL, -9, QUIET),
    ],
    ids=["SIGINT", "SIGTERM", "SIGKILL"],
)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_interrupted_batch_leaves_no_output_that_looks_complete(
    tmp_path: Path, many_tasks: Path, number: signal.Signals, code: int, message: str, workers: str
) -> None:
    """Stopped while it writes, the batch leaves the output (and the errors file) as they were:
    absent, or the earlier run's, never a partial file that parses. Ctrl-C and SIGTERM say so in one
    line and clean up; after SIGKILL only a hidden ``.part`` file can remain, and the worker
    processes end with their parent (the test waits for every process holding its pipe)."""
    earlier = workers == "2"  # in one process, no earlier output; with workers, an earlier one
    if earlier:
        (tmp_path / "out.csv").write_text("an earlier run's output\n", encoding="utf-8")
    got, err = _stop(many_tasks, tmp_path, number, "out.csv", workers)
    assert got == code, err
    assert re.match(message, without_fallback(err)), err
    if earlier:
        assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "an earlier run's output\n"
    else:
        assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "errors.jsonl").exists()
    left = [p.name for p in tmp_path.iterdir() if p.name != "out.csv"]
    if number == signal.SIGKILL:  # nothing could clean up: at most the hidden temporary files
        assert all(name.startswith((".out.csv.", ".errors.jsonl.")) and name.endswith(".part") for name in left), left
    else:
        assert left == []


def test_a_batch_that_runs_to_its_end_is_complete(tmp_path: Path) -> None:
    """The other side of the promise: without a signal, the output is there, every row once."""
    source = tmp_path / "tasks.csv"
    source.write_bytes(csv_text(300))
    done = subprocess.run(
        command("batch", str(source), "-o", "out.parquet" if _parquet() else "out.csv", "--workers", "2"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIME_BOUND,
    )
    assert done.returncode == 0, done.stderr
    out = next(tmp_path.glob("out.*"))
    assert [int(str(r["row"])) for r in output_rows(out)] == list(range(300))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _parquet() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True
