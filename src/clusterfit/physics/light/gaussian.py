"""Elliptical Gaussian light profile (``Gaussian``) in PyAutoGalaxy's convention.

``I(ξ) = I_0 exp[−½ (ξ √q / σ)²]``: ``autogalaxy``'s ``Gaussian.image_2d_via_radii_from`` divides σ by
√q, with ξ the eccentric radius (:func:`clusterfit.physics.light.geometry.eccentric_radius`). Since
ξ √q = q √(x'² + (y'/q)²), the dispersion is σ along the minor axis and σ/q along the major axis.
``intensity`` is the central intensity I_0 (not a total flux); σ in arcsec.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.light.geometry import axis_ratio, eccentric_radius
from clusterfit.physics.types import Params

__all__ = ["gaussian_intensity"]


def gaussian_intensity(params: Params, y: jnp.ndarray, x: jnp.ndarray) -> jnp.ndarray:
    """Summed intensity of a group of ``Gaussian`` profiles at ``(y, x)`` (arcsec), shape (m,).

    Columns: y, x, ell_comps_0, ell_comps_1, intensity, sigma.
    """
    e_y, e_x = params["ell_comps_0"], params["ell_comps_1"]
    r = eccentric_radius(y, x, params["y"], params["x"], e_y, e_x)
    sigma = (params["sigma"] / jnp.sqrt(axis_ratio(e_y, e_x)))[:, None]
    return jnp.sum(params["intensity"][:, None] * jnp.exp(-0.5 * (r / sigma) ** 2), axis=0)
