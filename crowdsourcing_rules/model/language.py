"""Words in English and French: the labels of facts, values, outputs and risks, the question of each
fact, the words of the views, and the French of the rules' texts.

Everything is in gettext message catalogues, beside this package in ``crowdsourcing_rules/locale/``
(the ``.po`` sources, managed with Babel by ``tools/catalogues.py``, and the ``.mo`` files compiled
from them, which the standard library's :mod:`gettext` reads). Three domains:

- ``labels``: codes in words, in English and French, keyed by a context (``fact``, ``question``,
  ``output``, ``value:FACT_OR_OUTPUT``, ``bool``, ``severity``) and the code;
- ``messages``: the words of the text, Markdown and HTML views, the consultation and the command
  line, written in English in the code (``lang.ui("...")``), translated into French;
- ``rules``: the texts of the shipped rules (descriptions, conditions, mitigations, plan steps,
  service notes), their English as written in ``rules/*.yaml``, translated into French.

Codes stay codes in JSON: only the views a person reads are translated. A company's policy layer
adds its own translations (``en.po``, ``fr.po`` beside its rule files, read by
:mod:`crowdsourcing_rules.rulefiles.translations`) with :meth:`Language.with_messages`.

>>> fr = language("fr")
>>> fr.value("crowd_types", "skilled_freelancers"), language("en").value("crowd_types", "skilled_freelancers")
('des freelances qualifiés', 'skilled freelancers')
>>> fr.question("urgency")
'Quand le travail doit-il être livré ?'
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path

from crowdsourcing_rules.errors import did_you_mean
from crowdsourcing_rules.model.rules import Rule, RuleSet

__all__ = [
    "DOMAINS",
    "LANGUAGES",
    "Language",
    "environment_language",
    "language",
    "locale_directory",
    "normalise_text",
    "rule_texts",
    "untranslated",
]

#: The languages the views speak; the first is the default.
LANGUAGES: tuple[str, ...] = ("en", "fr")
#: The catalogues' domains.
DOMAINS: tuple[str, ...] = ("labels", "messages", "rules")
_CONTEXT_SEP = "\x04"  # how gettext joins a context and a message id


def locale_directory() -> Path:
    """The directory of the shipped catalogues (``crowdsourcing_rules/locale``)."""
    return Path(str(resources.files("crowdsourcing_rules") / "locale"))


def normalise_text(text: str) -> str:
    """A rule text as a message id: its words joined by single spaces (folded YAML may leave
    line breaks or double spaces that the catalogue would not match)."""
    return " ".join(text.split())


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, as gettext reads it (``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``, the first one set), among :data:`LANGUAGES`; English otherwise.

    >>> environment_language({"LANG": "fr_FR.UTF-8"}), environment_language({"LANG": "C.UTF-8"})
    ('fr', 'en')
    >>> environment_language({"LANGUAGE": "de:fr", "LANG": "en_GB.UTF-8"})
    'fr'
    """
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        for part in value.split(":"):
            code = part.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
        if name != "LANGUAGE":  # LANGUAGE lists preferences; the others name one locale
            return LANGUAGES[0]
    return LANGUAGES[0]


def _humanise(code: str) -> str:
    return code.replace("_", " ")


