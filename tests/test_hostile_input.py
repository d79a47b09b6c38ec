"""Hostile and broken input: every failure is a library exception with a located message.

Never a crash, a hang, or a traceback from inside a dependency (issue 8). The first part pins the
crashes of durable-rules' C engine found while writing these tests: each one killed the process.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from ruamel.yaml import YAML

import crowdsourcing_rules as cr
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.engine import engines as advisor_module
from crowdsourcing_rules.errors import EngineUnavailableError
from crowdsourcing_rules.model.rules import AllOf, AnyOf, Condition, Not, Test
from crowdsourcing_rules.rulefiles import yaml_reader as _yaml
from crowdsourcing_rules.rulefiles.loading import load_rules, parse_rule_documents
from tests.strategies import ODD_TEXT, rule_files, structures, task_data

SOURCE = "{citation: generated, status: I}"


def rule(rule_id: str, when: str | None, then: str = "[{set: {crowdsource: 'yes'}}]") -> str:
    lines = [f"  - id: {rule_id}", "    description: a rule of the test", f"    then: {then}", f"    source: {SOURCE}"]
    if when is not None:
        lines.insert(2, f"    when: {when}")
    return "\n".join(lines)


def ruleset(*rules: str, facts: str = "") -> cr.RuleSet:
    text = (f"facts:\n{facts}\n" if facts else "") + "rules:\n" + "\n".join(rules) + "\n"
    return parse_rule_documents([("hostile.yaml", text)])


def both(rules: cr.RuleSet, task: dict[str, object], repeat: int = 3) -> dict[str, object]:
    """Decide with both engines (several times: the crashes came when sessions were deleted)."""
    results = []
    for engine in ("durable-rules", "reference"):
        with cr.Advisor(rules, engine=engine) as advisor:
            for _ in range(repeat):
                out = advisor.decide(task).to_dict()
        assert out.pop("engine") == engine
        results.append(out)
    assert results[0] == results[1]
    return results[0]


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fallback warnings are given once per process: start each test with none given."""
    monkeypatch.setattr(advisor_module, "_warned", set())


# -- durable-rules' C engine: crashes found and worked around -----------------------------------


def test_a_rule_waiting_for_an_item_that_never_comes() -> None:
    """Deleting a session in which no action had run crashed the process (free(): invalid pointer).

    Here no rule fires: the only rule waits for a skill the task does not list.
    """
    rules = ruleset(rule("needs-stats", "{skills_needed: {contains: statistics}}"))
    out = both(rules, {"id": "t", "skills_needed": ["design"]}, repeat=20)
    assert out["trace"] == [] and out["crowdsource"] is None
    assert both(rules, {"id": "t", "skills_needed": ["Statistics"]})["crowdsource"] == "yes"


@pytest.mark.parametrize(
    ("in_rule", "in_task"),
    [
        ("a\0b", "a\0c"),  # a NUL ends a C string: both would read as "a"
        ("a\0b", "a"),
        ("a", "a\0b"),
        ("\ud800", "x"),  # a lone surrogate: durable-rules refused the rule set (pyCreateRuleset)
        ("x", "\ud800"),  # ... and crashed on the task
        ("$and", "$and"),  # looks like an operator of durable-rules' JSON rules
        ('a"b\\c', 'a"b\\c'),
        ("x" * 99_999, "x" * 99_999),
        ("x" * 99_999, "x" * 99_998),
        ("\u2028\ufeff😀", "\u2028\ufeff😀"),
    ],
)
def test_values_durable_rules_cannot_carry(in_rule: str, in_task: str) -> None:
    """List items and derived values reach the engines; durable-rules only ever sees short tokens."""
    # A rule file cannot hold a lone surrogate (YAML refuses the escape, UTF-8 cannot encode it):
    # such a rule is built in Python, from a file holding a placeholder.
    written = "PLACEHOLDER" if _is_lone_surrogate(in_rule) else in_rule
    rules = ruleset(
        rule("contains", f"{{skills_needed: {{contains: {q(written)}}}}}"),
        rule("derives", None, f"[{{derive: {{odd: {q(written)}}}}}]"),
        rule("reads", f"{{odd: {q(written)}}}", "[{add: {crowd_types: niche_experts}}]"),
    )
    if written != in_rule:
        rules = _replace_values(rules, written, in_rule)
    out = both(rules, {"id": "t", "skills_needed": [in_task]})
    fired = [f["rule"] for f in out["trace"]]
    assert ("contains" in fired) == (in_rule.casefold() == in_task.casefold())
    assert "reads" in fired


