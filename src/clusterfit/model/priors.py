"""Prior transforms over the free-parameter vector: unit cube → parameters (docs/csv_format.md, priors.csv).

Uniform, LogUniform and (optionally truncated) Gaussian, vectorised over a batch of points with numpy
(the sampler calls it outside the jitted likelihood). ``mean = auto`` is resolved by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from scipy.special import ndtr, ndtri

from ..registry import ANY, Domain
from ..tables import FreeParameter, PriorRow
from ..tables.domains import prior_bounds

__all__ = ["PriorKind", "UNIFORM", "LOG_UNIFORM", "GAUSSIAN", "PriorVector", "prior_vector"]


class PriorKind(IntEnum):
    """The prior of one dimension of a :class:`PriorVector` (integers, so ``kind`` is a numpy array)."""

    UNIFORM = 0
    LOG_UNIFORM = 1
    GAUSSIAN = 2  # truncated where lower/upper are finite


UNIFORM, LOG_UNIFORM, GAUSSIAN = PriorKind


@dataclass(frozen=True)
class PriorVector:
    """Per-dimension prior arrays. ``kind``: a :class:`PriorKind` per dimension (``UNIFORM``,
    ``LOG_UNIFORM``, ``GAUSSIAN``: truncated where ``lower``/``upper`` are finite)."""

    kind: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    mean: np.ndarray
    sigma: np.ndarray
    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.kind)

    def transform(self, unit: np.ndarray) -> np.ndarray:
        """Unit-cube points (..., n) → parameter vectors (..., n)."""
        u = np.asarray(unit, dtype=float)
        out = np.empty_like(u)
        uni, log, gau = self.kind == UNIFORM, self.kind == LOG_UNIFORM, self.kind == GAUSSIAN
        out[..., uni] = self.lower[uni] + u[..., uni] * (self.upper[uni] - self.lower[uni])
        lo, hi = np.log(self.lower[log]), np.log(self.upper[log])
        out[..., log] = np.exp(lo + u[..., log] * (hi - lo))
        m, s = self.mean[gau], self.sigma[gau]
        a = ndtr((self.lower[gau] - m) / s)
        b = ndtr((self.upper[gau] - m) / s)
        q = np.clip(a + u[..., gau] * (b - a), 1e-300, 1 - 1e-16)
        out[..., gau] = m + s * ndtri(q)
        return out

    def whitening(self, fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(centre, scale) per dimension so that z = (θ − centre)/scale is O(1) over the prior: a Gaussian's
        mean and σ, a bounded prior's midpoint and half-width; ``fallback`` centres anything else."""
        gau = self.kind == GAUSSIAN
        bounded = np.isfinite(self.lower) & np.isfinite(self.upper)
        with np.errstate(invalid="ignore"):  # ±inf bounds of unbounded priors meet in the unused branch
            mid, half = 0.5 * (self.lower + self.upper), 0.5 * (self.upper - self.lower)
        centre = np.where(gau, self.mean, np.where(bounded, mid, fallback))
        scale = np.where(gau, self.sigma, np.where(bounded, half, 1.0))
        return centre.astype(float), scale.astype(float)

    def log_density_jax(self, theta):
        """Unnormalised log prior density for one θ inside the support (pure JAX, differentiable):
        −z²/2 per Gaussian, −log θ per LogUniform, 0 per Uniform. Bounds are the caller's business."""
        import jax.numpy as jnp

        z = (theta - self.mean) / self.sigma
        per = jnp.where(self.kind == GAUSSIAN, -0.5 * z**2,
                        jnp.where(self.kind == LOG_UNIFORM, -jnp.log(jnp.where(self.kind == LOG_UNIFORM, jnp.abs(theta), 1.0)),
                                  0.0))
        return jnp.sum(per)

    def _gauss_cdf_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"):
            a = ndtr((self.lower - self.mean) / self.sigma)
            b = ndtr((self.upper - self.mean) / self.sigma)
        return np.where(self.kind == GAUSSIAN, a, 0.0), np.where(self.kind == GAUSSIAN, b, 1.0)

    def transform_jax(self, unit):
        """:meth:`transform` for one point in pure JAX (differentiable)."""
        import jax.numpy as jnp
        from jax.scipy.special import ndtri

        a, b = self._gauss_cdf_bounds()
        with np.errstate(invalid="ignore", divide="ignore"):
            lo = np.where(self.kind == UNIFORM, self.lower, np.log(np.where(self.kind == LOG_UNIFORM, self.lower, 1.0)))
            hi = np.where(self.kind == UNIFORM, self.upper, np.log(np.where(self.kind == LOG_UNIFORM, self.upper, 1.0)))
        lo, hi = np.where(self.kind == GAUSSIAN, 0.0, lo), np.where(self.kind == GAUSSIAN, 1.0, hi)
        lin = lo + unit * (hi - lo)
        # each branch sees only its own kind's values: exp(900 km/s) = inf in an unused branch would
        # still turn the gradient into NaN through jnp.where (0 · inf)
        log_uniform = jnp.exp(jnp.where(self.kind == LOG_UNIFORM, lin, 0.0))
        q = jnp.clip(jnp.where(self.kind == GAUSSIAN, a + unit * (b - a), 0.5), 1e-300, 1 - 1e-16)
        return jnp.where(self.kind == UNIFORM, lin, jnp.where(self.kind == LOG_UNIFORM, log_uniform,
                                                        self.mean + self.sigma * ndtri(q)))

    def to_unit(self, theta: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`transform`: parameters (..., n) → unit cube."""
        t = np.asarray(theta, dtype=float)
        a, b = self._gauss_cdf_bounds()
        with np.errstate(invalid="ignore", divide="ignore"):
            uni = (t - self.lower) / (self.upper - self.lower)
            log = np.log(t / self.lower) / np.log(self.upper / self.lower)
            gau = (ndtr((t - self.mean) / self.sigma) - a) / (b - a)
        return np.where(self.kind == UNIFORM, uni, np.where(self.kind == LOG_UNIFORM, log, gau))

    def median(self) -> np.ndarray:
        return self.transform(np.full(len(self), 0.5))

    def log_density(self, theta: np.ndarray) -> np.ndarray:
        """log prior density at ``theta`` (..., n); -inf outside the support."""
        t = np.asarray(theta, dtype=float)
        inside = np.all((t >= self.lower) & (t <= self.upper), axis=-1)
        logp = np.zeros(t.shape[:-1])
        uni, log, gau = self.kind == UNIFORM, self.kind == LOG_UNIFORM, self.kind == GAUSSIAN
        logp -= np.sum(np.log(self.upper[uni] - self.lower[uni]))
        logp -= np.sum(np.log(t[..., log]) + np.log(np.log(self.upper[log] / self.lower[log])), axis=-1)
        m, s = self.mean[gau], self.sigma[gau]
        z = (t[..., gau] - m) / s
        norm = np.log(ndtr((self.upper[gau] - m) / s) - ndtr((self.lower[gau] - m) / s))
        logp += np.sum(-0.5 * z**2 - np.log(s * np.sqrt(2 * np.pi)) - norm, axis=-1)
        return np.where(inside, logp, -np.inf)


def prior_vector(free: list[FreeParameter], auto_means: dict[str, float] | None = None,
                 domains: Sequence[Domain] | None = None) -> PriorVector:
    """The :class:`PriorVector` of ``free``; ``auto_means`` gives ``mean = auto`` values by name.

    With ``domains`` (each parameter's domain from the registry), a Gaussian is truncated to its
    parameter's domain as well as to its own ``lower``/``upper``: σ ~ Gaussian(280, 70) never draws σ < 0."""
    n = len(free)
    kind = np.full(n, UNIFORM, dtype=int)
    lower, upper = np.full(n, -np.inf), np.full(n, np.inf)
    mean, sigma = np.zeros(n), np.ones(n)
    for i, fp in enumerate(free):
        p: PriorRow = fp.prior
        if p.prior == "Uniform":
            kind[i], lower[i], upper[i] = UNIFORM, p.lower, p.upper
        elif p.prior == "LogUniform":
            kind[i], lower[i], upper[i] = LOG_UNIFORM, p.lower, p.upper
        elif p.prior == "Gaussian":
            kind[i], sigma[i] = GAUSSIAN, p.sigma
            if p.mean == "auto":
                if auto_means is None or fp.name not in auto_means:
                    raise ValueError(f"{p.source}: mean = auto for {fp.name} needs the images of its "
                                     "source; it is resolved when fitting a dataset")
                mean[i] = auto_means[fp.name]
            else:
                mean[i] = p.mean
            lower[i], upper[i] = prior_bounds(p, ANY if domains is None else domains[i])
        else:
            raise ValueError(f"{p.source}: {p.prior} is not a free prior")
    return PriorVector(kind, lower, upper, mean, sigma, tuple(f.name for f in free))
