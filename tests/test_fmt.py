"""``crowdsourcing-rules fmt``: one layout for rule, policy, case and task files, comments kept,
the data unchanged, and formatting twice the same as once."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from crowdsourcing_rules.cli import main
from crowdsourcing_rules.rulefiles import yaml_reader
from crowdsourcing_rules.rulefiles.formatting import WIDTH, FormatError, format_text
from crowdsourcing_rules.rulefiles.parser import RULE_KEYS
from tests.strategies import rule_dicts

ROOT = Path(__file__).resolve().parent.parent


def data(text: str) -> Any:
    return yaml_reader.plain(yaml_reader.parse(text, "t.yaml"))


def test_the_shipped_rules_and_examples_are_formatted(capsys: pytest.CaptureFixture[str]) -> None:
    # CI's pre-commit hook and a policy repository run the same check
    assert main(["fmt", "--check", str(ROOT / "rules"), str(ROOT / "examples")]) == 0
    assert "0 file(s) would be reformatted" in capsys.readouterr().err


MESSY = """\
# Acme's rules
rules:
- then:
  - set: {crowdsource: 'no'}   # a veto
  source:
    status: V
    citation: Acme policy
  id: acme.veto
  when: {touches_customer_data: true}
  description: >
    Acme never crowdsources work that touches its customers' personal data: no crowd or platform \
is an approved processor of that data, whatever it says.

# the next rule
- {id: acme.other, description: d, then: [{plan: Ask}], source: {citation: c, status: I}}
metadata: {owner: procurement}
"""

TIDY = """\
# Acme's rules
metadata: {owner: procurement}
rules:
  - id: acme.veto
    description: >
      Acme never crowdsources work that touches its customers' personal data: no crowd or platform
      is an approved processor of that data, whatever it says.
    when: {touches_customer_data: true}
    then:
      - set: {crowdsource: 'no'} # a veto
    source:
      citation: Acme policy
      status: V
# the next rule
  - {id: acme.other, description: d, then: [{plan: Ask}], source: {citation: c, status: I}}