def _is_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _replace_values(rules: cr.RuleSet, old: str, new: str) -> cr.RuleSet:
    """The same rules with every test value and conclusion value ``old`` replaced by ``new``."""

    def condition(c: Condition | None) -> Condition | None:
        if isinstance(c, Test):
            return attrs.evolve(c, value=new) if c.value == old else c
        if isinstance(c, Not):
            return Not(condition(c.item))  # type: ignore[arg-type]
        if isinstance(c, (AllOf, AnyOf)):
            return type(c)(tuple(condition(i) for i in c.items))  # type: ignore[misc]
        return c

    return cr.RuleSet(
        [
            attrs.evolve(
                r,
                when=condition(r.when),
                then=tuple(attrs.evolve(t, value=new) if t.value == old else t for t in r.then),
            )
            for r in rules
        ],
        rules.vocabulary,
    )


def test_a_rule_file_cannot_hold_a_lone_surrogate() -> None:
    expected = r"hostile.yaml:4:41: YAML syntax error: .*invalid Unicode character escape"
    with pytest.raises(cr.RuleFileError, match=expected):
        ruleset(rule("contains", f"{{skills_needed: {{contains: {q(chr(0xD800))}}}}}"))


def q(text: str) -> str:
    """A YAML double-quoted scalar; YAML escapes code points one by one (no surrogate pairs)."""
    return '"' + "".join(c if c.isalnum() else f"\\U{ord(c):08x}" for c in text) + '"'


def many_item_tests(count: int) -> cr.RuleSet:
    tests = ", ".join(f"{{skills_needed: {{contains: s{n}}}}}" for n in range(count))
    return ruleset(rule("big-join", f"{{all: [{tests}]}}"))


def test_a_rule_joining_more_facts_than_durable_rules_allows(fresh_warnings: None) -> None:
    """17 patterns in one rule crashed durable-rules (16 is its frame limit): refused, located."""
    rules = many_item_tests(16)  # the task's pattern and 16 items
    with pytest.raises(EngineUnavailableError) as caught:
        cr.Advisor(rules, engine="durable-rules")
    message = str(caught.value)
    assert "hostile.yaml:2:5: the condition joins 17 facts" in message and "(rule 'big-join')" in message
    with pytest.warns(RuntimeWarning, match="reference engine instead"):
        advisor = cr.Advisor(rules)  # engine="auto" falls back, and says so
    task = {"id": "t", "skills_needed": [f"s{n}" for n in range(16)]}
    assert advisor.engine == "reference"
    assert advisor.decide(task).to_dict()["engine"] == "reference"
    assert advisor.decide(task).crowdsource == "yes"
    # 15 items and the task: within the limit, and durable-rules agrees with the reference engine
    assert both(many_item_tests(15), task)["crowdsource"] == "yes"


def many_task_facts(count: int) -> cr.RuleSet:
    facts = "\n".join(f"  f{n:03d}: {{type: enum, values: [a, b]}}" for n in range(count))
    return ruleset(*(rule(f"r{n:03d}", f"{{f{n:03d}: a}}") for n in range(count)), facts=facts)


def test_rules_testing_more_task_facts_than_one_ruleset_carries(fresh_warnings: None) -> None:
    """65 rules each testing its own declared fact crashed durable-rules: 65 nodes pending while the
    task is matched (error 303), then the deletion of that session aborted the process. They are now
    split over two rulesets, without a fallback (tests/test_durable_scale.py runs such cases in
    child processes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(both(many_task_facts(65), {"id": "t", "f000": "a", "f064": "a"}, repeat=1)["trace"]) == 2


def test_durable_rules_refusing_a_rule_names_it(fresh_warnings: None) -> None:
    """durable-rules' own compile errors (here: too many expressions, code 113) name the rule."""
    facts = "\n".join(f"  f{n:02d}: {{type: enum, values: [a, b]}}" for n in range(30))
    wide = "{" + ", ".join(f"f{n:02d}: [a, b, unknown]" for n in range(30)) + "}"
    rules = ruleset(rule("wide", wide), rule("plain", "{urgency: high}"), facts=facts)
    with pytest.raises(EngineUnavailableError) as caught:
        cr.Advisor(rules, engine="durable-rules")
    message = str(caught.value)
    assert "(rule 'wide')" in message and "(rule 'plain')" not in message
    assert "hostile.yaml:" in message
    with pytest.warns(RuntimeWarning):
        assert cr.Advisor(rules).decide({"id": "t", "urgency": "high"}).crowdsource == "yes"


