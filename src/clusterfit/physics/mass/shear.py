"""External shear: ``ExternalShear`` (PyAutoLens convention; Keeton 2001, Eq. 5).

Parameters (``params`` keys, shape (n,)): ``gamma_1``, ``gamma_2``. No centre: the shear acts about the
origin of the coordinates. ψ = ½ γ1 (x² − y²) + γ2 x y, so α_x = γ1 x + γ2 y, α_y = γ2 x − γ1 y,
κ = 0; the stretching angle is φ = ½ atan2(γ2, γ1) counter-clockwise from +x.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.mass._common import column, positions
from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "shear_deflections_yx",
    "shear_convergence",
    "shear_potential",
    "shear_hessian",
]


def _g(params: Params):
    return jnp.sum(column(params, "gamma_1")), jnp.sum(column(params, "gamma_2"))


def shear_deflections_yx(params: Params, y, x) -> Deflections:
    """α_y = γ2 x − γ1 y, α_x = γ1 x + γ2 y (arcsec), γ summed over the group."""
    g1, g2 = _g(params)
    y, x = positions(y, x)
    return Deflections((g2 * x - g1 * y)[0], (g1 * x + g2 * y)[0])


def shear_convergence(params: Params, y, x):
    """κ = 0."""
    g1, _ = _g(params)
    y, _ = positions(y, x)
    return jnp.zeros(y.shape[1]) + 0.0 * g1


def shear_potential(params: Params, y, x):
    """ψ = ½ γ1 (x² − y²) + γ2 x y (arcsec²)."""
    g1, g2 = _g(params)
    y, x = positions(y, x)
    return (0.5 * g1 * (x * x - y * y) + g2 * x * y)[0]


def shear_hessian(params: Params, y, x) -> Hessian:
    """ψ_yy = −γ1, ψ_yx = γ2, ψ_xx = γ1."""
    g1, g2 = _g(params)
    y, _ = positions(y, x)
    one = jnp.ones(y.shape[1])
    return Hessian(-g1 * one, g2 * one, g1 * one)
