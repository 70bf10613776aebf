"""Singular isothermal ellipsoid and sphere: ``Isothermal``, ``IsothermalSph`` (PyAutoLens semantics).

Parameters (``params`` keys, shape (n,)): ``y``, ``x`` (centre, arcsec), ``einstein_radius`` θ_E
(arcsec) and, for ``Isothermal``, ``ell_comps_0``, ``ell_comps_1`` = f (sin 2φ, cos 2φ),
f = (1 − q)/(1 + q), φ counter-clockwise from +x. Geometric normalisation: used as given, for the
tracer's reference (last) plane.

In the profile frame (major axis along x'), PyAutoLens's convention is
κ = θ_E / (1 + q) / √(x'² + y'²/q²), i.e. κ = b / (2 √(q² x'² + y'²)) with b = 2 q θ_E / (1 + q), whose
deflections are (Kormann et al. 1994; Keeton 2001, Eqs. 34–35 with zero core)
α_x' = (b/s) arctan(s x'/ψ), α_y' = (b/s) artanh(s y'/ψ), s = √(1 − q²), ψ = √(q² x'² + y'²).
As in PyAutoLens, ψ is softened by 1e-16 arcsec² so that the centre is finite (α = 0 there), and
for s² < 1e-4 the ratios arctan(st)/s, artanh(st)/s use their Taylor series, so q → 1 is smooth.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.mass._common import (
    column,
    ell_comps_to_q_cos_sin,
    from_frame,
    hessian_via_jacfwd,
    offsets,
    radial_deflections,
    radial_hessian,
    safe_r2,
    to_frame,
)
from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "isothermal_deflections_yx",
    "isothermal_convergence",
    "isothermal_potential",
    "isothermal_hessian",
    "isothermal_sph_deflections_yx",
    "isothermal_sph_convergence",
    "isothermal_sph_potential",
    "isothermal_sph_hessian",
]

_SOFT2 = 1e-16  # arcsec², PyAutoLens's softening of ψ
_SERIES_S2 = 1e-4


def _frame(params: Params, y, x):
    q, cos, sin = ell_comps_to_q_cos_sin(column(params, "ell_comps_0"), column(params, "ell_comps_1"))
    yp, xp = to_frame(params, y, x, cos, sin)
    return yp, xp, q, cos, sin


def _ratio(t, s2, small, hyperbolic: bool):
    """arctan(s t)/s (or artanh(s t)/s when ``hyperbolic``), with a series for small s² = 1 − q²."""
    s = jnp.sqrt(jnp.where(small, 1.0, s2))
    closed = (jnp.arctanh(s * t) if hyperbolic else jnp.arctan(s * t)) / s
    u = (s2 if hyperbolic else -s2) * t * t
    series = t * (1.0 + u * (1.0 / 3.0 + u * (1.0 / 5.0 + u / 7.0)))
    return jnp.where(small, series, closed)


def _frame_deflections(params: Params, y, x):
    yp, xp, q, cos, sin = _frame(params, y, x)
    theta_e = column(params, "einstein_radius")
    b = 2.0 * q * theta_e / (1.0 + q)
    s2 = 1.0 - q * q
    small = s2 < _SERIES_S2
    psi = jnp.sqrt(q * q * xp * xp + yp * yp + _SOFT2)
    ax = b * _ratio(xp / psi, s2, small, hyperbolic=False)
    ay = b * _ratio(yp / psi, s2, small, hyperbolic=True)
    return yp, xp, ay, ax, cos, sin


def isothermal_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec) of a group of singular isothermal ellipsoids."""
    _, _, ay, ax, cos, sin = _frame_deflections(params, y, x)
    ay, ax = from_frame(ay, ax, cos, sin)
    return Deflections(jnp.sum(ay, axis=0), jnp.sum(ax, axis=0))


def isothermal_convergence(params: Params, y, x):
    """κ = θ_E / (1 + q) / √(x'² + y'²/q²); the centre is evaluated at the softening radius."""
    yp, xp, q, _, _ = _frame(params, y, x)
    theta_e = column(params, "einstein_radius")
    r = jnp.sqrt(xp * xp + yp * yp / (q * q) + _SOFT2)
    return jnp.sum(theta_e / (1.0 + q) / r, axis=0)


def isothermal_potential(params: Params, y, x):
    """ψ = x' α_x' + y' α_y' (the potential of a degree-1 homogeneous isothermal profile)."""
    yp, xp, ay, ax, _, _ = _frame_deflections(params, y, x)
    return jnp.sum(xp * ax + yp * ay, axis=0)


isothermal_hessian = hessian_via_jacfwd(isothermal_deflections_yx)
isothermal_hessian.__doc__ = "Hessian of the SIE by forward-mode differentiation of the deflections."


def _sph(params: Params, y, x):
    dy, dx = offsets(params, y, x)
    pos, r2 = safe_r2(dy * dy + dx * dx)
    theta_e = column(params, "einstein_radius")
    r = jnp.sqrt(r2)
    alpha_over_r = jnp.where(pos, theta_e / r, 0.0)
    kappa = jnp.where(pos, 0.5 * theta_e / r, 0.0)
    return dy, dx, pos, r, theta_e, alpha_over_r, kappa


def isothermal_sph_deflections_yx(params: Params, y, x) -> Deflections:
    """α = θ_E r̂ (Keeton 2001); 0 at the exact centre."""
    dy, dx, _, _, _, aor, _ = _sph(params, y, x)
    return radial_deflections(aor, dy, dx)


def isothermal_sph_convergence(params: Params, y, x):
    """κ = θ_E / (2 r); 0 at the exact centre (a guard, not a physical value)."""
    return jnp.sum(_sph(params, y, x)[6], axis=0)


def isothermal_sph_potential(params: Params, y, x):
    """ψ = θ_E r."""
    _, _, pos, r, theta_e, _, _ = _sph(params, y, x)
    return jnp.sum(jnp.where(pos, theta_e * r, 0.0), axis=0)


def isothermal_sph_hessian(params: Params, y, x) -> Hessian:
    """Analytic Hessian: ψ_ij = (θ_E / r)(δ_ij − n_i n_j)."""
    dy, dx, _, _, _, aor, kappa = _sph(params, y, x)
    return radial_hessian(aor, kappa, dy, dx)