def test_an_unknown_engine_name_is_a_library_error() -> None:
    with pytest.raises(EngineUnavailableError, match="unknown engine 'drools'"):
        cr.Advisor(ruleset(rule("r", None)), engine="drools")  # type: ignore[arg-type]


def test_fallback_warnings_are_given_once_per_reason(fresh_warnings: None) -> None:
    rules = many_item_tests(16)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            cr.Advisor(rules)
    assert len(caught) == 1


@pytest.mark.parametrize(
    ("when", "task", "fires"),
    [
        # One fact binds at most one pattern of a durable-rules rule, and a negated pattern ignores the
        # facts bound in the same match: each of these gave the wrong answer before the rewrite.
        ("{all: [{crowdsource: {known: true}}, {crowdsource: 'yes'}]}", {}, True),
        ("{all: [{crowdsource: {known: true}}, {not: {crowdsource: 'yes'}}]}", {}, False),
        ("{all: [{crowdsource: {known: true}}, {crowdsource: {is_not: 'no'}}]}", {}, True),
        ("{all: [{skills_needed: {contains: a}}, {skills_needed: {known: true}}]}", {"skills_needed": ["a"]}, True),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: [b, c]}]}", {"skills_needed": ["b"]}, True),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: [b, c]}]}", {"skills_needed": ["a", "c"]}, True),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: [b, c]}]}", {"skills_needed": ["a"]}, False),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: {not_in: [a]}}]}", {"skills_needed": ["a"]}, False),
        ("{all: [{skills_needed: [a, b]}, {skills_needed: {not_in: [a]}}]}", {"skills_needed": ["b"]}, True),
        ("{all: [{skills_needed: {known: true}}, {skills_needed: {known: false}}]}", {"skills_needed": ["a"]}, False),
    ],
)
def test_several_tests_of_one_item(when: str, task: dict[str, object], fires: bool) -> None:
    rules = ruleset(rule("base", None), rule("probe", when, "[{add: {crowd_types: niche_experts}}]"))
    out = both(rules, {"id": "t", **task}, repeat=1)
    assert ("probe" in [f["rule"] for f in out["trace"]]) is fires


# -- fuzzed rule files and task files -----------------------------------------------------------------

PWNED = Path("/tmp/crowdsourcing-rules-pwned")


def as_text(data: Any, form: str) -> str:
    """Data written as a file: JSON (which is YAML), or YAML from ruamel's safe dumper."""
    if form == "json":
        return json.dumps(data, ensure_ascii=False, allow_nan=True)
    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


def assert_located(error: cr.InputError, path: str) -> None:
    assert error.problems, error
    for problem in error.problems:
        assert problem.location is not None and problem.location.path == path, problem
        assert str(problem).startswith(path), problem


def try_rules(ruleset: cr.RuleSet) -> None:
    """A rule set that loaded must decide, or fail with a library error (never anything else)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a fallback to the reference engine
        try:
            advisor = cr.Advisor(ruleset, max_firings=100)
        except cr.CrowdsourcingRulesError:
            return
    with advisor:
        for task in ({"id": "a"}, {"id": "b", "urgency": "high", "volume": "massive", "skills_needed": ["design"]}):
            with contextlib.suppress(cr.CrowdsourcingRulesError):
                advisor.decide(task).to_dict()


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(data=rule_files(), form=st.sampled_from(["json", "yaml"]))
def test_fuzzed_rule_files(data: Any, form: str) -> None:
    try:
        text = as_text(data, form)
    except Exception:  # the dumper refuses some data (not what is tested)
        return
    rules_or_located_error(text)


def rules_or_located_error(text: str) -> None:
    """A rule file either loads and then decides (see try_rules), or fails with located problems."""
    try:
        ruleset = parse_rule_documents([("fuzz.yaml", text)])
    except cr.RuleFileError as error:
        assert_located(error, "fuzz.yaml")
    else:
        try_rules(ruleset)


@settings(max_examples=150)
@given(text=st.one_of(ODD_TEXT, st.text(alphabet="[]{}:,-?!&*|>'\"#%@` \n\tabc01", max_size=60)))
def test_random_text_as_a_rule_file(text: str) -> None:
    rules_or_located_error(text)


@settings(max_examples=120)
@given(data=st.one_of(task_data(), structures()))
def test_fuzzed_tasks(data: Any) -> None:
    try:
        task = cr.parse_task(data)
    except cr.TaskError as error:
        assert error.problems and all(p.message for p in error.problems)
    else:
        assert cr.decide(task).task_id == task.id


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(task_data(), structures()), form=st.sampled_from(["json", "yaml"]))
def test_fuzzed_task_files(tmp_path: Path, data: Any, form: str) -> None:
    try:
        text = as_text(data, form)
    except Exception:
        return
    path = tmp_path / "task.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        cr.read_task_file(path)
    except cr.TaskError as error:
        assert_located(error, str(path))


# -- files that are too big, too deep, or try to run code -----------------------------------------------

ALIAS_BOMB = """
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
rules: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""

