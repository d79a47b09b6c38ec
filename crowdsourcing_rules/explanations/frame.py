"""Explanations as pandas tables: the one module of the explanations that imports pandas (an
optional extra, imported when a table is asked for)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["records_frame"]


def records_frame(records: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Any:
    """A pandas DataFrame of ``records`` with these columns, in this order."""
    import pandas as pd

    return pd.DataFrame.from_records(list(records), columns=list(columns))
