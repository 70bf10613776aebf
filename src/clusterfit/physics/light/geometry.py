"""Elliptical coordinates of light profiles, in PyAutoGalaxy's convention.

``ell_comps = (e_y, e_x) = f (sin 2φ, cos 2φ)`` with ``f = (1 − q)/(1 + q)``, φ counter-clockwise from +x,
and the magnitude f clamped at 0.999 as ``autogalaxy.convert.ELL_COMPS_MAGNITUDE_CLAMP`` does.

The *eccentric radius* is ``ξ = √q · √(x'² + (y'/q)²)`` in the frame rotated by φ
(``autogalaxy.profiles.geometry_profiles.EllProfile.eccentric_radii_grid_from``). Expanded in the
unrotated frame it needs no trigonometry::

    ξ² = [(1 + f² − 2 e_x) x² − 4 e_y x y + (1 + f² + 2 e_x) y²] / (1 − f²)

which is the form ``autogalaxy``'s ``Sersic._eccentric_radii_grid_from_cartesian`` evaluates.
All angles and radii in arcsec.
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ["ELL_COMPS_CLAMP", "clamped_ell_comps", "axis_ratio", "eccentric_radius"]

ELL_COMPS_CLAMP = 0.999
"""Largest |ell_comps| used (``autogalaxy.convert.ELL_COMPS_MAGNITUDE_CLAMP``)."""


def clamped_ell_comps(e_y: jnp.ndarray, e_x: jnp.ndarray) -> tuple[jnp.ndarray, jnp.ndarray]:
    """``(e_y, e_x)`` rescaled so that their magnitude is at most :data:`ELL_COMPS_CLAMP`."""
    norm = jnp.sqrt(jnp.maximum(e_y**2 + e_x**2, 1e-12))
    scale = jnp.minimum(1.0, ELL_COMPS_CLAMP / norm)
    return e_y * scale, e_x * scale


def axis_ratio(e_y: jnp.ndarray, e_x: jnp.ndarray) -> jnp.ndarray:
    """Axis ratio ``q = (1 − f)/(1 + f)``, ``f = min(|ell_comps|, 0.999)``."""
    f = jnp.minimum(jnp.sqrt(e_y**2 + e_x**2), ELL_COMPS_CLAMP)
    return (1.0 - f) / (1.0 + f)


def eccentric_radius(
    y: jnp.ndarray,
    x: jnp.ndarray,
    centre_y: jnp.ndarray,
    centre_x: jnp.ndarray,
    e_y: jnp.ndarray,
    e_x: jnp.ndarray,
) -> jnp.ndarray:
    """Eccentric radius ξ (arcsec) of points ``(y, x)`` shape (m,) for n profiles; returns (n, m).

    Profile arrays have shape (n,). See the module docstring for the formula.
    """
    e_y, e_x = clamped_ell_comps(e_y, e_x)
    f2 = (e_y**2 + e_x**2)[:, None]
    dy = y[None, :] - centre_y[:, None]
    dx = x[None, :] - centre_x[:, None]
    e_y = e_y[:, None]
    e_x = e_x[:, None]
    num = (1.0 + f2 - 2.0 * e_x) * dx**2 - 4.0 * e_y * dx * dy + (1.0 + f2 + 2.0 * e_x) * dy**2
    return jnp.sqrt(num / (1.0 - f2))