CODE = [
    "!!python/object/apply:os.system ['touch /tmp/crowdsourcing-rules-pwned']",
    "!!python/object/new:os.system ['touch /tmp/crowdsourcing-rules-pwned']",
    "!!python/name:os.system",
    "!custom {a: 1}",
]
PLAIN_TYPES = ["!!binary aGVsbG8=", "!!set {a, b}", "!!omap [{a: 1}]"]  # YAML's own types: data, not text


def hostile_files(tmp_path: Path) -> dict[str, str | bytes]:
    deep = "[" * 5_000 + "]" * 5_000
    files: dict[str, str | bytes] = {
        "alias_bomb": ALIAS_BOMB,
        "deep_flow": f"rules: {deep}\n",
        "deep_block": "rules:\n" + "".join("  " * n + "- \n" for n in range(2_000)),
        "not_utf8": b"rules: [\xff\xfe\x00]\n",
        "nul": "rules: []\n\0\n",
        "empty": "",
        "only_comment": "# nothing\n",
        "two_documents": "rules: []\n---\nrules: []\n",
        "duplicate_keys": "rules: []\nrules: []\n",
        "top_level_list": "- a\n- b\n",
        "huge_string": "rules: [{id: x, description: '" + "d" * 1_000_000 + "'}]\n",
        "too_large": "# " + "x" * (_yaml.MAX_FILE_BYTES + 10) + "\n",
        "python_strings": """
rules:
  - id: __import__
    description: "__import__('os').system('touch /tmp/crowdsourcing-rules-pwned')"
    when: {"eval('1')": "exec('import os')", urgency: "lambda: 1"}
    then: [{set: {crowdsource: "os.system('touch /tmp/crowdsourcing-rules-pwned')"}}]
    source: {citation: "{{ 7*7 }}", status: "${jndi:ldap://x}"}
""",
    }
    for n, tag in enumerate(CODE + PLAIN_TYPES):
        files[f"tag_{n}_top"] = f"{tag}\n"
        files[f"tag_{n}_value"] = (
            f"rules:\n  - id: r\n    description: {tag}\n    then: [{{set: {{crowdsource: 'yes'}}}}]\n"
            "    source: {citation: c, status: V}\n"
        )
        if tag in CODE:  # a key of free-form metadata: refused all the same
            files[f"tag_{n}_key"] = f"rules: []\nmetadata: {{? {tag} : 1}}\n"
    return files


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Path]:
    PWNED.unlink(missing_ok=True)
    paths = {}
    for name, content in hostile_files(tmp_path).items():
        path = tmp_path / f"{name}.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths[name] = path
    yield paths
    assert not PWNED.exists(), "a file ran code"


def test_hostile_rule_files_are_refused_with_located_errors(hostile: dict[str, Path]) -> None:
    for name, path in hostile.items():
        expected = "file is empty" if name in ("only_comment", "empty") else ""
        with pytest.raises(cr.RuleFileError) as caught:
            load_rules([path])
        assert_located(caught.value, str(path))
        assert expected in str(caught.value), name


def test_what_the_limits_say(hostile: dict[str, Path]) -> None:
    def message(name: str) -> str:
        with pytest.raises(cr.RuleFileError) as caught:
            load_rules([hostile[name]])
        return str(caught.value)

    assert f"the limit is {_yaml.MAX_FILE_BYTES} bytes" in message("too_large")
    assert "nodes (aliases expanded)" in message("alias_bomb")
    assert "nesting" in message("deep_flow") and "nesting" in message("deep_block")
    assert "is not allowed" in message("tag_0_key")
    assert "not UTF-8" in message("not_utf8")
    assert "is not allowed" in message("tag_0_top") and "tag:yaml.org,2002:python/object/apply" in message("tag_0_top")
    assert "is not allowed" in message("tag_1_value")


