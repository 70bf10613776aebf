"""The samplers' coordinates w = logit(u), u the prior's unit cube: the log density there
(:class:`LogitTarget`) and its Laplace approximation (:func:`logit_laplace`).

In w the prior is built in (log density −χ²/2 + log|du/dw|) and its bounds are at infinity, so no
draw is ever rejected for leaving the support; NUTS (:mod:`.nuts`) and importance sampling
(:mod:`.importance`) both sample here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["LogitTarget", "logit_laplace", "hessian_by_differences", "MODE_GRADIENT_TOL", "START_BOUNDS"]


@dataclass(frozen=True)
class LogitTarget:
    """log density of θ = transform(sigmoid(w)) in w: −χ²(θ)/2 + log|du/dw| (the prior is the transform).
    Picklable when ``chi2`` is (a :class:`.executors.FolderFunction`), so chains can run elsewhere."""

    chi2: Callable
    priors: object  # PriorVector

    def __call__(self, w):
        import jax
        import jax.numpy as jnp

        log_jac = jnp.sum(-jax.nn.softplus(-w) - jax.nn.softplus(w))  # logistic map
        value = -0.5 * self.chi2(self.priors.transform_jax(jax.nn.sigmoid(w))) + log_jac
        return jnp.where(jnp.isfinite(value), value, -jnp.inf)


MODE_GRADIENT_TOL = 1.0
"""A mode search in w that ends with a gradient component above this has stopped at a cliff, not a mode.
The image-plane χ² jumps where an image's Newton counterpart changes, and L-BFGS stops at such a jump
when its line search finds no decrease along the gradient: A2744 from its θ-MAP, −log p 96.9 with a
gradient of 104 (and 91.4 with 30 from another start) where the mode is 86.9 with |∂/∂w| ≲ 0.05."""
START_BOUNDS = (6.9, None, 4.6)
"""Where :func:`logit_laplace` starts its mode search, in turn until one ends at a mode: the start with
each coordinate clipped to |w| ≤ 6.9 (u within 10⁻³ of a prior bound), as given, clipped to |w| ≤ 4.6
(10⁻²). A parameter whose θ-MAP sits on a bound starts at w = ±20.7 as given, and the long walk in from
there crosses the χ²'s jumps more often than a start 7 units out (A2744 from its θ-MAP, with either gradient:
2 of 3 from ±20.7 stopped at a cliff, 1 of 2 from ±13.8, none of 4 from ±6.9 or ±4.6)."""


def logit_laplace(neg_log_density: Callable, w0: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Mode and Hessian of a density in w = logit(u) (the prior's unit cube): (mode, Hessian of
    ``neg_log_density`` there, gradient evaluations). ``neg_log_density``: −log density, one w → scalar (JAX).

    The mode by L-BFGS from ``w0`` (:data:`START_BOUNDS`; a search that ends at a cliff,
    :data:`MODE_GRADIENT_TOL`, is followed by the next start, and the lowest end is kept when none
    reaches a mode); the Hessian by central differences of the JAX gradient (two passes,
    the second with a step of 1/20 of each direction's own width: 4n gradients, never a second
    derivative of a Newton solve). Take the Hessian here, not at the θ-MAP: a parameter whose
    likelihood rises to a prior bound has its θ-MAP on the bound, w = ±∞ (±20.7 for u clipped to
    10⁻⁹), where the log density in w has slope 1 and curvature ~u ≈ 10⁻⁹ — no width at all (A2744:
    three such parameters, Hessian eigenvalues down to 2·10⁻⁹ at the θ-MAP, 0.36 at this mode). In w
    the logistic Jacobian u(1 − u) pulls such a parameter inward to where it balances the
    likelihood's pull, a few units from the origin."""
    import jax
    from scipy.optimize import minimize

    f = jax.jit(jax.value_and_grad(neg_log_density))
    n_grad = 0

    def fun(w):
        nonlocal n_grad
        n_grad += 1
        v, g = f(w)
        v, g = float(v), np.asarray(g, float)
        return (v, np.where(np.isfinite(g), g, 0.0)) if np.isfinite(v) else (1e30, np.zeros_like(w))

    ends = []
    for bound in START_BOUNDS:
        start = np.asarray(w0, float) if bound is None else np.clip(w0, -bound, bound)
        end = minimize(fun, start, jac=True, method="L-BFGS-B", options={"maxiter": 2000})
        if np.isfinite(end.fun) and np.max(np.abs(end.jac)) <= MODE_GRADIENT_TOL:
            break  # a mode: kept
        ends.append(end)
    else:
        end = min(ends, key=lambda e: e.fun)  # none reached a mode: the lowest end
    w_mode = end.x
    h = hessian_by_differences(lambda w: fun(w)[1], w_mode, np.full(len(w_mode), 1e-4))
    step = np.clip(0.05 / np.sqrt(np.maximum(np.diag(h), 1e-12)), 1e-7, 0.05)
    return w_mode, hessian_by_differences(lambda w: fun(w)[1], w_mode, step), n_grad


def hessian_by_differences(gradient: Callable, x: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Symmetrised Hessian from central differences of ``gradient`` with a step per coordinate."""
    rows = []
    for i, h_i in enumerate(step):
        e = np.zeros_like(x)
        e[i] = h_i
        rows.append((gradient(x + e) - gradient(x - e)) / (2 * h_i))
    h = np.array(rows)
    h = np.where(np.isfinite(h), h, 0.0)
    return 0.5 * (h + h.T)
