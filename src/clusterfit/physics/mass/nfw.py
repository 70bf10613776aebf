"""Spherical NFW halo: ``NFWSph`` and ``NFWMCRLudlowSph`` (Wright & Brainerd 2000; Keeton 2001).

Parameters (``params`` keys, shape (n,)): ``y``, ``x`` (centre, arcsec), ``kappa_s`` = ρ_s r_s / Σ_cr
and ``scale_radius`` r_s (arcsec).

``NFWMCRLudlowSph`` rows carry ``mass_at_200`` instead; the model builder converts it once with
:func:`clusterfit.physics.mass.ludlow16.nfw_ludlow_kappa_s_scale_radius` (build time, numpy) for
D_ls/D_s = 1 and adds ``kappa_s`` and ``scale_radius`` to the group's params. The functions below are
then shared by both classes (extra keys such as ``mass_at_200`` are ignored).

With X = r / r_s and F(X) = arccosh(1/X)/√(1 − X²) (X < 1), arccos(1/X)/√(X² − 1) (X > 1):
κ = 2 κ_s (1 − F)/(X² − 1) (Wright & Brainerd 2000, Eq. 11), α = 4 κ_s r_s h(X)/X with
h = ln(X/2) + F (Keeton 2001, Eq. 54), ψ = 2 κ_s r_s² [ln²(X/2) − (1 − X²) F²]
(= ln²(X/2) − arccosh²(1/X) inside r_s, + arccos²(1/X) outside). Both branches are one power series
in t = 1 − X², F = Σ t^k/(2k + 1), used for |t| < 0.01 so X = 1 is smooth; the X → 0 limits are
written without cancellation.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.mass._common import (
    column,
    offsets,
    radial_deflections,
    radial_hessian,
)
from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "nfw_g",
    "nfw_h_over_x2",
    "nfw_p",
    "nfw_deflections_yx",
    "nfw_convergence",
    "nfw_potential",
    "nfw_hessian",
]

_T_SERIES = 1e-2
_N_TERMS = 9  # |t|^9 / 19 < 1e-19
_X_MIN = 1e-12  # X at the exact centre (κ is logarithmically divergent there)


def _series(t, start: int):
    """Σ_{k ≥ start} t^(k − start) / (2k + 1), Horner form."""
    out = jnp.zeros_like(t)
    for k in range(start + _N_TERMS - 1, start - 1, -1):
        out = out * t + 1.0 / (2 * k + 1)
    return out


def _branches(xx):
    """Safe inputs for the three regimes of X: inside (t ≥ 0.01), near 1, outside (t ≤ −0.01)."""
    t = (1.0 - xx) * (1.0 + xx)
    near = jnp.abs(t) < _T_SERIES
    inside = (xx < 1.0) & ~near
    outside = (xx > 1.0) & ~near
    x_in = jnp.where(inside, xx, 0.5)
    x_out = jnp.where(outside, xx, 2.0)
    t_near = jnp.where(near, t, 0.0)
    return near, inside, x_in, x_out, t_near


def _inside_parts(x_in):
    """s = √(1 − X²), L = arccosh(1/X) = ln((1 + s)/X), A + L = ln((1 + s)/2) for X < 1."""
    s = jnp.sqrt((1.0 - x_in) * (1.0 + x_in))
    ell = jnp.log((1.0 + s) / x_in)
    a_plus_l = jnp.log1p(-x_in * x_in / (2.0 * (1.0 + s)))
    return s, ell, a_plus_l


def _outside_f(x_out):
    root = jnp.sqrt((x_out - 1.0) * (x_out + 1.0))
    return jnp.arctan(root) / root, root


def _h_over_x2(xx):
    """h(X)/X² with h = ln(X/2) + F(X); → ½ ln(2/X) − ¼ as X → 0."""
    near, inside, x_in, x_out, t_near = _branches(xx)
    s, ell, a_plus_l = _inside_parts(x_in)
    # h = ln((1 + s)/2) + (1/s − 1) L, (1/s − 1) = X² / (s (1 + s))
    h_in_x2 = a_plus_l / (x_in * x_in) + ell / (s * (1.0 + s))
    f_out, _ = _outside_f(x_out)
    h_out_x2 = (jnp.log(x_out / 2.0) + f_out) / (x_out * x_out)
    x_near = jnp.where(near, xx, 1.0)
    h_near_x2 = (jnp.log(x_near / 2.0) + _series(t_near, 0)) / (x_near * x_near)
    return jnp.where(near, h_near_x2, jnp.where(inside, h_in_x2, h_out_x2))


def _g(xx):
    """g(X) = (1 − F)/(X² − 1) = (F − 1)/t, so κ = 2 κ_s g."""
    near, inside, x_in, x_out, t_near = _branches(xx)
    s, ell, _ = _inside_parts(x_in)
    g_in = (ell / s - 1.0) / (s * s)
    f_out, root = _outside_f(x_out)
    g_out = (1.0 - f_out) / (root * root)
    return jnp.where(near, _series(t_near, 1), jnp.where(inside, g_in, g_out))


def _p(xx):
    """ln²(X/2) − (1 − X²) F², so ψ = 2 κ_s r_s² p."""
    near, inside, x_in, x_out, t_near = _branches(xx)
    _, ell, a_plus_l = _inside_parts(x_in)
    p_in = (jnp.log(x_in / 2.0) - ell) * a_plus_l  # (A − L)(A + L)
    f_out, root = _outside_f(x_out)
    p_out = jnp.log(x_out / 2.0) ** 2 + (root * f_out) ** 2
    x_near = jnp.where(near, xx, 1.0)
    f_near = _series(t_near, 0)
    p_near = jnp.log(x_near / 2.0) ** 2 - t_near * f_near * f_near
    return jnp.where(near, p_near, jnp.where(inside, p_in, p_out))


nfw_g = _g  # public names for the elliptical NFWs (nfw_elliptical.py, nfw_potential_ell.py)
nfw_h_over_x2 = _h_over_x2
nfw_p = _p


def _setup(params: Params, y, x):
    dy, dx = offsets(params, y, x)
    rs = column(params, "scale_radius")
    ks = column(params, "kappa_s")
    r2 = dy * dy + dx * dx
    pos = r2 > 0.0
    xx = jnp.where(pos, jnp.sqrt(jnp.where(pos, r2, 1.0)), _X_MIN * rs) / rs
    xx = jnp.maximum(xx, _X_MIN)
    return dy, dx, xx, rs, ks


def _alpha_over_r(ks, xx):
    """α/r = 4 κ_s r_s h(X)/(X r) = 4 κ_s h(X)/X², since r = X r_s."""
    return 4.0 * ks * _h_over_x2(xx)


def nfw_deflections_yx(params: Params, y, x) -> Deflections:
    """Deflections (arcsec) of a group of spherical NFW haloes: 4 κ_s h(X)/X² × (Δy, Δx)."""
    dy, dx, xx, rs, ks = _setup(params, y, x)
    return radial_deflections(_alpha_over_r(ks, xx), dy, dx)


def nfw_convergence(params: Params, y, x):
    """κ = 2 κ_s g(X); finite (large) at the exact centre, where X is floored at 1e-12."""
    _, _, xx, _, ks = _setup(params, y, x)
    return jnp.sum(2.0 * ks * _g(xx), axis=0)


def nfw_potential(params: Params, y, x):
    """ψ = 2 κ_s r_s² [ln²(X/2) − (1 − X²) F(X)²] (arcsec²), → 0 at the centre."""
    _, _, xx, rs, ks = _setup(params, y, x)
    return jnp.sum(2.0 * ks * rs * rs * _p(xx), axis=0)


def nfw_hessian(params: Params, y, x) -> Hessian:
    """Analytic Hessian from α/r and κ."""
    dy, dx, xx, rs, ks = _setup(params, y, x)
    return radial_hessian(_alpha_over_r(ks, xx), 2.0 * ks * _g(xx), dy, dx)
