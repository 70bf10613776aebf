"""The maximum a-posteriori θ by L-BFGS-B from several starts, in whitened coordinates (:func:`find_map`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.console import Console

from ..model import PriorVector
from .executors import as_executor

__all__ = ["MapResult", "find_map"]


@dataclass(frozen=True)
class MapResult:
    """Maximum a-posteriori θ from several starts: ``theta``, its χ² and −log posterior, and the count of
    (value, gradient) evaluations; ``starts`` lists each start's final −log posterior."""

    theta: np.ndarray
    chi2: float
    neg_log_post: float
    n_eval: int
    starts: tuple[float, ...]


def find_map(chi2: Callable, priors: PriorVector, start: np.ndarray, n_starts: int = 4, seed: int = 1,
             console: Console | None = None, pool=None) -> MapResult:
    """Maximum of the posterior (χ²/2 − log prior) by L-BFGS-B with JAX gradients from ``start`` and
    ``n_starts − 1`` prior draws; with ``pool`` (:mod:`.executors`; ``chi2`` then picklable, e.g. a
    :class:`.executors.FolderFunction`) the starts run on its workers.

    The search runs in whitened coordinates z = (θ − centre)/scale (:meth:`PriorVector.whitening`): cluster
    parameters span km/s, degrees and arcsec, and unscaled L-BFGS stalls on such a mix."""
    centre, scale = priors.whitening(np.asarray(start, float))
    rng = np.random.default_rng(seed)
    thetas = [np.clip(np.asarray(start, float), priors.lower, priors.upper)]
    thetas += list(priors.transform(rng.uniform(0.1, 0.9, (max(n_starts - 1, 0), len(priors)))))
    minimiser = _Minimiser(chi2, priors, centre, scale)
    executor = as_executor(pool)
    if executor is None or len(thetas) == 1:
        results = []
        for k, theta0 in enumerate(thetas):
            results.append(minimiser(theta0))
            if console is not None:
                console.print(f"  start {k + 1}/{len(thetas)}: −log posterior {results[-1][1]:,.3f} "
                              f"({results[-1][2]} iterations)")
    else:
        try:
            results = executor.map(minimiser, thetas)
        finally:
            if executor is not pool:
                executor.close()
        if console is not None:
            console.print(f"  {len(thetas)} starts on {executor.label}: −log posterior "
                          + ", ".join(f"{r[1]:,.3f}" for r in results))
    z, fun, _, _ = min(results, key=lambda r: r[1])
    theta = centre + scale * z
    return MapResult(theta, float(chi2(theta)), float(fun), sum(r[3] for r in results),
                     tuple(float(r[1]) for r in results))


class _Minimiser:
    """L-BFGS-B on −log posterior in whitened coordinates from one start: (z, value, iterations,
    evaluations). Picklable (the jitted gradient is rebuilt in each process)."""

    def __init__(self, chi2: Callable, priors: PriorVector, centre: np.ndarray, scale: np.ndarray):
        self.chi2, self.priors, self.centre, self.scale = chi2, priors, centre, scale
        self._f = None

    def __getstate__(self):
        return {**self.__dict__, "_f": None}

    def _fun(self):
        if self._f is None:
            import jax

            centre, scale, chi2, log_prior = self.centre, self.scale, self.chi2, self.priors.log_density_jax
            self._f = jax.jit(jax.value_and_grad(
                lambda z: 0.5 * chi2(centre + scale * z) - log_prior(centre + scale * z)))
        return self._f

    def __call__(self, theta0: np.ndarray):
        from scipy.optimize import minimize

        f, n_eval = self._fun(), 0

        def fun(z):
            nonlocal n_eval
            n_eval += 1
            v, g = f(z)
            v, g = float(v), np.asarray(g, float)
            if not np.isfinite(v):
                return 1e30, np.zeros_like(z)
            return v, np.where(np.isfinite(g), g, 0.0)

        p, c, s = self.priors, self.centre, self.scale
        lo = np.where(np.isfinite(p.lower), (p.lower - c) / s, None)
        hi = np.where(np.isfinite(p.upper), (p.upper - c) / s, None)
        res = minimize(fun, (np.asarray(theta0, float) - c) / s, jac=True, method="L-BFGS-B",
                       bounds=list(zip(lo, hi, strict=True)), options={"maxiter": 5000})
        return res.x, float(res.fun), int(res.nit), n_eval
