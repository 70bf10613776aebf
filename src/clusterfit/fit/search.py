"""What a search over θ takes and returns: :class:`SearchConfig` and :class:`SearchResult`.

The searches themselves: nested sampling (:mod:`.nested`), the multi-start MAP optimiser
(:mod:`.optimise`), importance sampling around the MAP (:mod:`.importance`) and NUTS (:mod:`.nuts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["SearchConfig", "SearchResult", "TARGET_ACCEPT"]


TARGET_ACCEPT = 0.9
"""NUTS's target acceptance rate, the default of ``SearchConfig.target_accept`` and of :mod:`.nuts`. Stan's
0.8 was measured on A2744 (benchmarks/README.md): the draws' acceptance fell to 0.69 with 225 divergent
transitions and R̂ 1.014 (0.9: 0.85, 24, 1.009), while A2744 with 20 free source redshifts ran faster at 0.8
(32 instead of 50 leapfrog steps per draw). Raise it (0.95) when a run reports divergences."""


@dataclass(frozen=True)
class SearchConfig:
    """Settings of every search (``fit(..., config=)``, the ``fit`` command's options); each field says
    which search reads it."""

    n_live: int = 400
    seed: int = 1
    n_eff: int = 2000
    checkpoint: Path | None = None
    pool: object | None = None  # processes, dask://HOST:PORT, a Client, "mpi", … (:mod:`.executors`)
    n_batch: int = 256
    n_networks: int = 4
    progress: bool = True
    precompile: bool = True  # compile the post-processing's kernels during the search (:mod:`.warmup`)
    n_starts: int = 4  # laplace search: optimiser starts (the table values + prior draws)
    n_samples: int = 8000  # laplace search: importance samples
    n_chains: int = 4  # nuts search: chains (run together with vmap, or spread over a pool)
    n_warmup: int = 250  # nuts search: warm-up steps per chain (step size and mass matrix adaptation)
    # nuts search: draws per chain at most (sampling stops once R̂ and ESS pass: AS1063 after 300). 1,500: A2744's
    # potfile2 σ*, whose lower tail the chains cross slowly, had bulk ESS 329 after 1,000 (benchmarks/README.md)
    n_draws: int = 1500
    target_accept: float = TARGET_ACCEPT  # nuts search: NUTS's target acceptance rate


@dataclass(frozen=True)
class SearchResult:
    """A search's posterior: weighted ``samples`` (``log_w`` normalised), their ``log_l``, the evidence
    ``log_z`` (NaN for MCMC), likelihood calls ``n_like`` and ``wall_s``, the ``best`` (max likelihood)
    and ``map`` points, and for NUTS its convergence ``diagnostics``."""

    names: tuple[str, ...]
    samples: np.ndarray  # (k, n) posterior points
    log_w: np.ndarray  # (k,) normalised log weights
    log_l: np.ndarray  # (k,)
    log_z: float
    n_like: int
    wall_s: float
    best: np.ndarray  # max log L
    map: np.ndarray  # max log L + log prior
    ess: float | None = None  # effective sample size (importance sampling; NUTS: the smallest bulk ESS)
    diagnostics: object | None = None  # NUTS: per-parameter R̂ and ESS (:class:`.nuts.Diagnostics`)

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
