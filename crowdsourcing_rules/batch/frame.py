"""Deciding a pandas DataFrame of tasks: the module of the batch package that imports pandas
(an optional extra, imported when a table is decided)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crowdsourcing_rules.advisor import Advisor
from crowdsourcing_rules.batch.results import OUTPUT_COLUMNS, clean_record, result_row
from crowdsourcing_rules.batch.stream import DEFAULT_CHUNK_SIZE, decide_many

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["decide_frame", "empty_frame"]


def decide_frame(
    df: pd.DataFrame,
    *,
    advisor: Advisor | None = None,
    workers: int = 1,
    questions: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> pd.DataFrame:
    """Decide every row of a pandas DataFrame of tasks (one column per fact).

    Returns a frame with the same index and the columns of :data:`OUTPUT_COLUMNS` except
    ``task_id``: single outputs as strings, list outputs as Python lists, ``error`` holding the
    failure's message (``None`` for decided rows). Missing cells (``None``, ``NaN``, ``pd.NA``)
    count as facts not given.

    >>> import pytest; pd = pytest.importorskip("pandas")
    >>> df = pd.DataFrame({"id": ["a", "b"], "skill_level": ["licensed", "wizard"]}, index=[10, 20])
    >>> out = decide_frame(df)
    >>> out.loc[10, "crowdsource"], out.loc[20, "error"].splitlines()[0]
    ('with_conditions', "task 'b' is invalid: 1 problem")
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"decide_frame needs a pandas DataFrame of tasks, got {type(df).__name__}; "
            "for an iterable of task mappings use decide_many"
        )
    records = (clean_record(r) for r in df.to_dict("records"))
    rows = [
        result_row(r)
        for r in decide_many(records, advisor=advisor, workers=workers, questions=questions, chunk_size=chunk_size)
    ]
    columns = [c for c in OUTPUT_COLUMNS if c != "task_id"]
    # object columns built directly: pandas would turn None into NaN in inferred string columns
    return pd.DataFrame({c: pd.Series([row[c] for row in rows], index=df.index, dtype=object) for c in columns})


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty pandas DataFrame with these columns, of objects."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
