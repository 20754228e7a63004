"""The one importer of dask.distributed: run a function over items on a Dask cluster (issue 15, `--engine dask`).

A scheduler address (tcp://HOST:8786) uses that cluster; none starts a LocalCluster of this machine's cores for
the call and closes it after. The function and items must pickle (a top-level function, frames, rulesets).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from scoring.core.errors import UsageError


def map_on_cluster(
    func: Callable[..., Any],
    items: Sequence[Any],
    scheduler: str | None = None,
    workers: int | None = None,
    *,
    timeout: str = "30s",
    **kwargs: Any,
) -> list[Any]:
    """[func(item, **kwargs) for item in items], computed on the cluster, in the order of `items`; `workers`
    processes for a LocalCluster (None: one per core); `timeout` to reach the scheduler."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise UsageError(
            "--engine dask 需要 dask.distributed（未安装）", hint="pip install 'perfscore[scale]'"
        ) from exc
    cluster: AbstractContextManager[Any] = (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)  # type: ignore[no-untyped-call]
        if scheduler is None
        else nullcontext(None)
    )
    try:
        with cluster as local, Client(scheduler or local, timeout=timeout) as client:  # type: ignore[no-untyped-call]
            futures = client.map(func, items, pure=False, **kwargs)
            return list(client.gather(futures))
    except OSError as exc:  # nothing listening at that address, or the scheduler went away
        raise UsageError(
            f"无法连接 Dask 调度器 {scheduler}（{exc}）",
            hint="地址形如 tcp://HOST:8786：先在该机运行 dask scheduler，各工作机运行 dask worker tcp://HOST:8786",
        ) from exc
