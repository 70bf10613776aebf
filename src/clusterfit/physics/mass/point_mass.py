"""Point mass: ``PointMass`` (Keeton 2001, Eq. 17; PyAutoLens semantics).

Parameters (``params`` keys, shape (n,)): ``y``, ``x`` (centre, arcsec), ``einstein_radius`` θ_E (arcsec).
α = θ_E² r̂ / r, ψ = θ_E² ln r, κ = 0 away from the centre (the δ-function is not represented, as in
PyAutoLens). At the exact centre deflections, potential and Hessian are set to 0 (a guard, with
finite gradients), not a physical value.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.mass._common import (
    column,
    offsets,
    positions,
    radial_deflections,
    radial_hessian,
    safe_r2,
)
from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "point_mass_deflections_yx",
    "point_mass_convergence",
    "point_mass_potential",
    "point_mass_hessian",
]


def _setup(params: Params, y, x):
    dy, dx = offsets(params, y, x)
    pos, r2 = safe_r2(dy * dy + dx * dx)
    b2 = column(params, "einstein_radius") ** 2
    alpha_over_r = jnp.where(pos, b2 / r2, 0.0)
    return dy, dx, pos, r2, b2, alpha_over_r


def point_mass_deflections_yx(params: Params, y, x) -> Deflections:
    """α = θ_E² (Δy, Δx) / r² (arcsec)."""
    dy, dx, _, _, _, aor = _setup(params, y, x)
    return radial_deflections(aor, dy, dx)


def point_mass_convergence(params: Params, y, x):
    """κ = 0 (the central δ-function is not represented)."""
    y, _ = positions(y, x)
    return jnp.zeros(y.shape[1]) + 0.0 * jnp.sum(column(params, "einstein_radius"))


def point_mass_potential(params: Params, y, x):
    """ψ = θ_E² ln r (arcsec²); 0 at the exact centre."""
    _, _, pos, r2, b2, _ = _setup(params, y, x)
    return jnp.sum(jnp.where(pos, 0.5 * b2 * jnp.log(r2), 0.0), axis=0)


def point_mass_hessian(params: Params, y, x) -> Hessian:
    """ψ_ij = (θ_E²/r²)(δ_ij − 2 n_i n_j)."""
    dy, dx, _, _, _, aor = _setup(params, y, x)
    return radial_hessian(aor, jnp.zeros_like(aor), dy, dx)
