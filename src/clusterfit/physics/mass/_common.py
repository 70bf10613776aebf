"""Shared helpers for the mass profiles: group broadcasting, frames, safe maths, Hessians.

A group of n profiles is evaluated at m positions by broadcasting parameters of shape (n, 1) against
positions of shape (1, m) and summing over axis 0. Nothing here branches on traced values.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from clusterfit.physics.types import Deflections, Hessian, Params

__all__ = [
    "column",
    "positions",
    "offsets",
    "to_frame",
    "from_frame",
    "safe_sqrt",
    "safe_r2",
    "arctan",
    "ell_comps_to_q_cos_sin",
    "radial_deflections",
    "radial_hessian",
    "hessian_via_jacfwd",
]


def column(params: Params, name: str) -> jnp.ndarray:
    """Parameter ``name`` of the group as a float64 array of shape (n, 1)."""
    return jnp.asarray(params[name], dtype=jnp.float64).reshape(-1, 1)


def positions(y, x) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Positions (arcsec) as float64 arrays of shape (1, m)."""
    y = jnp.asarray(y, dtype=jnp.float64).reshape(1, -1)
    x = jnp.asarray(x, dtype=jnp.float64).reshape(1, -1)
    return y, x


def offsets(params: Params, y, x) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Positions relative to each profile's centre, (Δy, Δx) = (y − y_c, x − x_c) in arcsec, shape (n, m)."""
    y, x = positions(y, x)
    return y - column(params, "y"), x - column(params, "x")


def to_frame(params: Params, y, x, cos, sin):
    """The profile frame: offsets from the centre (:func:`offsets`) rotated clockwise by the position
    angle φ (cos φ, sin φ). Returns (y', x') with the profile's major axis along x':
    x' = Δx cos φ + Δy sin φ, y' = Δy cos φ − Δx sin φ.
    """
    dy, dx = offsets(params, y, x)
    return dy * cos - dx * sin, dx * cos + dy * sin


def from_frame(ay, ax, cos, sin):
    """Rotate a vector (a_y', a_x') in the profile frame back to the sky frame (counter-clockwise by φ)."""
    return ax * sin + ay * cos, ax * cos - ay * sin


def safe_sqrt(v):
    """√v with a finite gradient at v = 0 (gradient 0 there)."""
    pos = v > 0.0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, v, 1.0)), 0.0)


def safe_r2(r2):
    """(r2 > 0 mask, r2 with zeros replaced by 1) for the jnp.where double-where trick."""
    pos = r2 > 0.0
    return pos, jnp.where(pos, r2, 1.0)


# Cephes ``atan`` (S. L. Moshier): rational approximation on |t| ≤ 0.66 after range reduction, relative error
# ~1e-16 (as libm's). XLA on CPU calls libm's scalar atan (~17 ns an element); this one vectorises (~1 ns).
_ATAN_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
           -1.228866684490136173410e2, -6.485021904942025371773e1)
_ATAN_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
           4.853903996359136964868e2, 1.945506571482613964425e2)
_T3P8 = 2.41421356237309504880  # tan(3π/8)
_MOREBITS = 6.123233995736765886130e-17  # π/2 − fl(π/2)


@jax.custom_jvp
def arctan(t):
    """atan(t) elementwise to double precision (Cephes's algorithm, vectorised); derivative 1/(1 + t²)."""
    a = jnp.abs(t)
    big, mid = a > _T3P8, a > 0.66
    u = jnp.where(big, -1.0, jnp.where(mid, a - 1.0, a)) / jnp.where(big, a, jnp.where(mid, a + 1.0, 1.0))
    base = jnp.where(big, 0.5 * np.pi, jnp.where(mid, 0.25 * np.pi, 0.0))
    extra = jnp.where(big, _MOREBITS, jnp.where(mid, 0.5 * _MOREBITS, 0.0))
    z = u * u
    p = (((_ATAN_P[0] * z + _ATAN_P[1]) * z + _ATAN_P[2]) * z + _ATAN_P[3]) * z + _ATAN_P[4]
    q = ((((z + _ATAN_Q[0]) * z + _ATAN_Q[1]) * z + _ATAN_Q[2]) * z + _ATAN_Q[3]) * z + _ATAN_Q[4]
    r = base + (u * (z * p / q) + u + extra)
    return jnp.where(t < 0.0, -r, r)


