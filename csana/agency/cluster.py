"""Where the shops' tasks run: in this process one after another, or on a Dask distributed cluster.

Each shop is one task (:func:`csana.agency.task.run_shop`, or a shop's metrics) and a task runs alone in its
worker process (one thread per worker: a report starts a notebook kernel and Chromium of
its own, and two at once in one process would only compete). Three ways:

* *serial* (no option): this process, one shop after another.
* ``workers=N``: a local Dask cluster of N worker processes on 127.0.0.1, started for the run
  and stopped after it. Each worker's polars gets ``cores ÷ N`` threads (at least one), so N
  workers do not fight over the cores.
* ``scheduler="tcp://HOST:8786"``: a cluster the agency already runs (``dask scheduler`` on one
  machine, ``dask worker tcp://HOST:8786 --nthreads 1`` on each); every worker needs the same
  csana installed and the data and output folders at the same path (shared storage).

A worker that dies (out of memory, killed) fails only its shop: the runner yields the scheduler's
error as that shop's result, and the caller turns it into the shop's one-line error.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from csana.agency.task import one_line
from csana.errors import CsanaError

T = TypeVar("T")
R = TypeVar("R")
Runner = Callable[[Callable[[T], R], Sequence[T]], Iterator[tuple[T, R | BaseException]]]
"""Runs ``fn`` on each item and yields (item, result) as soon as each is there (in completion order);
the result is the exception when the worker running it was lost (``fn`` itself never raises)."""
LOCAL_WORKERS = {"distributed.worker.profile.enabled": False, "distributed.comm.timeouts.connect": "120s"}
"""The workers' statistical profiler samples the running task's stack 100 times a second: of no use for a
shop's task (a notebook run in a kernel process), so the local cluster's workers do without it. A worker
process imports csana before it joins: on a busy machine that takes longer than Dask's 30 s default."""
CONNECT_TIMEOUT_S = 30
WORKER_WAIT_S = 60


def serial(fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
    """Every item in this process, in order."""
    for item in items:
        yield item, fn(item)


def polars_threads(workers: int) -> int:
    """Polars threads per worker process so that ``workers`` processes share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A Dask client on a local cluster of ``workers`` processes (127.0.0.1, one thread each, no dashboard)."""
    import dask
    from distributed import Client, LocalCluster

    if workers < 1:
        raise CsanaError(f"--workers {workers}: need at least 1", fix="give the number of worker processes, e.g. --workers 4")
    env = {"POLARS_MAX_THREADS": str(polars_threads(workers))}
    with dask.config.set(LOCAL_WORKERS), LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                      host="127.0.0.1", dashboard_address=None, env=env) as cluster, \
            Client(cluster) as client:
        yield client


@contextlib.contextmanager
def remote_cluster(address: str) -> Iterator[Any]:
    """A Dask client on the scheduler at ``address``, once at least one worker has joined it."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise CsanaError(f"cannot reach the Dask scheduler at {address} ({one_line(exc)})",
                         fix="start one with `dask scheduler` and check the address and port (default 8786)") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise CsanaError(f"the Dask scheduler at {address} has no worker after {WORKER_WAIT_S} s",
                             fix=f"start workers with `dask worker {address} --nthreads 1`") from None
        yield client
    finally:
        client.close()


def on_dask(client: Any) -> Runner:
    """A runner that submits one Dask task per item to ``client`` and yields results as they complete."""
    from distributed import as_completed

    def run(fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        batch = uuid.uuid4().hex[:8]
        futures = {client.submit(fn, item, key=f"csana-{batch}-{i}", pure=False): item for i, item in enumerate(items)}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except Exception as exc:  # noqa: BLE001 — a lost worker fails its item, not the batch
                yield futures[future], exc
            finally:
                future.release()

    return run


@contextlib.contextmanager
def runner(workers: int | None = None, scheduler: str | None = None) -> Iterator[Runner]:
    """The runner for the options (see the module docstring); a cluster it starts is stopped on exit."""
    if workers is not None and scheduler is not None:
        raise CsanaError("--workers and --scheduler exclude each other",
                         fix="--workers N starts a local cluster; --scheduler uses a running one")
    if scheduler is not None:
        with remote_cluster(scheduler) as client:
            yield on_dask(client)
    elif workers is not None:
        with local_cluster(workers) as client:
            yield on_dask(client)
    else:
        yield serial