class Language:
    """The words of one language: labels, questions, the views' words and the rules' texts.

    Build it with :func:`language`; :meth:`with_messages` puts a company's translations on top.
    A text without a translation shows in English (a code without a label, as words).
    """

    def __init__(
        self,
        code: str,
        catalogues: Mapping[str, gettext.NullTranslations],
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self.code = code
        self._catalogues = dict(catalogues)
        self._extra = dict(extra or {})

    def __repr__(self) -> str:
        return f"Language({self.code!r})"

    def with_messages(self, messages: Mapping[str, str]) -> Language:
        """This language with more translations, which win: ``{msgid: text}``, or
        ``{"context\\x04msgid": text}`` for a label (gettext's own key for a context)."""
        return Language(self.code, self._catalogues, {**self._extra, **messages})

    # -- the three domains ---------------------------------------------------------------

    def ui(self, message: str) -> str:
        """A word or sentence of the views, written in English in the code."""
        found = self._extra.get(message)
        return found if found else self._catalogues["messages"].gettext(message)

    def rule(self, text: str) -> str:
        """A text of a rule (description, condition, mitigation, plan step, service note)."""
        key = normalise_text(text)
        found = self._extra.get(key) or self._catalogues["rules"].gettext(key)
        return text if found == key else found

    def translated(self, text: str) -> bool:
        """Whether a rule text has a translation in this language (English: always)."""
        if self.code == LANGUAGES[0]:
            return True
        key = normalise_text(text)
        return bool(self._extra.get(key)) or self._catalogues["rules"].gettext(key) != key

    def label(self, context: str, code: str) -> str:
        """A code in words, in a context; the code as words when there is no label."""
        found = self._extra.get(context + _CONTEXT_SEP + code)
        if found:
            return found
        text = self._catalogues["labels"].pgettext(context, code)
        return _humanise(code) if text == code else text

    def has_label(self, context: str, code: str) -> bool:
        """Whether the catalogues (or the company's translations) give a label for the code."""
        key = context + _CONTEXT_SEP + code
        # gettext has no lookup that tells a label equal to its code from a missing one: its table
        catalogue = getattr(self._catalogues["labels"], "_catalog", {})
        return bool(self._extra.get(key)) or bool(catalogue.get(key))

    # -- labels by kind ------------------------------------------------------------------

    def fact(self, name: str) -> str:
        """A fact's label: ``urgency`` -> "urgency" / "urgence"."""
        return self.label("fact", name)

    def question(self, name: str) -> str:
        """The question that asks for a fact."""
        return self.label("question", name)

    def output(self, name: str) -> str:
        """An output's label."""
        return self.label("output", name)

    def value(self, name: str, value: object) -> str:
        """A value of a fact or an output in words (``true``, ``false`` and ``unknown`` of any
        fact in the ``bool`` context)."""
        shown = "true" if value is True else "false" if value is False else str(value)
        if shown in ("true", "false", "unknown") and not self.has_label("value:" + name, shown):
            return self.label("bool", shown)
        return self.label("value:" + name, shown)

    def values(self, name: str, values: Iterable[object]) -> list[str]:
        return [self.value(name, v) for v in values]

    def risk(self, risk_id: str) -> str:
        return self.value("risks", risk_id)

    def severity(self, severity: str) -> str:
        return self.label("severity", severity)

    def join(self, words: Iterable[str], last: str | None = None) -> str:
        """Words in a list: ``a, b and c`` / ``a, b et c`` (``last``: another last link)."""
        items = [w for w in words if w]
        if len(items) < 2:
            return "".join(items)
        link = last if last is not None else self.ui("and")
        return ", ".join(items[:-1]) + f" {link} " + items[-1]


@functools.cache
def _shipped(code: str) -> Language:
    directory = locale_directory()
    catalogues: dict[str, gettext.NullTranslations] = {}
    for domain in DOMAINS:
        try:
            catalogues[domain] = gettext.translation(domain, str(directory), languages=[code])
        except FileNotFoundError:  # English has no messages or rules catalogue: its msgids are English
            catalogues[domain] = gettext.NullTranslations()
    return Language(code, catalogues)


def language(code: str | Language | None = None) -> Language:
    """The shipped words of a language (``None``: the environment's, see
    :func:`environment_language`); a :class:`Language` is returned as it is.

    Raises ``ValueError`` for a language that is not available, with a "did you mean".
    """
    if isinstance(code, Language):
        return code
    if code is None:
        code = environment_language()
    if code not in LANGUAGES:
        raise ValueError(
            f"language {code!r} is not available; expected one of {', '.join(LANGUAGES)}{did_you_mean(code, LANGUAGES)}"
        )
    return _shipped(code)


def rule_texts(ruleset: RuleSet | Iterable[Rule]) -> Iterator[tuple[str, Rule, str]]:
    """Every text of the rules a person reads, as a message id, with its rule and its kind
    (``description``, ``condition``, ``plan``, ``mitigation``, ``service note``), in rule order."""
    for rule in ruleset:
        yield normalise_text(rule.description), rule, "description"
        for conclusion in rule.then:
            if conclusion.kind in ("condition", "plan"):
                yield normalise_text(conclusion.value), rule, conclusion.kind
            for mitigation in conclusion.mitigations:
                yield normalise_text(mitigation), rule, "mitigation"
            if conclusion.note:
                yield normalise_text(conclusion.note), rule, "service note"


def untranslated(ruleset: RuleSet | Iterable[Rule], lang: str | Language) -> list[str]:
    """Every text of the rules without a translation in ``lang``, as ``location: rule (kind):
    text``: what a translator has to add (the shipped rules have none in French)."""
    t = language(lang)
    found: list[str] = []
    for text, rule, kind in rule_texts(ruleset):
        if not t.translated(text):
            where = f"{rule.location}: " if rule.location else ""
            found.append(f"{where}rule {rule.id!r} ({kind}) has no {t.code} translation: {text!r}")
    return found
