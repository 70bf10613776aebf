"""Uniform mass sheet: ``MassSheet`` (PyAutoLens semantics; Gorenstein, Falco & Shapiro 1988).

Parameters (``params`` keys, shape (n,)): ``y``, ``x`` (centre, arcsec) and ``kappa`` κ (the constant
convergence). Geometric normalisation (used as given, for the tracer's reference plane; Lenstool's
shear-block ``kappa`` means the same). κ(θ) = κ, α = κ (θ − c), ψ = ½ κ |θ − c|² (PyAutoLens's
``MassSheet.potential_2d_from`` drops the centre, so its ψ differs from ours by a linear term), and
the Hessian is κ times the identity.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.mass._common import column, offsets
from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "mass_sheet_deflections_yx",
    "mass_sheet_convergence",
    "mass_sheet_potential",
    "mass_sheet_hessian",
]


def _offsets(params: Params, y, x):
    return *offsets(params, y, x), column(params, "kappa")


def mass_sheet_deflections_yx(params: Params, y, x) -> Deflections:
    """α = κ (θ − c) (arcsec), summed over the group."""
    dy, dx, k = _offsets(params, y, x)
    return Deflections(jnp.sum(k * dy, axis=0), jnp.sum(k * dx, axis=0))


def mass_sheet_convergence(params: Params, y, x):
    """κ, the same at every position."""
    dy, _, k = _offsets(params, y, x)
    return jnp.sum(k + 0.0 * dy, axis=0)


def mass_sheet_potential(params: Params, y, x):
    """ψ = ½ κ |θ − c|² (arcsec²)."""
    dy, dx, k = _offsets(params, y, x)
    return jnp.sum(0.5 * k * (dy * dy + dx * dx), axis=0)


def mass_sheet_hessian(params: Params, y, x) -> Hessian:
    """ψ_yy = ψ_xx = κ, ψ_yx = 0."""
    dy, _, k = _offsets(params, y, x)
    diag = jnp.sum(k + 0.0 * dy, axis=0)
    return Hessian(diag, 0.0 * diag, diag)
