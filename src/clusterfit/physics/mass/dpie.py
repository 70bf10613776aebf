"""Dual pseudo-isothermal mass distribution (dPIE) with Lenstool's parameters: ``dPIEMass``, ``dPIEMassSph``.

Parameters (``params`` keys, arrays of shape (n,)): ``y``, ``x`` (centre, arcsec), ``sigma`` (Lenstool's
fiducial velocity dispersion σ_LT, km/s), ``r_core`` (a, arcsec, ≥ 0), ``r_cut`` (s, arcsec, > a) and,
for ``dPIEMass``, ``ellipticity`` (mass ellipticity e = (A² − B²)/(A² + B²)) and ``angle_pos`` (degrees,
counter-clockwise from +x).

Normalisation for D_ls/D_s = 1 (the tracer multiplies by the actual ratio):
b0 = 6π (σ/c)² rad = 6 × 648000 (σ/c)² arcsec (Elíasdóttir et al. 2007, Eq. A24 coefficient; Lenstool
``set_potfile.c``), equivalently 4π (σ0/c)² with σ0 = √(3/2) σ_LT.

Elliptical geometry as Lenstool profile 81 and PyAutoLens ``dPIEMass``: e → axis ratio
q_m = √((1 − e)/(1 + e)) → ε = (1 − q_m)/(1 + q_m), clamped to [1e-5, 0.99999] (Lenstool ``set_lens.c``
does the same: the Kassiola & Kovner expressions are 0/0 at ε = 0). The pseudo-elliptical radius is
R² = x'²/(1 + ε)² + y'²/(1 − ε)², with x' along the major axis. The dPIE is the difference of two cored
profiles, α = b0 s/(s − a) [I*(a) − I*(s)] (Elíasdóttir et al. 2007, Eq. A11), each the PIEMD of Kassiola &
Kovner 1993 (their complex Eq. 4.1.2), evaluated here in real arithmetic as Keeton's (2001) softened
isothermal ellipsoid (:func:`_core`), with an analytic Hessian and a potential that is zero at the centre
(tests/physics/test_mass_dpie.py checks all three against KK93's complex forms in 40-digit arithmetic).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from clusterfit.physics.cosmology import C_KM_S
from clusterfit.physics.mass._common import (
    arctan,
    column,
    from_frame,
    offsets,
    radial_deflections,
    radial_hessian,
    to_frame,
)
from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "b0_from_sigma",
    "dpie_deflections_yx",
    "dpie_convergence",
    "dpie_potential",
    "dpie_hessian",
    "dpie_sph_deflections_yx",
    "dpie_sph_convergence",
    "dpie_sph_potential",
    "dpie_sph_hessian",
]

EPS_MIN = 1e-5
EPS_MAX = 0.99999


def b0_from_sigma(sigma):
    """Lens strength b0 in arcsec for D_ls/D_s = 1: 6 × 648000 (σ_LT / c)² (σ in km/s)."""
    return 6.0 * 648000.0 * (sigma / C_KM_S) ** 2


def _strength(params: Params):
    a = column(params, "r_core")
    s = column(params, "r_cut")
    k = b0_from_sigma(column(params, "sigma")) * s / (s - a)
    return a, s, k


def _geometry(params: Params):
    """ε (Kassiola & Kovner), cos φ, sin φ for each profile, shape (n, 1)."""
    e = column(params, "ellipticity")
    qm = jnp.sqrt((1.0 - e) / (1.0 + e))
    eps = jnp.clip((1.0 - qm) / (1.0 + qm), EPS_MIN, EPS_MAX)
    phi = jnp.deg2rad(column(params, "angle_pos"))
    return eps, jnp.cos(phi), jnp.sin(phi)


def _frame(params: Params, y, x):
    eps, cos, sin = _geometry(params)
    yp, xp = to_frame(params, y, x, cos, sin)
    return yp, xp, eps, cos, sin


class _Core(NamedTuple):
    """One cored isothermal ellipsoid of the pair, in the profile frame, shape (n, m) (Keeton 2001 §3.1):
    w = √(q²(s² + x'²) + y'²), D = (w + s)² + (1 − q²) x'² = (1 + q²) s² + 2 w s + x'² + y'²."""

    s: jnp.ndarray
    q: jnp.ndarray
    w: jnp.ndarray
    d: jnp.ndarray
    u: jnp.ndarray  # α_x' = (b/c) atan(u)
    z: jnp.ndarray  # α_y' = ±(b/2c) log1p(z), the sign of y'


def _core(xp, yp, eps, rc) -> _Core:
    """The cored term of core radius ``rc``: KK93's PIEMD with R² = x'²/(1 + ε)² + y'²/(1 − ε)² is the
    cored isothermal ellipsoid of axis ratio q = (1 − ε)/(1 + ε) and core s = (1 + ε) rc, since
    (1 − ε)² (rc² + R²) = q²(s² + x'²) + y'². With c = √(1 − q²) = 2√ε/(1 + ε) and b = k (1 − ε):

        α_x' = (b/c) atan(c x'/(w + s)),   α_y' = (b/c) atanh(c y'/(w + q² s)).

    atanh(u) = ½ log1p(2u/(1 − u)) with 1 − u = q² D / [(w + q² s)(w + q² s + c y')] for y' ≥ 0 (odd in y'):
    no cancellation as u → ±1 (ε near its upper clamp) nor as u → 0.
    """
    q = (1.0 - eps) / (1.0 + eps)
    c = 2.0 * jnp.sqrt(eps) / (1.0 + eps)
    q2 = q * q
    s = (1.0 + eps) * rc
    w = jnp.sqrt(q2 * (s * s + xp * xp) + yp * yp)
    d = (1.0 + q2) * s * s + 2.0 * w * s + xp * xp + yp * yp
    up = yp >= 0.0
    ay_abs = jnp.where(up, yp, -yp)  # |y'| with derivative ±1 at 0 (jnp.abs has 0 there)
    # D = 0 and w + s = 0 only at the centre of a coreless term (rc = 0), where both numerators vanish: α = 0
    d_safe, ws_safe = jnp.where(d > 0.0, d, 1.0), jnp.where(w + s > 0.0, w + s, 1.0)
    return _Core(s, q, w, d, c * xp / ws_safe, 2.0 * c * ay_abs * (w + q2 * s + c * ay_abs) / (q2 * d_safe))


class _Pair(NamedTuple):
    """Both cored terms of a dPIE and the deflection of their difference, Δα' = α'(a) − α'(s), over b."""

    yp: jnp.ndarray
    xp: jnp.ndarray
    cos: jnp.ndarray
    sin: jnp.ndarray
    b: jnp.ndarray
    ta: _Core
    ts: _Core
    dax: jnp.ndarray
    day: jnp.ndarray


def _pair(params: Params, y, x) -> _Pair:
    """Frame coordinates, geometry, b = k (1 − ε), the core (a) and cut (s) terms and Δα'/b. The differences
    take one atan and one log1p: atan u_a − atan u_s = atan[(u_a − u_s)/(1 + u_a u_s)] (u_a u_s ≥ 0: same
    sign as x'), log1p z_a − log1p z_s = log1p[(z_a − z_s)/(1 + z_s)]: the same cancellation as the separate
    differences, half the transcendental functions."""
    yp, xp, eps, cos, sin = _frame(params, y, x)
    a, s, k = _strength(params)
    ta, ts = _core(xp, yp, eps, a), _core(xp, yp, eps, s)
    c = 2.0 * jnp.sqrt(eps) / (1.0 + eps)
    dax = arctan((ta.u - ts.u) / (1.0 + ta.u * ts.u)) / c
    half_log = 0.5 * jnp.log1p((ta.z - ts.z) / (1.0 + ts.z)) / c
    return _Pair(yp, xp, cos, sin, k * (1.0 - eps), ta, ts, dax, jnp.where(yp >= 0.0, half_log, -half_log))


def dpie_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec) of a group of elliptical dPIEs: k [α(a) − α(s)] of two cored isothermal
    ellipsoids (Elíasdóttir et al. 2007, A11; Keeton 2001 for each term, see :func:`_core`), the same
    field as KK93's complex Eq. 4.1.2 in real arithmetic."""
    pr = _pair(params, y, x)
    ay, ax = from_frame(pr.b * pr.day, pr.b * pr.dax, pr.cos, pr.sin)
    return Deflections(jnp.sum(ay, axis=0), jnp.sum(ax, axis=0))