@arctan.defjvp
def _arctan_jvp(primals, tangents):
    (t,), (dt,) = primals, tangents
    return arctan(t), dt / (1.0 + t * t)


def ell_comps_to_q_cos_sin(e0, e1, max_magnitude: float = 0.999):
    """Axis ratio q and (cos φ, sin φ) of the position angle from PyAutoLens ``ell_comps``.

    (e0, e1) = f (sin 2φ, cos 2φ) with f = (1 − q)/(1 + q), φ counter-clockwise from +x. f is clamped
    to ``max_magnitude`` as PyAutoLens does. At (0, 0) q = 1 and φ = 0, with finite gradients.
    """
    f2 = e0 * e0 + e1 * e1
    f = jnp.minimum(safe_sqrt(f2), max_magnitude)
    q = (1.0 - f) / (1.0 + f)
    pos, f2_safe = safe_r2(f2)
    norm = jnp.sqrt(f2_safe)
    cos2 = jnp.where(pos, e1 / norm, 1.0)  # cos 2φ
    sin2 = jnp.where(pos, e0 / norm, 0.0)  # sin 2φ
    phi = 0.5 * jnp.arctan2(sin2, cos2)
    cos, sin = jnp.cos(phi), jnp.sin(phi)
    return q, cos, sin


def radial_deflections(alpha_over_r, dy, dx) -> Deflections:
    """Deflections of a circularly symmetric profile, α(r)/r × (Δy, Δx), summed over the group."""
    return Deflections(jnp.sum(alpha_over_r * dy, axis=0), jnp.sum(alpha_over_r * dx, axis=0))


def radial_hessian(alpha_over_r, kappa, dy, dx) -> Hessian:
    """Hessian of a circularly symmetric potential from α(r)/r and κ(r), summed over the group.

    ψ_ij = (α/r) δ_ij + (2κ − 2α/r) n_i n_j with n = (Δy, Δx)/r, since ψ'' = α' = 2κ − α/r
    (Keeton 2001, Eq. 2). At r = 0 the n n term is dropped (it is multiplied by a vanishing
    factor for every regular profile).
    """
    pos, r2 = safe_r2(dy * dy + dx * dx)
    w = jnp.where(pos, (2.0 * kappa - 2.0 * alpha_over_r) / r2, 0.0)
    return Hessian(
        jnp.sum(alpha_over_r + w * dy * dy, axis=0),
        jnp.sum(w * dy * dx, axis=0),
        jnp.sum(alpha_over_r + w * dx * dx, axis=0),
    )


def hessian_via_jacfwd(deflections_yx: Callable[[Params, jnp.ndarray, jnp.ndarray], Deflections]):
    """A ``hessian(params, y, x)`` from forward-mode derivatives of ``deflections_yx``.

    Each position is differentiated on its own (vmap over positions of a 2×2 ``jax.jacfwd``).
    """

    def one(params, yi, xi):
        def f(p):
            d = deflections_yx(params, p[0:1], p[1:2])
            return jnp.stack([d.y[0], d.x[0]])

        j = jax.jacfwd(f)(jnp.stack([yi, xi]))
        return j[0, 0], 0.5 * (j[0, 1] + j[1, 0]), j[1, 1]

    def hessian(params: Params, y, x) -> Hessian:
        y = jnp.asarray(y, dtype=jnp.float64).reshape(-1)
        x = jnp.asarray(x, dtype=jnp.float64).reshape(-1)
        yy, yx, xx = jax.vmap(one, in_axes=(None, 0, 0))(params, y, x)
        return Hessian(yy, yx, xx)

    return hessian
