"""Issue 18 in the library itself: arguments checked, files found whatever the case of their
extension, only web links in HTML, messages safe for a terminal, tasks read from a copy, reads
bounded while reading. (The command line's side is in ``test_hostile_corpus.py``.)"""

from __future__ import annotations

import os
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.errors import printable, printable_json, shown
from crowdsourcing_rules.explanations.explainer import Explainer
from crowdsourcing_rules.rulefiles import files, yaml_reader
from crowdsourcing_rules.rulefiles.loading import expand_paths

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "examples" / "company_policy"
CARD_TASK = ROOT / "examples" / "tasks" / "terms_of_sale_cookie_policy.yaml"

# -- 11. arguments of the Python API -------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "expected"),
    [
        # A string where a list of paths is expected is refused, not read character by character.
        (lambda: cr.Advisor.from_paths("rules"), TypeError, r"paths must be a list .* not one str: write \['rules'\]"),
        (lambda: cr.Advisor.from_paths(Path("rules")), TypeError, r"not one PosixPath"),
        (lambda: cr.Advisor.from_paths([1]), TypeError, r"each item must be a path \(str or Path\), got int"),
        (lambda: cr.Advisor.from_paths(3), TypeError, r"paths must be a list of files or directories, got int"),
        (lambda: cr.Advisor.default(policy=str(POLICY)), TypeError, r"policy must be a list .* not one str"),
        (lambda: cr.decide({"id": "t"}, rules="rules/"), TypeError, r"rules must be a list"),
        (lambda: cr.decide({"id": "t"}, policy=str(POLICY)), TypeError, r"policy must be a list"),
        (lambda: cr.load_rules("rules"), TypeError, r"paths must be a list"),
        (lambda: cr.load_layers(["rules"], "policy"), TypeError, r"layers must be a list"),
        (lambda: cr.Advisor([]), TypeError, r"ruleset must be a RuleSet, got list"),
        # decide_many checks its arguments when it is called, not when the first result is asked
        (lambda: cr.decide_many(None), TypeError, r"tasks must be an iterable of task mappings .* got None"),
        (lambda: cr.decide_many({"id": "t"}), TypeError, r"got one mapping: write \[task\]"),
        (lambda: cr.decide_many("tasks.csv"), TypeError, r"tasks must be an iterable .* got str"),
        (lambda: cr.decide_many([], workers="2"), TypeError, r"workers must be an integer, got str"),
        (lambda: cr.decide_many([], workers=0), ValueError, r"workers must be at least 1, got 0"),
        (lambda: cr.decide_many([], chunk_size=0), ValueError, r"chunk_size must be at least 1"),
        (lambda: cr.decide_many([], advisor="rules/"), TypeError, r"advisor must be an Advisor or None, got str"),
        # 13. max_firings=0 and -1 let no rule fire: refused, naming the argument
        (lambda: cr.Advisor.default(max_firings=0), ValueError, r"max_firings must be at least 1, got 0"),
        (lambda: cr.Advisor.default(max_firings=-1), ValueError, r"max_firings must be at least 1, got -1"),
        (lambda: cr.Advisor.default(max_firings="10"), TypeError, r"max_firings must be an integer, got str"),
        (lambda: cr.Advisor.default(max_firings=True), TypeError, r"max_firings must be an integer, got bool"),
    ],
    ids=lambda value: "" if callable(value) or isinstance(value, type) else value[:40],
)
def test_api_misuse_is_a_type_or_value_error_saying_what_was_expected(call: Any, error: type, expected: str) -> None:
    with pytest.raises(error, match=expected):
        call()


def test_decide_frame_needs_a_data_frame() -> None:
    pytest.importorskip("pandas")
    with pytest.raises(TypeError, match=r"decide_frame needs a pandas DataFrame of tasks, got list; .* decide_many"):
        cr.decide_frame([{"id": "t"}])  # type: ignore[arg-type]


def test_policy_none_means_no_layer() -> None:
    """``policy=None`` reads as "no policy", as ``rules=None`` reads as "the shipped rules"."""
    task = {"id": "t", "skill_level": "licensed"}
    expected = cr.decide(task)
    assert cr.decide(task, policy=None) == expected
    with cr.Advisor.default(policy=None) as advisor:
        assert advisor.policy == () and advisor.decide(task) == expected