def test_hostile_task_files_are_refused_with_located_errors(hostile: dict[str, Path]) -> None:
    for path in hostile.values():
        with pytest.raises(cr.TaskError) as caught:
            cr.read_task_file(path)
        assert_located(caught.value, str(path))


def test_hostile_files_on_the_command_line(hostile: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Exit code 1 and a located message; no traceback."""
    for name, path in hostile.items():
        assert main(["decide", str(path)]) == 1, name
        assert main(["validate", "--rules", str(path)]) == 1, name
        err = capsys.readouterr().err
        assert str(path) in err and "Traceback" not in err, name


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        2**80,
        b"high",
        bytearray(b"high"),
        object(),
        {"nested": "mapping"},
        {"high"},
        ("high",),
        1 + 2j,
        [["deeply"] * 3] * 3,
        "high\0",
        "\ud800",
    ],
    ids=repr,
)
@pytest.mark.parametrize("fact", ["urgency", "skills_needed", "title", "platform_experience", "id"])
def test_values_no_fact_takes(fact: str, value: object) -> None:
    """Non-JSON values, NaN, bytes and objects in a task: one TaskError naming the fact."""
    task = {"id": "t", fact: value}
    try:
        parsed = cr.parse_task(task)
    except cr.TaskError as error:
        assert any(repr(fact) in p.message for p in error.problems), error
    else:  # text facts take odd text; it reaches the engines only as tokens
        integer_id = fact == "id" and isinstance(value, int)  # its decimal text (issue 18)
        assert isinstance(value, str) or (fact == "skills_needed" and isinstance(value, tuple)) or integer_id
        for engine in ("durable-rules", "reference"):
            with cr.Advisor.default(engine=engine) as advisor:
                assert advisor.decide(parsed).to_dict()["engine"] == engine


def test_deeply_nested_values_in_a_task() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(cr.TaskError, match="skills_needed"):
        cr.parse_task({"id": "t", "skills_needed": deep})
    nested: dict[str, Any] = {}
    for _ in range(100_000):
        nested = {"x": nested}
    with pytest.raises(cr.TaskError, match="urgency"):
        cr.parse_task({"id": "t", "urgency": nested})


def test_a_task_with_thousands_of_unknown_facts() -> None:
    task = {"id": "t", **{f"fact_{n}": n for n in range(5_000)}}
    with pytest.raises(cr.TaskError) as caught:
        cr.parse_task(task)
    assert len(caught.value.problems) == 5_000


def test_a_task_with_thousands_of_skills() -> None:
    """Each distinct list item is one fact in durable-rules: items no rule tests share one token."""
    task = {"id": "t", "skills_needed": [f"skill {n}" for n in range(20_000)] + ["statistics"]}
    results = []
    for engine in ("durable-rules", "reference"):
        with cr.Advisor.default(engine=engine) as advisor:
            out = advisor.decide(task).to_dict()
        out.pop("engine")
        results.append(out)
    assert results[0] == results[1]


def test_non_mapping_tasks() -> None:
    for value in (None, "urgency: high", ["id", "t"], 42, b"{}"):
        with pytest.raises(cr.TaskError, match="mapping"):
            cr.decide(value)  # type: ignore[arg-type]


def test_an_any_rule_negating_an_item_does_not_hide_it_from_other_rules() -> None:
    """Found by the differential test: with one durable-rules rule per rule, an ``any`` whose
    alternatives negate an item kept another rule's positive test of that item from activating."""
    rules = ruleset(
        rule("pos", "{skills_needed: {contains: design}}"),
        rule(
            "anyneg",
            "{all: [{any: [{budget: unknown}, {volume: massive}]}, {not: {skills_needed: {contains: design}}}]}",
            "[{add: {crowd_types: niche_experts}}]",
        ),
    )
    # With the skill listed, 'pos' fires and 'anyneg' must not (its item is present).
    out = both(rules, {"id": "t", "skills_needed": ["design"]})
    assert [f["rule"] for f in out["trace"]] == ["pos"]
    # Without it, 'anyneg' fires through either branch of its 'any', and 'pos' does not.
    for branch in ({"budget": "unknown"}, {"volume": "massive", "budget": "low"}):
        out = both(rules, {"id": "t", "skills_needed": ["statistics"], **branch})
        assert [f["rule"] for f in out["trace"]] == ["anyneg"]
