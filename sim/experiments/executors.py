"""Where a sweep's runs execute: the local process pool, an existing Dask cluster, or a local one.

The runner takes any `concurrent.futures.Executor` (DESIGN.md section 5), so a Dask cluster is
used through its own concurrent.futures face, `distributed.Client(address).get_executor()`:
nothing else in the project knows about Dask. Dask is an optional extra (`pip install -e
'.[dask]'`, which scripts/setup.sh does) and is imported only when asked for, so the command
line and the local pool never pay for it.

When a Dask worker dies, the scheduler reschedules its tasks on the others by itself; a task
that has killed several workers comes back as `KilledWorker`, which the runner re-submits up to
`DASK_RETRIES` times. Results do not depend on where a run executed: runs are pure functions of
their spec.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sim.model.params import ParameterError

DASK_RETRIES = 3  # re-submissions of a run whose worker died, after Dask's own rescheduling
CONNECT_TIMEOUT_S = 20
WORKER_WAIT_S = 60  # how long to wait for a cluster's first worker
ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
INSTALL_HINT = "install the dask extra: .venv/bin/pip install -e '.[dask]' (scripts/setup.sh does)"


@dataclass
class ExecutorHandle:
    """An open executor and how to drive it.

    Attributes:
        executor: Where runs are submitted.
        in_flight: Runs to keep submitted at a time (about two per worker thread).
        retries: Re-submissions of a run whose worker died.
        label: A short description for messages and metadata.json.
    """

    executor: Executor
    in_flight: int
    retries: int
    label: str


def check_address(address: str) -> str:
    """Return a scheduler address of the form tcp://HOST:PORT, or raise a one-line ParameterError."""
    found = ADDRESS.match(address)
    if not found or not 1 <= int(found[3]) <= 65535:
        raise ParameterError(
            f"--scheduler: {address!r} is not a scheduler address; allowed: tcp://HOST:PORT, "
            "e.g. tcp://127.0.0.1:8786"
        )
    return address


def require_dask(option: str) -> None:
    """Raise a one-line ParameterError naming the option when the dask extra is missing."""
    try:
        import distributed  # noqa: F401 - only checks that it is installed
    except ImportError:
        raise ParameterError(f"{option}: dask is not installed; allowed: {INSTALL_HINT}") from None


@contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> Iterator[ExecutorHandle]:
    """Open the executor a command asked for and close it (and any cluster it started) afterwards.

    Args:
        workers: Local process pool size (all cores when None; 1 runs in this process).
        scheduler: Address of a running Dask scheduler (tcp://HOST:PORT).
        dask_local: Start a local Dask cluster of this many single-threaded worker processes.

    Raises:
        ParameterError: Dask missing, a malformed address, or a scheduler that cannot be reached
            (raised before anything runs, so a command writes nothing).
    """
    if scheduler is not None:
        with _dask_client(scheduler) as client:
            yield _dask_handle(client, f"dask cluster at {scheduler}")
    elif dask_local is not None:
        with _local_cluster(dask_local) as client:
            yield _dask_handle(client, f"local dask cluster of {dask_local} worker processes")
    else:
        yield from _process_pool(workers)


def _process_pool(workers: int | None) -> Iterator[ExecutorHandle]:
    from sim.experiments.limits import available_cores
    from sim.experiments.runner import default_executor

    n = workers or available_cores()
    executor = default_executor(n)
    label = "this process" if n == 1 else f"process pool of {n} workers"
    try:
        yield ExecutorHandle(executor, 2 * n, 0, label)
    finally:
        executor.shutdown()


@contextmanager
def _dask_client(address: str) -> Iterator[Any]:
    """A client of a running scheduler; unreachable schedulers become one-line errors."""
    check_address(address)
    require_dask("--scheduler")
    from distributed import Client

    try:
        client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
    except (OSError, TimeoutError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise ParameterError(
            f"--scheduler: cannot reach {address} ({reason}); allowed: the address of a running scheduler"
        ) from None
    try:
        _wait_for_workers(client, address)
        yield client
    finally:
        client.close()


def _wait_for_workers(client: Any, address: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except (OSError, TimeoutError):
        raise ParameterError(
            f"--scheduler: no worker joined {address} within {WORKER_WAIT_S} s; allowed: a scheduler "
            "with workers (start some with: dask worker ADDRESS)"
        ) from None


@contextmanager
def _local_cluster(n_workers: int) -> Iterator[Any]:
    """A LocalCluster of single-threaded worker processes (no dashboard), closed afterwards."""
    require_dask("--dask-local")
    import logging

    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _dask_handle(client: Any, label: str) -> ExecutorHandle:
    """The cluster's concurrent.futures executor; `pure=False` so a re-submitted run runs again."""
    threads = sum(client.nthreads().values()) or 1
    return ExecutorHandle(client.get_executor(pure=False), max(4, 2 * threads), DASK_RETRIES, label)