def test_paths_may_be_any_iterable_of_str_or_path() -> None:
    with cr.Advisor.from_paths(iter([str(cr.default_rules_path())]), policy=(p for p in [POLICY])) as advisor:
        assert advisor.paths == (cr.default_rules_path(),) and advisor.policy == (POLICY,)


def test_a_task_is_read_from_a_copy() -> None:
    """A mapping that changes while it is read (another thread adds a key) gave ``RuntimeError:
    dictionary changed size during iteration``. Here the change happens when the key is hashed, at
    a known moment: the copy taken first is not affected, and the task is judged as it was given."""
    task: dict[object, object] = {"id": "t", "urgncy": "high"}

    class Meddling(str):
        def __hash__(self) -> int:
            task[f"added-{len(task)}"] = 1  # what another thread may do at any time
            return str.__hash__(self)

    task[Meddling("volme")] = "massive"
    given = [str(key) for key in task if key != "id"]  # as the task was when it was given
    with pytest.raises(cr.TaskError) as caught:
        cr.parse_task(task)  # type: ignore[arg-type]
    assert len(task) > len(given) + 1  # it did change meanwhile
    assert [p.message.split("'")[1] for p in caught.value.problems] == given


# -- 13. ids, long values and control characters in messages -----------------------------------


def test_an_integer_id_is_its_decimal_text() -> None:
    """``id: 12345`` (a spreadsheet's or a database's id) was refused while any quoted text,
    5,000 digits long included, was accepted: an integer id is now the same id as its text."""
    assert cr.parse_task({"id": 12345}).id == "12345"
    assert cr.decide({"id": 7}).task_id == cr.decide({"id": "7"}).task_id == "7"
    assert cr.parse_task({"id": "9" * 5_000}).id == "9" * 5_000
    for value in (True, 1.5, float("nan"), [1]):
        with pytest.raises(cr.TaskError, match="fact 'id' must be text"):
            cr.parse_task({"id": value})
    with pytest.raises(cr.TaskError, match="fact 'id' is an integer too long to be an id"):
        cr.parse_task({"id": 10**5_000})


def test_an_integer_id_in_a_task_file(tmp_path: Path) -> None:
    path = tmp_path / "task.yaml"
    path.write_text("id: 12345\nurgency: high\n", encoding="utf-8")
    assert cr.read_task_file(path).id == "12345"


def test_long_values_are_shortened_in_messages() -> None:
    for task in ({"id": "x" * 200_000}, {"id": "t", "x" * 200_000: 1}, {"id": "t", "urgency": "x" * 200_000}):
        with pytest.raises(cr.TaskError) as caught:
            cr.parse_task(task)
        assert len(str(caught.value)) < 400, str(caught.value)[:400]
    with pytest.raises(cr.TaskError) as caught:
        cr.parse_task({"id": "y" * 90_000, "urgency": "soon"})  # a valid, long id: named, shortened
    assert str(caught.value).startswith("task 'yyyy") and len(caught.value.summary) < 100


def test_control_characters_are_escaped_in_messages_and_reports() -> None:
    red = "\x1b[31mred\x1b[0m"
    with pytest.raises(cr.TaskError) as caught:
        cr.parse_task({"id": red, "urgency": "soon", f"col\x9b{red}": 1})
    assert "\x1b" not in str(caught.value) and "\x9b" not in str(caught.value)
    assert "task '\\x1b[31mred\\x1b[0m' is invalid" in str(caught.value)
    rec = cr.decide({"id": f"bell\x07 {red} \u202eevil"})
    assert rec.task_id == f"bell\x07 {red} \u202eevil"  # the data is kept as given
    text = rec.to_text()
    assert text.startswith("Verdict for bell\\x07 \\x1b[31mred\\x1b[0m \\u202eevil: ")
    assert "\x1b" not in rec.to_json() and "\u202e" not in rec.to_json()
    import json

    assert json.loads(rec.to_json())["task_id"] == rec.task_id  # escaped, not changed
    explained = cr.explain({"id": red})
    assert "\x1b" not in explained.to_text() and "\x1b" not in explained.to_markdown()


def test_printable_and_shown() -> None:
    assert printable("a\tb\nc\x00d\x7f\x85e\u2028") == "a\tb\nc\\x00d\\x7f\\x85e\\u2028"
    assert printable("déjà vu 😀 \u200d") == "déjà vu 😀 \u200d"  # text, emoji and joiners are not controls
    assert printable_json('"\u009b"') == '"\\u009b"'
    assert len(shown("x" * 1_000)) <= 60 and shown("x" * 1_000).startswith("'xxx") and "..." in shown("x" * 1_000)
    assert shown("\x1b" * 100, 20) == "'\\x1b\\x1b\\x1b\\x1b..."
    assert shown(10**5_000) == "an integer too long to show"
    assert shown([10**5_000]) == "a list too long to show"


