"""Deciding on a Dask cluster: a local cluster of two worker processes on loopback (issue 7)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

dd = pytest.importorskip("dask.dataframe")
db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("dask.distributed")
pd = pytest.importorskip("pandas")

import crowdsourcing_rules as cr  # noqa: E402
from crowdsourcing_rules.batch import dask as cr_dask  # noqa: E402
from crowdsourcing_rules.batch.results import result_row  # noqa: E402

TASKS = [
    {"id": f"t{n}", "skill_level": level, "legal_sensitivity": legal}
    for n, (level, legal) in enumerate(
        [(lv, lg) for lv in ("general", "professional", "licensed", "wizard") for lg in ("none", "regulated")] * 3
    )
]


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_dataframe_partition_by_partition(client: distributed.Client) -> None:
    frame = pd.DataFrame(TASKS, index=[100 + 3 * n for n in range(len(TASKS))])  # kept, not renumbered
    decided = cr_dask.decide_dataframe(dd.from_pandas(frame, npartitions=6)).compute()
    expected = cr.decide_frame(frame)
    # Same index, same values as in one process; the 'wizard' rows carry their error.
    pd.testing.assert_frame_equal(decided, expected, check_index_type=False)
    assert decided["error"].notna().sum() == 6
    # Each worker built its advisor once (one rule set: one advisor per worker process).
    built = client.run(lambda: len(importlib.import_module("crowdsourcing_rules.batch.dask")._advisors))
    assert len(built) == 2 and set(built.values()) <= {0, 1} and sum(built.values()) >= 1


def test_bag_rows_in_order_with_rules_from_files(client: distributed.Client) -> None:
    bag = db.from_sequence(TASKS, npartitions=5)
    rows = cr_dask.decide_bag(bag, rules=[cr.default_rules_path()]).compute()
    assert rows == [result_row(r) for r in cr.decide_many(TASKS)]