def _kappa(b0_half_k, a, s, r2):
    return b0_half_k * (1.0 / jnp.sqrt(a * a + r2) - 1.0 / jnp.sqrt(s * s + r2))


def dpie_convergence(params: Params, y, x):
    """κ = (b0/2) s/(s − a) [(a² + R²)^−½ − (s² + R²)^−½] (Elíasdóttir et al. 2007, Eq. A6)."""
    yp, xp, eps, _, _ = _frame(params, y, x)
    a, s, k = _strength(params)
    rem2 = xp * xp / (1.0 + eps) ** 2 + yp * yp / (1.0 - eps) ** 2
    return jnp.sum(_kappa(0.5 * k, a, s, rem2), axis=0)


def _core_log(xp, yp, t: _Core):
    """(s/2) ln[D/D(0)] of one cored term, so that its ψ/b = x' α_x' + y' α_y' − this, zero at its centre
    (Keeton 2001, softened isothermal), D(0) = (1 + q)² s², with D − D(0) = 2s (q² x'² + y'²)/(w + q s)
    + x'² + y'² (all terms ≥ 0: no cancellation near the centre); → 0 as s → 0 (``r_core = 0``)."""
    cored = t.s > 0.0  # a coreless term (rc = 0, the singular isothermal ellipsoid) has no log term
    s = jnp.where(cored, t.s, 1.0)
    excess = 2.0 * s * (t.q * t.q * xp * xp + yp * yp) / (t.w + t.q * s) + xp * xp + yp * yp
    return jnp.where(cored, 0.5 * s * jnp.log1p(excess / ((1.0 + t.q) * s) ** 2), 0.0)


