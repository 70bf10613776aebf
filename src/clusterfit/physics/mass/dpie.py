"""Dual pseudo-isothermal mass distribution (dPIE) with Lenstool's parameters: ``dPIEMass``, ``dPIEMassSph``.

Parameters (``params`` keys, arrays of shape (n,)): ``y``, ``x`` (centre, arcsec), ``sigma`` (Lenstool's
fiducial velocity dispersion σ_LT, km/s), ``r_core`` (a, arcsec, > 0), ``r_cut`` (s, arcsec, > a) and,
for ``dPIEMass``, ``ellipticity`` (mass ellipticity e = (A² − B²)/(A² + B²)) and ``angle_pos`` (degrees,
counter-clockwise from +x).

Normalisation for D_ls/D_s = 1 (the tracer multiplies by the actual ratio):
b0 = 6π (σ/c)² rad = 6 × 648000 (σ/c)² arcsec (Elíasdóttir et al. 2007, Eq. A24 coefficient; Lenstool
``set_potfile.c``), equivalently 4π (σ0/c)² with σ0 = √(3/2) σ_LT.

Elliptical geometry as Lenstool profile 81 and PyAutoLens ``dPIEMass``: e → axis ratio
q_m = √((1 − e)/(1 + e)) → ε = (1 − q_m)/(1 + q_m), clamped to [1e-5, 0.99999] (Lenstool ``set_lens.c``
does the same: the Kassiola & Kovner expressions are 0/0 at ε = 0). The pseudo-elliptical radius is
R² = x'²/(1 + ε)² + y'²/(1 − ε)², with x' along the major axis. Deflections use the complex PIEMD
solution of Kassiola & Kovner 1993 (Eq. 4.1.2) as the difference of two cored profiles,
α = b0 s/(s − a) [I*(a) − I*(s)] (Elíasdóttir et al. 2007, Eq. A11).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from clusterfit.physics.cosmology import C_KM_S
from clusterfit.physics.mass._common import (
    column,
    from_frame,
    hessian_via_jacfwd,
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


def _log_ratio(xp, yp, eps, rc):
    """ln[(q x + i(2√ε √(rc² + R²) − y/q)) / (x + i(2 rc √ε − y))], q = (1 − ε)/(1 + ε) (KK93 Eq. 4.1.2)."""
    sqe = jnp.sqrt(eps)
    q = (1.0 - eps) / (1.0 + eps)
    rem2 = xp * xp / (1.0 + eps) ** 2 + yp * yp / (1.0 - eps) ** 2
    num = jax.lax.complex(q * xp, 2.0 * sqe * jnp.sqrt(rc * rc + rem2) - yp / q)
    den = jax.lax.complex(xp, 2.0 * rc * sqe - yp)
    return jnp.log(num / den)


def dpie_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec) of a group of elliptical dPIEs (KK93 Eq. 4.1.2; Elíasdóttir et al. 2007 A11)."""
    yp, xp, eps, cos, sin = _frame(params, y, x)
    a, s, k = _strength(params)
    ci = 0.5 * (1.0 - eps * eps) / jnp.sqrt(eps)
    dl = _log_ratio(xp, yp, eps, a) - _log_ratio(xp, yp, eps, s)
    # I* = −i ci ΔL: α_x' = Re I* = ci Im ΔL, α_y' = Im I* = −ci Re ΔL
    ax = k * ci * jnp.imag(dl)
    ay = -k * ci * jnp.real(dl)
    ay, ax = from_frame(ay, ax, cos, sin)
    return Deflections(jnp.sum(ay, axis=0), jnp.sum(ax, axis=0))


def _kappa(b0_half_k, a, s, r2):
    return b0_half_k * (1.0 / jnp.sqrt(a * a + r2) - 1.0 / jnp.sqrt(s * s + r2))


def dpie_convergence(params: Params, y, x):
    """κ = (b0/2) s/(s − a) [(a² + R²)^−½ − (s² + R²)^−½] (Elíasdóttir et al. 2007, Eq. A6)."""
    yp, xp, eps, _, _ = _frame(params, y, x)
    a, s, k = _strength(params)
    rem2 = xp * xp / (1.0 + eps) ** 2 + yp * yp / (1.0 - eps) ** 2
    return jnp.sum(_kappa(0.5 * k, a, s, rem2), axis=0)


def _pi05(xp, yp, eps, rc):
    """Potential / b0 of one cored PIEMD (Kassiola & Kovner 1993 I0.5c; Lenstool ``pi05``)."""
    sqe = jnp.sqrt(eps)
    ci = 0.5 * (1.0 - eps * eps) / sqe
    rem2 = xp * xp / (1.0 + eps) ** 2 + yp * yp / (1.0 - eps) ** 2
    e1 = 2.0 * sqe / (1.0 - eps)
    e2 = 2.0 * sqe / (1.0 + eps)
    z = jnp.sqrt(xp * xp + yp * yp)
    eta = jax.lax.complex(-0.5 * jnp.arcsinh(e1 * yp / z), 0.5 * jnp.arcsin(e2 * xp / z))
    zeta = 0.5 * jnp.log((jnp.sqrt(rem2) + jnp.sqrt(rc * rc + rem2)) / rc) + 0.0j
    b1 = jnp.cosh(eta + zeta)
    b2 = jnp.cosh(eta - zeta)
    ckk = jnp.sinh(2.0 * eta) * jnp.log(jnp.cosh(eta) ** 2 / (b1 * b2)) + jnp.sinh(
        2.0 * zeta
    ) * jnp.log(b1 / b2)
    return ci * rc / jnp.sqrt(rem2) * (jnp.imag(ckk) * xp - jnp.real(ckk) * yp)


def dpie_potential(params: Params, y, x):
    """Lensing potential (arcsec²): b0 s/(s − a) [π(a) − π(s)] with KK93's I0.5c potential π.

    The exact centre is replaced by a point 1e-9″ away (the closed form is 0/0 there).
    """
    yp, xp, eps, _, _ = _frame(params, y, x)
    a, s, k = _strength(params)
    centre = (xp * xp + yp * yp) < 1e-18
    xs = jnp.where(centre, 1e-9, xp)
    ys = jnp.where(centre, 0.0, yp)
    return jnp.sum(k * (_pi05(xs, ys, eps, a) - _pi05(xs, ys, eps, s)), axis=0)


dpie_hessian = hessian_via_jacfwd(dpie_deflections_yx)
dpie_hessian.__doc__ = "Hessian of the elliptical dPIE by forward-mode differentiation of the deflections."


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
    return w - c * jnp.log(c + w)


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