"""


def test_a_messy_file_gets_the_one_layout() -> None:
    # The rule's keys in the format's order (id first, source last; citation before status), the
    # file's metadata first, lists indented under their key, the folded description rewrapped to
    # 100 columns, the comments and the quotes of 'no' kept; flow mappings stay on one line.
    formatted = format_text(MESSY)
    assert data(formatted) == data(MESSY)
    assert format_text(formatted) == formatted
    # (an end-of-line comment keeps its column, at least one space after the text)
    for line in ("# Acme's rules", "      - set: {crowdsource: 'no'} # a veto", "# the next rule"):
        assert line in formatted.splitlines()
    assert formatted.index("metadata:") < formatted.index("rules:")
    assert max(len(line) for line in formatted.splitlines() if not line.lstrip().startswith("- {")) <= WIDTH


def test_the_messy_file_formats_exactly_so() -> None:
    # The one place where the whole output is pinned. The comment after the first rule stays after
    # it, though the key it followed (description) moved; the blank line before it was part of the
    # folded description, and goes.
    assert format_text(MESSY) == TIDY


def test_plain_text_is_never_wrapped() -> None:
    # A URL or a long citation on one line stays on one line (a wrapped plain scalar reads back
    # the same, but is hard to read and to grep)
    url = "https://example.org/" + "a" * 150
    text = (
        f"rules:\n  - id: a\n    description: {'long ' * 30}end\n    source: {{citation: c, status: V, url: {url}}}\n"
    )
    assert format_text(text) == text


def test_text_that_is_not_a_rule_file_is_reformatted_without_reordering() -> None:
    # A task file's keys are facts: their order is the author's
    text = "urgency: high\nid: t1\nskills_needed:\n- law\n- design\n"
    assert format_text(text) == "urgency: high\nid: t1\nskills_needed:\n  - law\n  - design\n"


def test_case_files_get_their_order() -> None:
    text = "cases:\n- expect: {crowdsource: 'no'}\n  given: {budget: low}\n  id: c1\nmetadata: {}\n"
    assert (
        format_text(text)
        == "metadata: {}\ncases:\n  - id: c1\n    given: {budget: low}\n    expect: {crowdsource: 'no'}\n"
    )


def test_a_file_that_does_not_read_is_not_formatted() -> None:
    with pytest.raises(FormatError) as caught:
        format_text("rules:\n\t- id: a\n", "bad.yaml")
    assert "bad.yaml:2:1: YAML syntax error: a tab character" in str(caught.value)


# -- the property: idempotent, same data, comments kept -------------------------------------------

STYLES = [(2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 6, 4), (3, 5, 3)]  # mapping, sequence, offset


@st.composite
def written_rule_files(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A generated rule file written in a random style: indentation, key order, folded or plain
    descriptions broken anywhere, comments at line ends and between rules. Returns the text and
    the comments it holds."""
    rules = draw(rule_dicts(max_rules=4))
    comments: list[str] = []
    sequence = CommentedSeq()
    for index, rule in enumerate(rules):
        keys = draw(st.permutations(list(rule)))
        item = CommentedMap()
        for key in keys:
            item[key] = rule[key]
        words = draw(st.lists(st.sampled_from(["crowd", "a", "platform-specific", "work", "x" * 30]), max_size=40))
        if words and draw(st.booleans()):
            folded = FoldedScalarString(" ".join(words) + "\n")
            spaces = [i for i, c in enumerate(folded) if c == " "]
            folded.fold_pos = sorted(draw(st.sets(st.sampled_from(spaces)))) if spaces else []
            item["description"] = folded
        if draw(st.booleans()):
            comments.append(f"eol{index}")
            item.yaml_add_eol_comment(f"# eol{index}", draw(st.sampled_from(list(item))))
        sequence.append(item)
        if index and draw(st.booleans()):
            comments.append(f"before{index}")
            sequence.yaml_set_comment_before_after_key(index, before=f"before{index}", indent=2)
    document = CommentedMap(rules=sequence)
    if draw(st.booleans()):
        document["metadata"] = CommentedMap(owner="someone")
    yaml = YAML(typ="rt")
    mapping, seq, offset = draw(st.sampled_from(STYLES))
    yaml.indent(mapping=mapping, sequence=seq, offset=offset)
    yaml.width = draw(st.sampled_from([60, 100, 4096]))
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue(), comments


@settings(max_examples=60, deadline=None)
@given(written_rule_files())
def test_formatting_is_idempotent_keeps_the_data_and_every_comment(written: tuple[str, list[str]]) -> None:
    text, comments = written
    once = format_text(text)
    assert format_text(once) == once
    assert data(once) == data(text)
    for comment in comments:
        assert len(re.findall(rf"#\s*{comment}\b", once)) == 1, comment
    for rule in data(once)["rules"]:
        assert list(rule) == [k for k in RULE_KEYS if k in rule]


# -- the command -------------------------------------------------------------------------------


def test_fmt_rewrites_in_place_and_check_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messy = tmp_path / "policy" / "veto.yaml"
    messy.parent.mkdir()
    messy.write_text(MESSY, encoding="utf-8")
    (tmp_path / "policy" / "notes.txt").write_text("not YAML: left alone", encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path / "policy")]) == 1
    assert messy.read_text(encoding="utf-8") == MESSY
    assert f"would reformat {messy}" in capsys.readouterr().err
    assert main(["fmt", "--diff", str(messy)]) == 1
    assert "-  id: acme.veto\n" in capsys.readouterr().out
    assert main(["fmt", str(tmp_path / "policy")]) == 0
    assert messy.read_text(encoding="utf-8") == format_text(MESSY)
    assert main(["fmt", "--check", str(messy)]) == 0


def test_fmt_formats_standard_input_to_standard_output(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(MESSY))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == format_text(MESSY)


def test_fmt_reports_a_file_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text("id: 'unclosed\n", encoding="utf-8")
    assert main(["fmt", str(tmp_path / "bad.yaml"), str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml:1:5: YAML syntax error: the quote ' opened here is never closed" in err
    assert "missing.yaml: no such file or directory" in err
