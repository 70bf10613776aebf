"""Elliptical power law (EPL / PEMD): ``PowerLaw`` (PyAutoLens semantics; Tessore & Metcalf 2015).

Parameters (``params`` keys, shape (n,)): ``y``, ``x`` (centre, arcsec), ``ell_comps_0``, ``ell_comps_1``
= f (sin 2φ, cos 2φ), f = (1 − q)/(1 + q), φ counter-clockwise from +x, ``einstein_radius`` θ_E (arcsec,
PyAutoLens's major-axis convention) and ``slope`` γ (3D density ∝ r^−γ, 1 < γ < 3; γ = 2 is the
``Isothermal``). Geometric normalisation (used as given, for the tracer's reference plane).

In the profile frame (major axis along x'), with t = γ − 1 and R = √(x'² + y'²/q²),
κ = (3 − γ)/(1 + q) θ_E^t R^−t (PyAutoLens ``PowerLaw``; lenstronomy ``EPL`` with
θ_E,L = √q (2/(1 + q))^(1/t) θ_E). Deflections (Tessore & Metcalf 2015, Eqs. 13, 29):
α_x' + i α_y' = (2/(1 + q))² (q θ_E)^t ρ^(1−t) Ω, ρ = √(q² x'² + y'²), Ω = z Σ_n a_n (−f z²)^n with
z = (q x' + i y')/ρ, a_0 = 1, a_n = a_(n−1) (2n − 2 + t)/(2n + 2 − t). The series is summed to 256
terms (Horner), so its truncation error, bounded by f^256/(1 − f), is below 1e-10 for q ≥ 0.05; lower
axis ratios lose accuracy (against PyAutoLens's adaptive-length series: 2e-13 at q = 0.05, 1.4e-8 at
q = 0.03). ψ = (x' α_x' + y' α_y')/(2 − t) (ψ is homogeneous of degree 2 − t).
As in PyAutoLens, ρ² is softened by 1e-16 arcsec² so the centre is finite; κ uses the same softening.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from clusterfit.physics.mass._common import (
    column,
    ell_comps_to_q_cos_sin,
    from_frame,
    hessian_via_jacfwd,
    to_frame,
)
from clusterfit.physics.types import Deflections, Params

__all__ = [
    "power_law_deflections_yx",
    "power_law_convergence",
    "power_law_potential",
    "power_law_hessian",
]

_SOFT2 = 1e-16  # arcsec², PyAutoLens's softening
_N_TERMS = 256


def _frame(params: Params, y, x):
    q, cos, sin = ell_comps_to_q_cos_sin(column(params, "ell_comps_0"), column(params, "ell_comps_1"))
    yp, xp = to_frame(params, y, x, cos, sin)
    return yp, xp, q, cos, sin, column(params, "einstein_radius"), column(params, "slope") - 1.0


def _omega(z, t, f):
    """Ω = z Σ_{n<256} a_n w^n, w = −f z² (Tessore & Metcalf 2015, Eq. 29), by Horner's rule."""
    n = jnp.arange(1, _N_TERMS, dtype=jnp.float64).reshape(-1, 1, 1)
    ratios = (2.0 * n - 2.0 + t) / (2.0 * n + 2.0 - t)  # (N − 1, n, 1)
    coeffs = jnp.concatenate([jnp.ones_like(ratios[:1]), jnp.cumprod(ratios, axis=0)], axis=0)
    w = -f * z * z

    def step(acc, c):
        return acc * w + c, None

    acc0 = jnp.zeros_like(w) + coeffs[-1]
    acc, _ = jax.lax.scan(step, acc0, coeffs[-2::-1])
    return z * acc


def _frame_deflections(params: Params, y, x):
    yp, xp, q, cos, sin, theta_e, t = _frame(params, y, x)
    f = (1.0 - q) / (1.0 + q)
    qx = q * xp
    rho2 = qx * qx + yp * yp
    on_centre = rho2 == 0.0
    rho = jnp.sqrt(jnp.where(on_centre, 1.0, rho2))
    z = jnp.where(on_centre, 1.0 + 0.0j, jax.lax.complex(qx / rho, yp / rho))
    rho_soft = jnp.sqrt(rho2 + _SOFT2)
    amp = (2.0 / (1.0 + q)) ** 2 * (q * theta_e) ** t * rho_soft ** (1.0 - t)
    om = _omega(z, t, f)
    return yp, xp, amp * jnp.imag(om), amp * jnp.real(om), cos, sin, t


def power_law_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec) of a group of elliptical power laws."""
    _, _, ay, ax, cos, sin, _ = _frame_deflections(params, y, x)
    ay, ax = from_frame(ay, ax, cos, sin)
    return Deflections(jnp.sum(ay, axis=0), jnp.sum(ax, axis=0))


def power_law_convergence(params: Params, y, x):
    """κ = (3 − γ)/(1 + q) θ_E^(γ−1) R^(1−γ), R = √(x'² + y'²/q² + 1e-16)."""
    yp, xp, q, _, _, theta_e, t = _frame(params, y, x)
    r = jnp.sqrt(xp * xp + yp * yp / (q * q) + _SOFT2)
    return jnp.sum((2.0 - t) / (1.0 + q) * (theta_e / r) ** t, axis=0)


def power_law_potential(params: Params, y, x):
    """ψ = (x' α_x' + y' α_y')/(3 − γ) (arcsec²)."""
    yp, xp, ay, ax, _, _, t = _frame_deflections(params, y, x)
    return jnp.sum((xp * ax + yp * ay) / (2.0 - t), axis=0)


power_law_hessian = hessian_via_jacfwd(power_law_deflections_yx)
power_law_hessian.__doc__ = "Hessian of the power law by forward-mode differentiation of the deflections."
