"""Example platforms for a service type: the catalogue (``platforms.toml``, data beside this
module) and the choice of the examples a recommendation shows for its main service type.

Examples to check, not endorsements: platforms change their model, merge or close, so each
example's note ends by saying so.

>>> [p.name for p in examples("contest_platform", {"task_type": "algorithm_predictive_modeling"})]
['Kaggle', 'Topcoder']
>>> examples("internal_platform", {"task_type": "translation_localization"})
()
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import attrs

from crowdsourcing_rules.model.vocabulary import UNKNOWN

__all__ = ["CHECK_NOTE", "MAX_EXAMPLES", "Platform", "PlatformExample", "catalogue", "examples"]

#: How many examples a recommendation shows at most.
MAX_EXAMPLES = 3
#: What every example's note ends with.
CHECK_NOTE = "Check that it still operates, and on what terms, before using it."


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Platform:
    """An entry of the catalogue: a platform, the service type it is an example of, the task types
    it serves, and where the claim comes from (``source``: a bibliography key, or ``own-site``).

    ``remuneration`` (when given) lists the remunerations it serves; ``skills`` (when given), words
    one of the task's skill tags must contain, for a platform of one speciality.
    """

    name: str
    service_type: str
    task_types: tuple[str, ...] = attrs.field(converter=_strings)
    region: str
    url: str
    source: str
    note: str
    check: bool = True
    remuneration: tuple[str, ...] = attrs.field(converter=_strings, default=())
    skills: tuple[str, ...] = attrs.field(converter=_strings, default=())
    uncertain: str | None = None

    def fits(self, facts: Mapping[str, object]) -> bool:
        """Whether the platform serves a task with these facts: its type (which must be known),
        its pay and its skills."""
        return self.serves(facts) and (not self.skills or self.matches_skills(facts))

    def serves(self, facts: Mapping[str, object]) -> bool:
        """Whether the platform serves a task of this type (which must be known) and pay."""
        if facts.get("task_type") not in self.task_types:
            return False
        paid = facts.get("remuneration")
        return not self.remuneration or paid in (None, UNKNOWN, *self.remuneration)

    def matches_skills(self, facts: Mapping[str, object]) -> bool:
        tags = facts.get("skills_needed") or ()
        assert isinstance(tags, (list, tuple))
        return any(word in str(tag).casefold() for tag in tags for word in self.skills)


@attrs.frozen
class PlatformExample:
    """An example platform shown with a recommendation (its JSON form: name, service type, url and
    note)."""

    name: str
    service_type: str
    url: str
    note: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "service_type": self.service_type, "url": self.url, "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlatformExample:
        return cls(data["name"], data["service_type"], data["url"], data["note"])


@functools.cache
def catalogue() -> tuple[Platform, ...]:
    """Every entry of ``platforms.toml``, in its order."""
    text = (resources.files(__package__) / "platforms.toml").read_text(encoding="utf-8")
    return tuple(Platform(**entry) for entry in tomllib.loads(text)["platforms"])


# Cached by the facts that come from value sets (bounded, so the cache does not churn: entries
# replaced without end, as a cache keyed by the skills was, made resident memory creep up); the
# skills, free text, are matched at each call against these few candidates.
@functools.lru_cache(maxsize=4096)
def _candidates(service_type: str, task_type: str, remuneration: str) -> tuple[tuple[Platform, PlatformExample], ...]:
    facts = {"task_type": task_type, "remuneration": remuneration}
    return tuple(
        (p, PlatformExample(p.name, p.service_type, p.url, f"{p.note} {CHECK_NOTE}" if p.check else p.note))
        for p in catalogue()
        if p.service_type == service_type and p.serves(facts)
    )


def examples(service_type: str | None, facts: Mapping[str, object]) -> tuple[PlatformExample, ...]:
    """Up to :data:`MAX_EXAMPLES` platforms of the catalogue for ``service_type`` that serve a task
    with these facts, best first: its ``task_type`` (none when it is unknown: an example for the
    wrong kind of work misleads), its ``remuneration`` and ``skills_needed`` (unknown ones do not
    filter). None when no service type is recommended."""
    if service_type is None:
        return ()
    candidates = _candidates(
        service_type, str(facts.get("task_type") or UNKNOWN), str(facts.get("remuneration") or UNKNOWN)
    )
    fitting = [(p, example) for p, example in candidates if not p.skills or p.matches_skills(facts)]
    fitting.sort(key=lambda pair: not pair[0].skills)  # specialists first (stable): they matched the skills
    return tuple(example for _p, example in fitting[:MAX_EXAMPLES])
