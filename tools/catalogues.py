"""Keep the message catalogues of ``crowdsourcing_rules/locale/`` up to date, with Babel.

    python tools/catalogues.py update     # templates from the sources, then every .po updated and compiled
    python tools/catalogues.py compile    # the .mo files from the .po files
    python tools/catalogues.py check      # exit 1 if a text lacks a translation or a .mo is stale

The templates (``.pot``) are extracted from the sources: ``labels.pot`` from the vocabulary (every
fact, its question and values, every output and its values, risks, severities), ``messages.pot``
from the Python code (every ``.ui("...")`` call, with Babel's Python extractor), ``rules.pot`` from
the shipped rules (descriptions, conditions, mitigations, plan steps, service notes, each with the
rule and the file and line it comes from). ``update`` merges each template into the ``.po`` files
(Babel's ``Catalog.update``: new texts come in untranslated, changed ones fuzzy, gone ones obsolete)
and compiles them. Translate what is new in the ``.po`` files, then run ``update`` again.
"""

from __future__ import annotations

import datetime
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crowdsourcing_rules.model.language import LANGUAGES, locale_directory, rule_texts  # noqa: E402
from crowdsourcing_rules.model.vocabulary import COMPUTED, default_vocabulary  # noqa: E402
from crowdsourcing_rules.rulefiles.loading import default_rules_path, load_rules  # noqa: E402

#: The languages of each domain: English is the source language of messages and rules.
CATALOGUES: dict[str, tuple[str, ...]] = {"labels": LANGUAGES, "messages": ("fr",), "rules": ("fr",)}
_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)  # fixed: the files change only with their texts
WIDTH = 100


def _catalog(domain: str, locale: str | None = None) -> Catalog:
    return Catalog(
        locale=locale,
        domain=domain,
        project="crowdsourcing-rules",
        version="",
        creation_date=_DATE,
        revision_date=_DATE,
        fuzzy=False,
    )


def labels_template() -> Catalog:
    """Every code a person may read: facts (label and question), values, outputs, risks."""
    catalog = _catalog("labels")
    vocabulary = default_vocabulary()
    where = "crowdsourcing_rules/model/vocabulary.toml"
    for spec in vocabulary.facts:
        catalog.add(spec.name, context="fact", locations=[(where, 0)], auto_comments=[spec.description])
        catalog.add(spec.name, context="question", locations=[(where, 0)], auto_comments=[spec.description])
        for value in spec.values:
            if spec.kind == "enum" and value != "unknown":
                catalog.add(value, context="value:" + spec.name, locations=[(where, 0)])
    for spec in (*vocabulary.outputs, *COMPUTED):
        catalog.add(spec.name, context="output", locations=[(where, 0)], auto_comments=[spec.description])
        for value in spec.values:
            catalog.add(value, context="value:" + spec.name, locations=[(where, 0)])
    for code in ("true", "false", "unknown"):
        catalog.add(code, context="bool", locations=[(where, 0)])
    for code in ("low", "medium", "high"):
        catalog.add(code, context="severity", locations=[(where, 0)])
    return catalog


def messages_template() -> Catalog:
    """The words of the views, from the ``.ui("...")`` calls of the package's code."""
    catalog = _catalog("messages")
    package = ROOT / "crowdsourcing_rules"
    found = extract_from_dir(
        str(package), method_map=[("**.py", "python")], keywords={"ui": None}, comment_tags=("TRANSLATORS:",)
    )
    for filename, lineno, message, comments, context in found:
        path = f"crowdsourcing_rules/{Path(filename).as_posix()}"
        catalog.add(message, locations=[(path, lineno)], auto_comments=comments, context=context)
    return catalog


def rules_template() -> Catalog:
    """The texts of the shipped rules, each with the rules and places it comes from."""
    catalog = _catalog("rules")
    ruleset = load_rules([default_rules_path()])
    for text, rule, kind in rule_texts(ruleset):
        location = rule.location
        path = Path(location.path).resolve() if location else None
        place = (path.relative_to(ROOT).as_posix() if path and path.is_relative_to(ROOT) else "rules", 0)
        if location and location.line:
            place = (place[0], location.line)
        existing = catalog.get(text)
        comment = f"{rule.id}: {kind}"
        if existing is None:
            catalog.add(text, locations=[place], auto_comments=[comment])
        else:
            existing.locations.append(place)
            existing.auto_comments.append(comment)
    return catalog


TEMPLATES = {"labels": labels_template, "messages": messages_template, "rules": rules_template}


def po_path(domain: str, lang: str) -> Path:
    return locale_directory() / lang / "LC_MESSAGES" / f"{domain}.po"


def read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _write_po(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, omit_header=False, include_previous=True)
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> None:
    for domain, build in TEMPLATES.items():
        template = build()
        _write_po(template, locale_directory() / f"{domain}.pot")
        for lang in CATALOGUES[domain]:
            path = po_path(domain, lang)
            catalog = read(path, lang) if path.exists() else _catalog(domain, lang)
            catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
            catalog.revision_date = _DATE
            catalog.creation_date = _DATE
            _write_po(catalog, path)
    compile_all()


def compile_all() -> None:
    for domain, langs in CATALOGUES.items():
        for lang in langs:
            path = po_path(domain, lang)
            data = mo_bytes(read(path, lang))
            target = path.with_suffix(".mo")
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)


def problems() -> Iterator[str]:
    """Every text without a translation, every translation not in the template, stale .mo files."""
    import gettext

    for domain, build in TEMPLATES.items():
        template = build()
        for lang in CATALOGUES[domain]:
            path = po_path(domain, lang)
            if not path.exists():
                yield f"{path.relative_to(ROOT)}: missing"
                continue
            catalog = read(path, lang)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, context=message.context)
                where = ", ".join(f"{file}:{line}" for file, line in message.locations)
                what = f"{message.context}: " if message.context else ""
                if found is None or not found.string or found.fuzzy:
                    state = "fuzzy" if found is not None and found.fuzzy else "no translation"
                    yield f"{path.relative_to(ROOT)}: {state} for {what}{message.id!r} ({where})"
            with path.with_suffix(".mo").open("rb") as handle:
                compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
            wanted = {
                (f"{m.context}\x04{m.id}" if m.context else m.id): m.string
                for m in catalog
                if m.id and m.string and not m.fuzzy
            }
            got = {k: v for k, v in compiled.items() if k}
            if got != wanted:
                yield f"{path.with_suffix('.mo').relative_to(ROOT)}: stale; run python tools/catalogues.py compile"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = list(problems())
        for problem in found:
            print(problem)
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
