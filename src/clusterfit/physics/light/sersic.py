"""Sérsic light profiles (``Sersic``, ``SersicSph``, ``SersicCore``) in PyAutoGalaxy's convention.

``I(ξ) = I_eff exp{−b_n [(ξ/R_eff)^(1/n) − 1]}`` with ξ the eccentric radius
(:func:`clusterfit.physics.light.geometry.eccentric_radius`) and ``b_n`` from the asymptotic series of
Ciotti & Bertin 1999 (eq. 18), as ``autogalaxy``'s ``AbstractSersic.sersic_constant``.

The cored Sérsic (Graham et al. 2003, eq. 4; Trujillo et al. 2004)::

    I(ξ) = I' (1 + (r_b/ξ)^α)^(γ/α) exp{−b_n [(ξ^α + r_b^α)/R_eff^α]^(1/(α n))}
    I'   = I_b 2^(−γ/α) exp{b_n (2^(1/α) r_b / R_eff)^(1/n)}

where ``intensity`` is ``I_b``, the intensity at the break radius ``r_b`` (``radius_break``).

Every function takes a group's :data:`~clusterfit.physics.types.Params` (CSV column names → arrays of
shape (n,)) and positions ``y, x`` of shape (m,) in arcsec, and returns the summed intensity, shape (m,),
in the units of ``intensity``.
"""

from __future__ import annotations

import jax.numpy as jnp

from clusterfit.physics.light.geometry import eccentric_radius
from clusterfit.physics.types import Params

__all__ = ["sersic_constant", "sersic_intensity", "sersic_sph_intensity", "sersic_core_intensity"]


def sersic_constant(n: jnp.ndarray) -> jnp.ndarray:
    """``b_n`` such that ``R_eff`` encloses half the light (Ciotti & Bertin 1999, eq. 18)."""
    return (
        2.0 * n
        - 1.0 / 3.0
        + 4.0 / (405.0 * n)
        + 46.0 / (25515.0 * n**2)
        + 131.0 / (1148175.0 * n**3)
        - 2194697.0 / (30690717750.0 * n**4)
    )


def _sersic(radius: jnp.ndarray, params: Params) -> jnp.ndarray:
    i_eff = params["intensity"][:, None]
    r_eff = params["effective_radius"][:, None]
    n = params["sersic_index"][:, None]
    return i_eff * jnp.exp(-sersic_constant(n) * ((radius / r_eff) ** (1.0 / n) - 1.0))


def sersic_intensity(params: Params, y: jnp.ndarray, x: jnp.ndarray) -> jnp.ndarray:
    """Elliptical Sérsic (``Sersic``): columns y, x, ell_comps_0, ell_comps_1, intensity,
    effective_radius, sersic_index."""
    r = eccentric_radius(y, x, params["y"], params["x"], params["ell_comps_0"], params["ell_comps_1"])
    return jnp.sum(_sersic(r, params), axis=0)


def sersic_sph_intensity(params: Params, y: jnp.ndarray, x: jnp.ndarray) -> jnp.ndarray:
    """Spherical Sérsic (``SersicSph``): columns y, x, intensity, effective_radius, sersic_index."""
    r = jnp.hypot(y[None, :] - params["y"][:, None], x[None, :] - params["x"][:, None])
    return jnp.sum(_sersic(r, params), axis=0)


def sersic_core_intensity(params: Params, y: jnp.ndarray, x: jnp.ndarray) -> jnp.ndarray:
    """Cored Sérsic (``SersicCore``): columns y, x, ell_comps_0, ell_comps_1, effective_radius,
    sersic_index, radius_break, intensity, gamma, alpha. Diverges at ξ = 0 when γ > 0, as PyAutoGalaxy's."""
    r = eccentric_radius(y, x, params["y"], params["x"], params["ell_comps_0"], params["ell_comps_1"])
    r_eff = params["effective_radius"][:, None]
    n = params["sersic_index"][:, None]
    r_b = params["radius_break"][:, None]
    gamma = params["gamma"][:, None]
    alpha = params["alpha"][:, None]
    b_n = sersic_constant(n)
    i_prime = (
        params["intensity"][:, None]
        * 2.0 ** (-gamma / alpha)
        * jnp.exp(b_n * (2.0 ** (1.0 / alpha) * r_b / r_eff) ** (1.0 / n))
    )
    inner = (1.0 + (r_b / r) ** alpha) ** (gamma / alpha)
    outer = jnp.exp(-b_n * ((r**alpha + r_b**alpha) / r_eff**alpha) ** (1.0 / (alpha * n)))
    return jnp.sum(i_prime * inner * outer, axis=0)
