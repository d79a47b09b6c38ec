"""Words in English and French: every label, question and rule text has a translation, the
compiled catalogues are those of the .po files, and a company's layer adds its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import crowdsourcing_rules as cr
from crowdsourcing_rules.cli import main
from crowdsourcing_rules.model.language import LANGUAGES, environment_language, language, untranslated
from crowdsourcing_rules.model.vocabulary import COMPUTED, default_vocabulary
from tools import catalogues

ROOT = Path(__file__).resolve().parent.parent


def test_every_catalogue_is_complete_and_compiled() -> None:
    """tools/catalogues.py check: a text without a translation (or fuzzy), or a .mo older than
    its .po, is listed with where it comes from."""
    assert list(catalogues.problems()) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_fact_value_output_and_risk_has_a_label_and_every_fact_a_question(lang: str) -> None:
    t = language(lang)
    vocabulary = default_vocabulary()
    missing = []
    for spec in vocabulary.facts:
        missing += [("fact", spec.name)] if not t.has_label("fact", spec.name) else []
        missing += [("question", spec.name)] if not t.has_label("question", spec.name) else []
        missing += [
            (f"value:{spec.name}", v)
            for v in spec.values
            if v != "unknown" and spec.kind == "enum" and not t.has_label(f"value:{spec.name}", v)
        ]
    for spec in (*vocabulary.outputs, *COMPUTED):
        missing += [("output", spec.name)] if not t.has_label("output", spec.name) else []
        missing += [(f"value:{spec.name}", v) for v in spec.values if not t.has_label(f"value:{spec.name}", v)]
    assert missing == []
    assert t.question("urgency").endswith("?")


def test_every_rule_text_has_a_french_translation() -> None:
    assert untranslated(cr.load_rules([cr.default_rules_path()]), "fr") == []


def test_a_changed_rule_text_shows_which_translation_is_missing(tmp_path: Path) -> None:
    """The English text is the msgid: once a rule's text changes, its translation is missing, and
    the message names the rule, the kind of text and the file."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    source = (rules / "plan.yaml").read_text(encoding="utf-8")
    changed = source.replace("Settle every condition listed", "Settle each condition listed", 1)
    assert changed != source
    (rules / "plan.yaml").write_text(changed, encoding="utf-8")
    [problem] = untranslated(cr.load_rules([rules]), "fr")
    assert "plan.yaml" in problem and "'plan.conditions-first' (plan)" in problem
    assert "Settle each condition listed" in problem


def test_french_words_with_english_codes() -> None:
    fr = language("fr")
    assert fr.value("crowd_types", "skilled_freelancers") == "des freelances qualifiés"
    assert fr.value("public_facing", "true") == "oui"  # yes/no facts share the bool labels
    assert fr.rule("  Keep this work in-house or with a designated\n contractor") == (
        "  Keep this work in-house or with a designated\n contractor"  # no translation: the text as it is
    )
    assert language("en").value("granularity", "whole_project") == "as a whole project"
    with pytest.raises(ValueError, match="did you mean 'fr'"):
        language("fra")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LC_MESSAGES": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANGUAGE": "de:fr:en", "LANG": "de_DE.UTF-8"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_of_the_environment(environ: dict[str, str], expected: str) -> None:
    assert environment_language(environ) == expected


def test_the_command_line_speaks_the_environment_s_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    task = str(ROOT / "examples" / "tasks" / "logo_variants.yaml")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert main(["decide", task]) == 0
    assert capsys.readouterr().out.startswith("Verdict pour ")
    assert main(["decide", task, "--lang", "en"]) == 0  # --lang wins
    assert capsys.readouterr().out.startswith("Verdict for ")


POLICY_RULE = """\
facts:
  touches_customer_data:
    type: bool
    description: the work shows customer records to contributors
rules:
  - id: acme.customer-data
    description: Customer records never leave Acme.
    salience: 100
    when:
      touches_customer_data: true
    then:
      - set: {crowdsource: 'no'}
      - plan: Ask the data protection officer before anything else.
    source: {citation: Acme data policy, status: I}
"""

POLICY_FR = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: fr\\n"

msgid "Customer records never leave Acme."
msgstr "Les fiches clients ne quittent jamais Acme."

msgid "Ask the data protection officer before anything else."
msgstr "Consultez le délégué à la protection des données avant toute chose."

msgctxt "question"
msgid "touches_customer_data"
msgstr "Le travail montre-t-il des fiches clients aux contributeurs ?"
"""


def test_a_company_layer_adds_its_own_translations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "rules.yaml").write_text(POLICY_RULE, encoding="utf-8")
    (layer / "fr.po").write_text(POLICY_FR, encoding="utf-8")
    task = tmp_path / "task.yaml"
    task.write_text("id: t1\ntouches_customer_data: true\n", encoding="utf-8")
    assert main(["decide", str(task), "--policy", str(layer), "--lang", "fr", "--no-questions"]) == 0
    out = capsys.readouterr().out
    assert "Étape 2 : Consultez le délégué à la protection des données avant toute chose." in out
    from crowdsourcing_rules.rulefiles.translations import policy_language

    t = policy_language("fr", [layer])
    assert t.question("touches_customer_data") == "Le travail montre-t-il des fiches clients aux contributeurs ?"
    assert t.question("urgency") == language("fr").question("urgency")  # the shipped ones stay
    assert policy_language("en", [layer]).rule("Customer records never leave Acme.") == (
        "Customer records never leave Acme."
    )


def test_a_broken_po_file_is_located(tmp_path: Path) -> None:
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "fr.po").write_text('msgid "a"\nmsgstr "b"\nmsgid\n', encoding="utf-8")
    from crowdsourcing_rules.rulefiles.translations import policy_language

    with pytest.raises(cr.RuleFileError, match=r"fr\.po"):
        policy_language("fr", [layer])


def test_the_html_card_in_both_languages() -> None:
    rec = cr.decide(cr.read_task_file(ROOT / "examples" / "tasks" / "terms_of_sale_cookie_policy.yaml"))
    english, french = rec.to_html(), rec.to_html(lang="fr")
    assert 'lang="en"' in english and "skilled freelancers" in english
    assert 'lang="fr"' in french and "des freelances qualifiés" in french and "Gravité" in french
    assert rec._repr_html_() == english
