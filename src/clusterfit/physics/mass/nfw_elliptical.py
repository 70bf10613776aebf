"""Elliptical NFW halo, elliptical in the convergence: ``NFW`` (PyAutoLens semantics).

Parameters (``params`` keys, shape (n,)): ``y``, ``x`` (centre, arcsec), ``ell_comps_0``, ``ell_comps_1``
= f (sin 2φ, cos 2φ), f = (1 − q)/(1 + q), φ counter-clockwise from +x, ``kappa_s`` = ρ_s r_s / Σ_cr and
``scale_radius`` r_s (arcsec). Geometric normalisation (used as given, for the tracer's reference plane).

In the profile frame (major axis along x'), with x1 = x'/r_s, x2 = y'/r_s and the major-axis elliptical
radius a = √(x1² + x2²/q²), κ = 2 κ_s g(a), g(a) = (1 − F(a))/(a² − 1) as the spherical NFW
(:mod:`clusterfit.physics.mass.nfw`). Deflections are the closed form of Heyrovský & Karamazov 2024
(A&A 690, A20, Eqs. 30–32; as PyAutoLens ``NFW``), written with their eccentricity e = √(1 − q²):
α = 4 κ_s r_s q / D × [...] with D = ((x1 − e)² + x2²)((x1 + e)² + x2²) = (r² − e²)² + 4 e² x2²,
f1 = F(a)/q, f2 = ln(r/(1 + q)), f3 = arctan(x1 x2 (1 − q)/(q x1² + x2²)).

Accuracy: the closed form cancels near the centre of nearly round haloes. The logarithms of f1 and f2
are regrouped as F(a) = h(a) − ln(a/2) (h from the spherical NFW, computed without cancellation) and
ln(2r/((1 + q) a)) = O(e²), which makes the round limit the spherical formula exactly; for
e² < 1e-8 the spherical formula is used outright. Against the same closed form in 50-digit arithmetic
(tests/physics/test_mass_nfw_elliptical.py, r/r_s from 1e-6 to 30) the relative error is ≤ 2e-13 for
q ≤ 0.999 and at most 9e-9 (at q = 1 − 1e-8). The exact centre gives α = 0.

The potential has no closed form: ψ(θ) = ∫₀¹ α(tθ)·θ dt (ψ = 0 at the centre), by 32-point
Gauss–Legendre quadrature in s = √t (which smooths the t ln t behaviour at the cusp); ∇ψ matches α to
~1e-8 relative (measured for r/r_s from 1e-4 to 50). The Hessian is the forward-mode derivative of
the deflections.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from clusterfit.physics.mass._common import (
    column,
    ell_comps_to_q_cos_sin,
    from_frame,
    hessian_via_jacfwd,
    safe_r2,
    to_frame,
)
from clusterfit.physics.mass.nfw import nfw_g, nfw_h_over_x2
from clusterfit.physics.types import Deflections, Params

__all__ = [
    "nfw_ell_deflections_yx",
    "nfw_ell_convergence",
    "nfw_ell_potential",
    "nfw_ell_hessian",
]

_ROUND_E2 = 1e-8  # below this e² = 1 − q², the spherical formula is used
_X_MIN = 1e-12  # X floor at the exact centre (κ is logarithmically divergent there)
_N_QUAD = 32
_S, _W = np.polynomial.legendre.leggauss(_N_QUAD)
_S = 0.5 * (_S + 1.0)  # nodes in s ∈ (0, 1), t = s²
_W = 0.5 * _W


def _frame(params: Params, y, x):
    q, cos, sin = ell_comps_to_q_cos_sin(column(params, "ell_comps_0"), column(params, "ell_comps_1"))
    yp, xp = to_frame(params, y, x, cos, sin)
    rs = column(params, "scale_radius")
    return yp / rs, xp / rs, q, cos, sin, rs, column(params, "kappa_s")


def _alpha_unit(x2, x1, q):
    """(α_y', α_x') / (κ_s r_s) in the profile frame at (x2, x1) = (y', x')/r_s; broadcasts."""
    r2 = x1 * x1 + x2 * x2
    at_centre = r2 < 1e-300
    round_ = (1.0 - q) * (1.0 + q) < _ROUND_E2
    # safe inputs: the centre goes to a point on the unit circle, round profiles use q = 0.5 in the
    # (unused) closed form, so that no branch sees 0/0 (values and gradients stay finite)
    x1 = jnp.where(at_centre, 1.0, x1)
    x2 = jnp.where(at_centre, 0.0, x2)
    r2 = jnp.where(at_centre, 1.0, r2)
    # spherical: α/r = 4 κ_s h(X)/X² (r = X r_s)
    xx = jnp.maximum(jnp.sqrt(r2), _X_MIN)
    sph = 4.0 * nfw_h_over_x2(xx)
    qh = jnp.where(round_, 0.5, q)
    e2 = (1.0 - qh) * (1.0 + qh)
    x1s, x2s = x1 * x1, x2 * x2
    a = jnp.maximum(jnp.sqrt(x1s + x2s / (qh * qh)), _X_MIN)
    # F(a) = h(a) − ln(a/2) with h = a² × (h/X²) computed stably, so that the logarithms of f1 and f2
    # combine into ln(2r/((1 + q) a)) = O(e²) and the round limit is the spherical formula exactly
    h = a * a * nfw_h_over_x2(a)
    log_a2 = jnp.log(a / 2.0)
    log_ratio = 0.5 * jnp.log(r2) - jnp.log1p(qh) - log_a2
    f3 = jnp.arctan(x1 * x2 * (1.0 - qh) / (qh * x1s + x2s))
    d = (r2 - e2) ** 2 + 4.0 * e2 * x2s
    pref = 4.0 * qh / d
    # α_x' = pref [c1 f1 + c2 f2 − x2 (r² + e²) f3], α_y' = pref [c1' f1 + c2' f2 + x1 (r² − e²) f3]
    # (HK24 Eqs. 30–31), regrouped as (c1/q) h + c2 ln(2r/((1+q)a)) + (c2 − c1/q) ln(a/2)
    c1_q = x1 * ((x1s - e2) * qh + x2s * (2.0 - qh * qh) / qh)
    c2 = x1 * (r2 - e2)
    dc = x1 * (1.0 - qh) * (x1s - e2 - x2s * (2.0 + qh) / qh)  # c2 − c1/q
    ax = pref * (c1_q * h + c2 * log_ratio + dc * log_a2 - x2 * (r2 + e2) * f3)
    c1y_q = x2 * (x1s * (2.0 * qh * qh - 1.0) + x2s + e2) / qh
    c2y = x2 * (r2 + e2)
    dcy = x2 * (1.0 - qh) / qh * (x1s * (1.0 + 2.0 * qh) - x2s - e2)  # c2' − c1'/q
    ay = pref * (c1y_q * h + c2y * log_ratio + dcy * log_a2 + x1 * (r2 - e2) * f3)
    ax = jnp.where(round_, sph * x1, ax)
    ay = jnp.where(round_, sph * x2, ay)
    return jnp.where(at_centre, 0.0, ay), jnp.where(at_centre, 0.0, ax)


def nfw_ell_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec) of a group of elliptical NFW haloes (Heyrovský & Karamazov 2024)."""
    x2, x1, q, cos, sin, rs, ks = _frame(params, y, x)
    ay, ax = _alpha_unit(x2, x1, q)
    ay, ax = from_frame(ks * rs * ay, ks * rs * ax, cos, sin)
    return Deflections(jnp.sum(ay, axis=0), jnp.sum(ax, axis=0))


