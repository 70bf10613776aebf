"""NFW halo elliptical in the *potential*: ``NFWEllipticalPotential`` (Lenstool ``profil 12``).

Parameters (``params`` keys, shape (n,)): ``y``, ``x`` (centre, arcsec), ``ellipticity`` ε (Lenstool's
``ellipticite`` of a profil 12 block, 0 ≤ ε < 1), ``angle_pos`` (degrees, major axis of the
iso-potentials counter-clockwise from +x), ``kappa_s`` = ρ_s r_s / Σ_cr and ``scale_radius`` r_s
(arcsec). Geometric normalisation (used as given, for the tracer's reference plane), as ``NFWSph``.

As Lenstool's ``e_grad.c``/``e_grad2.c`` case 12 (Golse & Kneib 2002): in the profile frame (major
axis along x'), the potential is the spherical NFW potential ψ_c at the pseudo-elliptical radius
u = √((1 − ε) x'² + (1 + ε) y'²), so with X = u/r_s

* α' = ψ_c'(u)/u × ((1 − ε) x', (1 + ε) y'), ψ_c'(u)/u = 4 κ_s h(X)/X² (the spherical NFW's α/r);
* κ = κ_c(X) + ε γ_c(X) cos 2θ, with κ_c = 2 κ_s g(X), γ_c = 4 κ_s h(X)/X² − κ_c and
  cos 2θ = ((1 − ε) x'² − (1 + ε) y'²)/u² (Golse & Kneib 2002, Eq. 17, exact for this potential);
* ψ_x'x' = (1 − ε)(κ_c − γ_c cos 2θ), ψ_y'y' = (1 + ε)(κ_c + γ_c cos 2θ),
  ψ_x'y' = −√(1 − ε²) γ_c sin 2θ, sin 2θ = 2 √(1 − ε²) x' y'/u²;
* ψ = ψ_c(u) = 2 κ_s r_s² [ln²(X/2) − (1 − X²) F(X)²].

lenstronomy's ``NFW_ELLIPSE_POTENTIAL`` is the same profile with e = (1 − q²)/(1 + q²) = ε.
Iso-density contours of a pseudo-elliptical potential become peanut-shaped, and κ can turn
negative, when ε is large (the caveat of Golse & Kneib 2002; measured: κ < 0 within 3 r_s for ε = 0.5). At the exact centre α = 0
and X is floored at 1e-12 (κ finite, large), as the spherical NFW.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.mass._common import column, from_frame, safe_r2, to_frame
from clusterfit.physics.mass.nfw import nfw_g, nfw_h_over_x2, nfw_p
from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "nfw_pot_ell_deflections_yx",
    "nfw_pot_ell_convergence",
    "nfw_pot_ell_potential",
    "nfw_pot_ell_hessian",
]

_X_MIN = 1e-12


def _setup(params: Params, y, x):
    """Profile-frame (y', x'), ε, (cos φ, sin φ), X = u/r_s, κ_s, r_s, u² (zeros replaced by 1)."""
    phi = jnp.deg2rad(column(params, "angle_pos"))
    cos, sin = jnp.cos(phi), jnp.sin(phi)
    yp, xp = to_frame(params, y, x, cos, sin)
    eps = column(params, "ellipticity")
    rs = column(params, "scale_radius")
    u2 = (1.0 - eps) * xp * xp + (1.0 + eps) * yp * yp
    pos, u2_safe = safe_r2(u2)
    xx = jnp.maximum(jnp.where(pos, jnp.sqrt(u2_safe), _X_MIN * rs) / rs, _X_MIN)
    return yp, xp, eps, cos, sin, xx, column(params, "kappa_s"), rs, pos, u2_safe


def _kappa_gamma(ks, xx):
    """(κ_c, γ_c, ψ_c'/u) of the spherical NFW at X."""
    mean = 4.0 * ks * nfw_h_over_x2(xx)
    kc = 2.0 * ks * nfw_g(xx)
    return kc, mean - kc, mean


def _c2_s2(yp, xp, eps, pos, u2):
    """cos 2θ, sin 2θ of the pseudo-elliptical polar angle (0 at the centre)."""
    a, b = (1.0 - eps) * xp * xp, (1.0 + eps) * yp * yp
    c2 = jnp.where(pos, (a - b) / u2, 0.0)
    s2 = jnp.where(pos, 2.0 * jnp.sqrt((1.0 - eps) * (1.0 + eps)) * xp * yp / u2, 0.0)
    return c2, s2


def nfw_pot_ell_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec): ψ_c'(u)/u × ((1 − ε) x', (1 + ε) y') rotated back to the sky."""
    yp, xp, eps, cos, sin, xx, ks, _, pos, _ = _setup(params, y, x)
    scale = jnp.where(pos, 4.0 * ks * nfw_h_over_x2(xx), 0.0)
    ay, ax = from_frame(scale * (1.0 + eps) * yp, scale * (1.0 - eps) * xp, cos, sin)
    return Deflections(jnp.sum(ay, axis=0), jnp.sum(ax, axis=0))


def nfw_pot_ell_convergence(params: Params, y, x):
    """κ = κ_c(X) + ε γ_c(X) cos 2θ."""
    yp, xp, eps, _, _, xx, ks, _, pos, u2 = _setup(params, y, x)
    kc, gc, _ = _kappa_gamma(ks, xx)
    c2, _ = _c2_s2(yp, xp, eps, pos, u2)
    return jnp.sum(kc + eps * gc * c2, axis=0)


def nfw_pot_ell_potential(params: Params, y, x):
    """ψ = ψ_c(u) (arcsec²), 0 at the centre."""
    _, _, _, _, _, xx, ks, rs, _, _ = _setup(params, y, x)
    return jnp.sum(2.0 * ks * rs * rs * nfw_p(xx), axis=0)


def nfw_pot_ell_hessian(params: Params, y, x) -> Hessian:
    """Analytic Hessian (module docstring), rotated from the profile frame to the sky."""
    yp, xp, eps, cos, sin, xx, ks, _, pos, u2 = _setup(params, y, x)
    kc, gc, _ = _kappa_gamma(ks, xx)
    c2, s2 = _c2_s2(yp, xp, eps, pos, u2)
    hxx = (1.0 - eps) * (kc - gc * c2)
    hyy = (1.0 + eps) * (kc + gc * c2)
    hxy = -jnp.sqrt((1.0 - eps) * (1.0 + eps)) * gc * s2
    cc, ss, cs = cos * cos, sin * sin, cos * sin
    sky_xx = cc * hxx - 2.0 * cs * hxy + ss * hyy
    sky_yy = ss * hxx + 2.0 * cs * hxy + cc * hyy
    sky_xy = cs * (hxx - hyy) + (cc - ss) * hxy
    return Hessian(jnp.sum(sky_yy, axis=0), jnp.sum(sky_xy, axis=0), jnp.sum(sky_xx, axis=0))
