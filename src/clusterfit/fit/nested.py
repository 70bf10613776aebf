"""Nested sampling of θ with nautilus (Lange 2023) on the vectorised likelihood.

Nautilus calls our batched, jitted likelihood on whole batches of points; a rich progress line shows
evaluations, rate, the current best χ² and the effective sample size. Runs are seeded and, with a
``checkpoint`` path, resumable (nautilus's HDF5 checkpoint). ``pool`` splits each likelihood batch over
workers: processes, a dask cluster or MPI ranks (:mod:`.executors`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..model import PriorVector
from .executors import as_executor
from .interrupt import raise_if_interrupted
from .progress import NautilusProgress, TrackedLikelihood
from .search import SearchConfig, SearchResult

__all__ = ["run_nautilus"]


def run_nautilus(log_likelihood: Callable, priors: PriorVector, config: SearchConfig = SearchConfig(),
                 console: Console | None = None) -> SearchResult:
    """Nested sampling of ``log_likelihood`` (batched: (k, n) → (k,)) under ``priors``."""
    from nautilus import Sampler

    pool = as_executor(config.pool)
    own_pool = pool if pool is not config.pool else None
    progress = None
    console = console or Console()
    if config.progress and console.is_terminal:
        progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                            console=console, transient=False)
    t0 = time.perf_counter()
    try:
        if progress is not None:
            progress.start()
            task = progress.add_task("nautilus", total=None)
        else:
            task = None
        tracked = TrackedLikelihood(log_likelihood, progress, task, pool,
                           log=console if config.progress and progress is None else None)
        sampler = _sampler(Sampler, priors, tracked, config, console)
        tracked.sampler, tracked.status = sampler, NautilusProgress(config.n_eff)
        sampler.run(n_eff=config.n_eff, discard_exploration=True, verbose=False)
        raise_if_interrupted()
        points, log_w, log_l = sampler.posterior()
    finally:
        if progress is not None:
            progress.stop()
        if own_pool is not None:
            own_pool.close()
    wall = time.perf_counter() - t0
    best = points[np.argmax(log_l)]
    if tracked.best is not None and tracked.best_l > log_l.max():
        best = tracked.best
    log_post = log_l + priors.log_density(points)
    return SearchResult(priors.names, points, log_w, log_l, float(sampler.log_z), int(sampler.n_like),
                        wall, best, points[np.argmax(log_post)])


def _sampler(Sampler, priors: PriorVector, tracked, config: SearchConfig, console: Console):
    """Nautilus's sampler, resumed from ``config.checkpoint`` if there is one; a checkpoint that cannot be
    read (killed while being written) is moved aside to ``*.damaged`` and the search starts afresh."""
    def make():
        return Sampler(priors.transform, tracked, n_dim=len(priors), n_live=config.n_live, vectorized=True,
                       pass_dict=False, seed=config.seed, n_batch=config.n_batch, n_networks=config.n_networks,
                       filepath=None if config.checkpoint is None else str(config.checkpoint), resume=True)

    path = None if config.checkpoint is None else Path(config.checkpoint)
    if path is None or not path.exists():
        return make()
    try:
        return make()
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as exc:
        damaged = path.with_name(path.name + ".damaged")
        path.replace(damaged)
        console.print(f"checkpoint {path} cannot be read ({type(exc).__name__}: {exc}); it was probably "
                      f"cut off while being written. Moved to {damaged.name}; starting the search afresh.",
                      markup=False, highlight=False)
        return make()