def nfw_ell_convergence(params: Params, y, x):
    """κ = 2 κ_s g(a), a = √(x'² + y'²/q²)/r_s floored at 1e-12 (finite, large, at the centre)."""
    x2, x1, q, _, _, _, ks = _frame(params, y, x)
    pos, a2 = safe_r2(x1 * x1 + x2 * x2 / (q * q))
    a = jnp.maximum(jnp.where(pos, jnp.sqrt(a2), _X_MIN), _X_MIN)
    return jnp.sum(2.0 * ks * nfw_g(a), axis=0)


def nfw_ell_potential(params: Params, y, x):
    """ψ = ∫₀¹ α(tθ)·θ dt (arcsec²) by Gauss–Legendre quadrature in s = √t; ψ(centre) = 0."""
    x2, x1, q, _, _, rs, ks = _frame(params, y, x)
    t = jnp.asarray(_S * _S)
    ay, ax = _alpha_unit(x2[..., None] * t, x1[..., None] * t, q[..., None])
    integrand = (ax * x1[..., None] + ay * x2[..., None]) * jnp.asarray(2.0 * _S * _W)
    return jnp.sum(ks * rs * rs * jnp.sum(integrand, axis=-1), axis=0)


nfw_ell_hessian = hessian_via_jacfwd(nfw_ell_deflections_yx)
nfw_ell_hessian.__doc__ = "Hessian of the elliptical NFW by forward-mode differentiation of the deflections."