# -- 9. file discovery, whatever the case of an extension ----------------------------------------


def test_policy_files_with_an_upper_case_extension_are_read(tmp_path: Path) -> None:
    """``Veto.YAML`` in a policy directory was skipped without a word: its veto did nothing."""
    layer = tmp_path / "policy"
    layer.mkdir()
    (layer / "Veto.YAML").write_text(
        textwrap.dedent(
            """\
            rules:
              - id: acme.veto.everything
                description: Acme keeps every task in-house.
                salience: 1000
                then: [{set: {crowdsource: 'no'}}]
                source: {citation: Acme, status: V}
            """
        ),
        encoding="utf-8",
    )
    (layer / "Veto.Cases.YAML").write_text(
        "cases:\n  - id: vetoed\n    given: {urgency: high}\n    expect: {crowdsource: 'no'}\n", encoding="utf-8"
    )
    files, problems = expand_paths([layer])
    assert [f.name for f in files] == ["Veto.YAML"] and problems == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cr.PolicyWarning)
        assert cr.decide({"id": "t"}, policy=[layer]).crowdsource == "no"
    assert [p.name for p in cr.find_case_files(layer)] == ["Veto.Cases.YAML"]
    assert [p.name for p in cr.find_case_files(layer / "Veto.YAML")] == ["Veto.Cases.YAML"]
    report = cr.run_policy_cases(layer)
    assert [r.passed for r in report.results] == [True]


@pytest.mark.parametrize("name", ["r.YML", "r.Json", "R.yaml"])
def test_rule_files_are_found_whatever_the_case_of_their_extension(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("rules: []\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not rules\n", encoding="utf-8")
    assert [f.name for f in expand_paths([tmp_path])[0]] == [name]


# -- 10. only web links in HTML ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.org/a", True),
        ("HTTP://example.org/a", True),
        ("javascript:alert(document.cookie)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("file:///etc/passwd", False),
        ("vbscript:msgbox", False),
        ("//example.org/no-scheme", False),
        ("http:no-host", False),
    ],
)
def test_only_http_links_in_explanation_html(tmp_path: Path, url: str, linked: bool) -> None:
    import json

    path = tmp_path / "rules.yaml"
    rule = {
        "id": "r",
        "description": "always",
        "then": [{"set": {"crowdsource": "yes"}}],
        "source": {"citation": "somewhere", "status": "V", "url": url},
    }
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    html = Explainer(cr.Advisor.from_paths([path], engine="reference")).explain({"id": "t"})._repr_html_()
    assert ("<a href=" in html) is linked
    if not linked:
        assert "href" not in html.lower() and "<code>" in html  # the address is shown as text


# -- 7. bounded reads ----------------------------------------------------------------------------


def test_the_size_limit_is_counted_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limit was checked against the size the file reports, which a special file (``/proc``)
    or a growing file does not tell right: here every file says it is 10 bytes long."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * yaml_reader.MAX_FILE_BYTES + b"\n")
    real_stat = os.stat

    def small(target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        values = list(real_stat(target, *args, **kwargs))
        values[6] = 10  # st_size
        return os.stat_result(values)

    monkeypatch.setattr(os, "stat", small)
    assert path.stat().st_size == 10
    with pytest.raises(yaml_reader.YamlProblems, match=f"the limit is {yaml_reader.MAX_FILE_BYTES} bytes"):
        files.read_text(path, "big.yaml")


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/null", "a character device"), (".", "a directory")], ids=["device", "directory"]
)
def test_only_regular_files_are_read(path: str, kind: str) -> None:
    with pytest.raises(yaml_reader.YamlProblems, match=f"cannot read file: {kind}, not a regular file"):
        files.read_text(Path(path), path)
    with pytest.raises(cr.TaskError, match=f"{kind}, not a regular file"):
        cr.read_task_file(path)


def test_line_ends_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"id: t1\r\ntitle: |\r\n  two\r\n  lines\r\nurgency: high\r")
    assert cr.read_task_file(path).title == "two\nlines\n"
