"""A company's translations: the ``LANG.po`` files of its policy layers (``fr.po``, ``en.po``),
read with Babel, on top of the shipped catalogues.

A layer's ``fr.po`` translates the texts of its rules (the English text is the ``msgid``) and gives
the labels and questions of the facts it declares (``msgctxt "fact"``, ``"question"``,
``"value:FACT"``, as in the shipped ``labels`` catalogue); its ``en.po`` gives the English labels and
questions of those facts. Entries of a later layer win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from crowdsourcing_rules.errors import Location, Problem, RuleFileError
from crowdsourcing_rules.model.language import Language, language, normalise_text

__all__ = ["layer_messages", "policy_language", "translation_files"]


def translation_files(policy: Iterable[Path], lang: str) -> list[Path]:
    """The ``LANG.po`` files of the policy layers, in layer order (a directory is searched
    recursively)."""
    found: list[Path] = []
    for path in policy:
        path = Path(path)
        if path.is_dir():
            found += sorted(path.rglob(f"{lang}.po"))
        elif path.name == f"{lang}.po":
            found.append(path)
        elif path.is_file():  # a layer given as one rule file: its translations sit beside it
            beside = path.parent / f"{lang}.po"
            if beside.is_file():
                found.append(beside)
    return list(dict.fromkeys(found))


def layer_messages(policy: Sequence[Path], lang: str) -> dict[str, str]:
    """The translations the policy layers give for ``lang``: ``{msgid: text}``, with
    ``context\\x04msgid`` keys for labels. Raises :class:`~crowdsourcing_rules.RuleFileError` for a
    file that is not a readable ``.po`` file."""
    files = translation_files(policy, lang)
    if not files:
        return {}
    from babel.messages.pofile import PoFileError, read_po  # only when a layer has translations

    messages: dict[str, str] = {}
    for path in files:
        try:
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, abort_invalid=True)
        except PoFileError as error:
            line = getattr(error, "lineno", 0) or 0
            problem = Problem(f"not a readable .po file: {error}", Location(str(path), line))
            raise RuleFileError(f"cannot read translations {path}", [problem]) from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problem = Problem(f"cannot read translations: {error}", Location(str(path)))
            raise RuleFileError(f"cannot read translations {path}", [problem]) from None
        for message in catalog:
            if not message.id or not message.string or message.fuzzy or not isinstance(message.id, str):
                continue
            text = message.string if isinstance(message.string, str) else message.string[0]
            key = message.id if message.context else normalise_text(message.id)
            messages[f"{message.context}\x04{key}" if message.context else key] = text
    return messages


def policy_language(lang: str | Language | None, policy: Sequence[Path] = ()) -> Language:
    """The words of a language with the translations of the policy layers on top."""
    shipped = language(lang)
    extra = layer_messages(policy, shipped.code)
    return shipped.with_messages(extra) if extra else shipped
