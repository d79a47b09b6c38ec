"""Write examples/portfolio.csv: a portfolio of 300 varied tasks for ``crowdsourcing-rules batch``.

Each task has a type, a title, skills and a skill level that fit the type, and draws every other
enumerated fact of the vocabulary at random (left unknown, an empty cell, one time in five), with a fixed seed: the
file is the same each time (tests/test_portfolio.py checks it). Run from the repository's root:

    python examples/make_portfolio.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from crowdsourcing_rules.batch.formats import LIST_SEPARATOR
from crowdsourcing_rules.model.vocabulary import UNKNOWN, default_vocabulary

PATH = Path(__file__).resolve().parent / "portfolio.csv"
SIZE = 300
SEED = 2026

# What a company's backlog holds for each type of work: titles and the skills they call for
WORK = {
    "ideation": (["Ideas for the next loyalty programme", "Names for the new product line"], ["marketing"]),
    "design_creative": (["Logo variants for the spring campaign", "Packaging design for the gift box"], ["design"]),
    "content_creation": (
        ["Blog posts on sustainable sourcing", "Product descriptions for 2,000 items"],
        ["copywriting"],
    ),
    "translation_localization": (
        ["Translate the online shop into German", "Localise the app into Japanese"],
        ["translation"],
    ),
    "proofreading_editing": (["Proofread the annual report", "Edit the user manual"], ["editing"]),
    "testing_qa": (
        ["Test the checkout on mobile devices", "Usability tests of the new onboarding"],
        ["software testing"],
    ),
    "data_labeling": (["Label 50,000 product photos", "Tag support tickets by topic"], ["annotation"]),
    "data_collection_sensing": (
        ["Photograph shelf prices in 300 stores", "Collect opening hours of suppliers"],
        ["field work"],
    ),
    "expert_problem_solving": (
        ["Find a coating that resists salt water", "Reduce the scrap rate of line 3"],
        ["chemistry", "engineering"],
    ),
    "algorithm_predictive_modeling": (
        ["Forecast weekly demand per store", "Detect fraudulent returns"],
        ["statistics", "Python"],
    ),
    "software_development": (
        ["Build the supplier portal", "Integrate the payment provider"],
        ["Python", "web development"],
    ),
    "professional_service": (
        ["Draft the terms of sale and cookie policy", "Audit the VAT returns"],
        ["French law", "accounting"],
    ),
    "product_development_cocreation": (["Co-design the next running shoe with customers"], ["product design"]),
    "complementary_products": (["Third-party plug-ins for the booking platform"], ["software development"]),
    "selection_voting": (["Customers vote for the next flavour", "Pick the best of 40 slogans"], []),
    "funding": (["Pre-sell the limited edition", "Fund the community garden"], []),
}


def portfolio(size: int = SIZE, seed: int = SEED) -> list[dict[str, str]]:
    """The rows of the portfolio: one cell per fact, empty when the fact is not given."""
    rng = random.Random(seed)
    vocabulary = default_vocabulary()
    drawn = [spec for spec in vocabulary.facts if spec.kind in ("enum", "bool") and spec.name != "task_type"]
    rows = []
    # A type of work calls for some skill levels; legal regulation concerns professional services
    levels = {
        "general": ("ideation", "data_labeling", "data_collection_sensing", "selection_voting", "funding"),
        "licensed": ("professional_service",),
        "expert": ("expert_problem_solving", "algorithm_predictive_modeling", "professional_service"),
    }
    for number in range(size):
        task_type = rng.choice(sorted(WORK))
        titles, skills = WORK[task_type]
        row = {
            "id": f"task-{number:03d}",
            "title": rng.choice(titles),
            "task_type": task_type,
            "skills_needed": LIST_SEPARATOR.join(rng.sample(skills, k=rng.randint(0, len(skills)))),
        }
        for spec in drawn:
            known = [value for value in spec.values if value != UNKNOWN]
            if spec.name == "skill_level":
                known = [level for level in known if task_type in levels.get(level, WORK)]
            elif spec.name == "legal_sensitivity" and task_type != "professional_service":
                known.remove("regulated")
            row[spec.name] = rng.choice(known) if rng.random() > 0.2 else ""
        rows.append(row)
    return rows


def write(path: Path = PATH) -> None:
    rows = portfolio()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write()
