"""Searches over θ: nautilus nested sampling (vectorised likelihood) and a fast optimiser.

Nautilus (Lange 2023) calls our batched, jitted likelihood on whole batches of points; a rich progress
line shows evaluations, rate, the current best χ² and the effective sample size. Runs are seeded and, with
a ``checkpoint`` path, resumable (nautilus's HDF5 checkpoint). ``pool`` splits each likelihood batch over
processes (an int or an object with ``map``, e.g. ``multiprocessing.Pool`` or an MPI pool).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..model import PriorVector

__all__ = ["SearchConfig", "SearchResult", "run_nautilus", "optimise"]


@dataclass(frozen=True)
class SearchConfig:
    n_live: int = 400
    seed: int = 1
    n_eff: int = 2000
    checkpoint: Path | None = None
    pool: object | None = None
    n_batch: int = 256
    n_networks: int = 4
    progress: bool = True


@dataclass(frozen=True)
class SearchResult:
    names: tuple[str, ...]
    samples: np.ndarray  # (k, n) posterior points
    log_w: np.ndarray  # (k,) normalised log weights
    log_l: np.ndarray  # (k,)
    log_z: float
    n_like: int
    wall_s: float
    best: np.ndarray  # max log L
    map: np.ndarray  # max log L + log prior

    @property
    def weights(self) -> np.ndarray:
        return np.exp(self.log_w - self.log_w.max()) / np.exp(self.log_w - self.log_w.max()).sum()

    def quantiles(self, q) -> np.ndarray:
        """Weighted quantiles per parameter, shape (len(q), n)."""
        w = self.weights
        out = []
        for j in range(self.samples.shape[1]):
            order = np.argsort(self.samples[:, j])
            cdf = np.cumsum(w[order])
            out.append(np.interp(q, cdf / cdf[-1], self.samples[order, j]))
        return np.array(out).T


class _Tracked:
    """Wraps the batched log-likelihood: counts calls, keeps the best point, updates the progress line."""

    def __init__(self, log_likelihood: Callable, progress: Progress | None, task, pool):
        self.f, self.progress, self.task, self.pool = log_likelihood, progress, task, pool
        self.n, self.best_l, self.best = 0, -np.inf, None
        self.t0 = time.perf_counter()

    def __call__(self, thetas: np.ndarray) -> np.ndarray:
        thetas = np.atleast_2d(thetas)
        if self.pool is not None and len(thetas) > 1:
            parts = np.array_split(thetas, getattr(self.pool, "_processes", 2))
            out = np.concatenate(list(self.pool.map(self.f, parts)))
        else:
            out = self.f(thetas)
        self.n += len(thetas)
        k = int(np.argmax(out))
        if out[k] > self.best_l:
            self.best_l, self.best = float(out[k]), thetas[k].copy()
        if self.progress is not None:
            rate = self.n / max(time.perf_counter() - self.t0, 1e-9)
            self.progress.update(self.task, completed=self.n,
                                 description=f"nautilus  evals {self.n:,}  {rate:,.0f}/s  "
                                             f"best χ² {-2 * self.best_l:,.2f}")
        return out


def run_nautilus(log_likelihood: Callable, priors: PriorVector, config: SearchConfig = SearchConfig(),
                 console: Console | None = None) -> SearchResult:
    """Nested sampling of ``log_likelihood`` (batched: (k, n) → (k,)) under ``priors``."""
    from nautilus import Sampler

    pool = config.pool
    own_pool = None
    if isinstance(pool, int):
        if pool > 1:
            import multiprocessing as mp

            own_pool = pool = mp.get_context("spawn").Pool(pool)
        else:
            pool = None
    progress = None
    if config.progress:
        progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                            console=console or Console(), transient=False)
    t0 = time.perf_counter()
    try:
        if progress is not None:
            progress.start()
            task = progress.add_task("nautilus", total=None)
        else:
            task = None
        tracked = _Tracked(log_likelihood, progress, task, pool)
        sampler = Sampler(priors.transform, tracked, n_dim=len(priors), n_live=config.n_live,
                          vectorized=True, pass_dict=False, seed=config.seed, n_batch=config.n_batch,
                          n_networks=config.n_networks,
                          filepath=None if config.checkpoint is None else str(config.checkpoint),
                          resume=True)
        sampler.run(n_eff=config.n_eff, discard_exploration=True, verbose=False)
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


def optimise(chi2: Callable, priors: PriorVector, start: np.ndarray, n_starts: int = 4, seed: int = 1):
    """Maximum-likelihood θ by L-BFGS-B on χ² (JAX gradient) from ``start`` and random prior draws."""
    import jax
    from scipy.optimize import minimize

    f = jax.jit(jax.value_and_grad(chi2))
    lo = np.where(np.isfinite(priors.lower), priors.lower, None)
    hi = np.where(np.isfinite(priors.upper), priors.upper, None)
    bounds = list(zip(lo, hi, strict=True))
    rng = np.random.default_rng(seed)
    starts = [np.asarray(start, float)] + list(priors.transform(rng.uniform(0.05, 0.95, (n_starts - 1, len(priors)))))
    best = None

    def fun(t):
        v, g = f(t)
        v, g = float(v), np.asarray(g, float)
        if not np.isfinite(v):
            return 1e30, np.zeros_like(t)
        return v, np.where(np.isfinite(g), g, 0.0)

    for s in starts:
        res = minimize(fun, s, jac=True, method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
    return best.x, float(best.fun)