def dpie_potential(params: Params, y, x):
    """Lensing potential (arcsec²): k [ψ(a) − ψ(s)] of the two cored isothermal ellipsoids, zero at the
    centre (:func:`_core_log`); ∇ψ = α exactly (a closed form, regular everywhere)."""
    pr = _pair(params, y, x)
    xp, yp = pr.xp, pr.yp
    psi = xp * pr.dax + yp * pr.day - (_core_log(xp, yp, pr.ta) - _core_log(xp, yp, pr.ts))
    return jnp.sum(pr.b * psi, axis=0)


def _core_hessian(xp, yp, t: _Core):
    """(ψ_x'x', ψ_x'y', ψ_y'y') / b of one cored term (Keeton 2001, softened isothermal):
    [q² s² + y'² + s w, −x' y', s² + x'² + s w] / (w D); their half trace is κ/b = 1/(2w)."""
    f = 1.0 / (t.w * t.d)
    sw = t.s * t.w
    return ((t.q * t.s) ** 2 + yp * yp + sw) * f, -xp * yp * f, (t.s * t.s + xp * xp + sw) * f


def dpie_hessian(params: Params, y, x) -> Hessian:
    """Analytic Hessian (ψ_yy, ψ_yx, ψ_xx) of a group of elliptical dPIEs: k [H(a) − H(s)] in the profile
    frame (:func:`_core_hessian`), rotated back to the sky (H = Jᵀ H' J, J = ∂(x', y')/∂(x, y))."""
    yp, xp, cos, sin, b, ta, ts = _pair(params, y, x)[:7]
    (xa, ca, ya), (xs, cs, ys) = _core_hessian(xp, yp, ta), _core_hessian(xp, yp, ts)
    hxx, hxy, hyy = b * (xa - xs), b * (ca - cs), b * (ya - ys)
    cc, ss, cs2 = cos * cos, sin * sin, cos * sin
    yy = ss * hxx + 2.0 * cs2 * hxy + cc * hyy
    xx = cc * hxx - 2.0 * cs2 * hxy + ss * hyy
    yx = cs2 * (hxx - hyy) + (cc - ss) * hxy
    return Hessian(jnp.sum(yy, axis=0), jnp.sum(yx, axis=0), jnp.sum(xx, axis=0))


# --- spherical --------------------------------------------------------------------------------


def _sph(params: Params, y, x):
    dy, dx = offsets(params, y, x)
    a, s, k = _strength(params)
    return dy, dx, dy * dy + dx * dx, a, s, k


def _sph_alpha_over_r(a, s, k, r2):
    """α(R)/R = b0 s/(s − a) [1/(√(R² + a²) + a) − 1/(√(R² + s²) + s)] (Elíasdóttir et al. 2007, A19–A20)."""
    return k * (1.0 / (jnp.sqrt(r2 + a * a) + a) - 1.0 / (jnp.sqrt(r2 + s * s) + s))


def dpie_sph_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec) of a group of spherical dPIEs; finite and smooth at R = 0."""
    dy, dx, r2, a, s, k = _sph(params, y, x)
    return radial_deflections(_sph_alpha_over_r(a, s, k, r2), dy, dx)


def dpie_sph_convergence(params: Params, y, x):
    """κ(R) = (b0/2) s/(s − a) [(a² + R²)^−½ − (s² + R²)^−½] (Elíasdóttir et al. 2007, Eq. A6)."""
    _, _, r2, a, s, k = _sph(params, y, x)
    return jnp.sum(_kappa(0.5 * k, a, s, r2), axis=0)


def _sph_pot(c, r2):
    w = jnp.sqrt(c * c + r2)
    cored = c > 0.0  # c ln(c + w) → 0 as c → 0 (r_core = 0), also at R = 0
    return w - jnp.where(cored, c * jnp.log(jnp.where(cored, c + w, 1.0)), 0.0)


def dpie_sph_potential(params: Params, y, x):
    """ψ(R) = b0 s/(s − a) [F(a) − F(s)], F(c) = √(c² + R²) − c ln(c + √(c² + R²)), with ψ(0) = 0.

    dF/dR = (√(c² + R²) − c)/R, so ψ' = α (Elíasdóttir et al. 2007, Eq. A21 up to a constant).
    """
    _, _, r2, a, s, k = _sph(params, y, x)
    psi = (_sph_pot(a, r2) - _sph_pot(a, 0.0)) - (_sph_pot(s, r2) - _sph_pot(s, 0.0))
    return jnp.sum(k * psi, axis=0)


def dpie_sph_hessian(params: Params, y, x) -> Hessian:
    """Analytic Hessian of the spherical dPIE from α/R and κ."""
    dy, dx, r2, a, s, k = _sph(params, y, x)
    return radial_hessian(_sph_alpha_over_r(a, s, k, r2), _kappa(0.5 * k, a, s, r2), dy, dx)
