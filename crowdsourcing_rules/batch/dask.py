"""Deciding tasks on a Dask cluster, partition by partition (the ``dask`` extra).

Each worker process builds its advisor once, the first time it decides a partition, from the
rule set that travels with the task graph (rule sets pickle; advisors, which hold a durable-rules
engine, do not). Later partitions on that worker reuse it.

>>> import pytest; dd = pytest.importorskip("dask.dataframe")
>>> import pandas as pd
>>> from crowdsourcing_rules.batch import dask as cr_dask
>>> frame = dd.from_pandas(pd.DataFrame({"id": ["a", "b"], "skill_level": ["licensed", "general"]}), npartitions=2)
>>> cr_dask.decide_dataframe(frame).compute(scheduler="sync")["crowdsource"].tolist()
['with_conditions', 'yes']

See ``docs/scale.md`` for a real cluster and a large Parquet dataset.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from crowdsourcing_rules.advisor import Advisor, default_rules_path
from crowdsourcing_rules.batch.frame import decide_frame, empty_frame
from crowdsourcing_rules.batch.pool import AdvisorSpec
from crowdsourcing_rules.batch.results import OUTPUT_COLUMNS, clean_record, decide_one, result_row
from crowdsourcing_rules.rulefiles.loading import load_rules

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe

__all__ = ["decide_bag", "decide_dataframe", "frame_meta"]

# On each worker: advisors by the digest of their rule set, built once per process.
_advisors: dict[str, Advisor] = {}
_advisors_lock = threading.Lock()


class _Rules:
    """A rule set and its digest: what a partition task carries to the workers."""

    def __init__(self, spec: AdvisorSpec) -> None:
        self.spec = spec
        self.key = hashlib.sha256(pickle.dumps(spec)).hexdigest()

    def advisor(self) -> Advisor:
        with _advisors_lock:
            advisor = _advisors.get(self.key)
            if advisor is None:
                spec = self.spec
                advisor = _advisors[self.key] = Advisor(spec.ruleset, engine=spec.engine, max_firings=spec.max_firings)
            return advisor


def _rules(rules: Iterable[str | Path] | None, advisor: Advisor | None) -> _Rules:
    if advisor is not None:
        return _Rules(AdvisorSpec(advisor.ruleset, advisor.engine, advisor.max_firings))  # type: ignore[arg-type]
    paths = [Path(p) for p in rules] if rules is not None else [default_rules_path()]
    return _Rules(AdvisorSpec(load_rules(paths), "auto"))


def _decide_records(records: Iterable[Any], rules: _Rules, questions: bool, rows: bool) -> list[Any]:
    advisor = rules.advisor()
    out = []
    for index, record in enumerate(records):
        task = clean_record(record) if isinstance(record, dict) else record
        result = decide_one(advisor, index, task, questions)
        out.append(result_row(result) if rows else result)
    return out


def decide_bag(
    bag: dask.bag.Bag,
    *,
    rules: Iterable[str | Path] | None = None,
    advisor: Advisor | None = None,
    questions: bool = False,
    rows: bool = True,
) -> dask.bag.Bag:
    """Decide a Dask bag of task mappings; a bag of results in the same order.

    Results are flat rows (``batch.result_row``: a dict per task, ``error`` set for a task that
    could not be decided) or, with ``rows=False``, :class:`~crowdsourcing_rules.Recommendation`
    and :class:`~crowdsourcing_rules.batch.TaskFailure` objects (a failure's ``index`` is then its
    position within its partition). The rules are ``rules`` (files, read here once), or those of
    ``advisor``, or the shipped defaults.
    """
    carried = _rules(rules, advisor)
    return cast("dask.bag.Bag", bag.map_partitions(_decide_records, carried, questions, rows))  # type: ignore[no-untyped-call]


def frame_meta() -> Any:
    """The empty pandas frame that describes the output of :func:`decide_dataframe`."""
    return empty_frame([c for c in OUTPUT_COLUMNS if c != "task_id"])


def _decide_partition(frame: Any, rules: _Rules, questions: bool) -> Any:
    return decide_frame(frame, advisor=rules.advisor(), questions=questions)


def decide_dataframe(
    frame: dask.dataframe.DataFrame,
    *,
    rules: Iterable[str | Path] | None = None,
    advisor: Advisor | None = None,
    questions: bool = False,
) -> dask.dataframe.DataFrame:
    """Decide a Dask DataFrame of tasks (one column per fact), partition by partition.

    The result has the same index and partitions, and the columns of
    :func:`crowdsourcing_rules.decide_frame` (every output, lists as Python lists, ``error``).
    """
    carried = _rules(rules, advisor)
    decided = frame.map_partitions(_decide_partition, carried, questions, meta=frame_meta())  # type: ignore[no-untyped-call]
    return cast("dask.dataframe.DataFrame", decided)
