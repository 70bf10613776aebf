"""Where a search runs its independent pieces: this process, processes of this machine, a
``dask.distributed`` cluster or MPI ranks (docs/scaling.md).

Three kinds of piece are spread: nautilus's likelihood batches (split row-wise), the MAP's optimiser
starts, and NUTS chains. ``pool`` (``SearchConfig.pool``, ``--pool``) may be

- ``None`` or ``1``: this process;
- an int N > 1: N spawned processes of this machine;
- ``"dask://HOST:PORT"`` (or ``"tcp://…"``): a running dask scheduler; a ``distributed.Client``;
- ``"mpi"``: ``mpi4py.futures.MPIPoolExecutor`` (run under ``mpiexec -n N python -m mpi4py.futures``);
- any ``concurrent.futures.Executor`` or ``multiprocessing`` pool.

Workers on other processes or machines get :class:`FolderFunction` handles — the dataset folder's path
and which function — and compose and compile the model once per process, so nothing JAX-compiled is
ever pickled. Every piece is seeded by its own index, so the posterior does not depend on the pool.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Executor", "as_executor", "check_pool", "FolderFunction"]

_POOL_HELP = ("give a number of processes, dask://HOST:PORT (a running dask scheduler) or mpi (under mpiexec; "
              "docs/scaling.md)")


def check_pool(pool) -> None:
    """Refuse a ``pool`` string that names nothing we know, before any work (``ValueError``)."""
    if isinstance(pool, str) and not (pool.isdigit() or pool == "mpi"
                                      or pool.startswith(("dask://", "tcp://", "tls://"))):
        raise ValueError(f"--pool {pool!r}: {_POOL_HELP}")


@dataclass(frozen=True)
class Executor:
    """``map(fn, items) → list`` over ``n_workers`` workers; ``close`` releases what :func:`as_executor`
    created (a pool passed in is left to its owner)."""

    map: Callable[[Callable, list], list]
    n_workers: int
    label: str
    close: Callable[[], None] = lambda: None


def as_executor(pool) -> Executor | None:
    """The :class:`Executor` of a ``pool`` specification (see the module docstring); ``None`` for this
    process. A string that names nothing we know raises ``ValueError`` saying what is accepted."""
    if pool is None or isinstance(pool, Executor):
        return pool
    if isinstance(pool, bool):
        raise ValueError(f"pool must be a number of processes or an address, not {pool!r}")
    if isinstance(pool, int) or (isinstance(pool, str) and pool.isdigit()):
        n = int(pool)
        if n <= 1:
            return None
        import multiprocessing as mp

        own = mp.get_context("spawn").Pool(n)
        # terminate: called once every result is in (or on an error / Ctrl-C), when waiting is pointless
        return Executor(own.map, n, f"{n} processes", lambda: (own.terminate(), own.join()))
    if isinstance(pool, str):
        if pool.startswith(("dask://", "tcp://", "tls://")):
            try:
                from distributed import Client
            except ImportError as exc:
                raise ValueError(f"--pool {pool}: dask.distributed is not installed (pip install "
                                 "'clusterfit[dask]')") from exc
            address = "tcp://" + pool.removeprefix("dask://") if pool.startswith("dask://") else pool
            client = Client(address)
            return _dask(client, owned=True)
        if pool == "mpi":
            try:
                from mpi4py import MPI
                from mpi4py.futures import MPIPoolExecutor
            except ImportError as exc:
                raise ValueError("--pool mpi: mpi4py is not installed (pip install 'clusterfit[mpi]', "
                                 "with an MPI library on the system)") from exc

            ex = MPIPoolExecutor()
            n = max(MPI.COMM_WORLD.Get_size() - 1, 1)
            return Executor(lambda f, items: list(ex.map(f, items)), n, f"MPI, {n} workers",
                            lambda: ex.shutdown(wait=True))
        raise ValueError(f"--pool {pool!r}: {_POOL_HELP}")
    if type(pool).__name__ == "Client" and hasattr(pool, "scheduler_info"):
        return _dask(pool, owned=False)
    from concurrent.futures import Executor as FuturesExecutor

    if isinstance(pool, FuturesExecutor):
        n = getattr(pool, "_max_workers", 2)
        return Executor(lambda f, items: list(pool.map(f, items)), n, type(pool).__name__)
    if hasattr(pool, "map"):  # multiprocessing.Pool and look-alikes
        n = getattr(pool, "_processes", 2)
        return Executor(lambda f, items: list(pool.map(f, items)), n, type(pool).__name__)
    raise ValueError(f"pool {pool!r} is neither a number, an address nor an executor")


def _dask(client, owned: bool) -> Executor:
    n = max(len(client.scheduler_info().get("workers", {})), 1)

    def map_(f, items):
        return client.gather(client.map(f, items, pure=False))

    return Executor(map_, n, f"dask {client.scheduler.address}, {n} workers",
                    client.close if owned else (lambda: None))


_CACHE: OrderedDict[tuple[str, str], Callable] = OrderedDict()
_CACHE_SIZE = 8
"""Per process, the functions behind :class:`FolderFunction` handles (a handle is pickled to a worker, which
builds its function once). Not a jit cache (compiled kernels live on their model, :mod:`clusterfit.compiled`):
it only keeps the last ``_CACHE_SIZE`` handles' functions alive, so repeated fits in one session do not pile up."""


def _remember(key: tuple[str, str], function: Callable) -> Callable:
    _CACHE[key] = function
    _CACHE.move_to_end(key)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return function


@dataclass(frozen=True)
class FolderFunction:
    """A picklable handle to a function of a dataset folder's fit, built once per process.

    ``kind``: a ``--likelihood`` string (``"source"``, ``"image"``, ``"source+time_delay"``, ...) — the batched
    log-likelihood ((k, n) → (k,)); ``"source_chi2"`` (``"source_chi2+flux"``, ...) / ``"image_chi2"`` (``"image_chi2:11,12"``:
    those images linearised) — the χ² of one θ (jit-able, differentiable). :func:`register` lets the process that
    already built them share its own."""

    folder: str
    kind: str

    def __call__(self, x):
        key = (self.folder, self.kind)
        function = _CACHE.get(key)
        if function is None:
            function = _remember(key, _build(Path(self.folder), self.kind))
        return function(x)


def register(folder, kind: str, function: Callable) -> FolderFunction:
    """Share ``function`` (already built in this process) under its :class:`FolderFunction` handle."""
    handle = FolderFunction(str(Path(folder).resolve()), kind)
    _remember((handle.folder, kind), function)
    return handle


def _build(folder: Path, kind: str) -> Callable:
    from .likelihood import make_source_plane_chi2, point_data
    from .local_images import make_local_image_chi2
    from .prepare import build_log_likelihood, prepare

    composed = prepare(folder)
    data = point_data(composed)
    if kind.startswith("source_chi2"):  # "source_chi2+time_delay": the source-plane χ² with its terms
        chi2 = make_source_plane_chi2(composed, data, tuple(kind.split("+")[1:]))
    elif kind.startswith("image_chi2:"):  # "image_chi2:11,12": NUTS's, those images linearised (run.py)
        index = kind.partition(":")[2]
        chi2 = make_local_image_chi2(composed, data, linearised=tuple(int(i) for i in index.split(",") if i),
                                     fixed_jacobian=True)
    elif kind == "image_chi2":
        chi2 = make_local_image_chi2(composed, data)
    else:  # a --likelihood string: "source", "image", "source+time_delay", ...
        return build_log_likelihood(composed, data, kind)
    return lambda theta: chi2(theta)[0]
